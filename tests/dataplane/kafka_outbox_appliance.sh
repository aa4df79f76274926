#!/usr/bin/env bash
# Alerts Kafka could not take are delivered when it returns (issue #5): the appliance
# keeps a bounded backlog in memory, then saves alerts to <spool>/kafka-outbox and
# publishes them from there, without ever making the dataplane wait.
#
#   run 1: `txscreen run --pcap` with kafka.brokers pointing at a port nobody listens
#          on and a 200-message in-memory backlog: every transaction is scored, the
#          controlplane never waits for Kafka (backpressure_waits == 0), /readyz turns
#          503 naming Kafka after 5 s, and every alert ends in the outbox.
#   run 2: the standalone broker is up; `txscreen run` on a capture with no
#          transactions, same spool: the outbox is published, then deleted.
#   kcat:  the alerts on the topic are exactly run 1's alerts (the spool's
#          table=alerts Avro records, read with python3-avro), each once.
# usage: kafka_outbox_appliance.sh TXGEN TXSCREEN BROKER
set -uo pipefail
txgen=$1 txscreen=$2 broker=$3
WORK=$(mktemp -d /tmp/txscreen-outbox.XXXXXX)
bpid= pid=
finish() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; [[ -n $bpid ]] && kill "$bpid" 2>/dev/null; rm -rf "$WORK"; }
trap finish EXIT
fail() { echo "FAIL: $*"; for f in run1.log run2.log; do [[ -f $WORK/$f ]] && { echo "--- $f"; tail -15 "$WORK/$f"; }; done; exit 1; }
N=${OUTBOX_COUNT:-60000}

"$txgen" --count "$N" --format iso8583 --framing moldudp64 --seed 33 --fraud-rate 0.03 \
  --out "$WORK/feed.pcap" --labels "$WORK/labels.csv" --quiet || fail "txgen"
# The same feed with no transactions: a pcap of just the global header.
head -c 24 "$WORK/feed.pcap" > "$WORK/empty.pcap"
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

config() {  # brokers
  cat <<EOF
[kafka]
brokers = "$1"
max_backlog_messages = 200
shutdown_flush = "1s"
[spool]
dir = "$WORK/spool"
EOF
}
config "127.0.0.1:$dead" > "$WORK/down.toml"
"$txscreen" check-config "$WORK/down.toml" > "$WORK/check.txt" 2>&1 || fail "config refused: $(cat "$WORK/check.txt")"

# Run 1 replays the capture in a loop (a looped MoldUDP64 capture is all duplicates
# after the first pass, so the verdicts are the feed's, once) with the admin API up:
# /readyz must say Kafka is not acknowledging while screening goes on; then SIGTERM.
"$txscreen" run --config "$WORK/down.toml" --pcap "$WORK/feed.pcap" --loop \
  --admin 127.0.0.1:0 --admin-token outbox-test-token-0123456789 --ready-file "$WORK/ready" \
  --summary-json "$WORK/s1.json" > "$WORK/run1.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q '^admin ' "$WORK/ready" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "run 1 exited early"
  sleep 0.1
