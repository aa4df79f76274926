#!/usr/bin/env bash
# End to end (issue #7): a labelled txgen feed -> `txscreen run` on net_pcap -> the
# standalone Kafka-protocol broker and s3rver, both on loopback. Checks, from the
# outside with independent tools:
#   - /api/v1/stats at the end: every accounting identity holds, exactly;
#   - kcat: every alert consumed once; per scenario, the alerts Kafka holds equal the
#     alerts the S3 table=alerts objects hold;
#   - aws s3 ls / cp + avro-c (tests/lake/avro_dump): every transaction of the feed is in
#     table=scored once, so per scenario the S3 records match the labels file's counts;
#   - no clear PAN in Kafka, S3 or the log;
#   - the lake (issue #18 acceptance 1): with [lake] parquet on, every value of every
#     table's Parquet files uploaded to S3 (all 1M scored rows among them) equals the
#     Avro files', the Parquet read by DuckDB and by hyparquet, the Avro by avro-c
#     (tests/lake/lake_equal.sh); the DDL of `txscreen lake ddl --target duckdb` runs
#     against the downloaded lake and counts every scored row; every data-quality
#     report of this normal feed passes.
# usage: e2e_appliance.sh TXGEN TXSCREEN BROKER
set -uo pipefail
txgen=$1 txscreen=$2 broker=$3
WORK=$(mktemp -d /tmp/txscreen-e2e.XXXXXX)
BUCKET=lake
. "${TXSCREEN_SOURCE_ROOT:?}/tests/controlplane/s3_lib.sh"
pid= bpid=
finish() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; [[ -n $bpid ]] && kill "$bpid" 2>/dev/null; cleanup; }
trap finish EXIT
fail() { echo "FAIL: $*"; [[ -f $WORK/run.log ]] && tail -20 "$WORK/run.log"; exit 1; }
export TXSCREEN_ADMIN_TOKEN=e2e-admin-token-0123456789
auth=(-H "Authorization: Bearer $TXSCREEN_ADMIN_TOKEN")
N=${E2E_COUNT:-1000000}

"$txgen" --count "$N" --format iso8583 --framing moldudp64 --seed 21 --fraud-rate 0.02 \
  --out "$WORK/feed.pcap" --labels "$WORK/labels.csv" --quiet || fail "txgen"

"$broker" --topic txscreen.alerts --partitions 4 --print-address-file "$WORK/addr" > "$WORK/broker.log" 2>&1 &
bpid=$!
for _ in $(seq 100); do [[ -s $WORK/addr ]] && break; sleep 0.05; done
[[ -s $WORK/addr ]] || fail "broker wrote no address: $(cat "$WORK/broker.log")"
brokers=$(cat "$WORK/addr")
s3_start
aws_s3 mb "s3://$BUCKET" > /dev/null || fail "mb"
echo "broker $brokers, s3rver $ENDPOINT"

cat > "$WORK/txscreen.toml" <<EOF
[kafka]
brokers = "$brokers"
[spool]
dir = "$WORK/spool"
rotate_size = "4MiB"
[s3]
endpoint = "$ENDPOINT"
bucket = "$BUCKET"
prefix = "e2e/"
[admin]
listen = "127.0.0.1:0"
token = "env:TXSCREEN_ADMIN_TOKEN"
[lake]
parquet = true
close_after = "2s"
EOF
"$txscreen" check-config "$WORK/txscreen.toml" > "$WORK/check.txt" 2>&1 || fail "config refused: $(cat "$WORK/check.txt")"

"$txscreen" run --config "$WORK/txscreen.toml" --pcap "$WORK/feed.pcap" --hold --ready-file "$WORK/ready" \
  --summary-json "$WORK/summary.json" > "$WORK/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q '^admin ' "$WORK/ready" 2>/dev/null && break; sleep 0.1; done
url=$(awk '/^admin /{print $2}' "$WORK/ready" 2>/dev/null)
[[ -n $url ]] || fail "txscreen did not start"
for _ in $(seq 1 900); do
  curl -s "${auth[@]}" "$url/api/v1/stats" > "$WORK/stats.json" 2>/dev/null &&
    python3 -c "import json; import sys; sys.exit(0 if json.load(open('$WORK/stats.json'))['finished'] else 1)" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "txscreen exited early"
  sleep 0.2
