// Fuzz target: one received line through the frame decoder, as a session
// feeds it (with the read buffer's padding after the line).
//
// Properties beyond "no crash, no out-of-bounds read":
//  * a failure carries a reason for the log and the error event;
//  * a decoded frame satisfies the decoder's contract (required fields
//    present, decoded text valid UTF-8 within the KakaoTalk limit);
//  * decoding is deterministic with a warm, reused decoder (no state leaks
//    from one line to the next, as on a long-lived connection);
//  * the strings a hostile phone controls (room, text) cannot break out of
//    the JSON of a reply: encoded for either client generation they parse
//    back to exactly the same values.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/protocol/base64.h"
#include "dataplane/protocol/frame_decoder.h"
#include "dataplane/protocol/frame_encoder.h"
#include "dataplane/protocol/text.h"
#include "tests/dataplane/protocol/padded_line.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using botrelay::protocol::ClientGeneration;
using botrelay::protocol::DecodedFrame;
using botrelay::protocol::DecodeResult;
using botrelay::protocol::FrameDecoder;
using botrelay::protocol::FrameKind;
using botrelay::protocol::OutboundEvent;
using botrelay::protocol::ReplyTarget;
using botrelay::protocol::testing::PaddedLine;

constexpr int64_t kNowMs = 1'721'700'000'248;

void CheckContract(const DecodedFrame& frame) {
  switch (frame.kind) {
    case FrameKind::kHandshake:
      FUZZ_CHECK(!frame.handshake.bot_name.empty());
      FUZZ_CHECK(!frame.handshake.device_id.empty());
      FUZZ_CHECK(!frame.handshake.version.empty());
      break;
    case FrameKind::kChat:
      FUZZ_CHECK(!frame.chat.room.empty());
      FUZZ_CHECK(botrelay::protocol::IsValidUtf8(frame.chat.room));
      FUZZ_CHECK(botrelay::protocol::IsValidUtf8(frame.chat.text));
      FUZZ_CHECK(botrelay::protocol::Utf16Length(frame.chat.text) <=
                 botrelay::protocol::kKakaoTalkMaxTextUnits);
      break;
    case FrameKind::kPingReply:
      break;
  }
}

// The JSON object of a reply line: the whole line for v3.2, the header up to
// the last '}' for v3.3 (the raw tail follows it).
std::string_view JsonHeader(std::string_view line) {
  return line.substr(0, line.rfind('}') + 1);
}

std::string_view StringField(simdjson::dom::element data, const char* key) {
  std::string_view value;
  FUZZ_CHECK(data[key].get(value) == simdjson::SUCCESS);
  return value;
}

// Encodes a reply to the decoded chat message and parses it back.
void CheckReplyRoundTrip(const DecodedFrame& frame) {
  static simdjson::dom::parser parser;
  const ReplyTarget target{frame.chat.room, frame.chat.channel_id, "fuzz-bot"};
  for (ClientGeneration generation : {ClientGeneration::kV32, ClientGeneration::kV33}) {
    std::string out;
    botrelay::protocol::AppendTextReply(out, generation, OutboundEvent::kMessageResponse, target,
                                        frame.chat.text, kNowMs);
    FUZZ_CHECK(!out.empty() && out.back() == '\n');
    const std::string_view line(out.data(), out.size() - 1);
    FUZZ_CHECK(line.find('\n') == std::string_view::npos);  // one frame is one line

    simdjson::dom::element root;
    FUZZ_CHECK(parser.parse(JsonHeader(line)).get(root) == simdjson::SUCCESS);
    simdjson::dom::element data;
    FUZZ_CHECK(root["data"].get(data) == simdjson::SUCCESS);
    FUZZ_CHECK(StringField(data, "room") == frame.chat.room);
    if (generation == ClientGeneration::kV32) {
      FUZZ_CHECK(StringField(data, "text") == frame.chat.text);
    } else {
      std::string text;
      FUZZ_CHECK(botrelay::protocol::Base64Decode(line.substr(JsonHeader(line).size()), text));
      FUZZ_CHECK(text == frame.chat.text);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FrameDecoder decoder;  // warm and reused, as on a session's shard
  const PaddedLine line(std::string_view(reinterpret_cast<const char*>(data), size));

  DecodedFrame frame;
  const DecodeResult result = decoder.Decode(line.view(), frame);
  // Views may point into the decoder's scratch storage: keep copies for the
  // determinism check before decoding again.
  std::string first_text;
  std::string first_room;
  if (!result.ok) {
    FUZZ_CHECK(!result.detail.empty());
  } else {
    CheckContract(frame);
    if (frame.kind == FrameKind::kChat) {
      CheckReplyRoundTrip(frame);
      first_text = frame.chat.text;
      first_room = frame.chat.room;
    }
  }

  DecodedFrame again;
  const DecodeResult repeat = decoder.Decode(line.view(), again);
  FUZZ_CHECK(repeat.ok == result.ok);
  FUZZ_CHECK(repeat.ok || repeat.code == result.code);
  if (repeat.ok) {
    FUZZ_CHECK(again.kind == frame.kind);
    if (again.kind == FrameKind::kChat) {
      FUZZ_CHECK(again.chat.text == first_text);
      FUZZ_CHECK(again.chat.room == first_room);
    }
  }
  return 0;
}
