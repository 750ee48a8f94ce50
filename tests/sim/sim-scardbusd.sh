#!/bin/sh
# sim-scardbusd.sh: --host scardbusd: a private system bus reachable by
# non-root users, the polkit mock, the daemon listing every reader slot
# before COMMAND starts, and hot plug reaching it as ReaderAdded/Removed.
. "$(dirname "$0")/sim-lib.sh"   # uses $1, the scardbus-sim to test
need dbus-daemon busctl gdbus python3 setpriv

GET='busctl --system call org.scardbus.SmartCard1 /org/scardbus/SmartCard1 org.scardbus.SmartCard1.Manager GetReaders'

# --ready host: COMMAND starts once the daemon owns its name
sim --ready host --reader tpdu -- sh -c "
echo \"address=\$DBUS_SYSTEM_BUS_ADDRESS\"
echo \"control=\$SCARDBUS_SIM_CONTROL\"
$GET
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.freedesktop.PolicyKit1
setpriv --reuid=nobody --regid=nogroup --clear-groups $GET && echo nobody-ok
\"\$SCARDBUS_SIM_BIN\" ctl stats 0 > /dev/null && echo ctl-ok"
check "the private bus address is exported" grep -q "^address=unix:path=/" "$WORK/out"
check "the control socket is exported" grep -q "^control=/.*/control" "$WORK/out"
check "scardbusd answers GetReaders" grep -q "^uao [0-9]" "$WORK/out"
check "the polkit mock owns its name" grep -q "^b true" "$WORK/out"
check "a non-root client reaches the private bus" contains "$WORK/out" "nobody-ok"
check "ctl works under scardbusd" contains "$WORK/out" "ctl-ok"

# --ready readers (default): every slot is a reader object before COMMAND
cat > "$WORK/plug.sh" <<EOS
$GET
gdbus monitor --system --dest org.scardbus.SmartCard1 --object-path /org/scardbus/SmartCard1 > "$WORK/monitor" 2>&1 &
monitor=\$!
sleep 1
"\$SCARDBUS_SIM_BIN" ctl plug short-apdu
sleep 2
$GET
"\$SCARDBUS_SIM_BIN" ctl unplug 0
sleep 2
$GET
kill \$monitor
EOS
sim --reader tpdu --reader multislot:t1,t0 -- sh "$WORK/plug.sh"
check "all 3 reader slots listed before COMMAND" python3 -c '
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.startswith("uao ")]
assert [int(l[2]) for l in lines] == [3, 4, 3], lines' "$WORK/out"
check "plug printed index 2" grep -qx 2 "$WORK/out"
check "ReaderAdded on plug" contains "$WORK/monitor" "ReaderAdded"
check "ReaderRemoved on unplug" contains "$WORK/monitor" "ReaderRemoved"

check "the sim exits with COMMAND's status" sh -c '"$0" --ready host -- sh -c "exit 7" > /dev/null 2>&1; test $? = 7' "$SIM"

done_testing