done
python3 - "$WORK/stats.json" "$N" <<'PY' || fail "stats at the end"
import json, sys
s, n = json.load(open(sys.argv[1])), int(sys.argv[2])
idn = s['identities']
assert s['finished'] and idn['exact'], 'not finished'
broken = [k for k, v in idn.items() if isinstance(v, dict) and not v['hold']]
assert not broken and idn['all_hold'], ('identities broken', broken, idn)
assert idn['verdicts']['verdicts'] == n and idn['verdicts_consumed']['verdicts_consumed'] == n, idn
assert s['kafka']['alerts_acked'] == s['alerts'] and s['kafka']['alerts_pending'] == 0, s['kafka']
assert idn['spool_durable']['hold'], idn['spool_durable']
assert s['backlog'].get('spool_files_pending', 0) == 0, s['backlog']
print(f"ok: /api/v1/stats at the end: {n} transactions, {s['counters']['alerts']} alerts; identities hold: "
      + ", ".join(k for k, v in idn.items() if isinstance(v, dict)))
PY
# Every metric the shipped Prometheus alerts and Grafana dashboard use is exported.
curl -s "${auth[@]}" "$url/metrics" > /dev/null
curl -s "${auth[@]}" "$url/metrics" > "$WORK/metrics.txt" || fail "/metrics"
src=$TXSCREEN_SOURCE_ROOT
missing=$(comm -23 <(grep -oh 'txscreen_[a-z0-9_]*' "$src/docs/prometheus-alerts.yml" "$src/docs/grafana-dashboard.json" |
                       sed -E 's/_(bucket|sum|count)$//' | sort -u) \
                   <(grep -o '^txscreen_[a-z0-9_]*' "$WORK/metrics.txt" | sed -E 's/_(bucket|sum|count)$//' | sort -u))
# TCP feeds' families are served only with a TCP feed: tests/dataplane/tcp_live.sh
# checks those. Webhook families only with a [[webhook]]: tests/scripts/dashboard_metrics.py
# checks their names and labels against the catalog.
missing=$(grep -Ev '^txscreen_(tcp|webhook)_' <<< "$missing" || true)
[[ -z $missing ]] || fail "metrics used by docs/prometheus-alerts.yml or docs/grafana-dashboard.json but not exported: $missing"
echo "ok: every metric named by the shipped alerts and dashboard is exported (txscreen_tcp_*: tcp_live; txscreen_webhook_*: no [[webhook]] here)"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] || fail "exit $rc after SIGTERM"

kcat -b "$brokers" -C -t txscreen.alerts -o beginning -e -q -m 30 -f '%k\t%s\n' > "$WORK/alerts.tsv" 2> "$WORK/kcat.err" ||
  fail "kcat: $(cat "$WORK/kcat.err")"
aws_s3 ls --recursive "s3://$BUCKET/" > "$WORK/ls.txt" || fail "aws s3 ls"
grep -q 'e2e/table=scored/dt=[0-9-]*/hour=[0-9][0-9]/.*\.avro$' "$WORK/ls.txt" || fail "no table=scored objects: $(head "$WORK/ls.txt")"
echo "aws s3 ls: $(grep -c '\.avro$' "$WORK/ls.txt") objects"
rm -rf "$WORK/down"
aws_s3 cp --recursive --only-show-errors "s3://$BUCKET/" "$WORK/down/" || fail "download"
left=$(find "$WORK/spool" -name '*.avro' 2>/dev/null | wc -l)
[[ $left == 0 ]] || fail "$left files left in the spool after upload"

# The lake: every table's Parquet = its Avro, through independent readers (avro-c for
# the Avro, DuckDB and hyparquet for the Parquet); the Avro's canonical lines
# ($WORK/<table>.avro.jsonl) are also what the labels check below reads.
export NODE_PATH=$TXSCREEN_SOURCE_ROOT/.npm-tools/node_modules
lake_start=$(date +%s)
bash "$TXSCREEN_SOURCE_ROOT/tests/lake/lake_equal.sh" "$WORK/down/e2e" "$WORK" "" "scored alerts aggregates" || fail "Parquet differs from Avro"
echo "lake_equal: $(( $(date +%s) - lake_start )) s"

/usr/bin/python3 - "$WORK" "$N" <<'PY' || fail "Kafka / S3 / labels"
import collections, csv, glob, json, os, re, sys
work, n = sys.argv[1], int(sys.argv[2])
# A duplicate-scenario copy repeats its original's id: count rows per id, and give an
# id the scenario label of any of its rows.
rows, labels = collections.Counter(), {}
per_label = collections.Counter()
with open(os.path.join(work, 'labels.csv')) as f:
    for row in csv.DictReader(f):
        rows[row['txn_id']] += 1
        per_label[row['label']] += 1
        if labels.get(row['txn_id'], 'normal') == 'normal':
            labels[row['txn_id']] = row['label']
