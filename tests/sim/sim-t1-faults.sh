#!/bin/sh
# sim-t1-faults.sh: scardbusd under valgrind inside the sim
# (SCARDBUS_SIM_SCARDBUSD is a wrapper script), 4 KiB T=1 answers cut in the
# middle of their chain, again and again: by a HardwareError on the interrupt
# pipe, by the reader deactivating the card (on a reader with an interrupt
# endpoint and on a polled one), and by a reader that refuses blocks. The
# client gets UnpoweredCard (or its answer, once the T=1 link recovered),
# the next connection powers the card on and its APDU works, and valgrind
# sees no invalid access in the daemon.
# Usage: sim-t1-faults.sh SCARDBUS-SIM SCARDBUSD SCARDCTL
. "$(dirname "$0")/sim-lib.sh"   # uses $1, the scardbus-sim to test
SCARDBUSD=${2:?usage: $0 SCARDBUS-SIM SCARDBUSD SCARDCTL}
SCARDCTL=${3:?usage: $0 SCARDBUS-SIM SCARDBUSD SCARDCTL}
need valgrind dbus-daemon

supp=${SCB_SOURCEDIR:?}/tests/valgrind.supp
cat > "$WORK/scardbusd-valgrind" <<EOS
#!/bin/sh
exec valgrind --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite \
  --suppressions=$supp --suppressions=/usr/share/glib-2.0/valgrind/glib.supp \
  --log-file=$WORK/valgrind.%p "$SCARDBUSD" "\$@"
EOS
chmod +x "$WORK/scardbusd-valgrind"

cat > "$WORK/client.sh" <<'EOS'
S=$SCARDBUS_SIM_BIN
big=80E11000000000   # 4096 bytes back: 17 chained I-blocks
send () { timeout 120 "$SCARDCTL" send "$1" $big > "$WORK/send" 2>&1; rc=$?; tail -c 300 "$WORK/send" | tr '\n' ' '; echo "rc=$rc"; }
# round READER INDEX KIND AFTER
round () {
  echo "== $3 $2 after $4"
  "$S" ctl fault "$2" "$3" 1 "$4"
  send "$1"
  echo "-- again"
  send "$1"
}
A="Gemalto PC Twin Reader 00 00"
B="Precise Biometrics Precise 200 MC 01 00"
echo "== warm-up"; send "$A"; send "$B"
for after in 3 6 9 12; do
  round "$A" 0 hw-error $after
  round "$A" 0 inactive-mid $after
  round "$B" 1 inactive-mid $after
  round "$A" 0 busy $after
done
echo "== end"
EOS
SCARDBUS_SIM_SCARDBUSD=$WORK/scardbusd-valgrind SCARDCTL=$SCARDCTL WORK=$WORK \
  timeout 900 "$SIM" --reader tpdu --reader no-interrupt -- sh "$WORK/client.sh" > "$WORK/out" 2>&1
sim_status=$?
sed 's/^/# /' "$WORK/out"

check "the sim and the client ran to their end" sh -c 'test "$0" = 0 && grep -q "^== end" "$1"' "$sim_status" "$WORK/out"
# rounds KIND...: "first|again" for each round of those kinds
cat > "$WORK/rounds.py" <<'EOS'
import re, sys
text = open(sys.argv[1]).read()
kinds = sys.argv[2].split(",")
for part in re.split(r"^== ", text, flags=re.M)[1:]:
    head, _, rest = part.partition("\n")
    if head.split()[0] not in kinds:
        continue
    first, _, again = rest.partition("-- again\n")
    print("%s|%s|%s" % (head, first.replace("\n", " "), again.replace("\n", " ")))
EOS
python3 "$WORK/rounds.py" "$WORK/out" hw-error,inactive-mid > "$WORK/deactivated"
python3 "$WORK/rounds.py" "$WORK/out" busy > "$WORK/busy"
check "12 rounds deactivated the card, 4 refused a block" sh -c \
  'test "$(wc -l < "$0")" = 12 && test "$(wc -l < "$1")" = 4' "$WORK/deactivated" "$WORK/busy"
check "a card deactivated mid-chain: the client gets UnpoweredCard" sh -c \
  '! cut -d"|" -f2 "$0" | grep -v "Transmit failed: UnpoweredCard .* rc=1"' "$WORK/deactivated"
check "the next connection powers the card on and its 4 KiB answer comes" sh -c \
  '! cut -d"|" -f3 "$0" | grep -v "FE FF 90 00 : Normal processing rc=0"' "$WORK/deactivated"
check "a refused block: the T=1 link recovers, both APDUs are answered" sh -c \
  '! cut -d"|" -f2,3 "$0" | grep -v "FE FF 90 00 : Normal processing rc=0.*|.*FE FF 90 00 : Normal processing rc=0"' "$WORK/busy"
check "valgrind ran the daemon" sh -c 'ls "$0"/valgrind.* > /dev/null 2>&1' "$WORK"
check "valgrind: no invalid access, no definite leak in scardbusd" sh -c '
  for log in "$0"/valgrind.*; do
    grep "ERROR SUMMARY" "$log" | sed "s/^/# /"
    grep -q "ERROR SUMMARY: 0 errors" "$log" || { sed "s/^/#   /" "$log" | head -80; exit 1; }
  done' "$WORK"
done_testing
