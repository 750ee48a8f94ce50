#!/bin/bash
# demo-session.sh BUILDDIR: what the demo shows, run by scardbus-sim with
# DBUS_SYSTEM_BUS_ADDRESS (the private bus), SCARDBUS_SIM_CONTROL and
# LD_LIBRARY_PATH (scardbus's libpcsclite.so.1) set.
set -euo pipefail

builddir=$1
scardctl=$builddir/tools/scardctl/scardctl
sim=$builddir/tools/sim/scardbus-sim
select_aid="00 A4 04 00 07 F0 53 43 42 53 49 4D 00"   # SELECT the card's application
select_ef="00 A4 02 0C 02 01 01"                       # SELECT EF 0101
read_binary="00 B0 00 00 10"                           # READ BINARY, 16 bytes

step() { printf '\n== %s\n' "$*"; }

step "the service on the bus: busctl introspect org.scardbus.SmartCard1 /org/scardbus/SmartCard1"
busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" introspect org.scardbus.SmartCard1 /org/scardbus/SmartCard1

step "scardctl list"
"$scardctl" list

step "scardctl watch, while a card goes into reader 0 and comes out again"
"$scardctl" watch --count 4 &
watch_pid=$!
sleep 1
"$sim" ctl insert 0 t1 >/dev/null
sleep 0.5
step "scardctl send 0 SELECT SELECT READ-BINARY (over the connection's fd channel)"
"$scardctl" send 0 "$select_aid" "$select_ef" "$read_binary"
"$sim" ctl remove 0 >/dev/null
"$sim" ctl insert 0 t0 >/dev/null
"$sim" ctl remove 0 >/dev/null
wait "$watch_pid"

step "pcsc_scan -r, an unmodified PC/SC program, through scardbus's libpcsclite.so.1"
ldd "$(command -v pcsc_scan)" | grep libpcsclite || true
timeout 20 pcsc_scan -r

step "scriptor on the short-APDU reader's card"
printf '%s\n%s\n%s\n' "$select_aid" "$select_ef" "$read_binary" | timeout 20 scriptor -r "$("$scardctl" list --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["readers"][1]["name"])')"
