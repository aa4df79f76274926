#!/usr/bin/env python3
"""Small pcap helper for the dataplane tests (classic libpcap format, Ethernet).

  pcap_tool.py malformed IN OUT    write OUT = IN's packets interleaved with one of each
                                   kind of malformed or non-feed frame; prints the
                                   expected drop counts by reason as JSON
  pcap_tool.py ab IN OUT P SEED    A/B lines from a one-line capture (port 7001): each
                                   line drops datagrams at random with probability P,
                                   never both copies of one datagram (B = port 7101)
  pcap_tool.py seqs IN PORT...     prints the MoldUDP64 sequence numbers carried on
                                   the given UDP ports (union), one count line as JSON
"""
import json
import struct
import sys


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    out = []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return data[:24], out


def write(path, header, pkts):
    with open(path, 'wb') as f:
        f.write(header)
        for p in pkts:
            f.write(struct.pack('<IIII', 0, 0, len(p), len(p)))
            f.write(p)


def udp_frame(dport, payload, proto=17, frag=0):
    udp = struct.pack('>HHHH', 40000, dport, 8 + len(payload), 0) + payload
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, frag, 64, proto, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip + udp


def malformed(src, dst):
    header, pkts = read(src)
    good = pkts[0]
    bad = {
        'truncated_l2': [good[:10]],
        'not_ip': [b'\xff' * 6 + b'\x02' * 6 + b'\x08\x06' + b'\x00' * 28],  # ARP
        'truncated_l3': [good[:30]],
        'bad_ip_header': [good[:14] + bytes([0x65]) + good[15:]],
        'ip_fragment': [udp_frame(7001, b'x' * 40, frag=0x2000), udp_frame(7001, b'x' * 40, frag=0x0005)],
        'not_udp': [udp_frame(7001, b'x' * 40, proto=6)],
        'bad_udp_length': [good[:38] + struct.pack('>H', 2000) + good[40:]],
        'not_feed': [udp_frame(9999, b'hello'), udp_frame(53, b'\x00' * 12)],
    }
    # Feed datagrams whose framing is broken: counted as framing rejects, not drops.
    mold = good[42:]
    framing = [
        udp_frame(7001, mold[:12]),                                   # shorter than the header
        udp_frame(7001, mold[:20] + b'\x7f\xff' + mold[22:60]),       # length past the end
    ]
    out = []
    extra = [p for v in bad.values() for p in v] + framing
    step = max(1, len(pkts) // (len(extra) + 1))
    j = 0
    for i, p in enumerate(pkts):
        out.append(p)
        if i % step == step - 1 and j < len(extra):
            out.append(extra[j])
            j += 1
    out.extend(extra[j:])
    write(dst, header, out)
    print(json.dumps({'drops': {k: len(v) for k, v in bad.items()}, 'framing_rejects': len(framing),
                      'good_packets': len(pkts), 'packets': len(out)}))


def ab(src, dst, p, seed):
    import random
    rnd = random.Random(seed)
    header, pkts = read(src)
    out = []
    drops = {'a': 0, 'b': 0}
    for pkt in pkts:
        dport = struct.unpack('>H', pkt[36:38])[0] if len(pkt) >= 38 else 0
        if dport != 7001:
            out.append(pkt)
            continue
        b = bytearray(pkt)
        b[36:38] = struct.pack('>H', 7101)
        drop_a = rnd.random() < p
        drop_b = not drop_a and rnd.random() < p
        drops['a'] += drop_a
        drops['b'] += drop_b
        if not drop_a:
            out.append(pkt)
        if not drop_b:
            out.append(bytes(b))
    write(dst, header, out)
    print(json.dumps({'dropped_a': drops['a'], 'dropped_b': drops['b'], 'packets': len(out)}))


def seqs(src, ports):
    _, pkts = read(src)
    ports = {int(p) for p in ports}
    seen = set()
    lines = {p: 0 for p in ports}
    for p in pkts:
        if len(p) < 42 or p[12:14] != b'\x08\x00':
            continue
        dport = struct.unpack('>H', p[36:38])[0]
        if dport not in ports:
            continue
        mold = p[42:]
        first, count = struct.unpack('>QH', mold[10:20])
        if count in (0, 0xffff):
            continue
        lines[dport] += count
        seen.update(range(first, first + count))
    lo, hi = (min(seen), max(seen)) if seen else (0, -1)
    print(json.dumps({'unique': len(seen), 'missing_in_span': (hi - lo + 1) - len(seen),
                      'copies': sum(lines.values()), 'per_port': {str(k): v for k, v in lines.items()}}))


if __name__ == '__main__':
    if sys.argv[1] == 'malformed':
        malformed(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'ab':
        ab(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == 'seqs':
        seqs(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
