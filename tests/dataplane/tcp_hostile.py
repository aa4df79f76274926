#!/usr/bin/env python3
"""Writes a capture of hostile and broken TCP streams to an ISO 8583 server port, and
prints what txscreen must make of it (JSON): the STANs of the requests that must
still be screened and the counters that must move. Used by tcp_hostile.sh.

  tcp_hostile.py OUT.pcap PORT

Connections (client 10.9.0.x -> server 10.9.0.1:PORT, binary dialect, len2be):
  zero      a length header of 0 between valid messages
  huge      a length header of 65535 (beyond max_message), then valid messages
  garbage   a segment lost (sequence jump), the next one starts with garbage
  rst       a message cut by an RST
  pickup    no handshake: the tap starts mid-message
  steady    an established connection that keeps talking through a SYN flood
  flood     SYNs from 3000 source ports that never complete
"""
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from iso_tcp_peer import frame, request  # noqa: E402

SERVER = bytes([10, 9, 0, 1])
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Capture:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1_800_000_000.0

    def packet(self, src, sport, dst, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
        eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
        frame_bytes = eth + ip + tcp + payload
        self.t += 0.0001
        sec, usec = int(self.t), int((self.t % 1) * 1e6)
        self.f.write(struct.pack("<IIII", sec, usec, len(frame_bytes), len(frame_bytes)) + frame_bytes)


class Conn:
    """One client connection; `send` writes client->server data, `reply` a response."""

    def __init__(self, cap, client_host, sport, port, handshake=True, isn=1000):
        self.cap, self.src, self.sport, self.port = cap, bytes([10, 9, 0, client_host]), sport, port
        self.cseq, self.sseq = isn, 500000
        if handshake:
            cap.packet(self.src, sport, SERVER, port, self.cseq, 0, SYN)
            cap.packet(SERVER, port, self.src, sport, self.sseq, self.cseq + 1, SYN | ACK)
            self.cseq += 1
            self.sseq += 1
            cap.packet(self.src, sport, SERVER, port, self.cseq, self.sseq, ACK)

    def send(self, data, advance_only=False):
        if not advance_only:
            self.cap.packet(self.src, self.sport, SERVER, self.port, self.cseq, self.sseq, PSH | ACK, data)
        self.cseq += len(data)

    def close(self):
        self.cap.packet(self.src, self.sport, SERVER, self.port, self.cseq, self.sseq, FIN | ACK)
        self.cap.packet(SERVER, self.port, self.src, self.sport, self.sseq, self.cseq + 1, FIN | ACK)
        self.cap.packet(self.src, self.sport, SERVER, self.port, self.cseq + 1, self.sseq + 1, ACK)

    def reset(self):
        self.cap.packet(self.src, self.sport, SERVER, self.port, self.cseq, self.sseq, RST | ACK)


def main():
    out, port = sys.argv[1], int(sys.argv[2])
    rng = random.Random(5)
    cap = Capture(out)
    stans = iter(range(1, 1_000_000))
    expect = []  # STANs txscreen must screen

    def msg(keep=True):
        stan = next(stans)
        if keep:
            expect.append("%06d" % stan)
        return frame(request(rng, stan, cap.t))

    c = Conn(cap, 2, 40001, port)                 # zero: a 0 length between messages
    c.send(msg() + msg())
    c.send(b"\x00\x00")
    c.send(msg() + msg())
    c.close()

    c = Conn(cap, 3, 40002, port)                 # huge: 65535 > max_message
    c.send(msg())
    c.send(b"\xff\xff" + bytes(rng.randrange(256) for _ in range(300)))
    c.send(msg() + msg())
    c.close()

    c = Conn(cap, 4, 40003, port)                 # garbage after a lost segment
    c.send(msg())
    lost = msg(keep=False)
    c.send(lost[:50], advance_only=True)          # the tap never saw these bytes
    c.send(lost[50:] + b"\x07" * 33)              # the rest of the lost message, then garbage
    c.send(msg() + msg())
    c.close()

    c = Conn(cap, 5, 40004, port)                 # RST mid-message
    c.send(msg())
    cut = msg(keep=False)
    c.send(cut[:60])
    c.reset()

    c = Conn(cap, 6, 40005, port, handshake=False, isn=77777)  # pickup mid-message
    half = msg(keep=False)
    c.send(half[40:])
    c.send(msg() + msg())
    c.close()

    steady = Conn(cap, 7, 40006, port)            # keeps talking through a SYN flood
    steady.send(msg())
    for i in range(3000):
        cap.packet(bytes([10, 9, 1 + i // 250, 1 + i % 250]), 30000 + i, SERVER, port, rng.randrange(1 << 32), 0, SYN)
        if i % 500 == 499:
            steady.send(msg())
    steady.send(msg())
    steady.close()
    print(json.dumps({"stans": expect}))


if __name__ == "__main__":
    main()
