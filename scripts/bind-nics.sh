#!/usr/bin/env bash
# Binds NICs to vfio-pci for txscreen's DPDK dataplane, or gives them back.
#
#   scripts/bind-nics.sh [--dry-run] bind PCI_ADDR...     e.g. 0000:3b:00.0
#   scripts/bind-nics.sh [--dry-run] unbind PCI_ADDR...   back to the kernel driver
#   scripts/bind-nics.sh status
#
# Checks: the device exists, the IOMMU is on (or vfio's no-IOMMU mode was chosen
# explicitly with TXSCREEN_VFIO_NOIOMMU=1), the interface is not up with routes (it
# would cut a management link), and vfio-pci loads. The kernel driver of each device
# is remembered in /run/txscreen/nic-drivers so `unbind` restores it.
set -euo pipefail
dry=0
die() { echo "bind-nics: $*" >&2; exit 2; }
run() { if ((dry)); then echo "would run: $*"; else "$@"; fi; }
[[ ${1:-} == --dry-run ]] && { dry=1; shift; }
cmd=${1:-}; shift || true
devbind=$(command -v dpdk-devbind.py || true)
state=/run/txscreen/nic-drivers

case $cmd in
  status)
    [[ -n $devbind ]] || die "dpdk-devbind.py not found (apt-get install dpdk)"
    exec "$devbind" --status-dev net ;;
  bind|unbind) ;;
  -h|--help|"") sed -n '2,12p' "$0"; exit 0 ;;
  *) die "unknown command '$cmd' (bind, unbind, status)" ;;
esac
(($#)) || die "$cmd needs at least one PCI address (see: $0 status)"
[[ -n $devbind ]] || die "dpdk-devbind.py not found (apt-get install dpdk)"
((dry)) || [[ $(id -u) -eq 0 ]] || die "must run as root (or use --dry-run)"

for dev in "$@"; do
  [[ $dev =~ ^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]] || die "'$dev' is not a PCI address (DDDD:BB:DD.F)"
  [[ $dev == ????:* ]] || dev=0000:$dev
  sysdev=/sys/bus/pci/devices/$dev
  [[ -e $sysdev ]] || die "$dev: no such PCI device"
  if [[ $cmd == bind ]]; then
    if [[ ! -d /sys/kernel/iommu_groups || -z $(ls -A /sys/kernel/iommu_groups 2>/dev/null) ]]; then
      [[ ${TXSCREEN_VFIO_NOIOMMU:-0} == 1 ]] || die "the IOMMU is off: enable intel_iommu=on / amd_iommu=on iommu=pt on the kernel command line, or set TXSCREEN_VFIO_NOIOMMU=1 to use vfio's unsafe no-IOMMU mode"
      run sh -c "echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
    fi
    for ifc in "$sysdev"/net/*; do
      [[ -e $ifc ]] || continue
      name=${ifc##*/}
      if ip -o route show dev "$name" 2>/dev/null | grep -q .; then
        die "$dev is $name, which is up with routes: refusing to take a management link (ip link set $name down first)"
      fi
    done
    drv=$(basename "$(readlink -f "$sysdev/driver" 2>/dev/null || echo none)")
    run mkdir -p "${state%/*}"
    if ((dry)); then echo "would remember $dev=$drv in $state"; else
      grep -v "^$dev=" "$state" 2>/dev/null > "$state.new" || true
      echo "$dev=$drv" >> "$state.new" && mv "$state.new" "$state"
    fi
    run modprobe vfio-pci
    run "$devbind" --bind=vfio-pci "$dev"
  else
    drv=$(grep "^$dev=" "$state" 2>/dev/null | cut -d= -f2 || true)
    [[ -n $drv && $drv != none ]] || die "$dev: no remembered kernel driver in $state; bind it by hand with $devbind --bind=DRIVER $dev"
    run "$devbind" --bind="$drv" "$dev"
  fi
done
echo "bind-nics: $cmd done$( ((dry)) && echo ' (dry run: nothing changed)')"
