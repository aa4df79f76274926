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

# --transport tcp: tshark's TCP analysis and its iso8583 dissector read txgen's TCP
# conversations. tshark 4.0 reassembles reordered segments only with
# tcp.reassemble_out_of_order; after a lost segment it does not resynchronise (it
# dissects garbage), so loss is checked by its analysis flags only.
json_get() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1"; }
iso_lines() {  # srcport dstport mti stan rc, one line per ISO 8583 message tshark decoded
    ts -r "$1" -o tcp.reassemble_out_of_order:TRUE -d tcp.port==8583,iso8583 \
        -o "iso8583.len_endian:Big endian" -o "iso8583.binencode:Bin data not encoded" \
        -T fields -E occurrence=a -e tcp.srcport -e tcp.dstport -e iso8583.mti -e iso8583.bit11 -e iso8583.bit39 |
        awk -F'\t' '$3 != "" { n = split($3, m, ","); split($4, s, ","); split($5, r, ",")
                               for (i = 1; i <= n; i++) print $1, $2, m[i], s[i], r[i] }'
}
# Every message tshark decoded matches its labels row (connection, STAN, MTI, response
# code; not marked lost), none twice; prints how many it decoded.
check_iso() {  # labels.csv tshark-lines
    awk -F, 'NR == FNR { if (FNR > 1) row[$4 "," $6] = $0; next }
        { split($0, f, " ")
          resp = f[1] == 8583; conn = (resp ? f[2] : f[1]) - 40001; key = conn "," f[4]
          if (!(key in row)) { print "FAIL: tshark decoded unknown " $0; bad = 1; next }
          if (seen[resp "," key]++) { print "FAIL: decoded twice: " $0; bad = 1 }
          split(row[key], l, ",")
          want = resp ? sprintf("%04d", l[5] + 10) : l[5]
          if (f[3] != want || (resp && f[5] != l[7]) || l[resp ? 9 : 8] != 0) {
              print "FAIL: tshark " $0 " vs labels " row[key]; bad = 1 }
          n++ }
        END { print n + 0; exit bad }' "$1" "$2"
}
"$TXGEN" --transport tcp --count 2000 --event-rate 5000 --seed 3 --out "$TMP/tcp.pcap" \
    --tcp-report "$TMP/tcp.json" --quiet || die "tcp: txgen exited $?"
