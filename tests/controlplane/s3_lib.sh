# Shared by the s3_*.sh integration tests: start/stop a private s3rver on a loopback
# port, bucket creation, download + check. Source it; needs $WORK (a temp dir).
SRC=${TXSCREEN_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
S3RVER=$SRC/.npm-tools/node_modules/.bin/s3rver
PY=/usr/bin/python3
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
if [ ! -x "$S3RVER" ]; then
  echo "FAIL: s3rver not found at $S3RVER (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ENDPOINT=http://127.0.0.1:$PORT
S3PID=

s3_start() {
  "$S3RVER" --directory "$WORK/s3" --port "$PORT" --address 127.0.0.1 --silent &
  S3PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$ENDPOINT/" && return 0
    sleep 0.1
  done
  echo "FAIL: s3rver did not start on $PORT" >&2
  exit 1
}

s3_stop() {
  if [ -n "$S3PID" ]; then kill "$S3PID" 2>/dev/null; wait "$S3PID" 2>/dev/null; S3PID=; fi
}

cleanup() {
  s3_stop
  [ -n "${DRIVER_PID:-}" ] && kill -9 "$DRIVER_PID" 2>/dev/null
  rm -rf "$WORK"
}

aws_s3() { aws --endpoint-url "$ENDPOINT" s3 "$@"; }

# Downloads the bucket into $WORK/down and checks table=scored with spool_check.py args.
check_bucket() {
  rm -rf "$WORK/down"
  aws_s3 cp --recursive --only-show-errors "s3://$BUCKET/" "$WORK/down/" || { echo "FAIL: download"; exit 1; }
  "$PY" "$SRC/tests/controlplane/spool_check.py" --dir "$WORK/down" --table scored "$@"
}