done
url=$(awk '/^admin /{print $2}' "$WORK/ready" 2>/dev/null)
[[ -n $url ]] || fail "run 1 did not start"
ready_reason=
for _ in $(seq 1 150); do
  body=$(curl -s -w '\n%{http_code}' "$url/readyz")
  if [[ ${body##*$'\n'} == 503 && $body == *"kafka not acknowledging"* ]]; then ready_reason=${body%$'\n'*}; break; fi
  sleep 0.1
done
[[ -n $ready_reason ]] || fail "readyz never reported Kafka unreachable (last: $body)"
echo "ok: /readyz 503 while Kafka is unreachable: $ready_reason"
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] || fail "run 1 exit $rc after SIGTERM"
python3 - "$WORK/s1.json" "$N" <<'PY' || fail "run 1 summary"
import json, sys
s, n = json.load(open(sys.argv[1])), int(sys.argv[2])
k = s['kafka']
assert s['verdicts'] == n and s['identities_hold'], (s['verdicts'], s['identities_hold'])
assert s['alerts'] > 1000, s['alerts']
assert 'outbox_backlog' in k and k['alerts_acked'] == 0, k
# The dataplane never waited: the controlplane held nothing back for Kafka.
assert k['backpressure_waits'] == 0, k
# Every alert is in the outbox: spilled when the backlog was full, or saved when the
# backlog was purged at shutdown.
assert k['alerts_spilled'] + k['alerts_saved'] == s['alerts'], k
assert k['alerts_produced'] == k['alerts_saved'] + k['alerts_failed'] + k['alerts_pending'] + k['alerts_acked'], k
assert k['outbox_backlog'] == s['alerts'] and k['outbox_lost'] == 0 and k['alerts_failed'] == 0, k
print(f"ok: run 1, Kafka unreachable: {n} scored, {s['alerts']} alerts in the outbox "
      f"({k['alerts_spilled']} spilled past the 200-message backlog, {k['alerts_saved']} saved at shutdown)")
PY
ls "$WORK/spool/kafka-outbox/"*.kob > /dev/null 2>&1 || fail "no outbox segment files"

"$broker" --topic txscreen.alerts --partitions 4 --print-address-file "$WORK/addr" > "$WORK/broker.log" 2>&1 &
bpid=$!
for _ in $(seq 100); do [[ -s $WORK/addr ]] && break; sleep 0.05; done
[[ -s $WORK/addr ]] || fail "broker wrote no address: $(cat "$WORK/broker.log")"
brokers=$(cat "$WORK/addr")
config "$brokers" > "$WORK/up.toml"
"$txscreen" run --config "$WORK/up.toml" --pcap "$WORK/empty.pcap" --idle-timeout 2 --summary-json "$WORK/s2.json" \
  > "$WORK/run2.log" 2>&1 || fail "run 2 exit $?"
alerts=$(python3 -c "import json; print(json.load(open('$WORK/s1.json'))['alerts'])")
python3 - "$WORK/s2.json" "$alerts" <<'PY' || fail "run 2 summary"
import json, sys
s, a = json.load(open(sys.argv[1])), int(sys.argv[2])
k = s['kafka']
assert s['verdicts'] == 0, s['verdicts']
assert k['outbox_recovered'] == a and k['outbox_replayed'] == a and k['outbox_backlog'] == 0, k
assert k['alerts_acked'] == a and k['alerts_failed'] == 0, k
print(f"ok: run 2, broker up: {a} alerts from the outbox published and acked")
PY
left=$(find "$WORK/spool/kafka-outbox" -name '*.kob' | wc -l)
[[ $left == 0 ]] || fail "$left outbox segments left after everything was acked"

kcat -b "$brokers" -C -t txscreen.alerts -o beginning -e -q -m 30 -f '%k\t%s\n' > "$WORK/alerts.tsv" 2> "$WORK/kcat.err" ||
  fail "kcat: $(cat "$WORK/kcat.err")"
/usr/bin/python3 - "$WORK" <<'PY' || fail "Kafka vs spool"
import collections, glob, json, os, sys
import avro.datafile, avro.io
work = sys.argv[1]
spool = collections.Counter()
for path in glob.glob(os.path.join(work, 'spool', '**', 'table=alerts', '**', '*.avro'), recursive=True):
    with avro.datafile.DataFileReader(open(path, 'rb'), avro.io.DatumReader()) as rd:
        for r in rd:
            spool[r.get('txn_id') or r.get('rrn')] += 1
kafka = collections.Counter()
for line in open(os.path.join(work, 'alerts.tsv'), 'rb').read().splitlines():
    key, _, payload = line.partition(b'\t')
    doc = json.loads(payload)
    if doc.get('type') == 'spike':  # spike events share the topic (docs/alerts.md)
        continue
    assert doc['alert'] is True and doc['card_token'].encode() == key, doc
    kafka[doc.get('txn_id') or doc.get('rrn')] += 1
n_spool, n_kafka = sum(spool.values()), sum(kafka.values())
assert n_spool > 0 and n_kafka == n_spool, (n_kafka, n_spool)
# A duplicate-scenario copy repeats its original's id and may alert too: compare
# multiplicities, not sets.
assert kafka == spool, 'alerts on the topic differ from the alerts in the spool'
print(f"ok: kcat: {n_kafka} alerts on the topic, exactly the {n_spool} alerts in the spool, each once")
PY
echo "PASS"
