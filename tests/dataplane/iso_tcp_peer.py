#!/usr/bin/env python3
"""A small ISO 8583 acquirer (client) and issuer (server) over real kernel TCP, for
the TCP feed tests: 2-byte big-endian length headers, binary bitmaps, ASCII fields
(txscreen's "binary" dialect). Each keeps its own counts, which the tests compare with
what txscreen reads from a capture of the exchange.

  iso_tcp_peer.py server PORT COUNTS.json [--bind ADDR]   answers until the client says bye
  iso_tcp_peer.py client HOST PORT COUNTS.json --connections N --requests M --seed S

The client writes each connection's requests as one byte stream cut at random
places, one send() per piece with TCP_NODELAY, so messages straddle segments and
several share one. The server declines (field 39 = 05/51/54/14/61) every request
whose STAN the seed's draw marks, approves the rest (39 = 00, an approval code in 38).
"""
import argparse
import json
import random
import socket
import struct
import sys
import threading
import time

# field: (kind, length); kind "fix" = fixed ASCII, "ll" = 2-digit ASCII length prefix.
FIELDS = {2: ("ll", 19), 3: ("fix", 6), 4: ("fix", 12), 7: ("fix", 10), 11: ("fix", 6), 12: ("fix", 6),
          13: ("fix", 4), 18: ("fix", 4), 22: ("fix", 3), 37: ("fix", 12), 38: ("fix", 6), 39: ("fix", 2),
          41: ("fix", 8), 42: ("fix", 15), 43: ("fix", 40), 49: ("fix", 3)}
DECLINES = ["05", "51", "54", "14", "61"]


