#!/bin/sh
# sim-no-leaks.sh: nothing outlives a run, however it ends (COMMAND exits,
# fails, SIGTERM, SIGINT, a dying sim): no processes, no mounts, no
# temporary directories; and pcscd never ran in the host's namespaces.
. "$(dirname "$0")/sim-lib.sh"   # uses $1, the scardbus-sim to test
need pcscd unshare

snapshot () {
  {
    ls -A "$WORK/tmp"
    grep -e "$WORK" -e pcscd /proc/self/mountinfo
    ls /run/pcscd 2>/dev/null
  } > "$1"
}
# Every process a sim of this test starts (host, bus, polkit mock, COMMAND)
# inherits this tag; other people's processes do not.
# The sim's temporary directories (its own, the bus's, umockdev's testbed)
# go under $TMPDIR: a private one here, that must end up empty.
TAG=$(basename "$WORK")
mkdir "$WORK/tmp"
run_sim () { SCB_LEAK_TAG=$TAG TMPDIR=$WORK/tmp "$SIM" "$@"; }
leftovers () {
  for p in /proc/[0-9]*; do
    [ "$p" = "/proc/$$" ] && continue
    if tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qx "SCB_LEAK_TAG=$TAG"; then
      echo "${p#/proc/}: $(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)"
    fi
  done
}
settle () { sleep 1; }

snapshot "$WORK/before"
check "no sim processes before" test -z "$(leftovers)"

run_sim --host pcscd -- true > /dev/null 2>&1
settle; snapshot "$WORK/after"
check "COMMAND exits 0: nothing left" sh -c 'cmp -s "$0" "$1" && test -z "$2"' "$WORK/before" "$WORK/after" "$(leftovers)"

run_sim --host pcscd -- sh -c 'exit 3' > /dev/null 2>&1
check "COMMAND's status is the sim's" test $? = 3
settle; snapshot "$WORK/after"
check "COMMAND fails: nothing left" sh -c 'cmp -s "$0" "$1" && test -z "$2"' "$WORK/before" "$WORK/after" "$(leftovers)"

for sig in TERM INT; do
  SCB_LEAK_TAG=$TAG TMPDIR=$WORK/tmp "$SIM" --host pcscd --reader tpdu --reader multislot > "$WORK/fg" 2>&1 &
  pid=$!
  i=0; while ! grep -q SCARDBUS_SIM_CONTROL "$WORK/fg" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  check "without COMMAND: prints the variables to export ($sig)" grep -q "^export PCSCLITE_CSOCK_NAME=" "$WORK/fg"
  check "our pcscd runs in its own mount and network namespaces ($sig)" sh -c '
    found=0
    for p in /proc/[0-9]*; do
      [ "$(cat "$p/comm" 2>/dev/null)" = pcscd ] || continue
      tr "\0" "\n" < "$p/environ" 2>/dev/null | grep -qx "SCB_LEAK_TAG=$0" || continue
      found=1
      [ "$(readlink "$p/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || exit 1
      [ "$(readlink "$p/ns/net")" != "$(readlink /proc/self/ns/net)" ] || exit 1
    done
    [ $found = 1 ]' "$TAG"
  kill -$sig $pid; wait $pid
  check "SIG$sig: the sim exits 0" test $? = 0
  settle; snapshot "$WORK/after"
  check "SIG$sig: nothing left" sh -c 'cmp -s "$0" "$1" && test -z "$2"' "$WORK/before" "$WORK/after" "$(leftovers)"
done

# SIGTERM while the sim still waits for its host (start-up is interruptible)
SCB_LEAK_TAG=$TAG TMPDIR=$WORK/tmp "$SIM" --reader tpdu > /dev/null 2>&1 &
pid=$!
sleep 2; kill -TERM $pid; wait $pid
settle; snapshot "$WORK/after"
check "SIGTERM during start-up: nothing left" sh -c 'cmp -s "$0" "$1" && test -z "$2"' "$WORK/before" "$WORK/after" "$(leftovers)"

# A sim killed outright: its children die with it (PR_SET_PDEATHSIG).
SCB_LEAK_TAG=$TAG TMPDIR=$WORK/tmp "$SIM" --host pcscd -- sleep 60 > /dev/null 2>&1 &
pid=$!
sleep 4; kill -KILL $pid; wait $pid 2>/dev/null
i=0; while [ -n "$(leftovers)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGKILL: the host, bus and COMMAND die with the sim" test -z "$(leftovers)"
# Its directories, the bus's and the testbed: the sim's janitor removes them.
i=0; while [ -n "$(ls -A "$WORK/tmp")" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
snapshot "$WORK/after"
check "SIGKILL: no directory left" cmp -s "$WORK/before" "$WORK/after"

done_testing