assert sum(rows.values()) == n, sum(rows.values())

def ref(r):
    return r.get('txn_id') or r.get('rrn')

def read(table):  # the table's rows as lake_equal.sh's avro-c dump printed them
    out = collections.Counter()
    with open(os.path.join(work, f'{table}.avro.jsonl'), 'rb') as f:
        for line in f:
            out[ref(json.loads(line))] += 1
    return out

scored, alerts_s3 = read('scored'), read('alerts')
assert sum(scored.values()) == n, ('scored records', sum(scored.values()))
assert scored == rows, 'S3 records and the labels file differ (missing or repeated transactions)'
kafka = collections.Counter()
spikes = 0
raw = open(os.path.join(work, 'alerts.tsv'), 'rb').read()
for line in raw.splitlines():
    key, _, payload = line.partition(b'\t')
    doc = json.loads(payload)
    if doc.get('type') == 'spike':  # spike events share the topic (docs/alerts.md); not transactions
        spikes += 1
        continue
    assert doc['alert'] is True and len(key) == 32 and doc['card_token'].encode() == key, doc
    kafka[doc.get('txn_id') or doc.get('rrn')] += 1
# Every alert once: as many alert messages per id as alert rows in S3 (a duplicate copy
# can alert again; it is a transaction of its own).
over = [k for k, c in kafka.items() if c > rows[k]]
assert not over, ('alerts consumed more than once', over[:5])
assert kafka == alerts_s3, ('Kafka and S3 alerts differ', len(kafka), len(alerts_s3))
# No clear PAN anywhere: Kafka payloads, S3 objects (txgen PANs are Luhn-valid 16 digits).
pans = set(m.decode() for m in re.findall(rb'(?<![0-9])[0-9]{16}(?![0-9])', raw))
def luhn(s):
    t = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2: d = d * 2 - 9 if d > 4 else d * 2
        t += d
    return t % 10 == 0
assert not [p for p in pans if luhn(p) and p[0] in '3456'], 'PAN-like strings in Kafka'

in_s3 = collections.Counter()
for k, c in scored.items():
    in_s3[labels[k]] += c
alerted = collections.Counter()
for k, c in kafka.items():
    alerted[labels[k]] += c
per_id_label = collections.Counter()
for k, c in rows.items():
    per_id_label[labels[k]] += c
print(f"{'scenario':22s} {'labelled':>9s} {'in S3':>9s} {'alerts Kafka':>13s} {'alerts S3':>10s}")
for label in sorted(per_id_label):
    s3_alerts = sum(c for k, c in alerts_s3.items() if labels[k] == label)
    assert in_s3[label] == per_id_label[label], label
    assert alerted[label] == s3_alerts, label
    print(f"{label:22s} {per_id_label[label]:9d} {in_s3[label]:9d} {alerted[label]:13d} {s3_alerts:10d}")
fraud_alerts = sum(c for l, c in alerted.items() if l != 'normal')
print(f"ok: {n} transactions in S3 once each, {sum(kafka.values())} alerts consumed once each "
      f"(precision {fraud_alerts / max(1, sum(kafka.values())):.3f}), Kafka = S3 per scenario")
PY
if grep -aqE '(^|[^0-9])4[0-9]{15}([^0-9]|$)' "$WORK/run.log"; then fail "a PAN-like string reached the log"; fi

/usr/bin/python3 - "$WORK/down/e2e" <<'PY' || fail "data-quality reports"
import glob, json, sys
reports = sorted(glob.glob(f'{sys.argv[1]}/table=dq/dt=*/hour=*/*.json'))
assert reports, 'no data-quality report in the lake'
for path in reports:
    r = json.load(open(path))
    bad = r['failed']
    assert not bad, (path, bad)
print(f"ok: {len(reports)} data-quality reports, all checks pass on this normal feed")
PY
"$txscreen" lake ddl --target duckdb --location "$WORK/down/e2e/" > "$WORK/ddl.sql" || fail "lake ddl"
node - "$WORK/ddl.sql" "$N" <<'JS' || fail "the DuckDB DDL against the lake"
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run(fs.readFileSync(process.argv[2], 'utf8'));
  const got = Number((await con.runAndReadAll('SELECT count(*) AS n FROM txscreen.scored')).getRowObjects()[0].n);
  if (got !== Number(process.argv[3])) { console.error(`txscreen.scored: ${got} rows, expected ${process.argv[3]}`); process.exit(1); }
  console.log(`ok: the DuckDB DDL runs against the lake; txscreen.scored holds ${got} rows`);
})().catch(e => { console.error(e.message); process.exit(1); });
JS
echo PASS
