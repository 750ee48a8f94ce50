#!/bin/sh
# sim-scardbusd.sh: --host scardbusd: a private system bus reachable by
# non-root users, the polkit mock, the daemon owns its name and answers
# GetReaders. (Listing the sim's readers waits for the driver: then the
# default --ready readers applies.)
. "$(dirname "$0")/sim-lib.sh" "$@"
need dbus-daemon busctl python3

sim --ready host --reader tpdu -- sh -c '
echo "address=$DBUS_SYSTEM_BUS_ADDRESS"
echo "control=$SCARDBUS_SIM_CONTROL"
busctl --system call org.scardbus.SmartCard1 /org/scardbus/SmartCard1 org.scardbus.SmartCard1.Manager GetReaders
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.freedesktop.PolicyKit1
setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --system call org.scardbus.SmartCard1 /org/scardbus/SmartCard1 org.scardbus.SmartCard1.Manager GetReaders && echo nobody-ok
"$SCARDBUS_SIM_BIN" ctl stats 0 > /dev/null && echo ctl-ok'
check "the private bus address is exported" grep -q "^address=unix:path=/tmp/" "$WORK/out"
check "the control socket is exported" grep -q "^control=/tmp/scardbus-sim-.*/control" "$WORK/out"
check "scardbusd answers GetReaders" grep -q "^uao [0-9]" "$WORK/out"
check "the polkit mock owns its name" grep -q "^b true" "$WORK/out"
check "a non-root client reaches the private bus" contains "$WORK/out" "nobody-ok"
check "ctl works under scardbusd" contains "$WORK/out" "ctl-ok"
check "the sim exits with COMMAND's status" sh -c '"$0" --ready host -- sh -c "exit 7" > /dev/null 2>&1; test $? = 7' "$SIM"

done_testing
