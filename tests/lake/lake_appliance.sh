#!/usr/bin/env bash
# The lake without S3 (issue #18, acceptance 2, and the local half of 1): a txgen feed
# of ~3 hours of event time whose second hour has every amount written as 0
# (`--break amount=0,from=1h,for=1h`) -> `txscreen run --pcap` with [lake] parquet on
# and no S3 endpoint, so the spool directory is the lake. Then:
#   - every hour has a data-quality report (table=dq); the broken hour's fails
#     amount_zero_share, the other hours' fail nothing; the run summary counts it;
#   - the same feed without --break: every report clean;
#   - every Parquet value equals the Avro spool's (lake_equal.sh: DuckDB, hyparquet);
#   - the DuckDB DDL of `txscreen lake ddl --target duckdb` runs against the directory
#     and counts the same rows as the Avro files hold.
# usage: lake_appliance.sh TXGEN TXSCREEN
set -uo pipefail
txgen=$1 txscreen=$2
here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/txscreen-lake.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; for f in "$WORK"/*.log; do [[ -f $f ]] && { echo "== $f"; tail -20 "$f"; }; done; exit 1; }
export NODE_PATH=${TXSCREEN_SOURCE_ROOT:?}/.npm-tools/node_modules
N=${LAKE_COUNT:-30000}
feed=(--format iso8583 --count "$N" --event-rate 3 --seed 31 --start 2026-11-01T10:00:00Z --quiet)

"$txgen" "${feed[@]}" --break amount=0,from=1h,for=1h --out "$WORK/broken.pcap" --labels "$WORK/broken.csv" ||
  fail "txgen --break"
"$txgen" "${feed[@]}" --out "$WORK/clean.pcap" --labels "$WORK/clean.csv" || fail "txgen"

run() {  # run NAME: the feed NAME.pcap into its own spool (the lake)
  printf '%s\n' "[spool]" "dir = \"$WORK/$1-lake\"" "host = \"lakehost\"" \
    "[lake]" "parquet = true" "codec = \"zstd\"" "close_after = \"1s\"" > "$WORK/$1.toml"
  "$txscreen" check-config "$WORK/$1.toml" > "$WORK/check-$1.log" 2>&1 || fail "config refused: $(cat "$WORK/check-$1.log")"
  timeout 180 "$txscreen" run --config "$WORK/$1.toml" --pcap "$WORK/$1.pcap" --no-kafka --quiet \
    --summary-json "$WORK/$1.json" > "$WORK/run-$1.log" 2>&1 || fail "txscreen run $1"
}
run broken
run clean

/usr/bin/python3 - "$WORK" <<'PY' || fail "data-quality reports"
import glob, json, sys
work = sys.argv[1]
def reports(name):
    out = {}
    for path in sorted(glob.glob(f'{work}/{name}-lake/table=dq/dt=*/hour=*/lakehost.json')):
        out['/'.join(path.split('/')[-3:-1])] = json.load(open(path))
    assert out, f'{name}: no data-quality report'
    return out
def failed(r):
    assert r['failed'] == [c['name'] for c in r['checks'] if c['status'] == 'fail'], r
    return sorted(r['failed'])
broken, clean = reports('broken'), reports('clean')
hours = sorted(broken)
assert len(hours) >= 3, hours
bad = {h: failed(r) for h, r in broken.items() if failed(r)}
assert list(bad) == [hours[1]], ('the broken hour alone should fail', bad)
assert 'amount_zero_share' in bad[hours[1]], bad
for h, r in clean.items():
    assert not failed(r), ('clean feed flagged', h, failed(r))
summary = json.load(open(f'{work}/broken.json'))
assert summary['dq']['reports'] == len(hours) and summary['dq']['failed_reports'] == 1, summary['dq']
assert summary['lake']['hours_compacted'] >= len(hours) and summary['lake']['rows'] > 0, summary['lake']
print(f"ok: {len(hours)} hourly reports; {hours[1]} fails {bad[hours[1]]}; the clean feed's {len(clean)} reports pass")
PY

bash "$here/lake_equal.sh" "$WORK/broken-lake" "$WORK" "" "scored alerts aggregates" || fail "Parquet differs from Avro"

"$txscreen" lake ddl --target duckdb --location "$WORK/broken-lake/" > "$WORK/ddl.sql" || fail "lake ddl"
node - "$WORK/ddl.sql" "$WORK/scored.avro.jsonl" <<'JS' || fail "the DuckDB DDL against the lake"
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(fs.readFileSync(process.argv[2], 'utf8'));
  const want = fs.readFileSync(process.argv[3], 'utf8').split('\n').filter(Boolean).length;
  const reader = await con.runAndReadAll('SELECT count(*) AS n FROM txscreen.scored');
  const got = Number(reader.getRowObjects()[0].n);
  if (got !== want) { console.error(`txscreen.scored has ${got} rows, the Avro files ${want}`); process.exit(1); }
  console.log(`ok: the DuckDB DDL runs; txscreen.scored counts ${got} rows`);
})().catch(e => { console.error(e.message); process.exit(1); });
JS
echo PASS
