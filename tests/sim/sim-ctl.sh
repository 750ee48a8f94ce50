#!/bin/sh
# sim-ctl.sh: the `scardbus-sim ctl` contract against a running sim (pcscd
# host): indexes, errors, stats JSON keys, and each fault as the reference
# host meets it.
. "$(dirname "$0")/sim-lib.sh"   # uses $1, the scardbus-sim to test
need pcscd pcsc_scan scriptor unshare python3

check "ctl without SCARDBUS_SIM_CONTROL fails" sh -c '! env -u SCARDBUS_SIM_CONTROL "$0" ctl stats 0 2>/dev/null' "$SIM"

cat > "$WORK/ctl.sh" <<'EOS'
S=$SCARDBUS_SIM_BIN
R="Gemalto PC Twin Reader 00 00"
step () { echo "== $*"; }
apdu () { printf '00 A4 02 0C 02 01 01\n00 B0 00 00 10\n' | timeout 30 scriptor -r "$R" 2>&1 | grep '^<'; }
step plug; $S ctl plug short-apdu; $S ctl plug no-interrupt:none
step unplug; $S ctl unplug 1 && echo unplugged
step replug; $S ctl plug tpdu:t0
step unplug-twice; $S ctl unplug 1 2>&1; echo "rc=$?"
step bad-model; $S ctl plug nosuch 2>&1; echo "rc=$?"
step bad-slot; $S ctl insert 0.1 2>&1; echo "rc=$?"
step occupied; $S ctl insert 0 2>&1; echo "rc=$?"
step empty; $S ctl remove 2 2>&1; echo "rc=$?"
step insert-no-interrupt; $S ctl insert 2 t0 && echo inserted
step bad-fault; $S ctl fault 0 nosuch 2>&1; echo "rc=$?"
step hw-error-no-interrupt; $S ctl fault 2 hw-error 2>&1; echo "rc=$?"
step int-error-no-interrupt; $S ctl fault 2 int-error 2>&1; echo "rc=$?"
step bad-after; $S ctl fault 0 busy 1 soon 2>&1; echo "rc=$?"
step later; $S ctl fault 0 inactive-mid 1 1000000 && echo armed
step usage; $S ctl frobnicate 2>&1; echo "rc=$?"
step wtx; $S ctl fault 0 wtx && apdu
step ifs; $S ctl fault 0 ifs && apdu
step bad-edc; $S ctl fault 0 bad-edc 2 && apdu
step hw-error; $S ctl fault 0 hw-error && apdu
step stats; $S ctl stats 0
step remove-mid; $S ctl fault 0 remove-mid && apdu; sleep 1; pcsc_scan -c -t 1 -n | tr -d '\033' | grep -A2 'Reader 0'
step drop; $S ctl insert 0 && sleep 1 && $S ctl fault 0 drop && apdu; echo "rc=$?"
step stall; $S ctl remove 0 && $S ctl insert 0 && sleep 1 && $S ctl fault 0 stall && apdu; echo "rc=$?"
step unplug-mid; $S ctl fault 0 unplug-mid && apdu; sleep 1; pcsc_scan -r
step stats-after; $S ctl stats 0
step plug-file; $S ctl plug "@$SCB_SOURCEDIR/tests/data/ccid-readers.txt#SCR331-DI:t1,t0"
step plug-relative; A=$(readlink -f "$S"); (cd "$SCB_SOURCEDIR/tests/data" && "$A" ctl plug @ccid-readers.txt#Fsij_gnuk); sleep 3; pcsc_scan -r
step plug-bad-file; $S ctl plug @/nonexistent/reader.txt 2>&1; echo "rc=$?"
step end
EOS
sim --host pcscd --reader tpdu -- sh "$WORK/ctl.sh"
tr -d '\033' < "$WORK/out" > "$WORK/ctl"

# section NAME: the lines between "== NAME" and the next "=="
section () { sed -n "/^== $1\$/,/^== /p" "$WORK/ctl" | sed '1d;$d' > "$WORK/section"; }
section plug; check "plug prints the next indexes (1, 2)" test "$(tr '\n' ' ' < "$WORK/section")" = "1 2 "
section unplug; check "unplug succeeds" contains "$WORK/section" "unplugged"
section replug; check "indexes are never reused (3)" test "$(cat "$WORK/section")" = 3
section unplug-twice; check "unplugging twice fails" contains "$WORK/section" "rc=1"
section bad-model; check "unknown model fails" contains "$WORK/section" "unknown reader model"
section bad-slot; check "a slot the model lacks fails" contains "$WORK/section" "has no slot 1"
section occupied; check "inserting into a full slot fails" contains "$WORK/section" "already holds a card"
section empty; check "removing from an empty slot fails" contains "$WORK/section" "is empty"
section insert-no-interrupt; check "insert into a no-interrupt reader returns" contains "$WORK/section" "inserted"
section bad-fault; check "unknown fault fails" contains "$WORK/section" "unknown fault"
section hw-error-no-interrupt; check "hw-error needs an interrupt endpoint" contains "$WORK/section" "no interrupt endpoint"
section int-error-no-interrupt; check "int-error needs an interrupt endpoint" contains "$WORK/section" "no interrupt endpoint"
section bad-after; check "AFTER must be a number" contains "$WORK/section" "expected a number"
section later; check "a fault armed for later returns at once" contains "$WORK/section" "armed"
section usage; check "unknown command prints usage" contains "$WORK/section" "usage:"
for f in wtx ifs bad-edc hw-error; do
  section $f; check "fault $f: libccid recovers, READ BINARY answers" contains "$WORK/section" "< 53 43 41 52"
done
section stats
check "stats: fixed keys and counters" python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).read())
assert sorted(s) == ["ccid", "errors_answered", "faults_injected", "nad_seen", "t1_blocks", "usb"], sorted(s)
assert sorted(s["t1_blocks"]) == ["i", "r", "s"]
assert sorted(s["usb"]) == ["discards", "empty_reaps", "ioctls", "reaps", "urbs_submitted"]
assert s["faults_injected"] == 5, s            # wtx, ifs, 2 x bad-edc, hw-error
assert s["ccid"]["HardwareError"] == 1 and s["ccid"]["XfrBlock"] > 0, s
assert s["t1_blocks"]["s"] >= 3 and s["t1_blocks"]["r"] >= 2, s   # IFSD, WTX and IFS answers; R after bad EDC
assert s["nad_seen"] == [0], s
assert s["usb"]["reaps"] > 0 and s["usb"]["ioctls"] > s["usb"]["urbs_submitted"], s' "$WORK/section"
section remove-mid; check "fault remove-mid: the card is gone" contains "$WORK/section" "Card removed"
section drop; check "fault drop: the APDU fails (libccid gives up on a mute card)" contains "$WORK/section" "rc=1"
section stall; check "fault stall: the APDU fails" contains "$WORK/section" "rc=1"
section unplug-mid; check "fault unplug-mid: the reader vanished" sh -c '! grep -q "Gemalto PC Twin Reader 00 00" "$0"' "$WORK/section"
section stats-after
check "stats of an unplugged reader: every fault counted" python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).read())
assert s["faults_injected"] == 9, s
assert s["errors_answered"] >= 2, s' "$WORK/section"
section plug-file; check "plug @FIXTURE#ENTRY prints the next index (4)" test "$(cat "$WORK/section")" = 4
section plug-relative
check "plug @FILE with a path relative to ctl's directory (5)" contains "$WORK/section" "5"
check "a plugged real reader: libccid's name, both slots" sh -c 'grep -Eq "SCM Microsystems Inc. SCR 331-DI [0-9A-F]{2} 00$" "$0" && grep -Eq "SCM Microsystems Inc. SCR 331-DI [0-9A-F]{2} 01$" "$0"' "$WORK/section"
check "a plugged real reader: Gnuk, extended APDU at 64 bytes" contains "$WORK/section" "Free Software Initiative of Japan Gnuk"
section plug-bad-file; check "plug @FILE of a missing file fails" contains "$WORK/section" "rc=1"
check "the script ran to its end" contains "$WORK/ctl" "== end"

done_testing
