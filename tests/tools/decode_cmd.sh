#!/bin/sh
# Integration: `txscreen decode` on txgen-made messages, binary and EBCDIC, by --pcap
# (dialect by name and by a config's feed) and by --hex. Checks the printed fields, the
# mapped Txn against txgen's values, that no clear PAN is ever printed, and the errors.
# Usage: decode_cmd.sh PATH/TO/txgen PATH/TO/txscreen
set -u
TXGEN=${1:?usage: decode_cmd.sh txgen txscreen}
TXSCREEN=${2:?usage: decode_cmd.sh txgen txscreen}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/txscreen-decode-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
fail=0
die() { echo "FAIL: $*"; fail=1; }

for d in binary ebcdic; do
    "$TXGEN" --count 200 --seed 21 --dialect "$d" --out "$TMP/$d.pcap" --quiet || die "$d: txgen exited $?"
    # The same transactions as JSON lines carry the clear PANs txgen sent.
    "$TXGEN" --count 200 --seed 21 --format json --framing raw --out "$TMP/$d-json.pcap" --quiet ||
        die "$d: txgen json exited $?"
    "$TXSCREEN" decode --dialect "$d" --pcap "$TMP/$d.pcap" > "$TMP/$d.txt" 2> "$TMP/$d.err" || die "$d: decode exited $?"
    "$TXSCREEN" decode --dialect "$d" --pcap "$TMP/$d.pcap" --json > "$TMP/$d.json" || die "$d: decode --json exited $?"
    cat > "$TMP/$d.toml" <<EOF
[[feed]]
name = "link"
port = 7001
payload = "iso8583"
framing = "moldudp64"
dialect = "$d"
EOF
    "$TXSCREEN" decode --config "$TMP/$d.toml" --feed link --pcap "$TMP/$d.pcap" --json > "$TMP/$d-cfg.json" ||
        die "$d: decode --config exited $?"
    cmp -s "$TMP/$d.json" "$TMP/$d-cfg.json" || die "$d: --config and --dialect decode differently"
    grep -q "primary account number" "$TMP/$d.txt" || die "$d: no field 2 line: $(head -5 "$TMP/$d.txt")"
    grep -q "^200 message(s)" "$TMP/$d.txt" || die "$d: summary line: $(tail -1 "$TMP/$d.txt")"
    # Every message decodes, its fields and Txn match what txgen sent, and no output
    # holds a clear PAN (grep for each one must fail).
    $PY - "$TMP/$d.json" "$TMP/$d-json.pcap" "$TMP/$d.txt" <<'PY' || die "$d: decoded values differ"
import json, struct, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
sent = []
data = open(sys.argv[2], 'rb').read()
off = 24
while off < len(data):
    incl = struct.unpack('<I', data[off + 8:off + 12])[0]
    pay = data[off + 16 + 42:off + 16 + incl]
    off += 16 + incl
    p = 0
    while p < len(pay):  # raw JSON framing: one object per line
        e = pay.index(b'\n', p)
        sent.append(json.loads(pay[p:e]))
        p = e + 1
assert len(msgs) == len(sent) == 200, (len(msgs), len(sent))
text = open(sys.argv[1]).read() + open(sys.argv[3]).read()
for m, s in zip(msgs, sent):
    assert 'reject' not in m, m
    t = m['txn']
    f = {x['field']: x for x in m['fields']}
    pan = s['card']
    assert pan not in text, 'clear PAN in the output'
    assert t['pan'] == pan[:len(t['card_bin'])] + '*' * (len(pan) - len(t['card_bin']) - 4) + pan[-4:], (t['pan'], pan)
    assert t['card_last4'] == pan[-4:] and t['pan_len'] == len(pan)
    assert len(t['card_token']) == 32
    minor = round(s['amount'] * 10 ** t['currency_exponent'])  # JSON amounts are in major units
    assert t['amount_minor'] == minor, (t['amount_minor'], s['amount'])
    assert t['merchant_id'] == s['merchant_id']
    assert t['mcc'] == s.get('mcc', t['mcc'])
    assert t['channel'] == s.get('channel', 'pos'), (t['channel'], s.get('channel'))
    assert f[4]['value'] == '%012d' % minor and f[4]['wire_bytes'] == 12
    assert f[0]['value'] == '0200' and f[0]['offset'] == 0
    assert f[2]['value'].endswith(pan[-4:]) and '*' in f[2]['value']
print('ok: 200 messages')
PY
done

# --config brings the feed's [feed.map]: merchant_name read from field 42 instead of 43.
cat > "$TMP/map.toml" <<EOF
[[feed]]
name = "plain"
port = 7002
payload = "iso8583"
framing = "raw"
dialect = "hex"
[[feed]]
name = "mapped"
port = 7001
payload = "iso8583"
framing = "moldudp64"
dialect = "ebcdic"
[feed.map]
merchant_name = "42"
EOF
"$TXSCREEN" decode --config "$TMP/map.toml" --feed mapped --pcap "$TMP/ebcdic.pcap" --json > "$TMP/map.json" ||
    die "decode with [feed.map] exited $?"
