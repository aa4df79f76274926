#!/bin/bash
# Integration: spool 120k verdicts, upload to a private s3rver (single PUT and multipart),
# list with `aws s3 ls --recursive`, download, read with python3-avro: every record once.
set -u
DRIVER=$1
WORK=$(mktemp -d /tmp/s3-upload-XXXXXX)
BUCKET=lake
. "$(dirname "$0")/s3_lib.sh"
trap cleanup EXIT
s3_start
aws_s3 mb "s3://$BUCKET" >/dev/null || { echo "FAIL: mb"; exit 1; }

N=120000
# 8 MiB files with a 5 MiB multipart threshold: full files go multipart, the rest single PUT.
"$DRIVER" --spool "$WORK/spool" --records $N --step-ms 50 --endpoint "$ENDPOINT" --bucket "$BUCKET" \
  --prefix "txscreen/" --max-file-bytes 8388608 --multipart-threshold 5242880 --part-size 5242880 \
  --wait-upload 60 > "$WORK/driver.out" 2>&1 || { cat "$WORK/driver.out"; echo "FAIL: driver"; exit 1; }
cat "$WORK/driver.out"
grep -q 'multipart [1-9]' "$WORK/driver.out" || { echo "FAIL: no file went multipart"; exit 1; }
LISTED=$(aws_s3 ls --recursive "s3://$BUCKET/" | grep -c '\.avro$')
SCORED=$(aws_s3 ls --recursive "s3://$BUCKET/" | grep -c 'txscreen/table=scored/dt=2024-03-01/hour=1[0-9]/driver-[0-9]*\.avro$')
echo "listed $LISTED objects, $SCORED scored"
[ "$LISTED" -gt 0 ] && [ "$SCORED" -gt 0 ] || { echo "FAIL: no objects with the expected keys"; exit 1; }
LEFT=$(find "$WORK/spool" -name '*.avro' | wc -l)
[ "$LEFT" -eq 0 ] || { echo "FAIL: $LEFT files left in the spool after upload"; exit 1; }
EMPTY=$(find "$WORK/spool" -mindepth 1 -type d \( -name 'hour=*' -o -name 'dt=*' \) | wc -l)
[ "$EMPTY" -eq 0 ] || { echo "FAIL: $EMPTY partition directories left after everything was uploaded"; find "$WORK/spool" -type d | head; exit 1; }
check_bucket --ids 0:$N --exact || { echo "FAIL: records missing or duplicated"; exit 1; }
echo PASS
