#!/usr/bin/env bash
# The host-preparation scripts in --dry-run: they check the host, print what they would
# do, change nothing, and refuse bad arguments with a message naming the argument.
set -uo pipefail
src=${TXSCREEN_SOURCE_ROOT:?}
fail() { echo "FAIL: $*"; exit 1; }
expect() {  # expect RC PATTERN -- command...
  local rc=$1 pat=$2; shift 3
  out=$("$@" 2>&1); got=$?
  [[ $got == "$rc" ]] || fail "'$*' exited $got, expected $rc: $out"
  grep -qE -- "$pat" <<< "$out" || fail "'$*' output lacks /$pat/: $out"
}
before=$(cat /proc/sys/vm/nr_hugepages)
expect 0 'would write 1024 to .*nr_hugepages' -- bash "$src/scripts/setup-hugepages.sh" --dry-run
expect 0 'would write 64 to .*hugepages-2048kB' -- bash "$src/scripts/setup-hugepages.sh" --dry-run --total-mib 128
expect 0 'would append to /etc/fstab' -- bash "$src/scripts/setup-hugepages.sh" --dry-run --per-node 8 --persist
expect 2 "--size must be 2M or 1G, got '3M'" -- bash "$src/scripts/setup-hugepages.sh" --dry-run --size 3M
expect 2 "--per-node must be a whole number" -- bash "$src/scripts/setup-hugepages.sh" --dry-run --per-node lots
expect 2 "only .* MiB is available" -- bash "$src/scripts/setup-hugepages.sh" --dry-run --total-mib 99999999
expect 2 "unknown option '--bogus'" -- bash "$src/scripts/setup-hugepages.sh" --dry-run --bogus
[[ $(cat /proc/sys/vm/nr_hugepages) == "$before" ]] || fail "dry run changed nr_hugepages"

expect 2 "'nonsense' is not a PCI address" -- bash "$src/scripts/bind-nics.sh" --dry-run bind nonsense
expect 2 "0000:ee:1f.7: no such PCI device" -- bash "$src/scripts/bind-nics.sh" --dry-run bind 0000:ee:1f.7
expect 2 "needs at least one PCI address" -- bash "$src/scripts/bind-nics.sh" --dry-run bind
expect 2 "unknown command 'frob'" -- bash "$src/scripts/bind-nics.sh" frob
# A real device that has a network interface with routes must be refused.
mgmt=$(ip -o route show default 2>/dev/null | awk '{print $5; exit}')
if [[ -n $mgmt && -e /sys/class/net/$mgmt/device ]]; then
  pci=$(basename "$(readlink -f /sys/class/net/$mgmt/device)")
  if [[ $pci =~ ^[0-9a-f]{4}: ]]; then
    expect 2 "refusing to take a management link|IOMMU is off" -- bash "$src/scripts/bind-nics.sh" --dry-run bind "$pci"
    TXSCREEN_VFIO_NOIOMMU=1 expect 2 "refusing to take a management link" -- bash "$src/scripts/bind-nics.sh" --dry-run bind "$pci"
  fi
fi
expect 2 "no remembered kernel driver" -- bash "$src/scripts/bind-nics.sh" --dry-run unbind 0000:00:00.0
echo "ok: setup-hugepages.sh and bind-nics.sh dry runs"
