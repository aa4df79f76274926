#!/usr/bin/env python3
"""A webhook receiver for the tests (docs/alerts.md, "Webhooks"): an HTTP server on
loopback that records every request it gets, one JSON object per line:

  {"time": <unix s>, "path": "/hook", "status": 200, "headers": {...},
   "idempotency_key": "...", "signature": "t=...,v1=...", "sig_ok": true|false|null,
   "body": "<the raw body as text>"}

It verifies nothing except the signature (with --secret; sig_ok is null without it):
tests read the log and assert. It prints its port to --port-file once listening, so a
test can kill it and start it again on the same port (--port).

  webhook_receiver.py --log hooks.jsonl --port-file port.txt [--port N] [--secret S]
                      [--status CODE [--fail-first N]] [--delay SECONDS]
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signature_ok(secret, header, body):
    """X-Txscreen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t.body)>."""
    if not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Recorder:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.count = 0
        self.out = open(args.log, "a", encoding="utf-8")

    def status_for_next(self):
        with self.lock:
            self.count += 1
            if self.args.status and (self.args.fail_first is None or self.count <= self.args.fail_first):
                return self.args.status
            return 200

    def record(self, entry):
        with self.lock:
            self.out.write(json.dumps(entry) + "\n")
            self.out.flush()


def make_handler(recorder):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the sender reuses its connection
        # One segment per response: headers and body written apart would wait for a
        # delayed ACK (~40 ms) on every keep-alive request.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if recorder.args.delay:
                time.sleep(recorder.args.delay)
            status = recorder.status_for_next()
            signature = self.headers.get("X-Txscreen-Signature")
            secret = recorder.args.secret
            recorder.record({
                "time": time.time(),
                "path": self.path,
                "status": status,
                "headers": {k: v for k, v in self.headers.items()},
                "idempotency_key": self.headers.get("Idempotency-Key"),
                "signature": signature,
                "sig_ok": signature_ok(secret, signature, body) if secret else None,
                "body": body.decode("utf-8", errors="replace"),
            })
            reply = b'{"ok":true}' if status < 300 else b'{"ok":false}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *a):  # quiet: the JSON log is the record
            pass

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--log", required=True, help="JSON lines file, appended")
    p.add_argument("--port-file", required=True, help="where the listening port is written")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--secret", help="verify X-Txscreen-Signature with this key")
    p.add_argument("--status", type=int, help="answer this HTTP status instead of 200")
    p.add_argument("--fail-first", type=int, help="only the first N requests get --status")
    p.add_argument("--delay", type=float, default=0, help="seconds to wait before answering")
    args = p.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Recorder(args)))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]) + "\n")
    os.replace(tmp, args.port_file)  # appears whole: a test polls for it
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