$PY -c "
import json
ms = [json.loads(l) for l in open('$TMP/map.json')]
assert len(ms) == 200 and all(m['txn']['merchant_name'] == m['txn']['merchant_id'] != '' for m in ms), ms[0]['txn']
" || die "[feed.map] merchant_name = 42 not applied"
several=$("$TXSCREEN" decode --config "$TMP/map.toml" --pcap "$TMP/ebcdic.pcap" 2>&1 >/dev/null)
printf '%s' "$several" | grep -q -- "--feed" || die "two ISO feeds without --feed: $several"

# --hex: one message of the EBCDIC capture (its first datagram's first message).
hex=$($PY - "$TMP/ebcdic.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
incl = struct.unpack('<I', d[32:36])[0]
pay = d[40 + 42:40 + incl]
n = struct.unpack('>H', pay[20:22])[0]  # MoldUDP64: 20-byte header, then length
print(pay[22:22 + n].hex())
PY
)
"$TXSCREEN" decode --dialect ebcdic --hex "$hex" --json > "$TMP/hex.json" || die "--hex exited $?"
head -1 "$TMP/ebcdic.json" | $PY -c "
import json, sys
a = json.loads(sys.stdin.readline()); b = json.load(open('$TMP/hex.json'))
assert a['fields'] == b['fields'], 'fields differ'
assert a['txn']['card_token'] == b['txn']['card_token'] and a['txn']['pan'] == b['txn']['pan']
" || die "--hex reads the message differently from --pcap"
# The same bytes in the binary dialect stop at the MTI (EBCDIC digits are no ASCII
# digits): a reject with a field and an offset.
"$TXSCREEN" decode --dialect binary --hex "$hex" > "$TMP/reject.txt" || die "reject run exited $?"
grep -q "reject: iso_" "$TMP/reject.txt" || die "no reject line: $(cat "$TMP/reject.txt")"
grep -q "at field [0-9]*, offset [0-9]*" "$TMP/reject.txt" || die "reject without field and offset"

# Rejects never show card data: the bytes printed from a reject's offset stop at the end
# of the bitmaps, and no run of 8 of the PAN's digits appears as digits (BCD nibbles read
# the same once spaces go), as ASCII hex (3X per digit) or as EBCDIC hex (FX per digit).
# no_pan NAME PAN BITMAPS_END ARGS...: runs decode as text and as JSON.
no_pan() {
    name=$1 pan=$2 end=$3
    shift 3
    "$TXSCREEN" decode "$@" > "$TMP/$name.txt" || die "$name: decode exited $?"
    "$TXSCREEN" decode "$@" --json > "$TMP/$name.json" || die "$name: decode --json exited $?"
    $PY - "$pan" "$end" "$TMP/$name.txt" "$TMP/$name.json" <<'PY' || die "$name: card data in a reject: $(cat "$TMP/$name.txt")"
import json, sys
pan, end = sys.argv[1], int(sys.argv[2])
text = open(sys.argv[3]).read()
m = json.loads(open(sys.argv[4]).read())
assert 'reject' in m, 'expected a reject'
r = m['reject']
assert 'bytes from offset %d' % r['offset'] in text, 'no offset line'
shown = len(r['bytes_around']) // 2
assert not shown or r['offset'] + shown <= end, ('bytes shown past the bitmaps', r)
flat = ''.join((text + json.dumps(m)).split()).lower()
for i in range(len(pan) - 7):
    run = pan[i:i + 8]
    for form in (run, ''.join('3' + d for d in run), ''.join('f' + d for d in run)):
        assert form not in flat, 'PAN digits %s as %s' % (run, form)
print('ok: no card data,', r['reason'], 'at field', r['field'])
PY
}
# The EBCDIC message read as binary: a 4-byte MTI and an 8-byte bitmap, then field 2.
ebc_pan=$($PY -c "import sys; m = bytes.fromhex(sys.argv[1]); print(m[14:14 + int(m[12:14].decode('cp037'))].decode('cp037'))" "$hex")
no_pan ebcdic-as-binary "$ebc_pan" 12 --dialect binary --hex "$hex"
# The whole EBCDIC capture read as binary: 200 rejects, none with any PAN's digits.
"$TXSCREEN" decode --dialect binary --pcap "$TMP/ebcdic.pcap" > "$TMP/ebc-bin.txt" || die "ebcdic as binary exited $?"
"$TXSCREEN" decode --dialect binary --pcap "$TMP/ebcdic.pcap" --json > "$TMP/ebc-bin.json" ||
    die "ebcdic as binary --json exited $?"
