#!/bin/sh
# check-install.sh BUILDDIR: "meson install --destdir" lays out every
# installed file where the system looks for it.
set -eu
builddir=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$builddir" --destdir "$dest" --no-rebuild --quiet >/dev/null

prefix=$(meson introspect "$builddir" --buildoptions | python3 -c '
import json, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(opts["prefix"])')

status=0
expect() {
  # expect PATH, or expect '*/TAIL': some installed file ends in /TAIL
  case $1 in
    '*'*) found=$(find "$dest" -path "$1" | head -n 1) ;;
    *) found=$dest$1; [ -e "$found" ] || found= ;;
  esac
  if [ -z "$found" ]; then
    echo "not ok: nothing installed at $1"
    status=1
  else
    echo "ok: ${found#$dest}"
  fi
}

expect "$prefix/libexec/scardbusd"
expect "$prefix/share/dbus-1/system.d/org.scardbus.SmartCard1.conf"
expect "$prefix/share/dbus-1/system-services/org.scardbus.SmartCard1.service"
expect "$prefix/share/polkit-1/actions/org.scardbus.SmartCard1.policy"
expect "$prefix/share/polkit-1/rules.d/50-scardbus.rules"
expect "$prefix/share/dbus-1/interfaces/org.scardbus.SmartCard1.Manager.xml"
expect "$prefix/share/dbus-1/interfaces/org.scardbus.SmartCard1.Connection.xml"
expect "$prefix/share/pkgconfig/scardbus-1.pc"
expect "$prefix/share/man/man8/scardbusd.8"
expect "$prefix/share/man/man1/scardctl.1"
expect "$prefix/share/man/man1/scardbus-sim.1"
expect "$prefix/share/man/man7/libpcsclite-scardbus.7"
expect "*/scardbus/libpcsclite.so.1"
expect "$prefix/bin/scardctl"
expect "$prefix/bin/scardbus-sim"
expect "$prefix/share/doc/scardbus/dbus-api.md"
expect "*/systemd/system/scardbus.service"
expect "*/udev/rules.d/70-scardbus.rules"
expect "*/etc/scardbus/scardbusd.conf"

# The activation file starts the installed daemon through systemd.
grep -q "^Exec=$prefix/libexec/scardbusd$" \
  "$dest$prefix/share/dbus-1/system-services/org.scardbus.SmartCard1.service" || {
  echo "not ok: activation file does not name $prefix/libexec/scardbusd"; status=1; }
grep -q '^SystemdService=scardbus.service$' \
  "$dest$prefix/share/dbus-1/system-services/org.scardbus.SmartCard1.service" || {
  echo "not ok: activation file has no SystemdService="; status=1; }
# The unit must be hardened as DESIGN.md says.
unit=$(find "$dest" -path '*/systemd/system/scardbus.service' | head -n 1)
for line in 'Type=dbus' 'DeviceAllow=char-usb_device rw' 'ProtectSystem=strict' 'ProtectHome=yes' \
            'NoNewPrivileges=yes' 'RestrictAddressFamilies=AF_UNIX AF_NETLINK' \
            'SystemCallFilter=@system-service' 'Conflicts=pcscd.socket pcscd.service'; do
  grep -qx "$line" "$unit" || { echo "not ok: $line missing from the unit"; status=1; }
done
# The rules file names the configured group.
grep -q 'subject.isInGroup("scard")' "$dest$prefix/share/polkit-1/rules.d/50-scardbus.rules" || {
  echo "not ok: rules file does not grant the scard group"; status=1; }
exit $status
