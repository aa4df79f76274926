#!/usr/bin/env bash
# Loss is an exit status (issue #13, item 5): `txscreen run` exits 3 when records it
# took were lost or refused, and its summary says what and where; a clean drain exits 0.
#
#   clean:     a JSON feed with a few malformed datagrams: the rejects are counted and
#              spooled (screening, not loss): exit 0, no "lost:" line, loss.total 0.
#   kafka:     the same feed with Kafka unreachable and no outbox (--no-spool): every
#              alert is counted undelivered, exit 3 with a "lost: kafka ..." line.
#   disk full: the same run with the spool on a 2 MiB tmpfs (skipped, exit 77, where
#              mount is not allowed): exit 3, one "lost: spool DIR: N ..." line per
#              kind whose counts add up to the summary JSON's spool refused + lost, the
#              stderr verdict; with --quiet the "lost:" lines go to stderr.
# usage: loss_exit_status.sh TXGEN TXSCREEN
set -uo pipefail
txgen=$1 txscreen=$2
src=${TXSCREEN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d /tmp/txscreen-loss.XXXXXX)
mounted=
finish() { [[ -n $mounted ]] && umount "$mounted" 2>/dev/null; rm -rf "$work"; }
trap finish EXIT
fail() { echo "FAIL: $*"; for f in clean.log full.log; do [[ -f $work/$f ]] && { echo "--- $f"; tail -15 "$work/$f"; }; done; exit 1; }
PY=/usr/bin/python3

"$txgen" --count 30000 --format json --framing raw --seed 13 --out "$work/good.pcap" --no-labels --quiet || fail "txgen"
# Five datagrams on the JSON feed's port that are not JSON: decode rejects.
"$PY" - "$src/tests/dataplane" "$work/good.pcap" "$work/feed.pcap" <<'PY' || fail "malformed datagrams"
import sys
sys.path.insert(0, sys.argv[1])
import pcap_tool
header, pkts = pcap_tool.read(sys.argv[2])
bad = [pcap_tool.udp_frame(7004, b'{"txn_id": "broken' + bytes([48 + i])) for i in range(5)]
pcap_tool.write(sys.argv[3], header, pkts[:100] + bad + pkts[100:])
PY

run() {  # name spool-dir: runs the feed once; sets rc
  local name=$1 spool=$2
  "$txscreen" run --pcap "$work/feed.pcap" --spool "$spool" --summary-json "$work/$name.json" \
    > "$work/$name.log" 2> "$work/$name.err"
  rc=$?
  cat "$work/$name.err" >> "$work/$name.log"
}

echo "== clean run"
run clean "$work/spool"
[[ $rc == 0 ]] || fail "clean run: exit $rc, expected 0"
grep -q "lost:" "$work/clean.log" && fail "clean run printed a loss line"
"$PY" - "$work/clean.json" <<'PY' || fail "clean summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert sum(s['rejects'].values()) == 5 and s['spool']['records']['rejects'] == 5, (s['rejects'], s['spool'])
assert s['verdicts'] == 30000 and s['spool']['records']['scored'] == 30000, s['spool']
assert s['loss']['total'] == 0 and s['spool']['refused'] == 0 and s['spool']['lost'] == 0, s['loss']
print(f"ok: clean run exit 0: {s['verdicts']} verdicts and {sum(s['rejects'].values())} rejects spooled "
      f"(rejects are counted, not loss), loss {s['loss']['total']}")
PY

echo "== Kafka unreachable, no outbox: undelivered alerts are loss"
dead=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/dead.toml" <<TOML
[kafka]
brokers = "127.0.0.1:$dead"
message_timeout = "1s"
shutdown_flush = "1s"
TOML
# --no-spool: no outbox either, so an alert Kafka never acknowledges has nowhere to wait.
"$txscreen" run --config "$work/dead.toml" --pcap "$work/feed.pcap" --no-spool --summary-json "$work/dead.json" \
  > "$work/dead.log" 2>&1
