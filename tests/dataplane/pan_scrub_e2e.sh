#!/usr/bin/env bash
# PANs in free text never leave the appliance in clear (issue #13, item 3). A JSON and
# an ISO 8583 feed from txgen --from-jsonl carry test card numbers where none belongs:
# as card_id, in city, a track-2 string in merchant_name, in e-mail, device, IP,
# account, merchant and transaction ids (field 43, field 48 sub-elements, field 42 and
# 102 on ISO). After a run with --publish-scored to the Kafka-protocol broker (the
# standalone one, tools/kafka-broker: the embedded one closes with the run, and the
# topics are read after it), the spool and --verdicts-out, none of those PANs (digits alone, or as planted with their separators)
# is in the verdicts file, the spool files (raw bytes and python3-avro decoded), the
# txscreen.alerts and txscreen.scored topics, the admin API answers or the run log;
# pans_masked counts exactly the planted PANs (no ordinary text was masked).
set -uo pipefail
txgen=$1 txscreen=$2 broker=$3 kcat=${4:-}
work=$(mktemp -d /tmp/txscreen-panscrub.XXXXXX)
pid= bpid=
cleanup() {
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  [[ -n $bpid ]] && kill "$bpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $work/run.log ]] && tail -20 "$work/run.log"; exit 1; }
token=pan-scrub-test-token-0123456789
export TXSCREEN_ADMIN_TOKEN=$token

# Two JSON-lines files (the JSON feed and the ISO one) and plants.txt: one line per
# planted PAN, "digits<TAB>as planted".
/usr/bin/python3 - "$work" <<'PY' || fail "writing the feeds"
import json, os, random, sys
work = sys.argv[1]
rng = random.Random(13)

def luhn_ok(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        v = int(c) * (2 if i % 2 else 1)
        s += v - 9 if v > 9 else v
    return s % 10 == 0

def luhn_complete(body):
    return next(body + c for c in '0123456789' if luhn_ok(body + c))

# Ordinary cards and text: no 12-digit run anywhere, so nothing of it may be masked.
cards = [luhn_complete('4%014d' % rng.randrange(10**14)) for _ in range(40)]
names = ['CORNER GROCERY', 'SHELL 57443', 'CAFE 12', 'BOOKS & CO', 'TAXI 9']
cities = ['NEW YORK', 'CHICAGO', 'BOSTON', 'DENVER']
def ordinary(i, iso):
    return {'txn_id': 'tx%06d' % i, 'ts': 1796000000000 + i * 1000, 'card': rng.choice(cards),
            'amount': round(rng.uniform(1, 300), 2), 'currency': 'USD', 'merchant_id': 'M%05d' % rng.randrange(500),
            'merchant_name': rng.choice(names), 'city': rng.choice(cities), 'mcc': 5411, 'channel': 'pos',
            'device_id': 'dev-%04x' % rng.randrange(65536), 'ip': '203.0.113.%d' % rng.randrange(1, 255),
            'email': 'user%d@example.com' % rng.randrange(1000)}

# Test card numbers (card schemes' published test PANs), one per field and feed:
# field -> (value as planted, the PAN in it).
json_plants = {
    'card_id': ('4000056655665556', '4000056655665556'),
    'city': ('5105 1051 0510 5100', '5105105105105100'),
    'merchant_name': ('SHOP ;4111111111111111=2912101', '4111111111111111'),
    'email': ('6011111111111117@example.com', '6011111111111117'),
    'device_id': ('dev 3782-822463-10005', '378282246310005'),
    'txn_id': ('t-3566002020360505', '3566002020360505'),
    'account_id': ('5555555555554444', '5555555555554444'),
    'ip': ('4012888888881881', '4012888888881881'),
    'merchant_id': ('M 6011000990139424', '6011000990139424'),
}
iso_plants = {  # field 43 name (22) and city (13), field 48 DI/EM, field 42 (15), field 102
    'merchant_name': ('S;4242424242424242=29', '4242424242424242'),
    'city': ('4222222222222', '4222222222222'),
    'email': ('5200828282828210@example.com', '5200828282828210'),
    'device_id': ('3530 1113 3330 0000', '3530111333300000'),
    'merchant_id': ('378734493671000', '378734493671000'),
    'account_id': ('AC 371449635398431', '371449635398431'),
}
pans = []
for fmt, plants in (('json', json_plants), ('iso', iso_plants)):
    rows = [ordinary(i, fmt == 'iso') for i in range(300)]
    for j, (field, (value, pan)) in enumerate(plants.items()):
        assert luhn_ok(pan) and pan in value.replace(' ', '').replace('-', ''), (field, value)
        r = rows[20 + j * 25]
        r[field] = value
        if field == 'card_id':
            del r['card']
        pans.append((pan, value))
    with open(os.path.join(work, fmt + '.jsonl'), 'w') as f:
        for r in rows:
            f.write(json.dumps(r) + '\n')
with open(os.path.join(work, 'plants.txt'), 'w') as f:
    for digits, shown in pans:
        f.write(digits + '\t' + shown + '\n')
print('%d PANs planted (%d JSON, %d ISO 8583)' % (len(pans), len(json_plants), len(iso_plants)))
PY
planted=$(wc -l < "$work/plants.txt")

"$txgen" --from-jsonl "$work/json.jsonl" --format json --out "$work/json.pcap" --no-labels --quiet || fail "txgen json"
"$txgen" --from-jsonl "$work/iso.jsonl" --format iso8583 --out "$work/iso.pcap" --no-labels --quiet || fail "txgen iso"
# The planted PANs are in the captures in clear: what the appliance must not pass on.
while IFS=$'\t' read -r digits shown; do
  grep -aqF -- "$shown" "$work/json.pcap" "$work/iso.pcap" || fail "planted '$shown' is not in the captures"
done < "$work/plants.txt"

"$broker" --topic txscreen.alerts --topic txscreen.scored --partitions 2 --print-address-file "$work/addr" \
  > "$work/broker.log" 2>&1 &
bpid=$!
for _ in $(seq 1 100); do [[ -s $work/addr ]] && break; sleep 0.1; done
brokers=$(cat "$work/addr" 2>/dev/null)
[[ -n $brokers ]] || fail "the broker wrote no address: $(cat "$work/broker.log")"

"$txscreen" run --pcap "$work/json.pcap" --pcap "$work/iso.pcap" --brokers "$brokers" --publish-scored \
  --spool "$work/spool" \
  --verdicts-out "$work/verdicts.jsonl" --admin 127.0.0.1:0 --hold --ready-file "$work/ready" \
  --summary-json "$work/summary.json" > "$work/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q '^admin ' "$work/ready" 2>/dev/null && break; sleep 0.1; done
url=$(awk '/^admin /{print $2}' "$work/ready" 2>/dev/null)
[[ -n $url ]] || fail "txscreen did not start its admin API"
auth=(-H "Authorization: Bearer $token")
for _ in $(seq 1 300); do
  curl -s "${auth[@]}" --max-time 5 "$url/api/v1/stats" > "$work/stats.json" 2>/dev/null
  /usr/bin/python3 -c "import json,sys; sys.exit(0 if json.load(open('$work/stats.json'))['finished'] else 1)" 2>/dev/null && break
  sleep 0.2
done
/usr/bin/python3 - "$work/stats.json" "$planted" <<'PY' || fail "stats after the run"
import json, sys
s, planted = json.load(open(sys.argv[1])), int(sys.argv[2])
c = s
assert s['finished'], 'the run did not finish'
assert c['decoded'] == 600 and sum(c['rejects'].values()) == 0, c
assert c['pans_masked'] == planted, ('pans_masked', c['pans_masked'], 'planted', planted)
print('stats: %d decoded, pans_masked %d = PANs planted' % (c['decoded'], c['pans_masked']))
PY
curl -s "${auth[@]}" --max-time 5 "$url/metrics" > "$work/metrics.txt" || fail "GET /metrics"
grep -q "^txscreen_pans_masked_total $planted\$" "$work/metrics.txt" ||
  fail "/metrics: $(grep pans_masked "$work/metrics.txt" || echo 'no txscreen_pans_masked_total')"
# The card whose card_id was a PAN: known by that PAN (same token as a "card"), shown masked.
curl -s "${auth[@]}" --max-time 5 "$url/api/v1/velocity/card/4000056655665556" > "$work/velocity.json" ||
  fail "velocity lookup"
/usr/bin/python3 -c "import json; d=json.load(open('$work/velocity.json')); assert d['masked_pan'] == '400005******5556', d" ||
  fail "card_id PAN not tokenized as that PAN: $(cat "$work/velocity.json")"

# Kafka: both topics, every record the run published.
if [[ -n $kcat ]]; then
  for topic in txscreen.alerts txscreen.scored; do
    "$kcat" -b "$brokers" -C -t "$topic" -o beginning -e -q -f '%k\t%s\n' > "$work/$topic.txt" 2> "$work/kcat.err" ||
      fail "kcat $topic: $(cat "$work/kcat.err")"
  done
  scored=$(wc -l < "$work/txscreen.scored.txt")
  [[ $scored == 600 ]] || fail "txscreen.scored holds $scored records, expected 600"
  echo "kafka: $scored scored records, $(wc -l < "$work/txscreen.alerts.txt") alerts"
elif [[ ${CI:-} == true ]]; then fail "kcat missing"; else echo "SKIP: no kcat, Kafka topics not read"; fi
curl -s "${auth[@]}" --max-time 5 -X POST "$url/api/v1/drain" > /dev/null
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
[[ $rc == 0 ]] || fail "txscreen exit $rc"

# The spool decoded with python3-avro, one JSON line per record, beside the raw files.
/usr/bin/python3 - "$work/spool" "$work/spool.txt" <<'PY' || fail "decoding the spool"
import glob, json, os, sys
import avro.datafile, avro.io
n = 0
with open(sys.argv[2], 'w') as out:
    for path in sorted(glob.glob(os.path.join(sys.argv[1], '**', '*.avro'), recursive=True)):
        with avro.datafile.DataFileReader(open(path, 'rb'), avro.io.DatumReader()) as rd:
            for rec in rd:
                out.write(json.dumps(rec, default=str) + '\n')
                n += 1
assert n >= 600, n
print('spool: %d records decoded' % n)
PY
grep -q 'SHOP ;411111\*\*\*\*\*\*1111=\*\*\*\*\*\*\*' "$work/spool.txt" || fail "the masked merchant_name is not in the spool"
grep -q '400005\*\*\*\*\*\*5556' "$work/verdicts.jsonl" "$work/spool.txt" || fail "the masked card_id is not in the output"

sinks=("$work/verdicts.jsonl" "$work/spool.txt" "$work/run.log" "$work/stats.json" "$work/metrics.txt"
       "$work/velocity.json" "$work/summary.json")
[[ -n $kcat ]] && sinks+=("$work/txscreen.alerts.txt" "$work/txscreen.scored.txt")
mapfile -t spool_files < <(find "$work/spool" -name '*.avro')
((${#spool_files[@]} > 0)) || fail "no spool files"
while IFS=$'\t' read -r digits shown; do
  for f in "${sinks[@]}" "${spool_files[@]}"; do
    grep -aqF -- "$digits" "$f" && fail "PAN $digits in clear in $f"
    grep -aqF -- "$shown" "$f" && fail "planted '$shown' in clear in $f"
  done
done < "$work/plants.txt"
echo "ok: $planted planted PANs masked and counted; none in clear in --verdicts-out, ${#spool_files[@]} spool files" \
     "(raw and decoded), Kafka alerts/scored, the admin API or the run log"
