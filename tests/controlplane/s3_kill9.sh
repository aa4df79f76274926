#!/bin/bash
# Integration: kill -9 of a spooling + uploading process mid-run; a restart on the same
# spool recovers torn files and uploads everything: every record that was durable
# before the kill is in S3 exactly once (records after the last fsync may or may not be).
set -u
DRIVER=$1
WORK=$(mktemp -d /tmp/s3-kill9-XXXXXX)
BUCKET=lake
. "$(dirname "$0")/s3_lib.sh"
trap cleanup EXIT
s3_start
aws_s3 mb "s3://$BUCKET" >/dev/null || { echo "FAIL: mb"; exit 1; }

"$DRIVER" --spool "$WORK/spool" --records 1000000 --step-ms 50 --endpoint "$ENDPOINT" --bucket "$BUCKET" \
  --age-ms 700 --pace-us 20000 --durable-file "$WORK/durable" > "$WORK/driver1.out" 2>&1 &
DRIVER_PID=$!
sleep 4
kill -9 $DRIVER_PID; wait $DRIVER_PID 2>/dev/null; DRIVER_PID=
DURABLE=$(cat "$WORK/durable")
echo "killed; durable before the kill: ids $DURABLE"
TMP=$(find "$WORK/spool" -name '*.avro.tmp' | wc -l)
echo "torn files left: $TMP"
[ "${DURABLE#0:}" -gt 0 ] || { echo "FAIL: nothing durable before the kill"; exit 1; }

# Restart on the same spool: recover, then upload what is left.
"$DRIVER" --spool "$WORK/spool" --records 0 --endpoint "$ENDPOINT" --bucket "$BUCKET" --wait-upload 60 \
  > "$WORK/driver2.out" 2>&1 || { cat "$WORK/driver2.out"; echo "FAIL: restart"; exit 1; }
grep -E '^(spool|upload):' "$WORK/driver2.out"
check_bucket --ids "$DURABLE" || { echo "FAIL: a durable record is missing or duplicated"; exit 1; }
echo PASS
