#!/usr/bin/env bash
# A TCP feed read from a capture of real kernel TCP (docs/feeds.md, "TCP feeds"): a
# small ISO 8583 acquirer and issuer (iso_tcp_peer.py) exchange requests and responses
# over loopback while tcpdump records them; the client cuts its byte stream so that
# messages straddle segments. txscreen must decode every request, pair every response
# and count the declines exactly as the peers counted them. tshark's own reassembly and
# iso8583 dissector are the independent reading of the same capture.
set -euo pipefail
txscreen=$1
here=$(cd "$(dirname "$0")" && pwd)
[[ $EUID == 0 ]] || { echo "SKIP: tcpdump on lo needs root"; exit 77; }
command -v tcpdump >/dev/null || { echo "FAIL: tcpdump not installed (scripts/install-deps.sh)"; exit 1; }
work=$(mktemp -d /tmp/txscreen-tcp.XXXXXX)
port=$((20000 + $$ % 20000))
conns=3 reqs=150
cleanup() { [[ -n ${dump:-} ]] && kill "$dump" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
[[ -n ${KEEP_WORK:-} ]] && trap - EXIT
fail() { echo "FAIL: $*"; exit 1; }

tcpdump -i lo -U -w "$work/cap.pcap" "tcp port $port" 2> "$work/tcpdump.log" &
dump=$!
for _ in $(seq 1 50); do grep -q listening "$work/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
python3 "$here/iso_tcp_peer.py" server "$port" "$work/server.json" --expect $conns --seed 7 > "$work/server.log" &
server=$!
for _ in $(seq 1 50); do grep -q listening "$work/server.log" 2>/dev/null && break; sleep 0.1; done
python3 "$here/iso_tcp_peer.py" client 127.0.0.1 "$port" "$work/client.json" --connections $conns --requests $reqs \
  --seed 7 > /dev/null
wait "$server" || fail "the test's ISO 8583 server failed"
# tcpdump may lag behind on a busy machine: stop it once the capture stops growing.
last=-1
for _ in $(seq 1 60); do
  sleep 0.5
  size=$(stat -c %s "$work/cap.pcap")
  [[ $size == "$last" ]] && break
  last=$size
done
kill -INT "$dump"; wait "$dump" || true; dump=
grep -q '^0 packets dropped by kernel' "$work/tcpdump.log" || fail "tcpdump dropped packets: $(cat "$work/tcpdump.log")"

cat > "$work/c.toml" <<EOF
[[feed]]
name = "acq1"
transport = "tcp"
port = $port
payload = "iso8583"
dialect = "binary"
framing = "len2be"
EOF
"$txscreen" run --config "$work/c.toml" --spool "$work/spool" --pcap "$work/cap.pcap" --quiet \
  --summary-json "$work/s.json" --verdicts-out "$work/v.txt" || fail "txscreen run failed"

tshark -r "$work/cap.pcap" -d "tcp.port==$port,iso8583" -o "iso8583.len_endian:Big endian" \
  -o "iso8583.binencode:Bin data not encoded" -T fields -E separator='|' -E occurrence=a \
  -e iso8583.mti -e iso8583.bit11 -e iso8583.bit4 -e iso8583.bit39 2>/dev/null > "$work/tshark.txt"

python3 - "$work" <<'PY'
import json, sys, re
w = sys.argv[1]
s = json.load(open(f"{w}/s.json")); cl = json.load(open(f"{w}/client.json")); sv = json.load(open(f"{w}/server.json"))
tcp = s['feeds']['acq1']['tcp']
assert s['identities_hold'], s['identities']
assert cl['requests'] == sv['requests'] and cl['responses'] == cl['requests'], (cl, sv)
n, declined = cl['requests'], sv['declined']
assert s['decoded'] == n, ("decoded", s['decoded'], "sent", n)
for k, want in [('connections', cl['connections']), ('requests', n), ('responses', n), ('paired', n),
                ('declined', declined), ('unpaired_responses', 0), ('timed_out', 0), ('gap_bytes', 0), ('resyncs', 0)]:
    assert tcp[k] == want, (k, tcp[k], want, tcp)
# txscreen's reading, message by message: requests by STAN from the verdict lines,
# outcomes by STAN with their response code.
req_stans, outcomes = set(), {}
for line in open(f"{w}/v.txt"):
    ident = line.split()[0].split(':', 1)[1]            # rrn/stan/terminal
    stan = ident.split('/')[1]
    m = re.search(r' outcome=(\w\w)', line)
    if m: outcomes[stan] = m.group(1)
    else: req_stans.add(stan)
assert len(req_stans) == n and len(outcomes) == n, (len(req_stans), len(outcomes))
assert sum(c != '00' for c in outcomes.values()) == declined
# tshark's reading: every message it decodes must agree with txscreen's.
t_req, t_resp = {}, {}
for line in open(f"{w}/tshark.txt"):
    cols = line.rstrip('\n').split('|')
    if not cols[0]: continue
    for i, mti in enumerate(cols[0].split(',')):
        stan = cols[1].split(',')[i]
        if mti == '0200': t_req[stan] = True
        elif mti == '0210': t_resp[stan] = cols[3].split(',')[i]
assert set(t_req) <= req_stans, set(t_req) - req_stans
for stan, code in t_resp.items():
    assert outcomes[stan] == code, (stan, code, outcomes[stan])
print(f"ok: {n} requests over {cl['connections']} connections in {cl['segments']} client segments, "
      f"{cl['straddled']} messages straddling two or more: txscreen decoded {s['decoded']}, paired {tcp['paired']}, "
      f"declined {tcp['declined']} (server: {declined}); tshark decoded {len(t_req)}/{n} requests and "
      f"{len(t_resp)}/{n} responses, all equal to txscreen's fields ({n - len(t_req)} + {n - len(t_resp)} missed)")
PY
