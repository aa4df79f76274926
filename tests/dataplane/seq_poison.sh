#!/usr/bin/env bash
# MoldUDP64 sequencer poisoning (issue #13, item 1) on net_pcap with --no-huge:
#  1. one datagram numbered 1,000,000 and one numbered 2^64-2, injected after datagram
#     100 of a 20,000-message feed, cost only themselves: every genuine message is
#     scored (the same verdicts as without them), missing stays 0, and the two are
#     counted as suspect datagrams by reason;
#  2. a real renumbering (the sender restarts at 5,000,000) is confirmed by the datagrams
#     that follow: one sequence reset, only the datagrams held while it was suspect
#     are lost (and counted as missing, never 1.8e19);
#  3. the same renumbering on an A/B feed: the B line's copy confirms it at once, nothing
#     is lost.
set -euo pipefail
txgen=$1 txscreen=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/txscreen-seq.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
jget() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }
run() { "$txscreen" run --spool "$work/spool" --pcap "$1" --quiet --summary-json "$2" --verdicts-out "$3"; }
# Sums of the feed's suspect counters over reasons: "datagrams messages resets missing".
feed_figures() {
  python3 - "$1" <<'PY'
import json, sys
f = list(json.load(open(sys.argv[1]))['feeds'].values())[0]
print(sum(f['suspect_datagrams'].values()), sum(f['suspect_messages'].values()), f['sequence_resets'], f['missing'])
PY
}

echo "== 1. two hostile datagrams after datagram 100"
"$txgen" --count 20000 --format iso8583 --framing moldudp64 --seed 13 --out "$work/f.pcap" --labels "$work/l.csv" --quiet
msgs=$(($(wc -l < "$work/l.csv") - 1))
python3 "$here/pcap_tool.py" inject "$work/f.pcap" "$work/poison.pcap" 100 1000000 0xfffffffffffffffe > "$work/inject.json"
injected_msgs=$(python3 -c "import json; print(sum(i['messages'] for i in json.load(open('$work/inject.json'))['injected']))")
run "$work/f.pcap" "$work/clean.json" "$work/clean.txt"
run "$work/poison.pcap" "$work/poison.json" "$work/poison.txt"
for s in clean poison; do
  [[ $(jget "$work/$s.json" "['identities_hold']") == True ]] || fail "$s: identities broken: $(cat "$work/$s.json")"
  [[ $(jget "$work/$s.json" "['decoded']") == "$msgs" ]] || fail "$s: decoded $(jget "$work/$s.json" "['decoded']") != $msgs"
  [[ $(jget "$work/$s.json" "['duplicates']") == 0 ]] || fail "$s: duplicates on a capture without copies"
done
read -r held held_msgs resets missing < <(feed_figures "$work/poison.json")
[[ $held == 2 ]] || fail "suspect datagrams $held, expected 2: $(jget "$work/poison.json" "['feeds']")"
[[ $held_msgs == "$injected_msgs" ]] || fail "suspect messages $held_msgs, injected $injected_msgs"
[[ $(jget "$work/poison.json" "['identities']['messages']['suspect_messages']") == "$injected_msgs" ]] || fail "rx suspect_messages"
[[ $resets == 0 && $missing == 0 ]] || fail "resets $resets, missing $missing: both should be 0"
read -r clean_held _ _ clean_missing < <(feed_figures "$work/clean.json")
[[ $clean_held == 0 && $clean_missing == 0 ]] || fail "clean run: $clean_held suspect, $clean_missing missing"
sort "$work/clean.txt" > "$work/clean.sorted"; sort "$work/poison.txt" > "$work/poison.sorted"
cmp -s "$work/clean.sorted" "$work/poison.sorted" || { diff "$work/clean.sorted" "$work/poison.sorted" | head; fail "verdicts differ with the hostile datagrams"; }
echo "ok: $msgs of $msgs scored, verdicts identical to the clean run; held $held datagrams ($held_msgs messages: $(jget "$work/poison.json" "['feeds']")), missing 0"

echo "== 2. a real renumbering is confirmed: one reset, the held datagrams missing"
"$txgen" --count 10000 --format iso8583 --framing moldudp64 --seed 21 --out "$work/a.pcap" --labels "$work/a.csv" --quiet
"$txgen" --count 10000 --format iso8583 --framing moldudp64 --seed 22 --first-seq 5000000 \
  --start 2026-11-01T06:00:00Z --out "$work/b.pcap" --labels "$work/b.csv" --quiet
total=$(($(wc -l < "$work/a.csv") + $(wc -l < "$work/b.csv") - 2))
# Concatenates the captures; prints the message counts of the restart's first 2 datagrams
# (held while suspect: the third confirms, feed_sequencer's confirm_datagrams = 3).
first_two=$(python3 - "$here" "$work/a.pcap" "$work/b.pcap" "$work/renum.pcap" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1])
import pcap_tool
header, a = pcap_tool.read(sys.argv[2])
_, b = pcap_tool.read(sys.argv[3])
pcap_tool.write(sys.argv[4], header, a + b)
counts = [struct.unpack('>H', p[60:62])[0] for p in b if len(p) >= 62]
print(sum([c for c in counts if c not in (0, 0xffff)][:2]))
PY
)
run "$work/renum.pcap" "$work/renum.json" "$work/renum.txt"
[[ $(jget "$work/renum.json" "['identities_hold']") == True ]] || fail "renumbering: identities broken"
read -r held held_msgs resets missing < <(feed_figures "$work/renum.json")
[[ $resets == 1 ]] || fail "renumbering: sequence_resets $resets, expected 1"
[[ $held == 2 && $held_msgs == "$first_two" ]] || fail "renumbering: held $held datagrams / $held_msgs messages, expected 2 / $first_two"
[[ $missing == "$first_two" ]] || fail "renumbering: missing $missing, expected the $first_two held messages"
decoded=$(jget "$work/renum.json" "['decoded']")
[[ $decoded == $((total - first_two)) ]] || fail "renumbering: decoded $decoded, expected $((total - first_two))"
echo "ok: renumbering 1 -> 5,000,000 confirmed (1 reset); $decoded of $total scored, $missing missing (the 2 held datagrams)"

echo "== 3. the same renumbering on an A/B feed: the B copy confirms at once"
python3 "$here/pcap_tool.py" ab "$work/renum.pcap" "$work/renum-ab.pcap" 0 1 > /dev/null
run "$work/renum-ab.pcap" "$work/renum-ab.json" "$work/renum-ab.txt"
[[ $(jget "$work/renum-ab.json" "['identities_hold']") == True ]] || fail "A/B renumbering: identities broken"
read -r held held_msgs resets missing < <(feed_figures "$work/renum-ab.json")
[[ $resets == 1 && $missing == 0 ]] || fail "A/B renumbering: resets $resets, missing $missing (expected 1, 0)"
[[ $held == 1 ]] || fail "A/B renumbering: held $held datagrams, expected 1 (the A copy before B's)"
[[ $(jget "$work/renum-ab.json" "['decoded']") == "$total" ]] || fail "A/B renumbering: decoded != $total"
echo "ok: A/B renumbering confirmed by the B line: all $total scored, 0 missing, 1 datagram held ($held_msgs messages, its B copy scored)"
