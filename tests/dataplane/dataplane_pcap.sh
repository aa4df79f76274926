#!/usr/bin/env bash
# Dataplane integration on net_pcap with --no-huge (issue: DPDK dataplane):
#  1. every message of a txgen capture yields exactly one verdict, identities hold,
#     and 1 worker vs 2 workers give identical verdicts (card velocity exact across shards);
#  2. A/B lines with independent drops: after arbitration only numbers lost on both
#     lines are missing, the second copies are counted as duplicates;
#  3. malformed and non-feed packets are counted by reason and the rest is scored.
set -euo pipefail
txgen=$1 txscreen=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/txscreen-dp.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
jget() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

echo "== 1. one verdict per message, 1 vs 2 workers"
"$txgen" --count 30000 --format iso8583 --framing moldudp64 --seed 11 --out "$work/f.pcap" --labels "$work/l.csv" --quiet
msgs=$(($(wc -l < "$work/l.csv") - 1))
"$txscreen" run --spool "$work/spool" --pcap "$work/f.pcap" --quiet --summary-json "$work/s1.json" --verdicts-out "$work/v1.txt"
"$txscreen" run --spool "$work/spool" --pcap "$work/f.pcap" --quiet --workers 2 --rx-lcores 1 --summary-json "$work/s2.json" --verdicts-out "$work/v2.txt"
for s in s1 s2; do
  [[ $(jget "$work/$s.json" "['identities_hold']") == True ]] || fail "$s: accounting identities broken: $(cat "$work/$s.json")"
  [[ $(jget "$work/$s.json" "['identities']['messages']['rejected']") == 0 ]] || fail "$s: rejects on a clean capture"
  decoded=$(jget "$work/$s.json" "['decoded']")
  verdicts=$(jget "$work/$s.json" "['verdicts_consumed']")
  [[ $decoded == "$verdicts" ]] || fail "$s: decoded $decoded != verdicts $verdicts"
done
v1=$(wc -l < "$work/v1.txt")
[[ $v1 -eq $msgs ]] || fail "verdict lines $v1 != generated messages $msgs"
sort "$work/v1.txt" > "$work/v1.sorted"; sort "$work/v2.txt" > "$work/v2.sorted"
cmp -s "$work/v1.sorted" "$work/v2.sorted" || { diff "$work/v1.sorted" "$work/v2.sorted" | head; fail "1 and 2 workers disagree"; }
w0=$(jget "$work/s2.json" "['workers']['worker0']['txns']"); w1=$(jget "$work/s2.json" "['workers']['worker1']['txns']")
[[ $w0 -gt 0 && $w1 -gt 0 ]] || fail "2 workers: shards not both used ($w0, $w1)"
echo "ok: $msgs messages -> $v1 verdicts; 1 and 2 workers identical (worker split $w0/$w1)"

echo "== 2. A/B arbitration"
"$txgen" --count 20000 --format iso8583 --framing moldudp64 --seed 12 --ab-drop-rate 0.05 --out "$work/ab.pcap" --labels "$work/ab.csv" --quiet
read -r unique missing copies < <(python3 "$here/pcap_tool.py" seqs "$work/ab.pcap" 7001 7101 |
  python3 -c "import json,sys; d=json.load(sys.stdin); print(d['unique'], d['missing_in_span'], d['copies'])")
"$txscreen" run --spool "$work/spool" --pcap "$work/ab.pcap" --quiet --summary-json "$work/ab.json"
[[ $(jget "$work/ab.json" "['identities_hold']") == True ]] || fail "A/B: identities broken"
got_missing=$(jget "$work/ab.json" "['feeds']['iso8583-mold']['missing']")
dups=$(jget "$work/ab.json" "['duplicates']")
decoded=$(jget "$work/ab.json" "['decoded']")
[[ $got_missing == "$missing" ]] || fail "A/B: missing $got_missing, capture says $missing"
[[ $decoded == "$unique" ]] || fail "A/B: decoded $decoded != unique sequence numbers $unique"
[[ $dups == $((copies - unique)) ]] || fail "A/B: duplicates $dups != copies-unique $((copies - unique))"
echo "ok: A/B $copies copies -> $unique unique, $dups duplicates, $got_missing missing (lost on both lines)"

echo "== 2b. A/B lines with different drops, never both: zero gaps after arbitration"
python3 "$here/pcap_tool.py" ab "$work/f.pcap" "$work/ab2.pcap" 0.1 9 > "$work/ab2-drops.json"
"$txscreen" run --spool "$work/spool" --pcap "$work/ab2.pcap" --quiet --summary-json "$work/ab2.json"
[[ $(jget "$work/ab2.json" "['identities_hold']") == True ]] || fail "A/B 2: identities broken"
[[ $(jget "$work/ab2.json" "['feeds']['iso8583-mold']['missing']") == 0 ]] || fail "A/B 2: gaps after arbitration: $(cat "$work/ab2.json")"
[[ $(jget "$work/ab2.json" "['decoded']") == "$msgs" ]] || fail "A/B 2: decoded != $msgs"
dropped=$(python3 -c "import json; d=json.load(open('$work/ab2-drops.json')); print(d['dropped_a'], d['dropped_b'])")
echo "ok: A/B with drops (A, B) = ($dropped) datagrams: 0 gaps, all $msgs messages scored once, $(jget "$work/ab2.json" "['duplicates']") duplicates"

echo "== 3. malformed and non-feed packets"
python3 "$here/pcap_tool.py" malformed "$work/f.pcap" "$work/bad.pcap" > "$work/bad-expect.json"
"$txscreen" run --spool "$work/spool" --pcap "$work/bad.pcap" --quiet --summary-json "$work/bad.json"
python3 - "$work/bad-expect.json" "$work/bad.json" "$msgs" <<'PY'
import json, sys
exp = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2])); msgs = int(sys.argv[3])
assert got['identities_hold'], got
assert got['rx_packets'] == exp['packets'], (got['rx_packets'], exp['packets'])
for reason, n in exp['drops'].items():
    assert got['non_feed_packets'].get(reason, 0) == n, (reason, n, got['non_feed_packets'])
assert got['framing_errors'] == exp['framing_rejects'], got
assert got['decoded'] == msgs, (got['decoded'], msgs)
assert got['verdicts_consumed'] == msgs
print("ok: drops by reason", {k: v for k, v in got['non_feed_packets'].items() if v}, "framing rejects", {k: v for k, v in got['rejects'].items() if v})
PY
