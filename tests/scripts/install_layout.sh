#!/usr/bin/env bash
# `meson install` lays out what docs/runbook.md and scripts/txscreen.service name:
# the binaries, the preparation scripts the unit runs, the unit, the docs and the
# example configuration (which the installed txscreen accepts).
set -uo pipefail
build=${TXSCREEN_BUILD_ROOT:?}
dest=$(mktemp -d /tmp/txscreen-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DESTDIR=$dest meson install -C "$build" --no-rebuild --quiet > "$dest.log" 2>&1 || { cat "$dest.log"; fail "meson install"; }
rm -f "$dest.log"
prefix=$(meson introspect "$build" --buildoptions | python3 -c "import json,sys; print(next(o['value'] for o in json.load(sys.stdin) if o['name']=='prefix'))")
root=$dest$prefix
for f in bin/txscreen bin/txgen bin/txscreen-kafka-broker libexec/txscreen/setup-hugepages.sh \
         libexec/txscreen/bind-nics.sh; do
  [[ -x $root/$f ]] || fail "$prefix/$f missing or not executable"
done
for f in lib/systemd/system/txscreen.service share/doc/txscreen/README.md share/doc/txscreen/runbook.md \
         share/doc/txscreen/txscreen.example.toml share/doc/txscreen/prometheus-alerts.yml; do
  [[ -f $root/$f ]] || fail "$prefix/$f missing"
done
# The unit runs what was installed, where it was installed (for the default prefix).
if [[ $prefix == /usr/local ]]; then
  for p in $(grep -o '/usr/local/[a-z/.-]*' "$root/lib/systemd/system/txscreen.service" | sort -u); do
    case $p in /usr/local/share/doc/*) f=share/doc/txscreen/README.md ;; *) f=${p#/usr/local/} ;; esac
    [[ -e $root/$f ]] || fail "txscreen.service names $p, which is not installed"
  done
fi
cd "$TXSCREEN_SOURCE_ROOT" && "$root/bin/txscreen" check-config "$root/share/doc/txscreen/txscreen.example.toml" > /dev/null ||
  fail "the installed txscreen refuses the installed example config"
echo "ok: install layout under $prefix (binaries, libexec scripts, systemd unit, docs, example config)"
