#!/usr/bin/env bash
# Spike alerts end to end (issue #17, acceptance 3): a txgen JSON feed of ~24 minutes of
# event time with `--spike mcc=5411,at=12m,x=20` (MCC 5411, groceries, carries a
# steady ~10 % of normal traffic) -> `txscreen run --pcap` -> table=spikes in the spool
# (read with python3-avro) holds a spike of kind volume or alert_rate for mcc 5411 whose
# window starts within two windows of the injection; the same feed without --spike
# (same seed and size) raises no spike of kind volume or alert_rate at all.
# Both feeds are fraud-free (--fraud-rate 0): an injected fraud scenario is itself a
# legitimate alert-rate spike of its merchant or country (a card-testing run of 10
# alerts in one minute of a small country), so a feed with fraud is not flat.
# usage: spike_appliance.sh TXGEN TXSCREEN
set -uo pipefail
txgen=$1 txscreen=$2
here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/txscreen-spike.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; for f in "$WORK"/*.log; do [[ -f $f ]] && { echo "== $f"; tail -20 "$f"; }; done; exit 1; }
N=${SPIKE_COUNT:-60000}
START=2026-11-01T00:00:00Z
feed=(--format json --count "$N" --event-rate 60 --fraud-rate 0 --seed 23 --start "$START" --quiet)

"$txgen" "${feed[@]}" --spike mcc=5411,at=12m,x=20 --out "$WORK/spike.pcap" --labels "$WORK/spike.csv" ||
  fail "txgen --spike"
"$txgen" "${feed[@]}" --out "$WORK/flat.pcap" --labels "$WORK/flat.csv" || fail "txgen flat"
grep -q ',spike,P000001$' "$WORK/spike.csv" || fail "no spike rows in the labels"
! grep -q ',spike,' "$WORK/flat.csv" || fail "spike rows in the flat feed's labels"

run() {  # run NAME: the feed NAME.pcap into its own spool
  cat > "$WORK/$1.toml" <<EOF
[spool]
dir = "$WORK/$1-spool"
[aggregates]
enabled = true
window = "1m"
allowed_lateness = "30s"
[spikes]
enabled = true
z_threshold = 4.0
warmup_windows = 5
min_transactions = 30
min_alerts = 5
EOF
  "$txscreen" check-config "$WORK/$1.toml" > "$WORK/check-$1.log" 2>&1 || fail "config refused: $(cat "$WORK/check-$1.log")"
  timeout 120 "$txscreen" run --config "$WORK/$1.toml" --pcap "$WORK/$1.pcap" --no-kafka --quiet \
    --summary-json "$WORK/$1.json" > "$WORK/run-$1.log" 2>&1 || fail "txscreen run $1"
}
run spike
run flat

/usr/bin/python3 - "$WORK" "$here" "$START" <<'PY' || fail "spike events"
import collections, sys
work, here, start = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, here)
import aggregates_recompute as ar
at = ar.event_ms(start) + 12 * 60_000
window = 60_000


def spikes(name):
    rows = list(ar.spool_records(f'{work}/{name}-spool', 'spikes'))
    by_kind = collections.Counter(r['kind'] for r in rows)
    print(f"{name} feed: {len(rows)} spike events {dict(by_kind)}")
    for r in rows:
        if name == 'flat' or (r['dimension'], r['key']) == ('mcc', '5411'):
            print(f"  {r['kind']} {r['dimension']}={r['key']} window {r['window_start_ms']} "
                  f"observed {r['observed']:.4g} baseline {r['baseline']:.4g} z {r['z']:.1f}")
    return rows


found = [r for r in spikes('spike') if r['dimension'] == 'mcc' and r['key'] == '5411' and
         r['kind'] in ('volume', 'alert_rate') and 0 <= int(r['window_start_ms']) - at < 2 * window]
assert found, 'no volume or alert_rate spike of mcc 5411 within two windows of the injection'
flat = [r for r in spikes('flat') if r['kind'] in ('volume', 'alert_rate')]
assert not flat, f'{len(flat)} volume / alert_rate spikes on the flat feed'
kinds = sorted({r['kind'] for r in found})
print(f"ok: the injected spike flagged ({', '.join(kinds)}) in window "
      f"{min(int(r['window_start_ms']) for r in found)} (injected at {at}); the flat feed raised none")
PY
echo "ok: spike_appliance"
