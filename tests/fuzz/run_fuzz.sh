#!/usr/bin/env bash
# run_fuzz.sh FUZZER SEEDS_TOOL KIND: seeds a corpus with valid messages of KIND, then
# runs FUZZER for $FUZZ_SECONDS. Exit status is libFuzzer's (non-zero on any finding).
set -euo pipefail
fuzzer=$1 seeds=$2 kind=$3
work=$(mktemp -d /tmp/txscreen-fuzz-$kind.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
"$seeds" "$kind" "$work/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
set +e
"$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" 2>&1 | tail -n 40
rc=${PIPESTATUS[0]}
if [[ $rc -ne 0 ]]; then
  echo "run_fuzz: $kind fuzzer FAILED (rc=$rc); reproducer(s):"
  for f in "$work"/artifacts/*; do [[ -f $f ]] && { echo "== $f"; od -A d -t x1 "$f" | head -20; }; done
  mkdir -p /tmp/txscreen-fuzz-findings && cp -r "$work/artifacts/." /tmp/txscreen-fuzz-findings/ 2>/dev/null
fi
exit $rc
