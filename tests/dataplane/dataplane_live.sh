#!/usr/bin/env bash
# Live traffic: a network namespace with a veth pair; txgen sends UDP from inside the
# namespace, txscreen receives on the other end with net_af_packet; every transaction
# must be scored. Addresses live only on this test's own veth pair.
set -euo pipefail
txgen=$1 txscreen=$2
[[ $EUID == 0 ]] || { echo "SKIP: needs root (a network namespace and a veth pair)"; exit 77; }
work=$(mktemp -d /tmp/txscreen-live.XXXXXX)
source "$(dirname "$0")/veth_lib.sh"
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null || true
  veth_cleanup
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

veth_setup l 10.213.0
# Send to a neighbour address that is not the host's own: the host stack drops the
# frames quietly (no ICMP port-unreachable storm) while af_packet still sees them all.
ip netns exec "$ns" ip neigh replace 10.213.0.3 lladdr "$(cat /sys/class/net/$host/address)" dev "$peer"

count=20000
"$txscreen" run --spool "$work/spool" --device "net_af_packet0,iface=$host,framecnt=16384" --idle-timeout 4 --quiet \
  --ready-file "$work/ready" --summary-json "$work/s.json" > "$work/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [[ -f $work/ready ]] && break; sleep 0.1; done
[[ -f $work/ready ]] || { cat "$work/run.log"; fail "txscreen did not start"; }
ip netns exec "$ns" "$txgen" --udp 10.213.0.3:7001 --count $count --rate 10000 --seed 5 --quiet
wait "$pid" || { cat "$work/run.log"; fail "txscreen exited non-zero"; }
pid=
python3 - "$work/s.json" $count <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert s['identities_hold'], s
assert s['decoded'] == n, ("decoded", s['decoded'], "sent", n, s)
assert s['verdicts_consumed'] == n
assert list(s['feeds'].values())[0]['missing'] == 0, s['feeds']
print(f"ok: live veth/af_packet: {n} sent, {s['decoded']} decoded and scored, "
      f"{sum(s['non_feed_packets'].values())} non-feed frames (ARP/IPv6 noise) counted")
PY
