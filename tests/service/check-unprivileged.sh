#!/bin/sh
# check-unprivileged.sh SCARDBUS-SIM SCARDCTL SYSUSERS-CONF: scardbusd runs
# as the scardbus user of data/scardbus-sysusers.conf, as the unit runs it,
# over the sim's readers whose nodes belong to that user's group (as
# 70-scardbus.rules makes them), on a bus whose policy is the installed one:
# it owns its name, keeps no capability, and serves connect and transmit
# (fd channel and D-Bus, T=1 and T=0) and a reader plugged later.
#
# The user exists only for this test: systemd-sysusers adds it to copies of
# /etc/passwd and /etc/group, bound over the real ones in a private mount
# namespace (so this needs root, as the sim's --host-user does).
set -u
sim=$1
scardctl=$2
sysusers=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

echo "1..9"
mkdir "$work/etc"
cp /etc/passwd /etc/group "$work/etc/"
if systemd-sysusers --root="$work" "$(realpath "$sysusers")" > "$work/sysusers.out" 2>&1 &&
   grep -q '^scardbus:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$work/etc/passwd"; then
  echo "ok 1 - systemd-sysusers creates the scardbus user from the sysusers.d file"
else
  echo "not ok 1 - no scardbus user: $(cat "$work/sysusers.out")"
fi
uid=$(awk -F: '$1 == "scardbus" { print $3 }' "$work/etc/passwd")
gid=$(awk -F: '$1 == "scardbus" { print $4 }' "$work/etc/passwd")

cat > "$work/client.sh" <<EOS
#!/bin/sh
# As root inside the sim: what the daemon is, then a client as nobody.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "\$@"; }
bus_call() {
  gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \\
    --method "org.freedesktop.DBus.\$1" org.scardbus.SmartCard1 | sed 's/.*uint32 \([0-9]*\).*/\1/'
}
bus_call GetConnectionUnixUser > "$work/owner"
pid=\$(bus_call GetConnectionUnixProcessID)
grep -E '^(Uid|Gid|Groups|CapEff):' /proc/\$pid/status > "$work/status"
as_nobody "$scardctl" send 0 "80 EC 00 00 03 AA BB CC 00" > "$work/channel" 2>&1
as_nobody "$scardctl" send --no-channel 0 "00 A4 04 00 07 F0 53 43 42 53 49 4D 00" \\
  "80 EC 00 00 03 AA BB CC 00" > "$work/dbus" 2>&1
as_nobody "$scardctl" send 1 "00 A4 04 00 07 F0 53 43 42 53 49 4D" "00 A4 02 0C 02 01 01" \\
  "00 B0 00 00 10" > "$work/t0" 2>&1
"$sim" ctl plug tpdu:t1 > /dev/null
n=0
until as_nobody "$scardctl" list 2>/dev/null | grep -q '^2: '; do
  n=\$((n + 1)); [ \$n -lt 100 ] || break; sleep 0.1
done
as_nobody "$scardctl" send 2 "80 EC 00 00 03 AA BB CC 00" > "$work/plugged" 2>&1
EOS
chmod 755 "$work/client.sh"

unshare --mount sh -c "mount --bind '$work/etc/passwd' /etc/passwd &&
  mount --bind '$work/etc/group' /etc/group &&
  exec '$sim' --host-user scardbus --reader tpdu:t1 --reader short-apdu:t0 -- '$work/client.sh'" \
  > "$work/out" 2> "$work/err"
status=$?

n=1
check() {
  n=$((n + 1))
  if [ "$2" = "$3" ]; then
    echo "ok $n - $1"
  else
    echo "not ok $n - $1: got \"$2\", want \"$3\""
    sed 's/^/# /' "$work/err"
  fi
}
check "the sim and its client ended well" "$status" 0
check "the owner of org.scardbus.SmartCard1 is the scardbus user" \
  "$(cat "$work/owner" 2>/dev/null)" "$uid"
check "scardbusd runs as scardbus:scardbus, no other group, no capability" \
  "$(tr -s '\t ' ' ' < "$work/status" 2>/dev/null | tr '\n' ';')" \
  "Uid: $uid $uid $uid $uid;Gid: $gid $gid $gid $gid;Groups: ;CapEff: 0000000000000000;"
check "nobody connects and transmits over the fd channel (T=1)" \
  "$(grep -c '^< AA BB CC 90 00' "$work/channel")" 1
check "nobody connects and transmits over D-Bus (T=1)" \
  "$(grep -c '^< .*90 00' "$work/dbus")" 2
check "nobody transmits to a T=0 card on a short-APDU reader" \
  "$(grep -c '^< 53 43 41 52 44 42 55 53 20 53 49 4D 20 50 30 21 90 00' "$work/t0")" 1
check "a reader plugged later is opened and served" \
  "$(grep -c '^< AA BB CC 90 00' "$work/plugged")" 1
check "scardbusd logged no warning" "$(grep -cE '^scardbusd\[[0-9]+\]: .*(warning|critical)' "$work/err")" 0
