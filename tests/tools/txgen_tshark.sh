#!/bin/sh
# Integration: run the txgen binary and let tshark judge its pcaps. For every
# format/framing pair the default UDP port appears on every packet, tshark's MoldUDP64
# dissector reads our framing (session, contiguous sequence numbers), IPv4/UDP
# checksums verify and no packet is malformed. Also: exit codes and error texts.
# Usage: txgen_tshark.sh PATH/TO/txgen
set -u
TXGEN=${1:?usage: txgen_tshark.sh PATH/TO/txgen}
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/txgen-tshark-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }
ts() { tshark "$@" 2>/dev/null; }

for combo in "iso8583 moldudp64 7001" "iso8583 raw 7002" "json moldudp64 7003" "json raw 7004"; do
    set -- $combo
    fmt=$1 fr=$2 port=$3
    pcap="$TMP/$fmt-$fr.pcap"
    "$TXGEN" --count 3000 --format "$fmt" --framing "$fr" --out "$pcap" --quiet || die "$fmt/$fr: txgen exited $?"
    [ -s "$pcap.labels.csv" ] || die "$fmt/$fr: no labels file"
    rows=$(($(wc -l < "$pcap.labels.csv") - 1))
    [ "$rows" -eq 3000 ] || die "$fmt/$fr: $rows label rows, want 3000"
    # Decode the feed port as MoldUDP64 (or plain data) so no port-based guess
    # (AFS uses 7000-7009) dissects it as something else.
    proto=data
    [ "$fr" = moldudp64 ] && proto=moldudp64
    ports=$(ts -r "$pcap" -d "udp.port==$port,$proto" -c 20 -T fields -e udp.dstport)
    n=$(printf '%s\n' "$ports" | grep -c .)
    [ "$n" -eq 20 ] || die "$fmt/$fr: tshark printed $n lines, want 20"
    bad=$(printf '%s\n' "$ports" | grep -vcx "$port")
    [ "$bad" -eq 0 ] || die "$fmt/$fr: $bad lines with a port other than $port: $(printf '%s' "$ports" | sort -u | tr '\n' ' ')"
    malformed=$(ts -r "$pcap" -d "udp.port==$port,$proto" -Y '_ws.malformed || _ws.expert.severity >= error' | grep -c .)
    [ "$malformed" -eq 0 ] || die "$fmt/$fr: tshark reports $malformed malformed/error packets"
    badck=$(ts -r "$pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -Y 'ip.checksum.status == 0 || udp.checksum.status == 0' | grep -c .)
    [ "$badck" -eq 0 ] || die "$fmt/$fr: $badck packets with a bad IPv4/UDP checksum"
    if [ "$fr" = moldudp64 ]; then
        # Sequence numbers: each datagram starts where the previous one ended.
        ts -r "$pcap" -d "udp.port==$port,moldudp64" -T fields -e moldudp64.session -e moldudp64.sequence \
            -e moldudp64.count | awk -v f="$fmt" '
            $1 != "TXGEN00001" { print "FAIL: " f ": session " $1; bad = 1 }
            NR > 1 && $2 != next_seq { print "FAIL: " f ": sequence " $2 " after " next_seq; bad = 1 }
            { next_seq = $2 + $3; total += $3 }
            END { if (total != 3000) { print "FAIL: " f ": " total " messages"; bad = 1 } exit bad }' || fail=1
    fi
done

# A/B lines: both ports present, the B line on port + 100.
"$TXGEN" --count 2000 --ab-drop-rate 0.05 --out "$TMP/ab.pcap" --quiet || die "A/B run exited $?"
abports=$(ts -r "$TMP/ab.pcap" -T fields -e udp.dstport | sort -u | tr '\n' ' ')
[ "$abports" = "7001 7101 " ] || die "A/B ports are '$abports', want '7001 7101 '"

# Exit codes and messages.
"$TXGEN" --format xml --out "$TMP/x.pcap" 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || die "--format xml exited $rc, want 2"
grep -q -- "--format" "$TMP/err" || die "--format error text: $(cat "$TMP/err")"
"$TXGEN" 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || die "no arguments exited $rc, want 2"
"$TXGEN" --help > "$TMP/help"; rc=$?
[ $rc -eq 0 ] || die "--help exited $rc"
grep -q -- "--per-datagram" "$TMP/help" || die "--help lacks --per-datagram"
printf '%s\n' '{"txn_id":"a","ts":1,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M"}' \
    '{"txn_id":"b","ts":"never","card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M"}' > "$TMP/in.jsonl"
"$TXGEN" --from-jsonl "$TMP/in.jsonl" --out "$TMP/j.pcap" --quiet 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] || die "bad --from-jsonl line exited $rc, want 1"
grep -q "in.jsonl:2:" "$TMP/err" || die "bad --from-jsonl line error lacks file:line: $(cat "$TMP/err")"

[ $fail -eq 0 ] && echo "PASS"
exit $fail
