#!/usr/bin/env bash
# Event-time poisoning (issue #13, item 2): transactions of unrelated cards dated 2 hours,
# a day and 7973 years ahead of the capture clock, slipped into a labelled txgen JSON
# feed after datagram 100, must not change any other transaction's verdict. Before the
# fix one of them moved the shard watermark and every later genuine event was "too
# late": alerts 917 -> 116 and card_testing, amount_velocity, impossible_travel and
# new_device went to 0.
# usage: event_time_poison.sh TXGEN TXSCREEN
set -euo pipefail
txgen=$1 txscreen=$2
work=$(mktemp -d /tmp/txscreen-evt.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$txgen" --count 20000 --format json --framing raw --seed 5 --fraud-rate 0.05 \
  --out "$work/clean.pcap" --labels "$work/labels.csv" --quiet
# Each forged datagram copies datagram 100's frame and capture time with one JSON
# transaction of a card no other transaction uses (a fresh Luhn-valid PAN).
python3 - "$work/clean.pcap" "$work/poisoned.pcap" <<'PY'
import json, struct, sys
from datetime import datetime, timedelta, timezone
data = open(sys.argv[1], 'rb').read()
head, off, frames = data[:24], 24, []
while off + 16 <= len(data):
    incl = struct.unpack('<I', data[off + 8:off + 12])[0]
    frames.append((data[off:off + 16], data[off + 16:off + 16 + incl]))
    off += 16 + incl
hdr, pkt = frames[100]
template = json.loads(pkt[42:].split(b'\n')[0])
captured = struct.unpack('<II', hdr[:8])
now = datetime.fromtimestamp(captured[0] + captured[1] / 1e6, timezone.utc)

def luhn_pan(body):
    digits = [int(c) for c in body]
    total = sum(d if i % 2 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(reversed(digits)))
    return body + str((10 - total % 10) % 10)

forged = []
for i, ts in enumerate([(now + timedelta(hours=2)).strftime('%Y-%m-%dT%H:%M:%S.000Z'),
                        (now + timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%S.000Z'),
                        '9999-12-31T23:59:59.000Z']):
    t = dict(template, txn_id='forged-%d' % i, ts=ts, card=luhn_pan('49999900000000%d' % i))
    payload = json.dumps(t, separators=(',', ':')).encode()
    ip = bytearray(pkt[14:34]); ip[2:4] = struct.pack('>H', 28 + len(payload)); ip[10:12] = b'\0\0'
    s = sum(struct.unpack('>10H', bytes(ip))); s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
    ip[10:12] = struct.pack('>H', ~s & 0xffff)
    udp = pkt[34:38] + struct.pack('>HH', 8 + len(payload), 0)
    frame = pkt[:14] + bytes(ip) + udp + payload
    forged.append((hdr[:8] + struct.pack('<II', len(frame), len(frame)), frame))
out = open(sys.argv[2], 'wb'); out.write(head)
for i, (h, p) in enumerate(frames):
    out.write(h + p)
    if i == 100:
        for fh, fp in forged: out.write(fh + fp)
PY

for run in clean poisoned; do
  "$txscreen" run --no-spool --no-kafka --pcap "$work/$run.pcap" --quiet \
    --summary-json "$work/$run.json" --verdicts-out "$work/$run.txt"
done
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def feed(run):
    return next(f for f in json.load(open('%s/%s.json' % (w, run)))['feeds'].items() if f[0] == 'json-raw')[1]
def alerts(run):
    return json.load(open('%s/%s.json' % (w, run)))['alerts_by_rule']
clean, poisoned = feed('clean'), feed('poisoned')
assert clean['events_ahead'] == 0 and clean['events_late'] == 0, clean
assert poisoned['events_ahead'] == 3, poisoned
assert poisoned['events_late'] == 0, poisoned
lines = open(w + '/poisoned.txt').read().splitlines()
forged = [l for l in lines if ':forged-' in l]
assert len(forged) == 3 and all('event_time_ahead=' in l for l in forged), forged
rest = sorted(l for l in lines if ':forged-' not in l)
base = sorted(open(w + '/clean.txt').read().splitlines())
assert len(base) == 20000, len(base)
diff = [(a, b) for a, b in zip(base, rest) if a != b]
assert len(rest) == len(base) and not diff, diff[:5]
a = alerts('clean')
assert all(a.get(k, 0) > 0 for k in ('card_testing', 'amount_velocity', 'impossible_travel', 'new_device')), a
print('ok: 3 forged future-dated txns counted as events_ahead, flagged event_time_ahead; '
      'the other 20000 verdicts are identical to the clean run; alerts by rule', a)
PY
