#!/usr/bin/env bash
# Every shipped ISO 8583 dialect end to end (design16 6.3 item 1): txgen writes 20k
# messages in the dialect, `txscreen run --pcap` reads them with a config whose feed
# names the dialect (by name; iso93-ascii also by the path of its file): the accounting
# identities hold, nothing is rejected and every message is decoded.
# Usage: dialect_roundtrip.sh PATH/TO/txgen PATH/TO/txscreen
set -euo pipefail
txgen=$1 txscreen=$2
here=$(cd "$(dirname "$0")" && pwd)
dialects=${TXSCREEN_SOURCE_ROOT:-$here/../..}/src/codec/dialects
work=$(mktemp -d /tmp/txscreen-dialects.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
jget() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }
count=20000

run_one() {  # label dialect-as-configured txgen-dialect
    local label=$1 configured=$2 generated=$3
    "$txgen" --count $count --seed 16 --dialect "$generated" --out "$work/$label.pcap" --no-labels --quiet
    cat > "$work/$label.toml" <<EOF
[[feed]]
name = "link"
port = 7001
payload = "iso8583"
framing = "moldudp64"
dialect = "$configured"
EOF
    "$txscreen" run --config "$work/$label.toml" --spool "$work/spool" --pcap "$work/$label.pcap" --quiet \
        --summary-json "$work/$label.json" || fail "$label: txscreen run exited $?"
    [[ $(jget "$work/$label.json" "['identities_hold']") == True ]] || fail "$label: identities broken: $(cat "$work/$label.json")"
    [[ $(jget "$work/$label.json" "['identities']['messages']['rejected']") == 0 ]] ||
        fail "$label: rejects: $(jget "$work/$label.json" "['rejects']")"
    decoded=$(jget "$work/$label.json" "['decoded']")
    [[ $decoded == "$count" ]] || fail "$label: decoded $decoded of $count"
    echo "ok: $label: $decoded of $count decoded, 0 rejects"
}

for d in binary hex bcd ebcdic iso93-ascii; do
    run_one "$d" "$d" "$d"
done
run_one iso93-ascii-file "$dialects/iso93-ascii.toml" "$dialects/iso93-ascii.toml"
echo PASS
