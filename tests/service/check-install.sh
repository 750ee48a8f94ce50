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
expect "*/sysusers.d/scardbus.conf"
expect "*/etc/scardbus/scardbusd.conf"

# The activation file starts the installed daemon through systemd.
grep -q "^Exec=$prefix/libexec/scardbusd$" \
  "$dest$prefix/share/dbus-1/system-services/org.scardbus.SmartCard1.service" || {
  echo "not ok: activation file does not name $prefix/libexec/scardbusd"; status=1; }
grep -q '^SystemdService=scardbus.service$' \
  "$dest$prefix/share/dbus-1/system-services/org.scardbus.SmartCard1.service" || {
  echo "not ok: activation file has no SystemdService="; status=1; }
# The unit must be hardened as docs/install.md says.
unit=$(find "$dest" -path '*/systemd/system/scardbus.service' | head -n 1)
for line in 'Type=dbus' 'DeviceAllow=char-usb_device rw' 'ProtectSystem=strict' 'ProtectHome=yes' \
            'NoNewPrivileges=yes' 'RestrictAddressFamilies=AF_UNIX AF_NETLINK' \
            'SystemCallFilter=@system-service' 'Conflicts=pcscd.socket pcscd.service'; do
  grep -qx "$line" "$unit" || { echo "not ok: $line missing from the unit"; status=1; }
done
# The daemon's own user: the sysusers.d file makes it, the unit runs as it,
# the activation file names it, the bus lets it own the name, the polkit
# actions name it their owner, the udev rule gives it the readers' nodes and
# no session user gets them (docs/install.md, "Raw access to the readers").
python3 - "$dest" "$prefix" <<'EOP' || status=1
import glob, os, re, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

dest, prefix = sys.argv[1], sys.argv[2]
failed = False

def check(ok, what):
    global failed
    print(("ok: " if ok else "not ok: ") + what)
    failed = failed or not ok

def one(pattern):
    found = glob.glob(dest + pattern, recursive=True)
    return found[0] if found else None

sysusers = one('/**/sysusers.d/scardbus.conf')
users = [l.split() for l in open(sysusers) if l.startswith('u ')]
check(len(users) == 1, 'sysusers.d/scardbus.conf makes one user')
user = users[0][1]
check(user == 'scardbus', 'the user is scardbus')
with tempfile.TemporaryDirectory() as root:
    os.mkdir(root + '/etc')
    r = subprocess.run(['systemd-sysusers', '--root=' + root, os.path.abspath(sysusers)],
                       capture_output=True, text=True)
    passwd = open(root + '/etc/passwd').read() if r.returncode == 0 else ''
    group = open(root + '/etc/group').read() if r.returncode == 0 else ''
check(re.search(r'^scardbus:x:(\d+):(\d+):[^:]*:/:/usr/sbin/nologin$', passwd, re.M) is not None,
      'systemd-sysusers makes a system user scardbus without a shell')
check(re.search(r'^scardbus:x:\d+:$', group, re.M) is not None,
      'systemd-sysusers makes the group scardbus')

unit = open(one('/**/systemd/system/scardbus.service')).read().splitlines()
check('User=' + user in unit and 'Group=' + user in unit, 'the unit runs as %s:%s' % (user, user))
check('CapabilityBoundingSet=' in unit, 'the unit keeps no capability')
check(not any(l.startswith(('AmbientCapabilities=', 'PrivateUsers=')) for l in unit),
      'no ambient capabilities, no PrivateUsers= (libudev would drop udevd\'s events)')
activation = open(dest + prefix + '/share/dbus-1/system-services/org.scardbus.SmartCard1.service').read()
check('\nUser=%s\n' % user in activation, 'the activation file names User=' + user)

bus = ET.parse(dest + prefix + '/share/dbus-1/system.d/org.scardbus.SmartCard1.conf').getroot()
owners = sorted(p.get('user') for p in bus.findall('policy')
                if p.find("allow[@own='org.scardbus.SmartCard1']") is not None)
check(owners == sorted([user, 'root']), 'the bus lets %s (and root) own the name: %s' % (user, owners))

actions = ET.parse(dest + prefix + '/share/polkit-1/actions/org.scardbus.SmartCard1.policy').getroot()
for action in actions.findall('action'):
    owner = [a.text for a in action.findall('annotate')
             if a.get('key') == 'org.freedesktop.policykit.owner']
    check(owner == ['unix-user:' + user], '%s names unix-user:%s its owner' % (action.get('id'), user))

# The udev rule, its continuation lines joined.
path = one('/**/udev/rules.d/70-scardbus.rules')
name = os.path.basename(path)
check('60-fido-id.rules' < name < '70-uaccess.rules' and '60-scdaemon.rules' < name,
      name + ' runs after 60-fido-id and 60-scdaemon, before 70-uaccess')
text = re.sub(r'\\\n', ' ', open(path).read())
rules = [l.strip() for l in text.splitlines() if l.strip() and not l.lstrip().startswith('#')]
check(not any('uaccess' in r for r in rules), 'no uaccess tag')
check(not any(re.search(r'ENV\{ID_SMARTCARD_READER\}="[^"]', r) for r in rules),
      'ID_SMARTCARD_READER is never set')
check(not any(re.search(r'\b(OWNER|MODE)="(?!0660")|GROUP="(?!%s")' % user, r) for r in rules),
      'no other owner, group or mode')
node = [r for r in rules if 'ENV{DEVTYPE}=="usb_device"' in r]
check(len(node) == 1, 'one rule for the USB device node')
node = node[0] if node else ''
for want in ['ENV{ID_USB_INTERFACES}=="*:0b????:*"', 'GROUP="%s"' % user, 'MODE="0660"',
             'ENV{ID_SMARTCARD_READER}=""', 'TAG+="systemd"',
             'ENV{SYSTEMD_WANTS}+="smartcard.target"', 'ENV{SYSTEMD_USER_WANTS}+="smartcard.target"']:
    check(want in node, 'the CCID device node: ' + want)
iface = [r for r in rules if 'ENV{DEVTYPE}=="usb_interface"' in r]
check(len(iface) == 1 and 'ATTR{bInterfaceClass}=="0b"' in iface[0] and 'TAG+="systemd"' in iface[0]
      and 'ENV{SYSTEMD_WANTS}+="scardbus.service"' in iface[0],
      'a CCID interface starts scardbus.service')
check(rules.index(next(r for r in rules if 'SCARDBUS_IGNORE' in r)) < rules.index(node)
      if node else False, 'SCARDBUS_IGNORE=1 skips the device before anything is set')
sys.exit(1 if failed else 0)
EOP
# The rules file names the configured group.
grep -q 'subject.isInGroup("scard")' "$dest$prefix/share/polkit-1/rules.d/50-scardbus.rules" || {
  echo "not ok: rules file does not grant the scard group"; status=1; }
exit $status
