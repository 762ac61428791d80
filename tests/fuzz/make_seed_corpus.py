#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/).

The seeds are the frames of docs/protocol.md, as the deployed bridge scripts
send them, with auth blocks signed the way the phone signs them under the
key and salt fixed in auth_block_fuzzer.cc. Run it again after changing
either; the files it writes are committed.
"""
import base64
import hashlib
import hmac
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = b"fuzz-secret-key"
SALT = "fuzz-salt"
NOW_MS = 1721700000000

IDENTITY = {
    "clientType": "MessengerBotR", "botName": "LOA.i",
    "deviceUUID": "0f8fad5b-d9cb-469f-a165-70867728950e", "deviceID": "ccbd8eee1012327e",
    "macAddress": "02:00:00:00:00:00", "ipAddress": "100.64.0.7", "version": "3.3.2",
}


def auth_block(timestamp=NOW_MS, **overrides):
    block = dict(IDENTITY, timestamp=timestamp, **overrides)
    signed = "|".join([block["clientType"], block["botName"], block["deviceUUID"],
                       block["macAddress"], block["ipAddress"], str(timestamp), SALT])
    block["signature"] = hmac.new(SECRET_KEY, signed.encode(), hashlib.sha256).hexdigest()
    return block


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def message(text, **data_overrides):
    payload = base64.b64encode(text.encode()).decode()
    data = {"room": "테스트방", "channel_id": "18445682959392711", "message_type": "text",
            "content_encoding": "base64", "message_positions": [0, len(payload)],
            "timestamp": "2024-07-23T02:00:00.000Z", "timezone": "Asia/Seoul",
            "sender": "홍길동", "is_group_chat": True, "log_id": "3155889281717409792",
            "user_hash": "a1b2c3", "is_mention": False, "bot_name": "LOA.i",
            "client_type": "MessengerBotR", "auth": auth_block()}
    data.update(data_overrides)
    return compact({"event": "message", "data": data}) + payload


def analyze(text):
    return compact({"event": "analyze", "data": {
        "room": "테스트방", "text": text, "sender": "홍길동", "isGroupChat": True,
        "channelId": "18445682959392711", "logId": "3155889281717409792", "userHash": "a1b2c3",
        "isMention": False, "timestamp": "2024-07-23 11:00:00", "botName": "LOA.i",
        "clientType": "MessengerBotR", "auth": auth_block()}})


def ping_reply(event):
    return compact({"event": event, "data": {
        "bot_name": "LOA.i", "server_timestamp": "2024-07-23 11:00:00.248",
        "monitoring": {"total_memory": 256.0, "memory_usage": 30.5, "memory_percent": 11.9,
                       "message_queue_size": 0, "active_rooms": 3},
        "auth": auth_block(), "timestamp": "2024-07-23T02:00:00.812Z"}})


HANDSHAKE_FIELDS = {
    "clientType": "MessengerBotR", "botName": "LOA.i", "version": "3.3.2",
    "deviceID": "ccbd8eee1012327e", "deviceIP": "100.64.0.7",
    "deviceInfo": "samsung SM-G991N (Android 13, API 33)",
}
FLAT_V32 = dict(HANDSHAKE_FIELDS, version="3.2.1")
FLAT_V330 = dict(HANDSHAKE_FIELDS, version="3.3.0", protocolVersion=3,
                 supportedMessageTypes=["text", "image"])
ENVELOPE = dict(HANDSHAKE_FIELDS, timestamp="2024-07-23T01:59:59.000Z", timezone="Asia/Seoul",
                message_positions=[0, 0])


def fields_of(obj):
    return compact(obj)[1:-1]  # the object's members without its braces


def replay_program(capacity, calls):
    return bytes([capacity - 1]) + b"".join(struct.pack("BbB", k, step, life) for k, step, life in calls)


CORPUS = {
    "frame_decoder": {
        "handshake_v32_flat": compact(FLAT_V32),
        "handshake_v330_flat": compact(FLAT_V330),
        "handshake_v33_envelope": compact({"event": "handshake", "data": ENVELOPE}),
        "message_base64": message("# echo 안녕"),
        "message_emoji_crlf": message("😀 line\nnext") + "\r",
        "message_plain_text": compact({"event": "message", "data": {"room": "r", "text": "plain"}}),
        "analyze_v32": analyze("# echo 안녕"),
        "pong_v333": ping_reply("pong"),
        "ping_reply_v32": ping_reply("ping"),
        "unknown_event": compact({"event": "subscribe", "data": {}}),
        "bad_base64_tail": message("x")[:-2] + "!!",
        "escaped_strings": r'{"event":"analyze","data":{"room":"a\"b\\c\u0001",'
                           r'"text":"\u2028 \ud83d\ude00 \"quoted\""}}',
    },
    "handshake": {
        "envelope_v33": "0" + fields_of(ENVELOPE),
        "flat_v32": "1" + fields_of(FLAT_V32),
        "flat_v330_side_branch": "1" + fields_of(FLAT_V330),
        "envelope_minimal": "0" + fields_of({"botName": "b", "deviceID": "d", "version": "v"}),
        "flat_null_fields": "1" + fields_of({"botName": "b", "deviceID": "d", "version": "v",
                                             "deviceIP": None, "clientType": None}),
    },
    "auth_block": {
        "message_signed": message("# echo 안녕"),
        "analyze_signed": analyze("# echo 안녕"),
        "pong_signed": ping_reply("pong"),
        "message_stale": message("x", auth=auth_block(timestamp=NOW_MS - 400000)),
        "message_other_bot": message("x", auth=auth_block(botName="other")),
        "message_uppercase_signature": message("x", auth={
            **auth_block(), "signature": auth_block()["signature"].upper()}),
        "message_null_fields": message("x", auth={**auth_block(), "macAddress": None,
                                                  "ipAddress": None}),
    },
    "replay_cache": {
        "repeat_inside_window": replay_program(4, [(1, 0, 100), (1, 10, 100), (2, 10, 100)]),
        "fill_and_evict": replay_program(2, [(k, 1, 120) for k in range(6)] + [(0, 1, 120)]),
        "clock_backwards": replay_program(3, [(5, 0, 50), (6, 60, 10), (5, -100, 50), (5, 1, 50)]),
        "renew_behind_long_lived": replay_program(3, [(1, 0, 200), (2, 0, 5), (2, 10, 5),
                                                      (3, 0, 5), (2, 1, 5)]),
    },
}

for target, seeds in CORPUS.items():
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    for name, content in seeds.items():
        data = content if isinstance(content, bytes) else content.encode()
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
