#!/usr/bin/env bash
# TCP feeds under tap faults (docs/feeds.md, "TCP feeds"): txgen writes whole ISO 8583
# conversations with lost, reordered and retransmitted segments and reports exactly
# which messages it lost. txscreen must decode every intact request once and no lost
# one, pair every intact pair, count the declines of those pairs, hold its identities,
# and finish (nothing stalls). Also: the same transactions with sequence numbers that
# wrap, over IPv6 with a VLAN tag, a TPDU header and little-endian lengths.
set -euo pipefail
txgen=$1 txscreen=$2
work=$(mktemp -d /tmp/txscreen-tcpgen.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

check() {  # name, txscreen config file, txgen options...
  local name=$1 conf=$2; shift 2
  "$txgen" --transport tcp --count 20000 --quiet --out "$work/$name.pcap" --labels "$work/$name.csv" \
    --tcp-report "$work/$name.json" "$@"
  timeout 120 "$txscreen" run --config "$conf" --pcap "$work/$name.pcap" --quiet --spool "$work/spool-$name" \
    --summary-json "$work/$name-s.json" --verdicts-out "$work/$name-v.txt" || fail "$name: txscreen run failed"
  python3 - "$work" "$name" <<'PY'
import csv, json, sys
from collections import Counter
w, name = sys.argv[1], sys.argv[2]
s = json.load(open(f"{w}/{name}-s.json")); r = json.load(open(f"{w}/{name}.json"))
t = s['feeds']['acq1']['tcp']
assert s['identities_hold'], [k for k, v in s['identities'].items() if isinstance(v, dict) and not v['hold']]
want = {'decoded': r['requests_intact'], 'paired': r['paired'], 'declined': r['paired_declined'],
        'unpaired_responses': r['unpaired_responses'], 'unanswered': r['unanswered'],
        'retransmitted': r['segments_retransmitted']}
got = {'decoded': s['decoded'], 'paired': t['paired'], 'declined': t['declined'],
       'unpaired_responses': t['unpaired_responses'], 'unanswered': t['timed_out'] + t['abandoned'],
       'retransmitted': t['retransmitted']}
assert got == want, (name, got, want)
# Message by message: the STANs screened are exactly the intact requests' STANs, each
# as often as txgen wrote it intact (a duplicate transaction is written twice): none
# lost beyond what txgen lost, none decoded twice.
labels = list(csv.DictReader(open(f"{w}/{name}.csv")))
intact = Counter(l['stan'] for l in labels if l['request_lost'] == '0')
screened, outcomes = Counter(), Counter()
for line in open(f"{w}/{name}-v.txt"):
    stan = line.split()[0].split(':', 1)[1].split('/')[1]
    (outcomes if ' outcome=' in line else screened)[stan] += 1
assert screened == intact, (name, sum(screened.values()), sum(intact.values()))
assert sum(outcomes.values()) == r['paired']
# Outcomes feed detection: the issuer's declines of a card under a card-testing attack
# name `decline_burst` in the alerts of that card's later transactions.
label_of = {l['stan']: l['label'] for l in labels}
burst = [label_of.get(line.split()[0].split('/')[1]) for line in open(f"{w}/{name}-v.txt") if 'decline_burst=' in line]
assert len(burst) >= 10 and burst.count('card_testing') >= 0.6 * len(burst), (name, len(burst), burst.count('card_testing'))
lost = r['requests'] - r['requests_intact']
print(f"ok: {name}: {r['requests']} requests, {lost} lost with {r['segments_lost']} lost segments "
      f"(gaps {t['gaps']}, gap bytes {t['gap_bytes']}, resyncs {t['resyncs']}), "
      f"{r['segments_reordered']} reordered, {r['segments_retransmitted']} retransmitted: "
      f"{s['decoded']} screened once each, {t['paired']} paired, {t['declined']} declined; "
      f"{len(burst)} alerts name decline_burst ({burst.count('card_testing')} on card-testing transactions)")
PY
}

cat > "$work/c.toml" <<'EOF'
[[feed]]
name = "acq1"
transport = "tcp"
port = 8583
payload = "iso8583"
dialect = "binary"
EOF
check clean "$work/c.toml" --seed 21
check faults "$work/c.toml" --seed 22 --tcp-loss 0.02 --tcp-reorder 0.02 --tcp-retransmit 0.02
# Outcomes reach the worker owning the card after its request: 2 workers give the
# verdicts of 1, decline_burst included.
timeout 120 "$txscreen" run --config "$work/c.toml" --pcap "$work/faults.pcap" --quiet --spool "$work/spool-2w" \
  --workers 2 --rx-lcores 1 --verdicts-out "$work/faults-2w.txt" || fail "2 workers: txscreen run failed"
cmp -s <(sort "$work/faults-v.txt") <(sort "$work/faults-2w.txt") || fail "1 and 2 workers disagree on a TCP feed"
echo "ok: faults: 1 and 2 workers give identical verdicts and outcomes"

cat > "$work/c6.toml" <<'EOF'
[[feed]]
name = "acq1"
transport = "tcp"
port = 8583
payload = "iso8583"
dialect = "bcd"
framing = "len2le"
header_bytes = 5
vlan = 42
EOF
check wrap-ipv6 "$work/c6.toml" --seed 23 --ipv6 --vlan 42 --dialect bcd --framing len2le --header-bytes 5 \
  --isn 4294967000 --tcp-loss 0.01 --tcp-reorder 0.01