syns=$(ts -r "$TMP/tcp.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' | grep -c .)
[ "$syns" -eq 4 ] || die "tcp: $syns SYNs, want 4 connections"
streams=$(ts -r "$TMP/tcp.pcap" -T fields -e tcp.stream | sort -u | grep -c .)
[ "$streams" -eq 4 ] || die "tcp: $streams TCP conversations, want 4"
fins=$(ts -r "$TMP/tcp.pcap" -Y 'tcp.flags.fin == 1' | grep -c .)
[ "$fins" -eq 8 ] || die "tcp: $fins FINs, want 8"
badck=$(ts -r "$TMP/tcp.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
    -Y 'ip.checksum.status == 0 || tcp.checksum.status == 0 || _ws.malformed' | grep -c .)
[ "$badck" -eq 0 ] || die "tcp: $badck packets with a bad checksum or malformed"
flags=$(ts -r "$TMP/tcp.pcap" -Y 'tcp.analysis.flags && !tcp.analysis.window_update' | grep -c .)
[ "$flags" -eq 0 ] || die "tcp: tshark flags $flags packets in a clean capture"
iso_lines "$TMP/tcp.pcap" > "$TMP/tcp.iso"
decoded=$(check_iso "$TMP/tcp.pcap.labels.csv" "$TMP/tcp.iso") || die "tcp: $decoded"
echo "tcp clean: tshark decoded $decoded of 4000 ISO 8583 messages"
[ "${decoded:-0}" -ge 3800 ] || die "tcp: tshark decoded $decoded of 4000 messages"

"$TXGEN" --transport tcp --count 5000 --event-rate 20000 --seed 3 --tcp-reorder 0.03 --tcp-retransmit 0.03 \
    --out "$TMP/tcpr.pcap" --tcp-report "$TMP/tcpr.json" --quiet || die "tcp reorder: txgen exited $?"
retx=$(ts -r "$TMP/tcpr.pcap" -Y tcp.analysis.retransmission | grep -c .)
[ "$retx" -eq "$(json_get "$TMP/tcpr.json" segments_retransmitted)" ] ||
    die "tcp: tshark sees $retx retransmissions, report $(json_get "$TMP/tcpr.json" segments_retransmitted)"
ooo=$(ts -r "$TMP/tcpr.pcap" -Y tcp.analysis.out_of_order | grep -c .)
[ "$ooo" -eq "$(json_get "$TMP/tcpr.json" segments_reordered)" ] ||
    die "tcp: tshark sees $ooo out-of-order segments, report $(json_get "$TMP/tcpr.json" segments_reordered)"
iso_lines "$TMP/tcpr.pcap" > "$TMP/tcpr.iso"
decoded=$(check_iso "$TMP/tcpr.pcap.labels.csv" "$TMP/tcpr.iso") || die "tcp reorder: $decoded"
echo "tcp reorder/retransmit: tshark decoded $decoded of 10000 ISO 8583 messages"
[ "${decoded:-0}" -ge 9500 ] || die "tcp reorder: tshark decoded $decoded of 10000 messages"
# At the default event rate a reordered segment is cut in two pieces, second captured first.
"$TXGEN" --transport tcp --count 1500 --seed 3 --tcp-reorder 0.05 --out "$TMP/tcpd.pcap" \
    --tcp-report "$TMP/tcpd.json" --quiet || die "tcp default-rate reorder: txgen exited $?"
ooo=$(ts -r "$TMP/tcpd.pcap" -Y tcp.analysis.out_of_order | grep -c .)
[ "$ooo" -gt 0 ] && [ "$ooo" -eq "$(json_get "$TMP/tcpd.json" segments_reordered)" ] ||
    die "tcp default rate: tshark sees $ooo out-of-order segments, report $(json_get "$TMP/tcpd.json" segments_reordered)"
iso_lines "$TMP/tcpd.pcap" > "$TMP/tcpd.iso"
decoded=$(check_iso "$TMP/tcpd.pcap.labels.csv" "$TMP/tcpd.iso") || die "tcp default-rate reorder: $decoded"
[ "${decoded:-0}" -eq 3000 ] || die "tcp default-rate reorder: tshark decoded $decoded of 3000 messages"

"$TXGEN" --transport tcp --count 3000 --event-rate 20000 --tcp-loss 0.03 --ipv6 --vlan 42 --framing len2le \
    --out "$TMP/tcpl.pcap" --tcp-report "$TMP/tcpl.json" --quiet || die "tcp loss: txgen exited $?"
[ "$(json_get "$TMP/tcpl.json" segments_lost)" -gt 0 ] || die "tcp loss: the report lost no segment"
lost=$(ts -r "$TMP/tcpl.pcap" -Y tcp.analysis.lost_segment | grep -c .)
unseen=$(ts -r "$TMP/tcpl.pcap" -Y tcp.analysis.ack_lost_segment | grep -c .)
[ "$lost" -gt 0 ] && [ "$unseen" -gt 0 ] || die "tcp loss: tshark flags $lost gaps, $unseen ACKs of unseen data"
total=$(ts -r "$TMP/tcpl.pcap" | grep -c .)
tagged=$(ts -r "$TMP/tcpl.pcap" -Y 'vlan.id == 42 && ipv6 && tcp' | grep -c .)
[ "$tagged" -eq "$total" ] || die "tcp: $tagged of $total frames are VLAN 42 IPv6 TCP"
badck=$(ts -r "$TMP/tcpl.pcap" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 0 || _ws.malformed' | grep -c .)
[ "$badck" -eq 0 ] || die "tcp IPv6: $badck packets with a bad checksum or malformed"

# Every shipped dialect file through --transport tcp (design16 6.3): Wireshark's
# iso8583 dissector, with its own field tables (1987 or 1993 by the MTI's first digit),
# reads the fields where its tables agree with txscreen's. The binary capture matches
# its labels (MTI, STAN, response code, RRN = txn_id); every other dialect's capture of
# the same seed reads the same values (1993: version digit 1 in the MTI, 3-digit action
# code). One message per segment (--coalesce-ms 0) keeps tshark's fields aligned.
DIALECTS=${TXSCREEN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/src/codec/dialects
dialect_fields() {  # pcap charset binencode: one normalized line per message, sorted
    ts -r "$1" -d tcp.port==8583,iso8583 -o "iso8583.len_endian:Big endian" -o "iso8583.charset:$2" \
        -o "iso8583.binencode:$3" -T fields -E occurrence=f -e tcp.srcport -e tcp.dstport -e iso8583.mti \
        -e iso8583.bit2 -e iso8583.bit3 -e iso8583.bit4 -e iso8583.bit7 -e iso8583.bit11 -e iso8583.bit37 \
        -e iso8583.bit39 -e iso8583.bit41 -e iso8583.bit42 -e iso8583.bit49 |
        awk -F'\t' -v OFS='\t' '$3 != "" { if ($3 ~ /^1/) $3 = "0" substr($3, 2); if ($10 ~ /^[0-9]+$/) $10 = $10 + 0
                                           print }' | sort
}
ascii_digits="Digits represented as ASCII Characters" nibbles="Digits represented in nibbles"
raw_bin="Bin data not encoded" hex_bin="Bin data represented as Hex Ascii characters"
for spec in "binary|$ascii_digits|$raw_bin" "hex|$ascii_digits|$hex_bin" "bcd|$nibbles|$raw_bin" \
            "iso93-ascii|$ascii_digits|$hex_bin"; do
    d=${spec%%|*} rest=${spec#*|}
    cs=${rest%%|*} be=${rest#*|}
    [ -f "$DIALECTS/$d.toml" ] || { die "dialect file $DIALECTS/$d.toml missing"; continue; }
    "$TXGEN" --transport tcp --count 400 --seed 9 --coalesce-ms 0 --dialect "$DIALECTS/$d.toml" \
        --out "$TMP/d-$d.pcap" --quiet || die "dialect $d: txgen exited $?"
    dialect_fields "$TMP/d-$d.pcap" "$cs" "$be" > "$TMP/d-$d.fields"
done
# tshark columns: 1 srcport 2 dstport 3 mti 4 bit2 .. 8 bit11 9 bit37 10 bit39; labels:
# 1 txn_id 4 connection 5 mti 6 stan 7 response_code.
n=$(awk -F'\t' 'NR == FNR { split($0, l, ","); if (FNR > 1) row[l[4] "," l[6]] = $0; next }
    { resp = $1 == 8583; key = ((resp ? $2 : $1) - 40001) "," $8
      if (!(key in row)) { print "FAIL: binary: unknown message " $0; bad = 1; next }
      split(row[key], l, ",")
      want = resp ? sprintf("%04d", l[5] + 10) : sprintf("%04d", l[5])
      if ($3 != want || $9 != l[1] || (resp && $10 != l[7] + 0) || $4 !~ /^[0-9]+$/ || length($7) != 10) {
          print "FAIL: binary: tshark " $0 " vs labels " row[key]; bad = 1 }
      n++ }
    END { print n + 0; exit bad }' "$TMP/d-binary.pcap.labels.csv" "$TMP/d-binary.fields") || die "dialect binary: $n"
[ "${n:-0}" -ge 760 ] || die "dialect binary: tshark decoded $n of about 800 messages"
for d in hex bcd iso93-ascii; do
    cmp -s "$TMP/d-binary.fields" "$TMP/d-$d.fields" ||
        die "dialect $d: tshark reads other values than for binary: $(diff "$TMP/d-binary.fields" "$TMP/d-$d.fields" | head -4)"
done
echo "dialects binary, hex, bcd, iso93-ascii over TCP: tshark decoded $n messages each, fields agree"

# Exit codes and messages.
"$TXGEN" --format xml --out "$TMP/x.pcap" 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || die "--format xml exited $rc, want 2"
grep -q -- "--format" "$TMP/err" || die "--format error text: $(cat "$TMP/err")"
"$TXGEN" 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || die "no arguments exited $rc, want 2"
"$TXGEN" --help > "$TMP/help"; rc=$?
[ $rc -eq 0 ] || die "--help exited $rc"
grep -q -- "--per-datagram" "$TMP/help" || die "--help lacks --per-datagram"
grep -q -- "iso93-ascii" "$TMP/help" || die "--help does not list the built-in dialects"
"$TXGEN" --dialect "$TMP/none.toml" --out "$TMP/x.pcap" 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || die "--dialect with a missing file exited $rc, want 2"
grep -q "none.toml" "$TMP/err" || die "--dialect error does not name the file: $(cat "$TMP/err")"
printf 'name = "bad"\nbase = "iso8583-1987"\n[message]\nmti = "morse"\n' > "$TMP/bad.toml"
"$TXGEN" --dialect "$TMP/bad.toml" --out "$TMP/x.pcap" 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || die "--dialect with a bad file exited $rc, want 2"
grep -q "bad.toml:4:" "$TMP/err" || die "--dialect error lacks file:line: $(cat "$TMP/err")"
printf '%s\n' '{"txn_id":"a","ts":1,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M"}' \
    '{"txn_id":"b","ts":"never","card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M"}' > "$TMP/in.jsonl"
"$TXGEN" --from-jsonl "$TMP/in.jsonl" --out "$TMP/j.pcap" --quiet 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] || die "bad --from-jsonl line exited $rc, want 1"
grep -q "in.jsonl:2:" "$TMP/err" || die "bad --from-jsonl line error lacks file:line: $(cat "$TMP/err")"

[ $fail -eq 0 ] && echo "PASS"
exit $fail
