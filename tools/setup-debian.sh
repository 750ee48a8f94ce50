#!/bin/sh
# setup-debian.sh: installs what scardbus needs to build, test and demo on
# Debian 12 (run as root). Installs packages only; starts no service.
set -eu

packages="
  meson ninja-build pkg-config gcc clang libclang-rt-14-dev clang-format
  libglib2.0-dev libglib2.0-bin libusb-1.0-0-dev libgudev-1.0-dev
  libpolkit-gobject-1-dev libpcsclite-dev
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 python3-gi
  dbus-daemon dbus-bin systemd util-linux libxml2-utils xsltproc pandoc
  python3-dbusmock umockdev libumockdev-dev
  pcscd libccid pcsc-tools python3-pyscard opensc scdaemon gnupg
  valgrind strace jq
"

if [ "${SCB_SKIP_APT:-0}" = 1 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-debian.sh: run as root (it installs Debian packages)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $packages
