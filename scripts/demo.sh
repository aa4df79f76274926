#!/usr/bin/env bash
# Installs what is missing, builds txscreen, and runs `txscreen demo`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/install-deps.sh --runtime
[[ -f build/build.ninja ]] || meson setup build
ninja -C build -j "${JOBS:-$(nproc)}"
exec build/tools/txscreen demo "$@"
