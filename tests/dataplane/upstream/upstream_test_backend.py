#!/usr/bin/env python3
"""A switchable bot backend for relayd's upstream tests (loopback only).

Listens on the port given as the first argument (0 or none: any free
port) and prints "PORT <n>" once listening. POST /control with a mode as the body
switches how every later request is answered:
  ok       200 {"replies":[{"text":"upstream: <text>"}]}; texts starting with
           "sleep:<ms> " are answered after that delay, "silent" gets an
           empty body, "media" an image reply, "refuse" an error answer
  500      HTTP 500
  400      HTTP 400
  hang     no answer until the mode changes (or 60 s)
  garbage  200 with a body that is not JSON
  close    the connection is closed without an answer
GET /stats answers {"requests":N,"connections":M} (chat requests seen, TCP
connections accepted). Stops on SIGTERM or when stdin closes.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"mode": "ok", "requests": 0, "connections": 0}
lock = threading.Lock()
mode_changed = threading.Condition(lock)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as relayd's pool expects

    def setup(self):
        super().setup()
        with lock:
            state["connections"] += 1

    def log_message(self, *args):
        pass

    def send_body(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/stats":
            return self.send_body(404, "{}")
        with lock:
            body = json.dumps({"requests": state["requests"], "connections": state["connections"]})
        self.send_body(200, body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if self.path == "/control":
            with lock:
                state["mode"] = body.strip()
                mode_changed.notify_all()
            return self.send_body(200, "{}")
        with lock:
            state["requests"] += 1
            mode = state["mode"]
        if mode == "hang":
            with lock:
                mode_changed.wait_for(lambda: state["mode"] != "hang", timeout=60)
            self.close_connection = True
            return
        if mode == "close":
            self.close_connection = True
            return
        if mode in ("500", "400"):
            return self.send_body(int(mode), '{"detail":"test backend says no"}')
        if mode == "garbage":
            return self.send_body(200, "<html>not json{")
        message = json.loads(body)
        text = message["text"]
        if text.startswith("sleep:"):
            delay, _, text = text[len("sleep:"):].partition(" ")
            time.sleep(int(delay) / 1000.0)
        if text == "silent":
            return self.send_body(200, "")
        if text == "refuse":
            return self.send_body(200, json.dumps({"error": "backend refuses this"}))
        if text == "media":
            return self.send_body(200, json.dumps({"replies": [
                {"text": "picture:"},
                {"mediaType": "image", "sources": ["https://example.com/a.png"], "waitMs": 1500}]}))
        reply = "upstream: %s (%s/%s/%s)" % (text, message["bot"], message["room"], message["sender"])
        self.send_body(200, json.dumps({"replies": [{"text": reply}]}, ensure_ascii=False))


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    ThreadingHTTPServer.allow_reuse_address = True  # restart on the same port at once
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # the test closes our stdin (or kills us) to stop


if __name__ == "__main__":
    main()
