#!/usr/bin/env bash
# A TCP feed live (docs/feeds.md, "TCP feeds"): a network namespace and a veth pair; the
# test's ISO 8583 issuer listens on the host end, its acquirer connects from inside the
# namespace, and txscreen taps the host end with net_af_packet (both directions, as a
# mirror port would give them). Every request must be screened and paired.
set -euo pipefail
txscreen=$1
here=$(cd "$(dirname "$0")" && pwd)
[[ $EUID == 0 ]] || { echo "SKIP: needs root (a network namespace and a veth pair)"; exit 77; }
work=$(mktemp -d /tmp/txscreen-tcplive.XXXXXX)
port=8583 conns=3 reqs=100
source "$here/veth_lib.sh"
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null || true
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null || true
  veth_cleanup
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

veth_setup t 10.214.0

cat > "$work/c.toml" <<TOML
[[feed]]
name = "acq1"
transport = "tcp"
port = $port
server = "10.214.0.1"
payload = "iso8583"
dialect = "binary"
TOML
export TXSCREEN_ADMIN_TOKEN=tcp-live-token-0123456789
"$txscreen" run --config "$work/c.toml" --spool "$work/spool" --device "net_af_packet0,iface=$host,framecnt=4096" \
  --idle-timeout 3 --quiet --ready-file "$work/ready" --summary-json "$work/s.json" --admin 127.0.0.1:0 \
  > "$work/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [[ -f $work/ready ]] && break; sleep 0.1; done
[[ -f $work/ready ]] || { cat "$work/run.log"; fail "txscreen did not start"; }
python3 "$here/iso_tcp_peer.py" server $port "$work/server.json" --bind 10.214.0.1 --expect $conns --seed 3 \
  > "$work/server.log" &
server=$!
for _ in $(seq 1 50); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$ns" python3 "$here/iso_tcp_peer.py" client 10.214.0.1 $port "$work/client.json" \
  --connections $conns --requests $reqs --seed 3 > /dev/null
wait "$server" || fail "the test's ISO 8583 server failed"
server=
# Every TCP family the shipped dashboard and alerts name is served with a TCP feed.
url=$(awk '/^admin /{print $2}' "$work/ready")
curl -sf -H "Authorization: Bearer $TXSCREEN_ADMIN_TOKEN" "$url/metrics" > "$work/metrics.txt" || fail "/metrics"
src=$(cd "$here/../.." && pwd)
missing=$(comm -23 <(grep -oh 'txscreen_tcp_[a-z0-9_]*' "$src/docs/prometheus-alerts.yml" "$src/docs/grafana-dashboard.json" |
                       sed -E 's/_(bucket|sum|count)$//' | sort -u) \
                   <(grep -o '^txscreen_tcp_[a-z0-9_]*' "$work/metrics.txt" | sed -E 's/_(bucket|sum|count)$//' | sort -u))
[[ -z $missing ]] || fail "TCP metrics used by the dashboard or alerts but not exported: $missing"
grep -q '^txscreen_tcp_issuer_response_seconds_bucket{feed="acq1",le="0.001"}' "$work/metrics.txt" ||
  fail "no issuer response histogram for acq1"
wait "$pid" || { cat "$work/run.log"; fail "txscreen exited non-zero"; }
pid=
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
s = json.load(open(f"{w}/s.json")); cl = json.load(open(f"{w}/client.json")); sv = json.load(open(f"{w}/server.json"))
tcp = s['feeds']['acq1']['tcp']
n = cl['requests']
assert s['identities_hold'], s['identities']
assert s['decoded'] == n, ("decoded", s['decoded'], "sent", n, tcp)
for k, want in [('connections', cl['connections']), ('requests', n), ('paired', n), ('declined', sv['declined']),
                ('unpaired_responses', 0), ('gap_bytes', 0)]:
    assert tcp[k] == want, (k, tcp[k], want, tcp)
print(f"ok: live veth/af_packet TCP: {n} requests on {cl['connections']} connections screened, "
      f"{tcp['paired']} paired, {tcp['declined']} declined (server said {sv['declined']})")
PY
