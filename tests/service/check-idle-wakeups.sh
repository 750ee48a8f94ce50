#!/bin/sh
# check-idle-wakeups.sh SCARDBUS-SIM: docs/architecture.md's wakeups (voluntary and
# involuntary context switches summed over every thread of scardbusd, from
# /proc/PID/task/*/status) over 10 s after 20 s of settling:
#   - 0 with readers that have an interrupt endpoint, cards present or not;
#   - with a reader without one, the documented poll: GetSlotStatus every
#     400 ms to that reader (counted by the sim), none to the other reader.
#     The wakeups are reported: under umockdev every ioctl is a socket round
#     trip to the sim, so they say little about real hardware.
# SCB_IDLE_SETTLE / SCB_IDLE_MEASURE shorten it by hand.
set -u
sim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
settle=${SCB_IDLE_SETTLE:-20}
measure=${SCB_IDLE_MEASURE:-10}

cat > "$work/measure.sh" <<'EOS'
#!/bin/sh
# measure.sh SETTLE MEASURE SIM, the sim's COMMAND: $PPID is the sim,
# scardbusd its child.
daemon=
for p in /proc/[0-9]*; do
  if [ "$(cut -d' ' -f4 "$p/stat" 2>/dev/null)" = "$PPID" ] && [ "$(cat "$p/comm" 2>/dev/null)" = scardbusd ]; then
    daemon=${p#/proc/}
  fi
done
[ -n "$daemon" ] || { echo "no scardbusd child of the sim"; exit 1; }
wakeups() {
  cat /proc/"$1"/task/*/status | awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { n += $2 } END { print n }'
}
polls() {
  "$3" ctl stats "$1" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["ccid"].get("GetSlotStatus", 0))'
}
sleep "$1"
w0=$(wakeups "$daemon"); p0=$(polls 0 "" "$3"); q0=$(polls 1 "" "$3")
sleep "$2"
w1=$(wakeups "$daemon"); p1=$(polls 0 "" "$3"); q1=$(polls 1 "" "$3")
echo "wakeups=$((w1 - w0))"
echo "polls=$((p1 - p0)) $((q1 - q0))"
EOS
chmod +x "$work/measure.sh"

echo "1..2"
n=0
run() {
  # run NAME CHECK READER...: CHECK is a shell test on $wakeups
  name=$1; check=$2; shift 2
  n=$((n + 1))
  args=
  for r in "$@"; do args="$args --reader $r"; done
  # shellcheck disable=SC2086
  "$sim" $args -- "$work/measure.sh" "$settle" "$measure" "$sim" > "$work/out" 2>"$work/err"
  wakeups=$(sed -n 's/^wakeups=//p' "$work/out")
  polls=$(sed -n 's/^polls=//p' "$work/out")
  first_polls=${polls% *}
  second_polls=${polls#* }
  if [ -n "$wakeups" ] && [ -n "$polls" ] && eval "$check"; then
    echo "ok $n - $name: $wakeups wakeups, GetSlotStatus $polls in ${measure} s"
  else
    echo "not ok $n - $name: ${wakeups:-no} wakeups, GetSlotStatus ${polls:-none} in ${measure} s"
    sed 's/^/# /' "$work/out" "$work/err"
  fi
}

run "interrupt-endpoint readers, idle" '[ "$wakeups" -eq 0 ] && [ "$polls" = "0 0" ]' \
  tpdu:t1 tpdu:none short-apdu:t0 extended-apdu:t1 multislot:t1,none
# A reader without an interrupt endpoint is asked every 400 ms: 25 polls in
# 10 s (one either way for the timer's phase); the reader beside it, never.
run "a reader without an interrupt endpoint, polled every 400 ms, and only it" \
  '[ "$first_polls" -ge $((measure * 1000 / 400 - 1)) ] && [ "$first_polls" -le $((measure * 1000 / 400 + 1)) ] && [ "$second_polls" -eq 0 ]' \
  no-interrupt:t1 tpdu:t1
