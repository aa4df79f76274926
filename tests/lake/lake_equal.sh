#!/usr/bin/env bash
# Every value of a lake's Parquet files equals its Avro files', through independent
# readers: Apache's avro-c for the Avro (avro_dump, built from avro_dump.cpp), DuckDB and
# hyparquet for the Parquet (parquet_dump.mjs), all printing the same canonical JSON lines. The compactor
# writes an hour's rows in the order of its Avro files, so the Avro files of every
# partition, concatenated in path order, read the same lines in the same order as the
# Parquet files in path order: compared line for line, no sort.
# usage: lake_equal.sh LAKE_DIR [WORK_DIR [TABLES [REQUIRED]]]   (LAKE_DIR holds table=*/dt=*/hour=*/...;
#        TABLES: a space-separated list of the tables to compare, default all;
#        REQUIRED: tables that must be there and compared, default "scored")
# Prints one line per table; exit 1 naming the first differing line, a table with
# Parquet but no Avro, a required table missing, or nothing compared at all.
set -uo pipefail
lake=$1 work=${2:-$(mktemp -d /tmp/lake-equal.XXXXXX)} only=${3:-} required=${4:-scored}
mkdir -p "$work"
here=$(cd "$(dirname "$0")" && pwd)
avro_dump=${AVRO_DUMP:-${TXSCREEN_BUILD_ROOT:-$here/../../build}/tests/lake/avro_dump}
[[ -x $avro_dump ]] || { echo "FAIL: no avro_dump at $avro_dump (built when libavro-dev is installed; set AVRO_DUMP)"; exit 1; }
schemas=${TXSCREEN_SOURCE_ROOT:-$here/../..}/controlplane/schemas
export NODE_PATH=${NODE_PATH:-${TXSCREEN_SOURCE_ROOT:-$here/../..}/.npm-tools/node_modules}
shopt -s nullglob
status=0 compared=
for tdir in "$lake"/table=*; do
  table=${tdir##*/table=}
  [[ $table == dq ]] && continue
  [[ -n $only && " $only " != *" $table "* ]] && continue
  mapfile -t avro < <(find "$tdir" -name '*.avro' | sort)
  mapfile -t parquet < <(find "$tdir" -name '*.parquet' | sort)
  if ((${#avro[@]} == 0)); then
    ((${#parquet[@]} == 0)) && continue
    echo "FAIL: table=$table: ${#parquet[@]} Parquet files, no Avro file"; status=1; continue
  fi
  if ((${#parquet[@]} == 0)); then echo "FAIL: table=$table: ${#avro[@]} Avro files, no Parquet file"; status=1; continue; fi
  # The three readers run side by side (each is one process over all the files).
  "$avro_dump" --schemas "$schemas" "${avro[@]}" > "$work/$table.avro.jsonl" & apid=$!
  pids=()
  for reader in duckdb hyparquet; do
    PARQUET_DUMP_THREADS=1 node "$here/parquet_dump.mjs" "$reader" "${parquet[@]}" > "$work/$table.$reader.jsonl" &
    pids+=($!)
  done
  wait "$apid" || { echo "FAIL: avro_dump table=$table"; status=1; }
  for p in "${pids[@]}"; do wait "$p" || { echo "FAIL: parquet_dump.mjs table=$table"; status=1; }; done
  for reader in duckdb hyparquet; do
    if ! cmp -s "$work/$table.avro.jsonl" "$work/$table.$reader.jsonl"; then
      line=$(cmp "$work/$table.avro.jsonl" "$work/$table.$reader.jsonl" 2>&1 | grep -o 'line [0-9]*' | head -1)
      n=${line#line }
      echo "FAIL: table=$table: $reader differs from Avro at ${line:-EOF} ($(wc -l < "$work/$table.avro.jsonl") Avro rows, $(wc -l < "$work/$table.$reader.jsonl") $reader rows)"
      [[ -n $n ]] && { echo "  avro:    $(sed -n "${n}p" "$work/$table.avro.jsonl" | cut -c1-400)";
                       echo "  $reader: $(sed -n "${n}p" "$work/$table.$reader.jsonl" | cut -c1-400)"; }
      status=1
    else
      rm -f "$work/$table.$reader.jsonl"  # equal: the Avro lines say the same (a 1M table's lines take ~1 GB)
    fi
  done
  echo "table=$table: $(wc -l < "$work/$table.avro.jsonl") rows in ${#avro[@]} Avro files = ${#parquet[@]} Parquet files (DuckDB, hyparquet)"
  compared+=" $table "
done
for table in $required; do
  [[ ${compared:-} == *" $table "* ]] || { echo "FAIL: table=$table: not in $lake (required)"; status=1; }
done
exit $status
