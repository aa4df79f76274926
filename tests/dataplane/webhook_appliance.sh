#!/usr/bin/env bash
# Webhooks on the appliance (issue #17, acceptance 1): a txgen capture (60K
# transactions, 2% fraud, MoldUDP64) replayed by `txscreen run --pcap --loop` (every
# pass after the first is duplicates the feed drops, so the dataplane stays live and
# screens the feed once), alerts to the standalone Kafka-protocol broker and to two
# webhook receivers on loopback (tests/controlplane/webhook_receiver.py, which
# records every request and checks its signature with Python's hmac):
#   A  format "json", notify "alert", max_rate 200/s (so delivery spans the outage):
#      killed after its first 300 requests, down for 10 s, restarted on the same port;
#   B  format "pagerduty", notify "case".
# Then:
#   - /readyz is 503 naming webhook A during the outage;
#   - A's requests answered 2xx, deduplicated by Idempotency-Key, are exactly the
#     Kafka alert set (keys computed from the Kafka alerts: controlplane/webhook/
#     webhook_keys.h), and each body is byte for byte the Kafka alert JSON;
#   - every case id of the Kafka alerts was notified to B (PagerDuty dedup_key), and
#     every B body has the Events API v2 fields;
#   - every signature on A and B verifies; no clear PAN in any body;
#   - the run's counters (summary JSON) show A's connect failures and retries during
#     the outage, nothing dead-lettered, refused or lost.
# The capture stays within the feed's 65536-number duplicate window (a longer looped
# capture re-bases each pass and is screened again).
# usage: webhook_appliance.sh TXGEN TXSCREEN BROKER [RECEIVER.py]
set -uo pipefail
txgen=$1 txscreen=$2 broker=$3
here=$(cd "$(dirname "$0")" && pwd)
receiver=${4:-$here/../controlplane/webhook_receiver.py}
WORK=$(mktemp -d /tmp/txscreen-webhook.XXXXXX)
pid= bpid= apid= brpid=
finish() {
  for p in $pid $apid $brpid $bpid; do kill -9 "$p" 2>/dev/null; done
  if [[ -n ${KEEP:-} ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap finish EXIT
fail() { echo "FAIL: $*"; [[ -f $WORK/run.log ]] && { echo "--- run.log"; tail -20 "$WORK/run.log"; }; exit 1; }
N=${WEBHOOK_COUNT:-60000}
SECRET=whsec-appliance-test-0123456789
export TXSCREEN_ADMIN_TOKEN=webhook-admin-token-0123456789
export TXSCREEN_WEBHOOK_SECRET=$SECRET
auth=(-H "Authorization: Bearer $TXSCREEN_ADMIN_TOKEN")

"$txgen" --count "$N" --format iso8583 --framing moldudp64 --seed 17 --fraud-rate 0.02 \
  --out "$WORK/feed.pcap" --labels "$WORK/labels.csv" --quiet || fail "txgen"

started=
start_receiver() {  # NAME PORT: sets $started to its pid
  rm -f "$WORK/$1.port"
  python3 "$receiver" --log "$WORK/$1.jsonl" --port-file "$WORK/$1.port" --port "$2" --secret "$SECRET" \
    > "$WORK/$1.log" 2>&1 &
  started=$!
  for _ in $(seq 100); do [[ -s $WORK/$1.port ]] && return 0; sleep 0.05; done
  fail "receiver $1 did not start: $(cat "$WORK/$1.log")"
}
start_receiver a 0; apid=$started; aport=$(cat "$WORK/a.port")
start_receiver b 0; brpid=$started; bport=$(cat "$WORK/b.port")

"$broker" --topic txscreen.alerts --partitions 4 --print-address-file "$WORK/addr" > "$WORK/broker.log" 2>&1 &
bpid=$!
for _ in $(seq 100); do [[ -s $WORK/addr ]] && break; sleep 0.05; done
[[ -s $WORK/addr ]] || fail "broker wrote no address: $(cat "$WORK/broker.log")"
brokers=$(cat "$WORK/addr")

cat > "$WORK/txscreen.toml" <<TOML
[kafka]
brokers = "$brokers"
[spool]
dir = "$WORK/spool"
[admin]
listen = "127.0.0.1:0"
token = "env:TXSCREEN_ADMIN_TOKEN"
[cases]
window = "30m"
notify_interval = "10m"
[[webhook]]
name = "alerts-json"
url = "http://127.0.0.1:$aport/hook"
secret = "env:TXSCREEN_WEBHOOK_SECRET"
format = "json"
notify = "alert"
max_rate = 200
timeout = "2s"
retries = 1000
backoff_initial = "100ms"
backoff_max = "2s"
[[webhook]]
name = "cases-pagerduty"
url = "http://127.0.0.1:$bport/v2/enqueue"
secret = "env:TXSCREEN_WEBHOOK_SECRET"
format = "pagerduty"
notify = "case"
routing_key = "0123456789abcdef0123456789abcdef"
TOML
"$txscreen" check-config "$WORK/txscreen.toml" > "$WORK/check.txt" 2>&1 || fail "config refused: $(cat "$WORK/check.txt")"

"$txscreen" run --config "$WORK/txscreen.toml" --pcap "$WORK/feed.pcap" --loop --ready-file "$WORK/ready" \
  --summary-json "$WORK/summary.json" > "$WORK/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q '^admin ' "$WORK/ready" 2>/dev/null && break; sleep 0.1; done
url=$(awk '/^admin /{print $2}' "$WORK/ready" 2>/dev/null)
[[ -n $url ]] || fail "txscreen did not start"

# The outage: A goes away after its first 300 requests, for 10 s, then comes back on
# its port. /readyz names it meanwhile.
requests_a() { if [[ -f $WORK/a.jsonl ]]; then wc -l < "$WORK/a.jsonl"; else echo 0; fi; }
for _ in $(seq 1 600); do
  [[ $(requests_a) -ge 300 ]] && break
  kill -0 "$pid" 2>/dev/null || fail "txscreen exited early"
  sleep 0.05
done
[[ $(requests_a) -ge 300 ]] || fail "receiver A got fewer than 300 requests in 30 s"
kill -9 "$apid"; wait "$apid" 2>/dev/null; apid=
echo "ok: receiver A killed after $(requests_a) requests"
sleep 3
ready=$(curl -s -w '\n%{http_code}' "$url/readyz")
[[ ${ready##*$'\n'} == 503 && $ready == *"webhook alerts-json"* ]] || fail "readyz does not name webhook alerts-json: $ready"
echo "ok: /readyz 503 during the outage: ${ready%$'\n'*}"
sleep 7
start_receiver a "$aport"; apid=$started
echo "ok: receiver A back on port $aport after 10 s"

# Done when both webhook queues are empty and nothing new was enqueued for 1 s (the
# counters' JSON names come from the metric catalog: webhook_counters.py finds them).
cp "$here/webhook_counters.py" "$WORK/webhooks.py" || fail "webhook_counters.py missing beside this script"
drained= last=
for _ in $(seq 1 180); do
  sleep 1
  kill -0 "$pid" 2>/dev/null || fail "txscreen exited early"
  curl -s "${auth[@]}" "$url/api/v1/stats" > "$WORK/stats.json" 2>/dev/null || continue
  read -r enqueued backlog < <(python3 "$WORK/webhooks.py" "$WORK/stats.json" alerts-json cases-pagerduty)
  [[ $backlog == 0 && $enqueued == "$last" ]] && { drained=1; break; }
  [[ $backlog == 0 ]] && last=$enqueued || last=
done
[[ -n $drained ]] || fail "webhook queues not drained in 180 s: $(head -c 2000 "$WORK/stats.json")"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] || fail "txscreen exit $rc after SIGTERM"

kcat -b "$brokers" -C -t txscreen.alerts -o beginning -e -q -f '%s\n' > "$WORK/alerts.jsonl" 2> "$WORK/kcat.err" ||
  fail "kcat: $(cat "$WORK/kcat.err")"

python3 - "$WORK" <<'PY' || fail "webhooks vs Kafka"
import json, os, re, sys
work = sys.argv[1]
sys.path.insert(0, work)
from webhooks import find
SAFE = set(b'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~:-')

def enc(text):
    return ''.join(chr(b) if b in SAFE else '%%%02X' % b for b in text.encode())

def alert_key(a):
    """Idempotency-Key of an alert (controlplane/webhook/webhook_keys.h)."""
    if a.get('txn_id'):
        ident = enc(a['txn_id'])
    else:
        ident = '.'.join(enc(a.get(k) or '') for k in ('stan', 'rrn', 'terminal_id'))
    return f"{a['card_token']}-{ident}-{a['event_time_ms']}"

kafka, case_ids = {}, set()
for line in open(os.path.join(work, 'alerts.jsonl'), encoding='utf-8'):
    line = line.rstrip('\n')
    if not line:
        continue
    doc = json.loads(line)
    if doc.get('type') == 'spike':
        kafka['spike-' + doc['id']] = line
        continue
    assert doc['alert'] is True, doc
    kafka[alert_key(doc)] = line
    assert doc.get('case_id'), ('an alert without a case id', doc)
    case_ids.add(doc['case_id'])
assert len(kafka) > 500, len(kafka)

def requests(name):
    return [json.loads(l) for l in open(os.path.join(work, name + '.jsonl'), encoding='utf-8') if l.strip()]

a_reqs, b_reqs = requests('a'), requests('b')
bad = [r['idempotency_key'] for r in a_reqs + b_reqs if r['sig_ok'] is not True]
assert not bad, ('signatures that do not verify', bad[:5])
delivered = {}
for r in a_reqs:
    if r['status'] < 300:
        delivered.setdefault(r['idempotency_key'], r['body'])
missing, extra = set(kafka) - set(delivered), set(delivered) - set(kafka)
assert not missing and not extra, (len(missing), sorted(missing)[:3], len(extra), sorted(extra)[:3])
differ = [k for k in kafka if delivered[k] != kafka[k]]
assert not differ, ('webhook bodies that differ from the Kafka JSON', differ[:3])
dups = sum(1 for r in a_reqs if r['status'] < 300) - len(delivered)
print(f"ok: A: {len(delivered)} notifications (alerts and spikes) = the Kafka alert set, bodies identical, "
      f"{dups} redelivered and deduplicated by Idempotency-Key, {len(a_reqs)} requests all signed correctly")

notified = set()
for r in b_reqs:
    body = json.loads(r['body'])
    assert body['event_action'] == 'trigger' and body['routing_key'], body
    p = body['payload']
    for field in ('summary', 'source', 'severity', 'timestamp', 'component', 'group', 'class'):
        assert isinstance(p.get(field), str) and p[field], (field, body)
    assert len(p['summary']) <= 1024 and p['severity'] in ('critical', 'error', 'warning', 'info'), p
    if p['class'] != 'spike':
        notified.add(body['dedup_key'])
assert case_ids <= notified, ('cases never notified', len(case_ids - notified), sorted(case_ids - notified)[:3])
print(f"ok: B: all {len(case_ids)} cases notified ({len(b_reqs)} PagerDuty events, fields as documented)")

# No clear PAN anywhere: no 13..19-digit run in any body begins with a BIN and ends
# with the last four digits of an alerted card (timestamps are digit runs too).
cards = set()
for line in kafka.values():
    doc = json.loads(line)
    if doc.get('bin') and doc.get('last4'):
        cards.add((doc['bin'], doc['last4']))
bins = {b for b, _ in cards}
pans = [m for r in a_reqs + b_reqs for m in re.findall(r'(?<!\d)\d{13,19}(?!\d)', r['body'])
        if any(m.startswith(b) and (b, m[-4:]) in cards for b in bins)]
assert cards and not pans, ('clear PANs in webhook bodies', len(pans))

s = json.load(open(os.path.join(work, 'summary.json')))
a, b = find(s, 'alerts-json'), find(s, 'cases-pagerduty')
assert a is not None and b is not None, 'no webhook counters in the summary'
f = a.get('failures')
connect = f.get('connect', 0) if isinstance(f, dict) else a.get('failures_connect', 0)
assert connect > 0 and a['retries'] > 0, ('the outage is not in the counters', a)
for h in (a, b):
    assert h['dead_lettered'] == 0 and h.get('refused', 0) == 0 and h.get('lost', 0) == 0, h
    assert h['queue_backlog'] == 0 and h['delivered'] == h['enqueued'], h
assert a['enqueued'] == len(kafka), (a['enqueued'], len(kafka))
print(f"ok: counters: A {a['delivered']} delivered in {a['requests']} requests, {connect} connect failures, "
      f"{a['retries']} retries during the outage; B {b['delivered']} delivered, {b.get('suppressed')} alerts suppressed")
PY
echo "PASS"
