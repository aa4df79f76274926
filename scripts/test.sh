#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite:
#   unit + integration tests (release build), the threaded tests under ThreadSanitizer,
#   then the libFuzzer targets for a bounded time under ASan/UBSan (clang build). Ends with the line "N passed, N failed".
# Environment: JOBS (ninja -j, default nproc), FUZZ_SECONDS (per target, default 30),
#   SKIP_INSTALL=1 to skip the package check, SKIP_FUZZ=1 / SKIP_TSAN=1 to skip those builds.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=${JOBS:-$(nproc)}

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
  bash scripts/install-deps.sh || { echo "test: dependency install failed"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0; failed=0
count_log() {  # adds the results of one meson testlog.json to the totals
  local log=$1 p f
  read -r p f < <(python3 - "$log" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r in ("SKIP",): pass
    else: f += 1
print(p, f)
PY
)
  passed=$((passed + p)); failed=$((failed + f))
}

build_and_test() {  # dir, meson test args..., -- setup args
  local dir=$1; shift
  local -a targs=() sargs=()
  while (($#)) && [[ $1 != -- ]]; do targs+=("$1"); shift; done
  (($#)) && shift
  sargs=("$@")
  if [[ ! -f "$dir/build.ninja" ]]; then
    meson setup "$dir" "${sargs[@]}" || { failed=$((failed + 1)); echo "test: meson setup $dir failed"; return; }
  fi
  if ! ninja -C "$dir" -j "$jobs"; then
    failed=$((failed + 1)); echo "test: build in $dir failed"; return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" "${targs[@]}"
  count_log "$dir/meson-logs/testlog.json"
}

build_and_test build --suite unit --suite integration --
# ThreadSanitizer: the tests where threads share state (hot swap of rulesets and
# pattern databases while an engine scores; the admin server's threads), in their own
# build with only those targets.
if [[ "${SKIP_TSAN:-0}" != 1 ]]; then
  tsan_targets=(tests/rules/test_rules tests/controlplane/test_admin_server)
  if [[ ! -f build-tsan/build.ninja ]] &&
     ! meson setup build-tsan -Db_sanitize=thread -Dbuildtype=debugoptimized -Ddataplane=disabled; then
    failed=$((failed + 1)); echo "test: meson setup build-tsan failed"
  elif ! ninja -C build-tsan -j "$jobs" "${tsan_targets[@]}"; then
    failed=$((failed + 1)); echo "test: TSan build failed"
  else
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
      meson test -C build-tsan --no-rebuild --print-errorlogs --num-processes "$jobs" rules admin_server
    count_log build-tsan/meson-logs/testlog.json
  fi
fi
if [[ "${SKIP_FUZZ:-0}" != 1 ]]; then
  export FUZZ_SECONDS=${FUZZ_SECONDS:-30}
  CXX=clang++ CC=clang build_and_test build-fuzz --suite fuzz -- \
    -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized -Ddataplane=disabled
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
