#!/bin/sh
# check-pinpad-log.sh SCARDBUS-SIM SCARDBUSD SCARDCTL: PINs typed on a
# reader's pad appear nowhere in scardbusd's log, at its most verbose
# (--verbose, LogApduData=true), at every exchange level: the PIN changes
# from 1234 to 8642 and back, verified in between.
. "$(dirname "$0")/../sim/sim-lib.sh" # uses $1, the scardbus-sim
daemon=$2
scardctl=$3
chmod 755 "$WORK"

cat > "$WORK/client.sh" <<EOS
#!/bin/sh
for reader in 0 1 2; do
  "$SIM" ctl keypad \$reader 1234 8642 8642 && "$scardctl" change-pin \$reader || exit 1
  "$SIM" ctl keypad \$reader 8642 && "$scardctl" verify-pin \$reader || exit 1
  "$SIM" ctl keypad \$reader 8642 1234 1234 && "$scardctl" change-pin \$reader || exit 1
  "$SIM" ctl keypad \$reader 1234 && "$scardctl" --json verify-pin \$reader || exit 1
done
EOS
chmod 755 "$WORK/client.sh"
printf '[Daemon]\nLogApduData=true\n' > "$WORK/scardbusd.conf"
chmod 644 "$WORK/scardbusd.conf"
cat > "$WORK/scardbusd" <<EOS
#!/bin/sh
exec "$daemon" --verbose --config "$WORK/scardbusd.conf" "\$@" 2>>"$WORK/daemon.log"
EOS
chmod 755 "$WORK/scardbusd"
: > "$WORK/daemon.log"
absent() { ! grep -qiE -e "$1" "$WORK/daemon.log"; }

SCARDBUS_SIM_SCARDBUSD=$WORK/scardbusd sim --reader pinpad:t1 --reader pinpad-tpdu:t1 \
  --reader pinpad-tpdu:t0 -- "$WORK/client.sh"
check "12 PIN entries, every one answered 90 00" [ "$(grep -c '90 00\|"9000"' "$WORK/out")" = 12 ] ||
  sed 's/^/# /' "$WORK/out"
check "the log tells of the 12 entries" \
  [ "$(grep -c 'PIN \(verify\|modify\) on the pad of .*: completed$' "$WORK/daemon.log")" = 12 ]
check "no PIN in ASCII hex, spaced" absent '3[18] 3[26] 3[34] 3[42]'
check "no PIN in ASCII hex, packed" absent '3[18]3[26]3[34]3[42]'
check "no PIN in digits" absent '8642'
check "no PIN in BCD" absent '12 34|86 42'
done_testing
