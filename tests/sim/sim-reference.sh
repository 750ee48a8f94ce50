#!/bin/sh
# sim-reference.sh: the reference host (pcscd 1.9.9 + libccid 1.5.2) accepts
# the sim: it lists the readers, talks T=1 (its own) and T=0 to the cards,
# and sees insertion, removal, plug and unplug in its event numbers.
. "$(dirname "$0")/sim-lib.sh"   # uses $1, the scardbus-sim to test
need pcscd pcsc_scan scriptor unshare python3

AID_SELECT='00 A4 04 00 07 F0 53 43 42 53 49 4D 00'
FCI='6F 0E 84 07 F0 53 43 42 53 49 4D A5 03 80 01 00'
EF0101='53 43 41 52 44 42 55 53 20 53 49 4D 20 50 30 21'
printf '%s\n00 A4 02 0C 02 01 01\n00 B0 00 00 10\n80 E1 01 2C 00 00 00\n' "$AID_SELECT" > "$WORK/t1.script"

# 1. pcsc_scan -r lists the tpdu reader under its real name
sim --host pcscd --reader tpdu -- pcsc_scan -r
check "pcsc_scan -r lists the tpdu reader" contains "$WORK/out" "0: Gemalto PC Twin Reader 00 00"

# 2. scriptor through libccid's own T=1 (TPDU reader), then the stats
sim --host pcscd --reader tpdu -- sh -c \
  'scriptor -r "Gemalto PC Twin Reader 00 00" "$0" && "$SCARDBUS_SIM_BIN" ctl stats 0' "$WORK/t1.script"
cp "$WORK/out" "$WORK/tpdu"
check "tpdu: T=1 is used" contains "$WORK/tpdu" "Using T=1 protocol"
check "tpdu: SELECT by AID answers the FCI" contains "$WORK/tpdu" "< $FCI"
check "tpdu: READ BINARY answers EF 0101" contains "$WORK/tpdu" "< $EF0101"
check "tpdu: 300-byte answer chained, ends in 90 00" contains "$WORK/tpdu" "20 21 22 23 24 25 26 27 28 29 2A 2B"
check "tpdu: every APDU got 90 00" test "$(grep -c '90 00 : Normal processing' "$WORK/tpdu")" = 4
check "tpdu: libccid sent T=1 I-, R- and S-blocks" python3 -c '
import json, sys
s = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][0])
b = s["t1_blocks"]
assert b["i"] >= 4 and b["r"] >= 1 and b["s"] >= 1, b
assert s["nad_seen"] == [0] and s["errors_answered"] == 0, s
assert s["ccid"]["XfrBlock"] >= 6 and s["usb"]["urbs_submitted"] > 0, s' "$WORK/tpdu"

# 3. the same on a short-APDU reader (the reader runs T=1)
sim --host pcscd --reader short-apdu -- scriptor -r "SCM Microsystems Inc. SCR 3310 00 00" "$WORK/t1.script"
check "short-apdu: SELECT by AID answers the FCI" contains "$WORK/out" "< $FCI"
check "short-apdu: READ BINARY answers EF 0101" contains "$WORK/out" "< $EF0101"

# 4. a T=0 card: 61xx then GET RESPONSE, 6Cxx then the command again
printf '00 A4 04 00 07 F0 53 43 42 53 49 4D\n00 C0 00 00 10\n00 A4 02 0C 02 01 01\n00 B0 00 00 00\n00 B0 00 00 10\n' > "$WORK/t0.script"
sim --host pcscd --reader tpdu:t0 -- scriptor -r "Gemalto PC Twin Reader 00 00" "$WORK/t0.script"
check "t0: T=0 is used" contains "$WORK/out" "Using T=0 protocol"
check "t0: SELECT answers 61 10" contains "$WORK/out" "< 61 10"
check "t0: GET RESPONSE answers the FCI" contains "$WORK/out" "< $FCI"
check "t0: READ BINARY Le 00 answers 6C 10" contains "$WORK/out" "< 6C 10"
check "t0: READ BINARY Le 10 answers EF 0101" contains "$WORK/out" "< $EF0101"

# 5. events: removal, insertion, plug, unplug, as pcsc_scan reports them
cat > "$WORK/events.sh" <<'EOS'
pcsc_scan -n -t 18 > "$1" 2>&1 &
scan=$!
sleep 3
"$SCARDBUS_SIM_BIN" ctl remove 0 && sleep 1.5
"$SCARDBUS_SIM_BIN" ctl insert 0 t1 && sleep 1.5
"$SCARDBUS_SIM_BIN" ctl plug short-apdu > "$1.plug" && sleep 3
"$SCARDBUS_SIM_BIN" ctl unplug 1 && sleep 2.5
wait $scan
EOS
sim --host pcscd --reader tpdu -- sh "$WORK/events.sh" "$WORK/scan"
tr -d '\033' < "$WORK/scan" | sed 's/\[[0-9;]*m//g' > "$WORK/scan.txt"
check "events: the sim ran the scan" test -s "$WORK/scan.txt"
check "events: removal is event 1" python3 -c '
import re, sys
t = open(sys.argv[1]).read()
ev = re.findall(r"Reader 0: Gemalto PC Twin Reader 00 00\s+Event number: (\d+)\s+Card state: (Card \w+)", t)
assert ("1", "Card removed") in ev, ev' "$WORK/scan.txt"
check "events: insertion is event 2" python3 -c '
import re, sys
t = open(sys.argv[1]).read()
ev = re.findall(r"Reader 0: Gemalto PC Twin Reader 00 00\s+Event number: (\d+)\s+Card state: (Card \w+)", t)
assert ("2", "Card inserted") in ev, ev' "$WORK/scan.txt"
check "events: plug printed index 1" test "$(cat "$WORK/scan.plug")" = 1
check "events: the plugged reader appears" contains "$WORK/scan.txt" "1: SCM Microsystems Inc. SCR 3310 01 00"
check "events: after unplug only reader 0 is left" python3 -c '
import sys
t = open(sys.argv[1]).read()
last = t.rsplit("Scanning present readers...", 1)[1]
assert "0: Gemalto PC Twin Reader 00 00" in last and "SCR 3310" not in last, last' "$WORK/scan.txt"

# 6. the other models: two slots, no interrupt endpoint (pcscd asks), extended APDU
sim --host pcscd --reader multislot:t1,t0 --reader no-interrupt --reader extended-apdu -- sh -c '
pcsc_scan -r
printf "80 E1 02 00 00 00 00\n" | scriptor -r "Cherry GmbH SmartTerminal ST-2xxx 02 00"
"$SCARDBUS_SIM_BIN" ctl remove 1 && sleep 2 && pcsc_scan -c -t 1 -n'
tr -d '\033' < "$WORK/out" | sed 's/\[[0-9;]*m//g' > "$WORK/models"
check "multislot: slot 0 listed" contains "$WORK/models" "Circle CIR315 Dual & 1S 00 00"
check "multislot: slot 1 listed" contains "$WORK/models" "Circle CIR315 Dual & 1S 00 01"
check "no-interrupt: listed" contains "$WORK/models" "Precise Biometrics Precise 200 MC 01 00"
check "extended-apdu: 512-byte answer through CCID chaining" contains "$WORK/models" "F8 F9 FA FB FC FD FE FF"
check "no-interrupt: removal seen by polling" python3 -c '
import re, sys
t = open(sys.argv[1]).read()
assert re.search(r"Precise 200 MC 01 00\s+Event number: \d+\s+Card state: Card removed", t), t' "$WORK/models"

done_testing