def luhn_complete(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def encode(mti, fields):
    bitmap = 0
    for f in fields:
        bitmap |= 1 << (64 - f)
    out = bytearray(mti.encode()) + struct.pack(">Q", bitmap)
    for f in sorted(fields):
        kind, n = FIELDS[f]
        v = fields[f].encode()
        if kind == "ll":
            out += b"%02d" % len(v) + v
        else:
            assert len(v) == n, (f, v)
            out += v
    return bytes(out)


def decode(msg):
    mti = msg[:4].decode()
    bitmap = struct.unpack(">Q", msg[4:12])[0]
    off, fields = 12, {}
    for f in range(2, 65):
        if not bitmap & (1 << (64 - f)):
            continue
        kind, n = FIELDS[f]
        if kind == "ll":
            n = int(msg[off:off + 2])
            off += 2
        fields[f] = msg[off:off + n].decode()
        off += n
    assert off == len(msg), "trailing bytes"
    return mti, fields


def frame(msg):
    return struct.pack(">H", len(msg)) + msg


class Reader:
    """Reads length-prefixed messages from a socket."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def next(self):
        while True:
            if len(self.buf) >= 2:
                n = struct.unpack(">H", self.buf[:2])[0]
                if len(self.buf) >= 2 + n:
                    msg, self.buf = self.buf[2:2 + n], self.buf[2 + n:]
                    return msg
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk


def serve_connection(conn, counts, lock, rng):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = Reader(conn)
    while True:
        msg = reader.next()
        if msg is None:
            break
        mti, f = decode(msg)
        declined = rng.random() < 0.2
        code = rng.choice(DECLINES) if declined else "00"
        resp = {k: f[k] for k in (2, 3, 4, 7, 11, 37, 41, 49) if k in f}
        resp[39] = code
        if not declined:
            resp[38] = "%06d" % rng.randrange(1000000)
        with lock:
            counts["requests"] += 1
            counts["declined"] += declined
            counts["by_code"][code] = counts["by_code"].get(code, 0) + 1
        conn.sendall(frame(encode("%04d" % (int(mti) + 10), resp)))
    conn.close()


def server(args):
    counts = {"requests": 0, "declined": 0, "by_code": {}, "connections": 0}
    lock = threading.Lock()
    ls = socket.socket(socket.AF_INET6 if ":" in args.bind else socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.bind, args.port))
    ls.listen(64)
    ls.settimeout(args.timeout)
    threads = []
    print("listening", flush=True)
    try:
        while counts["connections"] < args.expect:
            conn, _ = ls.accept()
            counts["connections"] += 1
            t = threading.Thread(target=serve_connection,
                                 args=(conn, counts, lock, random.Random(args.seed + counts["connections"])))
            t.start()
            threads.append(t)
    finally:
        for t in threads:
            t.join()
        json.dump(counts, open(args.counts, "w"))


def request(rng, stan, when):
    pan = luhn_complete("4%014d" % rng.randrange(10 ** 14))
    return encode("0200", {
        2: pan, 3: "000000", 4: "%012d" % rng.randrange(100, 500000), 7: time.strftime("%m%d%H%M%S", time.gmtime(when)),
        11: "%06d" % stan, 12: time.strftime("%H%M%S", time.gmtime(when)), 13: time.strftime("%m%d", time.gmtime(when)),
        18: "5411", 22: "051", 37: "%012d" % (100000000000 + stan), 41: "TERM%04d" % (stan % 10000),
        42: "MERCHANT%07d" % (stan % 97), 43: ("Corner Shop %04d" % (stan % 53)).ljust(22) + "Springfield".ljust(13)
        + "IL US", 49: "840"})


def client_connection(args, index, counts, lock):
    rng = random.Random(args.seed * 1000 + index)
    s = socket.create_connection((args.host, args.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = Reader(s)
    got = {"responses": 0, "declined": 0}

    def read_responses():
        while got["responses"] < args.requests:
            msg = reader.next()
            if msg is None:
                break
            _, f = decode(msg)
            got["responses"] += 1
            got["declined"] += f[39] != "00"

    t = threading.Thread(target=read_responses)
    t.start()
    stream = b"".join(frame(request(rng, index * 100000 + i + 1, time.time())) for i in range(args.requests))
    straddled, off = 0, 0
    cuts = []
    while off < len(stream):
        n = rng.randrange(5, 400)
        cuts.append((off, min(off + n, len(stream))))
        off += n
    for a, b in cuts:
        s.send(stream[a:b])
        time.sleep(0.002)  # one segment per send: the peer ACKs before the next
    t.join()
    s.shutdown(socket.SHUT_WR)
    s.close()
    # Messages whose bytes lie in more than one send (segment).
    ends = {b for _, b in cuts}
    pos = 0
    for _ in range(args.requests):
        n = struct.unpack(">H", stream[pos:pos + 2])[0]
        end = pos + 2 + n
        straddled += any(pos < e < end for e in ends)
        pos = end
    with lock:
        counts["requests"] += args.requests
        counts["responses"] += got["responses"]
        counts["declined"] += got["declined"]
        counts["straddled"] += straddled
        counts["segments"] += len(cuts)


def client(args):
    counts = {"requests": 0, "responses": 0, "declined": 0, "straddled": 0, "segments": 0,
              "connections": args.connections}
    lock = threading.Lock()
    threads = [threading.Thread(target=client_connection, args=(args, i, counts, lock))
               for i in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    json.dump(counts, open(args.counts, "w"))
    print(json.dumps(counts))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="role", required=True)
    sv = sub.add_parser("server")
    sv.add_argument("port", type=int)
    sv.add_argument("counts")
    sv.add_argument("--bind", default="127.0.0.1")
    sv.add_argument("--expect", type=int, default=1, help="connections to serve before exiting")
    sv.add_argument("--seed", type=int, default=1)
    sv.add_argument("--timeout", type=float, default=60)
    cl = sub.add_parser("client")
    cl.add_argument("host")
    cl.add_argument("port", type=int)
    cl.add_argument("counts")
    cl.add_argument("--connections", type=int, default=3)
    cl.add_argument("--requests", type=int, default=100)
    cl.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    server(args) if args.role == "server" else client(args)


if __name__ == "__main__":
    sys.exit(main())
