#!/bin/bash
# demo.sh: the main job, on a fresh Debian 12 as root. Installs what scardbus
# needs, builds it, and starts scardbusd under scardbus-sim with two virtual
# readers on a private bus; tools/demo-session.sh then shows the API, a card
# insertion and removal seen live by "scardctl watch", an APDU exchange, and
# pcsc_scan running unmodified on scardbus's libpcsclite.so.1.
# SCB_SKIP_APT=1 skips the package step when the packages are there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${SCB_DEMO_BUILDDIR:-$top/_build}

"$top/tools/setup-debian.sh"
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$top"
fi
meson compile -C "$builddir"

echo
echo "== scardbus-sim: a TPDU reader (empty) and a short-APDU reader with a T=1 card"
exec "$builddir/tools/sim/scardbus-sim" --reader tpdu:none --reader short-apdu:t1 -- \
  "$top/tools/demo-session.sh" "$builddir"
