#!/usr/bin/env bash
# The txscreen command line: check-config explains every broken config with one
# error naming the key, usage errors exit 2, and SIGTERM mid-run drains: everything
# received is scored, the identities hold, exit 0.
set -uo pipefail
txgen=$1 txscreen=$2
src=${TXSCREEN_SOURCE_ROOT:?}
work=$(mktemp -d /tmp/txscreen-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

echo "== check-config"
cd "$src"  # fixtures name files relative to the source root
"$txscreen" check-config "$src/docs/txscreen.example.toml" > "$work/ok.txt" || fail "example config refused: $(cat "$work/ok.txt")"
grep -q "valid" "$work/ok.txt" || fail "check-config printed no verdict"
n=0
for f in "$src"/tests/config/broken/*.toml; do
  key=$(sed -n '1s/^# *expect: *//p' "$f")
  out=$("$txscreen" check-config "$f" 2>&1); rc=$?
  [[ $rc == 2 ]] || fail "$f: exit $rc, expected 2: $out"
  errors=$(grep -cE "^$f:[0-9]+:" <<< "$out" || true)
  [[ $errors == 1 ]] || fail "$f: $errors error lines, expected 1: $out"
  grep -qF -- "$key" <<< "$out" || fail "$f: error does not name '$key': $out"
  n=$((n + 1))
done
((n >= 15)) || fail "only $n broken fixtures"
echo "ok: $n broken configs, one error each naming the key"

echo "== usage errors"
"$txscreen" run --spool "$work/spool" --bogus > /dev/null 2>&1; [[ $? == 2 ]] || fail "unknown option: expected exit 2"
"$txscreen" run --spool "$work/spool" > /dev/null 2>&1; [[ $? == 2 ]] || fail "no input: expected exit 2"
"$txscreen" run --spool "$work/spool" --workers 0 --pcap x > /dev/null 2>&1; [[ $? == 2 ]] || fail "--workers 0: expected exit 2"
"$txscreen" frobnicate > /dev/null 2>&1; [[ $? == 2 ]] || fail "unknown command: expected exit 2"
# (not `| grep -q`: grep leaves at the first match, and a help longer than one write then dies of SIGPIPE)
grep -q -- "--config FILE" <<< "$("$txscreen" run --spool "$work/spool" --help)" || fail "run --help lacks --config"
out=$("$txscreen" run --spool "$work/spool" --pcap /nonexistent.pcap --no-kafka 2>&1); [[ $? == 1 ]] && grep -q "/nonexistent.pcap" <<< "$out" || fail "missing capture not named: $out"
echo "ok: usage errors exit 2 and name the problem"

echo "== SIGTERM mid-run drains"
"$txgen" --count 100000 --framing raw --seed 4 --out "$work/raw.pcap" --no-labels --quiet
"$txscreen" run --spool "$work/spool" --pcap "$work/raw.pcap" --loop --quiet --ready-file "$work/ready" \
  --summary-json "$work/s.json" > "$work/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do [[ -f $work/ready ]] && break; sleep 0.1; done
[[ -f $work/ready ]] || { cat "$work/run.log"; fail "txscreen did not start"; }
sleep 2
kill -TERM "$pid"
wait "$pid"; rc=$?
[[ $rc == 0 ]] || { cat "$work/run.log"; fail "exit $rc after SIGTERM"; }
python3 - "$work/s.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s['identities_hold'], s
assert s['decoded'] > 0 and s['decoded'] == s['verdicts_consumed'], s
assert s['kafka']['alerts_pending'] == 0 and s['kafka']['alerts_acked'] == s['kafka']['alerts_produced'], s['kafka']
print(f"ok: SIGTERM after {s['decoded']} decoded: {s['verdicts_consumed']} verdicts consumed, "
      f"{s['kafka']['alerts_acked']} alerts acknowledged by Kafka, identities hold, exit 0")
PY

echo "== bounded inputs: devices, FIFOs, directories and oversized files are refused at once"
# Formerly check-config read /dev/zero for ever (memory grew ~200 MB/s) and called a
# directory a valid config.
refused_at_once() {  # CONFIG-PATH EXPECTED-TEXT
  local out rc
  out=$(timeout 5 "$txscreen" check-config "$1" 2>&1); rc=$?
  [[ $rc == 124 ]] && fail "check-config $1 did not answer within 5 s"
  [[ $rc == 2 ]] || fail "check-config $1: exit $rc, expected 2: $out"
  grep -qF -- "$2" <<< "$out" || fail "check-config $1: no '$2' in: $out"
}
refused_at_once /dev/zero "/dev/zero: not a regular file (character device)"
refused_at_once "$work" "$work: is a directory"
mkfifo "$work/fifo.toml"
refused_at_once "$work/fifo.toml" "$work/fifo.toml: not a regular file (FIFO)"
truncate -s 17M "$work/big.toml"
refused_at_once "$work/big.toml" "$work/big.toml: larger than the 16 MiB limit for a config file (17825792 bytes)"
printf '[rules]\nfile = "/dev/zero"\n' > "$work/rules-zero.toml"
refused_at_once "$work/rules-zero.toml" "$work/rules-zero.toml:2: rules.file: /dev/zero: not a regular file (character device)"
printf '[screening]\npatterns = "%s"\n' "$work/fifo.toml" > "$work/patterns-fifo.toml"
refused_at_once "$work/patterns-fifo.toml" "screening.patterns: $work/fifo.toml: not a regular file (FIFO)"
out=$(timeout 5 "$txscreen" run --config /dev/zero --spool "$work/spool" 2>&1); rc=$?
[[ $rc == 2 ]] && grep -qF "/dev/zero: not a regular file" <<< "$out" || fail "run --config /dev/zero: exit $rc: $out"
ln -s "$src/docs/txscreen.example.toml" "$work/linked.toml"
linked_out=$(timeout 5 "$txscreen" check-config "$work/linked.toml") || fail "a symlink to a valid config was refused"
grep -q "valid" <<< "$linked_out" || fail "a symlink to a valid config was refused"
echo "ok: /dev/zero, a directory, a FIFO and a 17 MiB file refused at once with exit 2 and the reason; symlinks followed"

echo "== --version prints the project version and exits 0"
want=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$src/meson.build" | head -1)
[[ -n $want ]] || fail "no project version in $src/meson.build"
broker=${TXSCREEN_BUILD_ROOT:-}/tools/kafka-broker/txscreen-kafka-broker
tools=("txscreen:$txscreen" "txgen:$txgen")
[[ -x $broker ]] && tools+=("txscreen-kafka-broker:$broker")
for t in "${tools[@]}"; do
  name=${t%%:*} bin=${t#*:}
  out=$("$bin" --version 2>&1); rc=$?
  [[ $rc == 0 ]] || fail "$name --version: exit $rc: $out"
  [[ $out == "$name $want" ]] || fail "$name --version printed '$out', expected '$name $want'"
  grep -q -- "--version" <<< "$("$bin" --help 2>&1)" || fail "$name --help does not mention --version"
done
echo "ok: ${#tools[@]} tools print '<name> $want' and exit 0"

echo "== option syntax: --opt=value everywhere, integers are integers"
"$txgen" --count=10 --seed=3 --out="$work/eq.pcap" --no-labels --quiet || fail "txgen --count=10 refused"
[[ -s $work/eq.pcap ]] || fail "txgen --out=FILE wrote nothing"
for bad in "--workers 1.9" "--workers=1.9" "--workers 0" "--cards 2048.5"; do
  # shellcheck disable=SC2086
  out=$("$txscreen" run $bad --pcap "$work/eq.pcap" 2>&1); rc=$?
  [[ $rc == 2 ]] || fail "txscreen run $bad: exit $rc, expected the usage error 2: $out"
  grep -qF -- "${bad%%[ =]*}" <<< "$out" || fail "txscreen run $bad: the message does not name the option: $out"
done
echo "ok: txgen takes --opt=value; txscreen run refuses fractional or out-of-range integers with exit 2"
bad_lines=("$txgen --count=1.9 --out=$work/x.pcap" "$txgen --count=0x10 --out=$work/x.pcap")
[[ -x $broker ]] && bad_lines+=("$broker --brokers=1.5")
for bad in "${bad_lines[@]}"; do
  # shellcheck disable=SC2086
  out=$($bad 2>&1); rc=$?
  [[ $rc == 2 ]] || fail "$bad: exit $rc, expected the usage error 2: $out"
  grep -qF -- "is not a whole number" <<< "$out" || fail "$bad: unclear message: $out"
done
out=$("$txscreen" run --pcap="$work/eq.pcap" --no-kafka --no-spool --idle-timeout=1 --quiet \
  --summary-json="$work/eq.json" 2>&1) || fail "txscreen run with --opt=value options: $out"
python3 - "$work/eq.json" <<'PY' || fail "txscreen run --pcap=FILE did not read the 10 transactions"
import json, sys
s = json.load(open(sys.argv[1]))
assert s['decoded'] == 10, s['decoded']
PY
echo "ok: txgen, txscreen-kafka-broker refuse fractions and hex with exit 2; txscreen run takes --opt=value"

echo "== help comes from the options"
"$txscreen" > /dev/null 2>&1; [[ $? == 2 ]] || fail "txscreen without a command: expected exit 2"
top=$("$txscreen" --help) || fail "txscreen --help: exit $?"
for c in run bench demo check-config help; do
  grep -qE "^  $c +[a-z]" <<< "$top" || fail "txscreen --help does not list '$c' with its line: $top"
done
run_help=$("$txscreen" run --help) || fail "txscreen run --help: exit $?"
for o in --config --pcap --loop --device --idle-timeout --workers --rx-lcores --rules --cards --token-key --brokers \
         --no-kafka --publish-scored --spool --no-spool --s3-endpoint --admin --admin-token --hold --summary-json \
         --verdicts-out --ready-file --quiet; do
  grep -qE -- "^  $o( |$)" <<< "$run_help" || fail "txscreen run --help does not explain $o: $run_help"
done
echo "ok: txscreen --help lists the commands, run --help explains each of its options"

echo "== check-config: errors on stderr, the explanation on stdout"
broken=$(find "$src/tests/config/broken" -name '*.toml' | sort | head -1)
"$txscreen" check-config "$broken" > "$work/cc.out" 2> "$work/cc.err"; rc=$?
[[ $rc == 2 ]] || fail "check-config $broken: exit $rc, expected 2"
[[ ! -s $work/cc.out ]] || fail "check-config printed its errors on stdout: $(cat "$work/cc.out")"
grep -qE "^$broken:[0-9]+:" "$work/cc.err" || fail "check-config: no error line on stderr: $(cat "$work/cc.err")"
"$txscreen" check-config "$src/docs/txscreen.example.toml" > "$work/cc.out" 2> "$work/cc.err" || fail "example refused"
grep -q ": valid$" "$work/cc.out" && [[ ! -s $work/cc.err ]] || fail "a valid config: stdout/stderr mixed up"
echo "ok: check-config writes errors to stderr only, a valid file's explanation to stdout only"

echo "== check-config --dialect: every shipped dialect is valid; a broken dialect file names its line"
for d in "$src"/src/codec/dialects/*.toml; do
  "$txscreen" check-config --dialect "$d" > "$work/d.out" 2>&1 || fail "shipped dialect $d refused: $(cat "$work/d.out")"
done
"$txscreen" check-config --dialect ebcdic > "$work/d.out" 2>&1 || fail "built-in name ebcdic refused: $(cat "$work/d.out")"
printf 'name = "bad"\nbase = "iso8583-1987"\n[fields.48]\nlen = "LL"\nmax = 150\n' > "$work/bad-dialect.toml"
"$txscreen" check-config --dialect "$work/bad-dialect.toml" > "$work/d.out" 2>&1; rc=$?
[[ $rc == 2 ]] || fail "a dialect whose LL field holds 150: exit $rc, expected 2: $(cat "$work/d.out")"
grep -qE "bad-dialect.toml:[0-9]+: fields.48" "$work/d.out" || fail "no file:line naming fields.48: $(cat "$work/d.out")"
printf '<?xml version="1.0"?>\n<isopackager>\n  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>\n  <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>\n  <isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFX_NOSUCH"/>\n</isopackager>\n' > "$work/bad.xml"
"$txscreen" check-config --dialect "$work/bad.xml" > "$work/d.out" 2>&1; rc=$?
[[ $rc == 2 ]] || fail "an unknown jPOS class: exit $rc, expected 2: $(cat "$work/d.out")"
grep -qE "bad.xml:5:.*IFX_NOSUCH" "$work/d.out" || fail "no file:line naming the unknown class: $(cat "$work/d.out")"
echo "ok: check-config --dialect validates dialect files with file:line errors"
