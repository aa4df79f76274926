#!/usr/bin/env bash
# Installs every Debian package txscreen needs to build, test and run, and the npm
# test servers. Idempotent: packages already present are skipped; safe to re-run.
#   scripts/install-deps.sh            build + test dependencies
#   scripts/install-deps.sh --runtime  only what `txscreen demo` needs
set -euo pipefail

runtime_pkgs=(
  build-essential pkg-config meson ninja-build python3
  libdpdk-dev dpdk libhyperscan-dev librdkafka-dev liburing-dev libboost-dev
  libboost-system-dev libsimdjson-dev libcurl4-openssl-dev libssl-dev
  libtomlplusplus-dev libpcap-dev libnuma-dev catch2 libcli11-dev nlohmann-json3-dev
  libsnappy-dev libzstd-dev
)
test_pkgs=(
  clang libclang-rt-14-dev llvm tshark tcpdump kcat awscli python3-avro libavro-dev
  iproute2 curl wrk dpdk-dev chromium prometheus
  libxgboost-dev python3-xgboost python3-numpy zstd python3-cryptography
)
# Some images ship Node.js with its own npm (nodesource), which conflicts with
# Debian's npm package: only ask Debian for Node.js when no npm is on the PATH.
command -v npm >/dev/null 2>&1 || test_pkgs+=(nodejs npm)

want=("${runtime_pkgs[@]}")
[[ "${1:-}" == "--runtime" ]] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer once, non-interactively.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all ${#want[@]} Debian packages present"
fi

if [[ "${1:-}" != "--runtime" ]]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  npm_dir="$here/.npm-tools"
  # s3rver: the S3 server of the tests; DuckDB and hyparquet: the two independent
  # Parquet readers that check the lake's files.
  if [[ ! -x "$npm_dir/node_modules/.bin/s3rver" || ! -d "$npm_dir/node_modules/@duckdb/node-api" ||
        ! -d "$npm_dir/node_modules/hyparquet" ]]; then
    echo "install-deps: installing s3rver, @duckdb/node-api, hyparquet (npm) into $npm_dir"
    mkdir -p "$npm_dir"
    (cd "$npm_dir" && npm install --silent --no-audit --no-fund --prefix "$npm_dir" s3rver@3 @duckdb/node-api hyparquet >/dev/null)
  fi
fi
echo "install-deps: done"
