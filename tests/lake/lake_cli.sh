#!/usr/bin/env bash
# `txscreen lake` end to end: a spool written by spool_driver is compacted by
# `txscreen lake compact`, every value read back through DuckDB and hyparquet equals
# avro-c's (lake_equal.sh), `txscreen lake ddl --target duckdb` runs as printed
# and counts the rows, the Avro files stay and a second run rebuilds the same
# <host>.parquet files (no duplicate rows), a damaged file fails
# naming it, and usage errors exit 2.
# usage: lake_cli.sh TXSCREEN SPOOL_DRIVER
set -uo pipefail
TXSCREEN=$1 DRIVER=$2
here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/lake-cli-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

N=50000
"$DRIVER" --spool "$WORK/spool" --records $N --step-ms 200 --max-file-bytes 4194304 > "$WORK/driver.out" 2>&1 ||
  { cat "$WORK/driver.out"; fail "spool_driver"; }
AVRO=$(find "$WORK/spool" -name '*.avro' | wc -l)
[ "$AVRO" -gt 3 ] || fail "expected several Avro files, got $AVRO"

"$TXSCREEN" lake compact "$WORK/spool" --codec zstd > "$WORK/compact.out" 2>&1 ||
  { cat "$WORK/compact.out"; fail "lake compact"; }
cat "$WORK/compact.out"
total=$(sed -n 's/^total: [0-9]* files, \([0-9]*\) rows in .*/\1/p' "$WORK/compact.out")
[[ -n $total && $total -ge $N ]] || fail "the total line does not count the $N scored rows and the others: '$total'"
[ "$(find "$WORK/spool" -name '*.avro' | wc -l)" -eq "$AVRO" ] || fail "lake compact removed Avro files"
mkdir -p "$WORK/cmp"
bash "$here/lake_equal.sh" "$WORK/spool" "$WORK/cmp" || fail "Parquet differs from Avro"

"$TXSCREEN" lake ddl --target duckdb --location "$WORK/spool/" > "$WORK/ddl.sql" || fail "lake ddl"
grep -q "read_parquet('$WORK/spool/table=scored/\*/\*/\*.parquet', hive_partitioning = true)" "$WORK/ddl.sql" ||
  fail "no scored view in the DDL"
COUNT=$(node "$here/duckdb_sql.mjs" "$WORK/ddl.sql" "SELECT count(*) AS n FROM txscreen.scored") || fail "DDL did not run"
[ "$COUNT" = "{\"n\":\"$N\"}" ] || fail "DuckDB counts $COUNT, expected $N"

# Again: the same <host>.parquet files are rebuilt from all their hour's Avro, so the
# lake holds every row once.
PARQUET=$(find "$WORK/spool" -name '*.parquet' | wc -l)
"$TXSCREEN" lake compact "$WORK/spool" > "$WORK/compact2.out" 2>&1 || { cat "$WORK/compact2.out"; fail "lake compact again"; }
[ "$(find "$WORK/spool" -name '*.parquet' | wc -l)" -eq "$PARQUET" ] || fail "a second compaction added Parquet files"
COUNT=$(node "$here/duckdb_sql.mjs" "$WORK/ddl.sql" "SELECT count(*) AS n FROM txscreen.scored") || fail "DDL did not run"
[ "$COUNT" = "{\"n\":\"$N\"}" ] || fail "after a second compaction DuckDB counts $COUNT, expected $N"
mkdir -p "$WORK/empty"
"$TXSCREEN" lake compact "$WORK/empty" > "$WORK/empty.out" 2>&1
grep -q "no complete Avro files" "$WORK/empty.out" || fail "an empty directory is not said so"

# A damaged file: exit 1 naming it.
mkdir -p "$WORK/bad/table=scored/dt=2024-03-01/hour=12"
printf 'Obj\001garbage' > "$WORK/bad/table=scored/dt=2024-03-01/hour=12/h-000000000001.avro"
"$TXSCREEN" lake compact "$WORK/bad" > "$WORK/bad.out" 2>&1
[ $? -eq 1 ] || fail "a damaged file did not exit 1"
grep -q "h-000000000001.avro" "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "the error does not name the file"; }

# Usage errors.
"$TXSCREEN" lake ddl --target oracle > /dev/null 2>&1; [ $? -eq 2 ] || fail "--target oracle is not a usage error"
"$TXSCREEN" lake compact "$WORK/spool" --codec lz4 > /dev/null 2>&1; [ $? -eq 2 ] || fail "--codec lz4 is not a usage error"
# Into a file, not `| grep -q`: grep leaves at the first match, and the DDL's later
# writes would die of SIGPIPE (pipefail then fails the check at random).
"$TXSCREEN" lake ddl --target snowflake --location s3://b/p > "$WORK/snowflake.sql" || fail "lake ddl --target snowflake failed"
grep -q "CREATE PIPE IF NOT EXISTS txscreen.scored_pipe" "$WORK/snowflake.sql" || fail "no Snowpipe in the Snowflake DDL"
echo PASS
