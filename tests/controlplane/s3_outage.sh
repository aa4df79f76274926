#!/bin/bash
# Integration: s3rver stopped mid-run and restarted on the same data: files accumulate
# in the spool during the outage, and afterwards every record is in S3 exactly once.
set -u
DRIVER=$1
WORK=$(mktemp -d /tmp/s3-outage-XXXXXX)
BUCKET=lake
. "$(dirname "$0")/s3_lib.sh"
trap cleanup EXIT
s3_start
aws_s3 mb "s3://$BUCKET" >/dev/null || { echo "FAIL: mb"; exit 1; }

N=60000
# Paced to run ~8 s, files rotate every 300 ms so many complete during the outage.
"$DRIVER" --spool "$WORK/spool" --records $N --step-ms 50 --endpoint "$ENDPOINT" --bucket "$BUCKET" \
  --age-ms 300 --pace-us 30000 --wait-upload 60 > "$WORK/driver.out" 2>&1 &
DRIVER_PID=$!
sleep 2
s3_stop
echo "s3rver stopped"
sleep 3
PENDING=$(find "$WORK/spool" -name '*.avro' | wc -l)
echo "files waiting in the spool during the outage: $PENDING"
s3_start
echo "s3rver restarted"
wait $DRIVER_PID; RC=$?; DRIVER_PID=
cat "$WORK/driver.out" | grep -v '^s3 uploader:' | tail -3
grep -c '^s3 uploader:' "$WORK/driver.out" | sed 's/^/uploader errors logged during the outage: /'
[ $RC -eq 0 ] || { echo "FAIL: driver exit $RC"; exit 1; }
[ "$PENDING" -gt 0 ] || { echo "FAIL: no files accumulated during the outage"; exit 1; }
grep -q 'failures [1-9]' "$WORK/driver.out" || { echo "FAIL: the outage caused no failed attempts"; exit 1; }
check_bucket --ids 0:$N --exact || { echo "FAIL: records missing or duplicated"; exit 1; }
echo PASS
