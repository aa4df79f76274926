#!/bin/bash
# Starts the standalone txscreen-kafka-broker, checks kcat sees it, publishes alerts
# with the publisher (test_kafka_publisher "[.external]"), reads them back with kcat
# and checks: count, each txn once, key = card_token, no clear PAN anywhere.
# usage: kafka_kcat.sh BROKER_EXE TEST_EXE [ALERTS]
set -euo pipefail
broker_exe=$1
test_exe=$2
alerts=${3:-20000}

work=$(mktemp -d)
broker_pid=
cleanup() {
    if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$broker_exe" --topic txscreen.alerts --partitions 4 --print-address-file "$work/addr" \
    >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
[ -s "$work/addr" ] || { echo "FAIL: broker wrote no address"; cat "$work/broker.err"; exit 1; }
addr=$(cat "$work/addr")
echo "broker at $addr"

# kcat must see the broker and the pre-created topic.
kcat -b "$addr" -L -m 10 >"$work/meta" 2>&1 || { echo "FAIL: kcat -L"; cat "$work/meta"; exit 1; }
grep -q 'broker 1 at 127.0.0.1:' "$work/meta" || { echo "FAIL: no broker in metadata"; cat "$work/meta"; exit 1; }
grep -q 'topic "txscreen.alerts" with 4 partitions' "$work/meta" || { echo "FAIL: topic missing"; cat "$work/meta"; exit 1; }

TXSCREEN_KAFKA_BROKERS="$addr" TXSCREEN_KAFKA_ALERTS="$alerts" "$test_exe" "[.external]" >"$work/pub.out" 2>&1 \
    || { echo "FAIL: publisher"; cat "$work/pub.out"; exit 1; }

kcat -b "$addr" -C -t txscreen.alerts -o beginning -e -q -m 30 -f '%k\t%s\n' >"$work/alerts.tsv"

python3 - "$work/alerts.tsv" "$alerts" <<'PY'
import json, re, sys
path, want = sys.argv[1], int(sys.argv[2])
ids, bad_key, lines = set(), 0, 0
pan = re.compile(rb'\d{12,19}')
raw = open(path, 'rb').read()
for line in raw.splitlines():
    lines += 1
    key, _, payload = line.partition(b'\t')
    doc = json.loads(payload)
    ids.add(doc['txn_id'])
    if doc['card_token'].encode() != key or len(key) != 32: bad_key += 1
    assert doc['alert'] is True and doc['type'] == 'verdict', doc
# Every long digit run in a payload must be a number field, never the PAN (BIN 41111111).
leaks = [m for m in pan.findall(raw) if m.startswith(b'41111111') and len(m) >= 16]
print(f"consumed {lines} alerts, {len(ids)} distinct txn ids, {bad_key} bad keys, {len(leaks)} PAN-like strings")
ok = lines == want and len(ids) == want and bad_key == 0 and not leaks
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
