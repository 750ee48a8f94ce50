#!/bin/sh
# sim-idle.sh: with a card present, neither the emulator nor its host
# (pcscd + libccid, then scardbusd) uses the CPU: 0 ticks (utime + stime, all threads) over 10 s after
# 20 s of settling. SCB_IDLE_SETTLE / SCB_IDLE_MEASURE shorten it by hand.
. "$(dirname "$0")/sim-lib.sh"   # uses $1, the scardbus-sim to test
need pcscd unshare

cat > "$WORK/idle.sh" <<'EOS'
sim=$PPID
host=
for p in /proc/[0-9]*; do
  [ "$(cut -d' ' -f4 "$p/stat" 2>/dev/null)" = "$sim" ] && [ "$(cat "$p/comm" 2>/dev/null)" = "$1" ] && host=${p#/proc/}
done
[ -n "$host" ] || { echo "no $1 child"; exit 1; }
"$SCARDBUS_SIM_BIN" ctl plug tpdu > /dev/null || exit 1
ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
sleep "${SCB_IDLE_SETTLE:-20}"
s0=$(ticks $sim); h0=$(ticks $host)
sleep "${SCB_IDLE_MEASURE:-10}"
s1=$(ticks $sim); h1=$(ticks $host)
echo "sim=$((s1 - s0)) host=$((h1 - h0))"
EOS
for host in pcscd scardbusd; do
  sim --host $host --reader tpdu -- sh "$WORK/idle.sh" $host
  grep '^sim=' "$WORK/out" | sed "s/^/# $host: /"
  check "$host: the sim measured itself and its host" grep -q '^sim=[0-9]* host=[0-9]*$' "$WORK/out"
  check "$host: emulator, 0 CPU ticks while idle" grep -q '^sim=0 ' "$WORK/out"
  check "$host: host, 0 CPU ticks while idle" grep -q ' host=0$' "$WORK/out"
done

done_testing
