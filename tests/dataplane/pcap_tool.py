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
  pcap_tool.py inject IN OUT AFTER SEQ...
                                   hostile MoldUDP64 datagrams: after the AFTER-th
                                   message datagram (1-based), a copy of it with its
                                   sequence number set to each SEQ in turn (same
                                   session, port, messages); prints what was injected
"""
import json
import struct
import sys


class Frame(bytes):
    """A frame's bytes and its capture time `ts` (seconds, fraction) as read."""
    ts = None


def endian_of(header):
    return '<' if struct.unpack('<I', header[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else '>'


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    endian = endian_of(data)
    off = 24
    out = []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        frame = Frame(data[off + 16:off + 16 + incl])
        frame.ts = (sec, frac)
        out.append(frame)
        off += 16 + incl
    return data[:24], out


def write(path, header, pkts):
    """Writes `pkts`; a frame without a capture time (made or changed here) takes the
    time of the frame before it, so a replay's capture clock stays as recorded."""
    # Snapshot length at least the longest frame: libpcap cuts frames to it on reading.
    longest = max((len(p) for p in pkts), default=0)
    endian = endian_of(header)
    if struct.unpack(endian + 'I', header[16:20])[0] < longest:
        header = header[:16] + struct.pack(endian + 'I', max(longest, 65535)) + header[20:]
    with open(path, 'wb') as f:
        f.write(header)
        ts = (0, 0)
        for p in pkts:
            ts = getattr(p, 'ts', None) or ts
            f.write(struct.pack(endian + 'IIII', ts[0], ts[1], len(p), len(p)))
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
        'not_udp': [udp_frame(7001, b'x' * 40, proto=47)],  # GRE
        'bad_udp_length': [good[:38] + struct.pack('>H', 2000) + good[40:]],
        # The jumbo one arrives in chained mbufs: linearised and parsed like any other.
        'not_feed': [udp_frame(9999, b'hello'), udp_frame(53, b'\x00' * 12), udp_frame(9999, b'j' * 8900)],
        # Larger than the rx stage's 9216-byte linearisation buffer: its own reason.
        'oversized': [udp_frame(7001, b'x' * 10000)],
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


def inject(src, dst, after, seqs):
    header, pkts = read(src)
    out = []
    seen = 0
    injected = []
    for pkt in pkts:
        out.append(pkt)
        if len(pkt) < 62 or pkt[12:14] != b'\x08\x00':
            continue
        first, count = struct.unpack('>QH', pkt[52:62])
        if count in (0, 0xffff):
            continue
        seen += 1
        if seen != after:
            continue
        for s in seqs:
            out.append(pkt[:52] + struct.pack('>Q', s) + pkt[60:])
            injected.append({'seq': s, 'messages': count, 'copy_of': first})
    if seen < after:
        sys.exit(f'inject: {src} has {seen} message datagrams, fewer than {after}')
    write(dst, header, out)
    print(json.dumps({'injected': injected, 'packets': len(out)}))


if __name__ == '__main__':
    if sys.argv[1] == 'malformed':
        malformed(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'ab':
        ab(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == 'seqs':
        seqs(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == 'inject':
        inject(sys.argv[2], sys.argv[3], int(sys.argv[4]), [int(s, 0) for s in sys.argv[5:]])
    else:
        sys.exit(__doc__)