rc=$?
[[ $rc == 3 ]] || fail "Kafka unreachable, no outbox: exit $rc, expected 3: $(tail -5 "$work/dead.log")"
grep -q "lost: kafka 127.0.0.1:$dead: [0-9]* alerts whose delivery failed" "$work/dead.log" ||
  fail "no 'lost: kafka' line: $(grep lost: "$work/dead.log")"
"$PY" - "$work/dead.json" <<'PY' || fail "Kafka loss summary"
import json, sys
s = json.load(open(sys.argv[1]))
k, loss = s['kafka'], s['loss']
assert s['alerts'] > 0 and k['alerts_acked'] == 0, k
assert loss['kafka_alerts_failed'] + loss['kafka_alerts_refused'] + loss['kafka_alerts_unsettled'] == s['alerts'], (loss, s['alerts'])
assert loss['total'] == s['alerts'], loss
print(f"ok: exit 3: {s['alerts']} alerts never delivered, each counted (failed {loss['kafka_alerts_failed']}, "
      f"refused {loss['kafka_alerts_refused']}, unsettled {loss['kafka_alerts_unsettled']})")
PY

echo "== spool disk full"
mkdir -p "$work/full"
if ! mount -t tmpfs -o size=2m tmpfs "$work/full" 2>/dev/null; then
  # RLIMIT_FSIZE is no stand-in here: DPDK's EAL sizes its own runtime files past it.
  echo "SKIP: disk-full run: cannot mount a tmpfs (needs root; the clean run passed)"
  exit 77
fi
mounted=$work/full
how="a 2 MiB tmpfs"
run full "$work/full/spool"
[[ $rc == 3 ]] || fail "disk-full run ($how): exit $rc, expected 3"
grep -q "records lost or refused.*exit 3" "$work/full.err" || fail "no exit-status line on stderr"
grep "lost: spool $work/full/spool: " "$work/full.log" > "$work/lost.txt" || fail "no 'lost: spool' line"
"$PY" - "$work/full.json" "$work/lost.txt" <<'PY' || fail "disk-full summary"
import json, re, sys
s = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
sp, loss = s['spool'], s['loss']
# Screening went on: every transaction was scored; the spool refused or lost rows, and
# each is accounted for (the identities count refused and lost rows as parts).
assert s['verdicts'] == 30000 and s['identities_hold'] is True, (s['verdicts'], s['identities'])
assert sp['refused'] + sp['lost'] > 0, sp
assert loss['total'] == sp['refused'] + sp['lost'], (loss, sp)
assert loss['spool_refused'] + loss['spool_budget_refused'] == sp['refused'] and loss['spool_lost'] == sp['lost'], loss
printed = sum(int(re.search(r': (\d+) rows', l).group(1)) for l in lines)
assert printed == loss['total'], (printed, loss, lines)
for l in lines:
    print('  ' + l.strip())
print(f"ok: disk-full run exit 3: {sp['refused']} rows refused, {sp['lost']} lost, "
      f"{len(lines)} summary line(s) adding up to loss.total {loss['total']}")
PY
echo "ok: disk full by $how"

echo "== disk full, --quiet"
rm -rf "$work/full/spool"
"$txscreen" run --pcap "$work/feed.pcap" --spool "$work/full/spool" --quiet > "$work/quiet.out" 2> "$work/quiet.err"
rc=$?
[[ $rc == 3 ]] || fail "--quiet disk-full run: exit $rc, expected 3"
[[ -s $work/quiet.out ]] && fail "--quiet printed on stdout: $(head -3 "$work/quiet.out")"
grep -q "lost: spool $work/full/spool: " "$work/quiet.err" || fail "--quiet: no 'lost:' line on stderr: $(cat "$work/quiet.err")"
echo "ok: --quiet still says what was lost (stderr) and exits 3"
