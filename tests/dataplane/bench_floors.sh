#!/usr/bin/env bash
# `txscreen bench` and its floors (issue #19): a short run on a raw-framed capture prints,
# in its JSON last line, the pipeline's ns per transaction and the floors measured beside
# it (decode + tokenization, screening, velocity table accesses, rx from testpmd), their
# sum and the ratio; --no-floors leaves them out; a capture no feed decodes still gives
# the runs' figures and a floors message naming the capture. Figures are checked for
# presence and consistency, never against a time.
# usage: bench_floors.sh TXGEN TXSCREEN
set -uo pipefail
txgen=$1 txscreen=$2
work=$(mktemp -d /tmp/txscreen-floors.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do [[ -f $f ]] && { echo "== $f"; tail -15 "$f"; }; done; exit 1; }

"$txgen" --count 20000 --framing raw --seed 5 --out "$work/raw.pcap" --quiet || fail "txgen"
bench=("$txscreen" bench --duration 1 --runs 1 --no-spool)

"${bench[@]}" --pcap "$work/raw.pcap" > "$work/floors.log" 2>&1 || fail "txscreen bench exited $?"
tail -1 "$work/floors.log" > "$work/floors.json"
python3 - "$work/floors.json" <<'PY' || fail "floors in the JSON line"
import json, sys
d = json.load(open(sys.argv[1]))
floors = ['floor_rx_ns', 'floor_decode_ns', 'floor_screen_ns', 'floor_velocity_ns']
for k in floors[1:] + ['floors_sum_ns', 'pipeline_ns', 'pipeline_over_floors', 'tx_per_s']:
    assert isinstance(d.get(k), (int, float)) and d[k] > 0, (k, d.get(k))
present = [d[k] for k in floors if d.get(k) is not None]
assert abs(sum(present) - d['floors_sum_ns']) < 0.2 * len(present), (present, d['floors_sum_ns'])
assert abs(d['pipeline_ns'] / d['floors_sum_ns'] - d['pipeline_over_floors']) < 0.02, d
print(f"ok: pipeline {d['pipeline_ns']} ns/txn = {d['pipeline_over_floors']} x the floors "
      f"(rx {d.get('floor_rx_ns')}, decode {d['floor_decode_ns']}, screen {d['floor_screen_ns']}, "
      f"velocity {d['floor_velocity_ns']})")
PY

"${bench[@]}" --no-testpmd --no-floors --pcap "$work/raw.pcap" > "$work/nofloors.log" 2>&1 || fail "bench --no-floors exited $?"
tail -1 "$work/nofloors.log" | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d['tx_per_s'] > 0 and not [k for k in d if k.startswith('floor')], d" || fail "--no-floors printed floors"
echo "ok: --no-floors: the runs' figures, no floor fields"

# Packets to a port no feed listens on: the runs decode nothing, the floors say why.
"$txgen" --count 2000 --framing raw --port 9999 --out "$work/other.pcap" --quiet || fail "txgen --port"
"${bench[@]}" --no-testpmd --pcap "$work/other.pcap" > "$work/other.log" 2>&1 || fail "bench on a capture no feed decodes exited $?"
grep -q "floors: .*other.pcap.*no message" "$work/other.log" || fail "no floors message naming the capture"
echo "ok: a capture no feed decodes: $(grep -o 'floors: .*' "$work/other.log" | cut -c1-160)"