$PY - "$TMP/ebcdic-json.pcap" "$TMP/ebc-bin.txt" "$TMP/ebc-bin.json" <<'PY' || die "ebcdic capture as binary: card data shown"
import json, struct, sys
data = open(sys.argv[1], 'rb').read()
pans, off = [], 24
while off < len(data):
    incl = struct.unpack('<I', data[off + 8:off + 12])[0]
    pans += [json.loads(l)['card'] for l in data[off + 16 + 42:off + 16 + incl].splitlines() if l]
    off += 16 + incl
rejects = [json.loads(l) for l in open(sys.argv[3])]
assert len(pans) == len(rejects) == 200 and all('reject' in m for m in rejects), (len(pans), len(rejects))
for m in rejects:  # the bitmaps end at 12: MTI 4, bitmap 8
    shown = len(m['reject']['bytes_around']) // 2
    assert not shown or m['reject']['offset'] + shown <= 12, m['reject']
flat = ''.join((open(sys.argv[2]).read() + open(sys.argv[3]).read()).split()).lower()
for pan in pans:
    for i in range(len(pan) - 7):
        run = pan[i:i + 8]
        for form in (run, ''.join('3' + d for d in run), ''.join('f' + d for d in run)):
            assert form not in flat, 'PAN digits %s as %s' % (run, form)
print('ok: 200 rejects, no card data')
PY
# A bcd message whose PAN fails its Luhn check (bad_pan at field 2), and an ASCII one
# without field 4 (iso_missing_field, at offset 0): each built from txgen's first message.
"$TXGEN" --count 1 --seed 21 --dialect bcd --out "$TMP/one-bcd.pcap" --quiet || die "txgen bcd exited $?"
"$TXGEN" --count 1 --seed 21 --dialect binary --out "$TMP/one-binary.pcap" --quiet || die "txgen binary exited $?"
set -- $($PY - "$TMP/one-bcd.pcap" "$TMP/one-binary.pcap" <<'PY'
import struct, sys
def first(path):
    d = open(path, 'rb').read()
    incl = struct.unpack('<I', d[32:36])[0]
    pay = d[40 + 42:40 + incl]
    n = struct.unpack('>H', pay[20:22])[0]
    return bytearray(pay[22:22 + n])
bcd = first(sys.argv[1])  # MTI 2, bitmap 8, then LL (BCD) and the PAN's digits
digits = int('%02x' % bcd[10])
pan = bcd[11:11 + (digits + 1) // 2].hex()[:digits]
bad = pan[:-1] + str((int(pan[-1]) + 1) % 10)  # the check digit off by one: Luhn fails
bcd[11:11 + (digits + 1) // 2] = bytes.fromhex(bad + '0' * (digits % 2))
asc = first(sys.argv[2])  # MTI 4, bitmap 8, LL, PAN, field 3 (6), field 4 (12)
assert asc[4] & 0x10, 'field 4 present'
n = int(asc[12:14].decode())
asc[4] &= ~0x10
del asc[14 + n + 6:14 + n + 6 + 12]
print(bad, bcd.hex(), asc[14:14 + n].decode(), asc.hex())
PY
)
if [ $# -eq 4 ]; then
    no_pan bcd-bad-pan "$1" 10 --dialect bcd --hex "$2"
    grep -q "reject: bad_pan at field 2" "$TMP/bcd-bad-pan.txt" || die "bcd: not bad_pan: $(cat "$TMP/bcd-bad-pan.txt")"
    no_pan ascii-missing-4 "$3" 12 --dialect binary --hex "$4"
    grep -q "reject: iso_missing_field at field 4" "$TMP/ascii-missing-4.txt" ||
        die "ascii: not iso_missing_field: $(cat "$TMP/ascii-missing-4.txt")"
else
    die "could not build the reject messages"
fi

# Errors: bad hex, unknown feed, unreadable file, unknown dialect; exit 2 (usage) or 1.
expect() {  # status pattern args...
    want=$1 pattern=$2
    shift 2
    "$TXSCREEN" decode "$@" > /dev/null 2> "$TMP/err"
    rc=$?
    [ "$rc" -eq "$want" ] || die "decode $*: exit $rc, want $want"
    grep -q -- "$pattern" "$TMP/err" || die "decode $*: error lacks '$pattern': $(cat "$TMP/err")"
}
expect 2 "not a hex digit" --dialect binary --hex "30 32 3g"
expect 2 "odd number" --dialect binary --hex "303"
expect 2 "no feed named 'nope'" --config "$TMP/binary.toml" --feed nope --pcap "$TMP/binary.pcap"
expect 1 "missing.pcap" --dialect binary --pcap "$TMP/missing.pcap"
expect 2 "morse" --dialect morse --hex 3032
expect 2 "exactly one of --hex" --dialect binary

[ $fail -eq 0 ] && echo "PASS"
exit $fail
