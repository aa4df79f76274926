#!/usr/bin/env bash
# Benchmark (suite perf; prints figures, never fails on timing): dataplane throughput
# with and without `wrk` hammering /metrics and /api/v1/stats, side by side in one run,
# alternating unloaded/loaded runs ROUNDS times; prints each pair's ratio and the median.
# usage: bench_admin_wrk.sh TXGEN TXSCREEN [SECONDS] [ROUNDS]
set -uo pipefail
txgen=$1 txscreen=$2 secs=${3:-8} rounds=${4:-3}
work=$(mktemp -d /tmp/txscreen-wrk.XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v wrk > /dev/null || { echo "wrk not installed (scripts/install-deps.sh installs it)"; exit 1; }
export TXSCREEN_ADMIN_TOKEN=bench-admin-token-0123456789
"$txgen" --count 200000 --framing raw --seed 3 --out "$work/raw.pcap" --no-labels --quiet || exit 1
cat > "$work/auth.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $TXSCREEN_ADMIN_TOKEN"
EOF

stat() {  # stat URL -> "verdicts snapshot_ms"
  curl -s -H "Authorization: Bearer $TXSCREEN_ADMIN_TOKEN" "$1/api/v1/stats" |
    python3 -c "import json,sys; d=json.load(sys.stdin); print(d['verdicts_consumed'], d['snapshot_ms'])"
}

run() {  # run LOADED(0|1) -> prints "verdicts_per_s metrics_rps stats_rps"
  # Throughput is measured over the load window only (after a warm-up), from two
  # /api/v1/stats readings: start-up and drain are the same in both modes.
  local loaded=$1
  rm -f "$work/ready"
  "$txscreen" run --pcap "$work/raw.pcap" --loop --no-spool --no-kafka --admin 127.0.0.1:0 --quiet \
    --ready-file "$work/ready" > "$work/run.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do grep -q '^admin ' "$work/ready" 2>/dev/null && break; sleep 0.1; done
  local url; url=$(awk '/^admin /{print $2}' "$work/ready")
  local cp_cpu; cp_cpu=$(taskset -pc "$pid" | sed "s/.*: //; s/[,-].*//")
  sleep 2
  local m=0 s=0 v0 t0 v1 t1
  read -r v0 t0 < <(stat "$url")
  if [[ $loaded == 1 ]]; then
    # wrk shares the controlplane CPU (the first in the process affinity, where EAL
    # put the main lcore and the admin threads); the worker lcore keeps its own.
    taskset -c "$cp_cpu" wrk -t1 -c4 -d"${secs}s" -s "$work/auth.lua" "$url/metrics" > "$work/wrk_m.txt" 2>&1 &
    local w1=$!
    taskset -c "$cp_cpu" wrk -t1 -c4 -d"${secs}s" -s "$work/auth.lua" "$url/api/v1/stats" > "$work/wrk_s.txt" 2>&1 &
    local w2=$!
    wait $w1 $w2
    m=$(awk '/Requests\/sec/{print $2}' "$work/wrk_m.txt")
    s=$(awk '/Requests\/sec/{print $2}' "$work/wrk_s.txt")
  else
    sleep "$secs"
  fi
  read -r v1 t1 < <(stat "$url")
  kill -TERM "$pid"; wait "$pid"
  python3 -c "print(($v1 - $v0) * 1000 / ($t1 - $t0), '$m', '$s')"
}

echo "round  unloaded_tx/s  loaded_tx/s  ratio  metrics_req/s  stats_req/s"
ratios=()
for r in $(seq 1 "$rounds"); do
  read -r a _ _ < <(run 0)
  read -r b m s < <(run 1)
  ratio=$(python3 -c "print(f'{$b / $a:.3f}')")
  ratios+=("$ratio")
  printf "%5d  %13.0f  %11.0f  %5s  %13s  %11s\n" "$r" "$a" "$b" "$ratio" "$m" "$s"
done
python3 -c "import statistics; r=[float(x) for x in '${ratios[*]}'.split()]; print(f'median loaded/unloaded throughput ratio: {statistics.median(r):.3f} over {len(r)} rounds')"
