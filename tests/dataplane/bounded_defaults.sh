#!/usr/bin/env bash
# Bounded defaults (issue #13, item 6): nothing the appliance keeps grows without bound.
#
#   broker:  the embedded (mock) broker keeps each partition's newest 5 MiB: 30 MB of
#            incompressible records produced with kcat to one partition leave most of
#            them deleted by retention (reported on SIGUSR1), consumed + deleted ==
#            produced, and the broker's memory stays small.
#   refuse:  `txscreen run --loop` with spool.max_bytes = 4 MiB and no [s3]: the spool
#            stays within its budget, /readyz is 503 naming it, rows past it are
#            refused and counted, and SIGTERM exits 3 (records refused).
#   wait:    the same with an [s3] uploader whose endpoint is down: rx pauses at the
#            budget (no verdict is taken, none refused, the spool stays within it),
#            /readyz 503 says so; once S3 (s3rver) is up the uploads free room and
#            screening resumes; SIGTERM exits 0 (nothing lost).
# usage: bounded_defaults.sh TXGEN TXSCREEN BROKER
set -uo pipefail
txgen=$1 txscreen=$2 broker=$3
src=${TXSCREEN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d /tmp/txscreen-bounded.XXXXXX)
pid= bpid= s3pid=
finish() {
  for p in $pid $bpid $s3pid; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap finish EXIT
fail() { echo "FAIL: $*"; for f in broker.log refuse.log wait.log; do [[ -f $work/$f ]] && { echo "--- $f"; tail -12 "$work/$f"; }; done; exit 1; }
PY=/usr/bin/python3
TOKEN=bounded-defaults-token-0123456789
BUDGET=$((4 << 20))
# A spool over its budget by at most the open blocks (64 KiB each, three tables) and
# what the controlplane held when it looked: 1 MiB is ample.
SLACK=$((1 << 20))

spool_bytes() { find "$1" -path "$1/kafka-outbox" -prune -o -name '*.avro*' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}'; }
stat_of() { curl -s -H "Authorization: Bearer $TOKEN" "$url/api/v1/stats" | "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
start() {  # name config: a looping run with the admin API; sets pid, url
  rm -f "$work/ready"
  "$txscreen" run --config "$2" --pcap "$work/feed.pcap" --loop --no-kafka --admin 127.0.0.1:0 --admin-token "$TOKEN" \
    --ready-file "$work/ready" --summary-json "$work/$1.json" > "$work/$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do grep -q '^admin ' "$work/ready" 2>/dev/null && break; kill -0 "$pid" 2>/dev/null || fail "$1: exited early"; sleep 0.1; done
  url=$(awk '/^admin /{print $2}' "$work/ready" 2>/dev/null)
  [[ -n $url ]] || fail "$1: did not start"
}
wait_ready_reason() {  # text seconds: until /readyz is 503 with text in its reason
  for _ in $(seq 1 $(($2 * 10))); do
    body=$(curl -s -w '\n%{http_code}' "$url/readyz")
    [[ ${body##*$'\n'} == 503 && $body == *"$1"* ]] && { reason=$(head -1 <<< "$body"); return 0; }
    sleep 0.1
  done
  fail "/readyz never said '$1' (last: $body)"
}

echo "== embedded broker: bounded backlog"
if command -v kcat > /dev/null; then
  "$broker" --topic t --partitions 1 --print-address-file "$work/addr" > "$work/broker.log" 2>&1 &
  bpid=$!
  for _ in $(seq 100); do [[ -s $work/addr ]] && break; sleep 0.05; done
  [[ -s $work/addr ]] || fail "broker wrote no address"
  "$PY" -c "import base64,os,sys; sys.stdout.write(''.join(base64.b64encode(os.urandom(750)).decode()+'\n' for _ in range(30000)))" > "$work/msgs.txt"
  kcat -P -b "$(cat "$work/addr")" -t t -p 0 -z lz4 -l "$work/msgs.txt" || fail "kcat produce"
  kill -USR1 "$bpid"
  for _ in $(seq 50); do grep -q "retention deleted [0-9]" "$work/broker.log" && break; sleep 0.1; done
  deleted=$(sed -n 's/.*retention deleted \([0-9]*\) records.*/\1/p' "$work/broker.log" | tail -1)
  rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$bpid/status")
  consumed=$(kcat -C -b "$(cat "$work/addr")" -t t -o beginning -e -q | wc -l)
  kill "$bpid"; wait "$bpid"; bpid=
  [[ -n $deleted ]] || fail "no retention line: $(cat "$work/broker.log")"
  ((deleted + consumed == 30000)) || fail "consumed $consumed + deleted $deleted != 30000 produced"
  ((consumed * 1000 <= 6 << 20)) || fail "$consumed records (~1 KB) kept: more than 5 MiB + one batch"
  ((rss_kb < 200000)) || fail "broker resident $rss_kb kB after 30 MB produced"
  echo "ok: 30000 records (30 MB) produced: $consumed kept, $deleted deleted by retention, broker resident $((rss_kb / 1024)) MiB"
else
  echo "skip: kcat not installed"
fi

"$txgen" --count 20000 --format json --framing raw --seed 21 --out "$work/feed.pcap" --no-labels --quiet || fail "txgen"

echo "== spool budget, no uploader: refused and counted"
cat > "$work/refuse.toml" <<EOF
[spool]
dir = "$work/spool-r"
max_bytes = "4MiB"
block_size = "64KiB"
EOF
start refuse "$work/refuse.toml"
wait_ready_reason "spool over its disk budget" 30
echo "ok: /readyz 503: $reason"
sleep 2
used=$(spool_bytes "$work/spool-r")
((used >= BUDGET && used <= BUDGET + SLACK)) || fail "spool holds $used bytes, budget $BUDGET"
refused=$(stat_of "['spool']['budget_refused']")
((refused > 0)) || fail "no rows counted refused over the budget"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[[ $rc == 3 ]] || fail "exit $rc after SIGTERM, expected 3 (rows refused)"
grep -q "lost: spool $work/spool-r: [0-9]* rows refused: spool over its disk budget" "$work/refuse.log" || fail "no 'lost:' line"
"$PY" - "$work/refuse.json" <<'PY' || fail "refuse summary"
import json, sys
s = json.load(open(sys.argv[1]))
sp, loss = s['spool'], s['loss']
assert sp['budget_refused'] > 0 and sp['budget_refused'] == sp['refused'] == loss['spool_budget_refused'], (sp, loss)
assert sp['budget_waits'] == 0 and sp['lost'] == 0 and sp['max_bytes'] == 4 << 20, sp
assert loss['total'] == sp['refused'], loss
PY
echo "ok: spool held at $used bytes (budget $BUDGET), $refused rows refused while looping; exit 3 with the 'lost:' line"

echo "== spool budget with an uploader: rx waits, nothing lost"
S3RVER=$src/.npm-tools/node_modules/.bin/s3rver
if [[ ! -x $S3RVER ]]; then
  echo "skip: s3rver not installed (scripts/install-deps.sh)"
  exit 0
fi
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
cat > "$work/wait.toml" <<EOF
[spool]
dir = "$work/spool-w"
max_bytes = "4MiB"
block_size = "64KiB"
[s3]
endpoint = "http://127.0.0.1:$port"
bucket = "lake"
retry_base = "100ms"
retry_max = "300ms"
EOF
start wait "$work/wait.toml"  # S3 is down: nothing uploads yet
wait_ready_reason "rx is paused until uploads free space" 30
echo "ok: /readyz 503: $reason"
v1=$(stat_of "['verdicts_consumed']")
sleep 1.5
v2=$(stat_of "['verdicts_consumed']")
used=$(spool_bytes "$work/spool-w")
waits=$(stat_of "['spool']['budget_waits']")
refused=$(stat_of "['spool']['budget_refused']")
[[ $v1 == "$v2" ]] || fail "verdicts still taken while over the budget: $v1 -> $v2"
((used >= BUDGET && used <= BUDGET + SLACK)) || fail "spool holds $used bytes, budget $BUDGET"
((waits >= 1 && refused == 0)) || fail "budget_waits $waits, budget_refused $refused"
echo "ok: rx paused at $v1 verdicts, spool at $used bytes (budget $BUDGET), nothing refused"
"$S3RVER" --directory "$work/s3" --port "$port" --address 127.0.0.1 --silent --configure-bucket lake > /dev/null 2>&1 &
s3pid=$!
v3=$v2
for _ in $(seq 1 300); do
  v3=$(stat_of "['verdicts_consumed']")
  ((v3 > v2 + 20000)) && break
  sleep 0.1
done
((v3 > v2 + 20000)) || fail "screening did not resume once S3 was up ($v2 -> $v3)"
echo "ok: S3 up: uploads freed the spool, screening resumed ($v2 -> $v3 verdicts)"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
kill "$s3pid"; wait "$s3pid" 2>/dev/null; s3pid=
[[ $rc == 0 ]] || fail "exit $rc after SIGTERM, expected 0 (nothing lost)"
"$PY" - "$work/wait.json" <<'PY' || fail "wait summary"
import json, sys
s = json.load(open(sys.argv[1]))
sp, loss = s['spool'], s['loss']
assert loss['total'] == 0 and sp['refused'] == 0 and sp['lost'] == 0, (sp, loss)
assert sp['budget_waits'] >= 1 and s['s3']['uploads']['ok'] > 0, s['s3']
assert s['verdicts'] == sp['records']['scored'], (s['verdicts'], sp)
print(f"ok: exit 0: {s['verdicts']} verdicts, all spooled; rx waited {sp['budget_waits']} time(s) for uploads, "
      f"{s['s3']['uploads']['ok']} files uploaded")
PY
