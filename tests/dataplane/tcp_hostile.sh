#!/usr/bin/env bash
# Hostile and broken TCP streams on a TCP feed (docs/feeds.md, "What happens to the
# bytes"): length headers of 0 and beyond max_message, garbage after a lost segment,
# an RST mid-message, a tap that starts mid-message, and a flood of SYNs into a small
# flow table while an established connection keeps talking. Each is counted by
# reason; every valid request is still screened, exactly once; identities hold.
set -euo pipefail
txscreen=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/txscreen-tcphostile.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$here/tcp_hostile.py" "$work/h.pcap" 8583 > "$work/expect.json"
cat > "$work/c.toml" <<'TOML'
[[feed]]
name = "acq1"
transport = "tcp"
port = 8583
payload = "iso8583"
dialect = "binary"
[tcp]
flows = 64
TOML
timeout 120 "$txscreen" run --config "$work/c.toml" --pcap "$work/h.pcap" --quiet --spool "$work/spool" \
  --summary-json "$work/s.json" --verdicts-out "$work/v.txt" || fail "txscreen run failed"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
s = json.load(open(f"{w}/s.json")); want = json.load(open(f"{w}/expect.json"))['stans']
t = s['feeds']['acq1']['tcp']
assert s['identities_hold'], s['identities']
got = sorted(l.split()[0].split('/')[1] for l in open(f"{w}/v.txt") if ' outcome=' not in l)
assert got == sorted(want), (got, want)
assert t['bad_length'] == 2, t                       # the 0 and the 65535 length headers
assert t['closed']['reset'] == 1 and t['partial_messages_dropped'] >= 1, t   # RST mid-message
assert t['gaps'] == 1 and t['gap_bytes'] == 50, t    # the segment the tap lost
assert t['resyncs'] >= 4, t                          # after 0, 65535, the gap, the pickup
assert t['discarded_bytes'] > 0
assert t['closed']['evicted'] + t['refused'] >= 2900, t   # the SYN flood went somewhere counted
assert sum(s['rejects'].values()) == 0, s['rejects']
print(f"ok: {len(got)} valid requests screened once each among hostile streams: bad_length {t['bad_length']}, "
      f"resyncs {t['resyncs']}, gap bytes {t['gap_bytes']}, discarded {t['discarded_bytes']} bytes, "
      f"reset {t['closed']['reset']}, partial dropped {t['partial_messages_dropped']}, "
      f"SYN flood: {t['closed']['evicted']} half-open evicted, {t['refused']} refused; the steady connection kept every message")
PY
