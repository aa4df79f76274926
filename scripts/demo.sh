#!/usr/bin/env bash
# Installs what is missing, builds txscreen, and runs `txscreen demo` (extra arguments
# go to the demo; see `txscreen demo --help`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/install-deps.sh --runtime
[[ -f build/build.ninja ]] || meson setup build
# Only what the demo runs: the txscreen binary (tests are built by scripts/test.sh).
ninja -C build -j "${JOBS:-$(nproc)}" tools/txscreen/txscreen
exec build/tools/txscreen/txscreen demo "$@"
