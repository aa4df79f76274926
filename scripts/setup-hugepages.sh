#!/usr/bin/env bash
# Reserves hugepages for txscreen on every NUMA node, mounts hugetlbfs, and optionally
# persists the reservation across reboots.
#
#   scripts/setup-hugepages.sh [--size 2M|1G] [--per-node N | --total-mib M]
#                              [--mount DIR] [--persist] [--dry-run]
#
# Defaults: 2M pages, 1024 per node (2 GiB per node), mount at /dev/hugepages.
# Sizing: each worker's velocity tables need about 133 MiB per million cards (see
# docs/velocity.md); mbuf pools ~20 MiB per rx queue; rings a few MiB.
# --dry-run prints what would be done and checks the host, changing nothing.
set -euo pipefail

size=2M per_node=1024 total_mib="" mount=/dev/hugepages persist=0 dry=0
die() { echo "setup-hugepages: $*" >&2; exit 2; }
run() { if ((dry)); then echo "would run: $*"; else "$@"; fi; }
write() {  # write VALUE FILE
  if ((dry)); then echo "would write $1 to $2"; else echo "$1" > "$2"; fi
}
while (($#)); do
  case $1 in
    --size) size=${2:?}; shift 2 ;;
    --per-node) per_node=${2:?}; shift 2 ;;
    --total-mib) total_mib=${2:?}; shift 2 ;;
    --mount) mount=${2:?}; shift 2 ;;
    --persist) persist=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
case $size in
  2M|2m|2048k|2048kB) kb=2048 ;;
  1G|1g|1048576k|1048576kB) kb=1048576 ;;
  *) die "--size must be 2M or 1G, got '$size'" ;;
esac
[[ $per_node =~ ^[0-9]+$ ]] || die "--per-node must be a whole number, got '$per_node'"
((dry)) || [[ $(id -u) -eq 0 ]] || die "must run as root (or use --dry-run)"

sys=/sys/kernel/mm/hugepages/hugepages-${kb}kB
[[ -d $sys ]] || die "this kernel/CPU offers no ${size} hugepages ($sys missing)"
if [[ $kb -eq 1048576 ]] && ! grep -qw pdpe1gb /proc/cpuinfo; then
  die "the CPU lacks pdpe1gb: 1G pages are not available"
fi

nodes=()
for d in /sys/devices/system/node/node[0-9]*; do [[ -d $d ]] && nodes+=("${d##*node}"); done
((${#nodes[@]})) || nodes=(0)
if [[ -n $total_mib ]]; then
  [[ $total_mib =~ ^[0-9]+$ ]] || die "--total-mib must be a whole number"
  per_node=$(( (total_mib * 1024 / kb + ${#nodes[@]} - 1) / ${#nodes[@]} ))
fi
need_kb=$((per_node * kb * ${#nodes[@]}))
free_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
echo "setup-hugepages: ${per_node} x ${size} pages on each of ${#nodes[@]} node(s) (${nodes[*]}), $((need_kb / 1024)) MiB in all; $((free_kb / 1024)) MiB available"
((need_kb < free_kb)) || die "asking for $((need_kb / 1024)) MiB but only $((free_kb / 1024)) MiB is available"

for n in "${nodes[@]}"; do
  f=/sys/devices/system/node/node$n/hugepages/hugepages-${kb}kB/nr_hugepages
  [[ -e $f ]] || f=$sys/nr_hugepages
  write "$per_node" "$f"
  if ((!dry)); then
    got=$(cat "$f")
    ((got == per_node)) || echo "setup-hugepages: warning: node $n has $got of $per_node pages (memory fragmented? reserve at boot with --persist)" >&2
  fi
done

if ! mountpoint -q "$mount" 2>/dev/null; then
  run mkdir -p "$mount"
  run mount -t hugetlbfs -o pagesize=$size nodev "$mount"
else
  echo "setup-hugepages: $mount already mounted"
fi

if ((persist)); then
  conf=/etc/sysctl.d/80-txscreen-hugepages.conf
  if [[ $kb -eq 2048 ]]; then
    write "vm.nr_hugepages = $((per_node * ${#nodes[@]}))" "$conf"
  else
    echo "setup-hugepages: 1G pages are best reserved at boot: add 'default_hugepagesz=1G hugepagesz=1G hugepages=$((per_node * ${#nodes[@]}))' to the kernel command line"
  fi
  grep -q " $mount hugetlbfs" /etc/fstab 2>/dev/null || {
    if ((dry)); then echo "would append to /etc/fstab: nodev $mount hugetlbfs pagesize=$size 0 0"
    else echo "nodev $mount hugetlbfs pagesize=$size 0 0" >> /etc/fstab; fi
  }
fi
echo "setup-hugepages: done$( ((dry)) && echo ' (dry run: nothing changed)')"
