#!/bin/sh
# check-held-interface.sh SCARDBUS-SIM SCARDBUSD HOLD-INTERFACE: a reader
# whose interface another program holds is reported in the log, left alone,
# and taken when it is plugged again.
set -u
sim=$1
daemon=$2
hold=$3
work=$(mktemp -d)
# The holder is the daemon's child, not the sim's: whatever happens, stop it.
trap '[ -f "$work/holder.pid" ] && kill "$(cat "$work/holder.pid")" 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"

# The host the sim starts (under its preload): first another driver takes
# the reader, then scardbusd starts.
cat > "$work/host" <<EOS
#!/bin/sh
"$hold" 08e6:3437 > "$work/held" &
echo \$! > "$work/holder.pid"
n=0
while [ "\$(cat "$work/held" 2>/dev/null)" != held ] && [ \$n -lt 100 ]; do sleep 0.05; n=\$((n + 1)); done
exec "$daemon" "\$@"
EOS
chmod 755 "$work/host"

cat > "$work/check.sh" <<EOS
#!/bin/sh
readers() {
  gdbus call --system -d org.scardbus.SmartCard1 -o /org/scardbus/SmartCard1 \
    -m org.scardbus.SmartCard1.Manager.GetReaders | grep -c "reader/" || true
}
echo "before=\$(readers)"
kill "\$(cat "$work/holder.pid")"
"$sim" ctl unplug 0 > /dev/null
"$sim" ctl plug tpdu:t1 > /dev/null
n=0
while [ "\$(readers)" = 0 ] && [ \$n -lt 100 ]; do sleep 0.05; n=\$((n + 1)); done
echo "after=\$(readers)"
EOS
chmod 755 "$work/check.sh"

echo "1..2"
SCARDBUS_SIM_SCARDBUSD=$work/host "$sim" --ready host --reader tpdu:t1 -- "$work/check.sh" \
  > "$work/out" 2> "$work/err"
if grep -q "Gemalto PC Twin Reader: interface 0 is held by another program (pcscd? scdaemon's own CCID driver?); leaving the reader alone until it is plugged again" "$work/err" \
   && grep -qx "before=0" "$work/out"; then
  echo "ok 1 - the held reader is reported and left alone"
else
  echo "not ok 1 - the held reader is reported and left alone"
  sed 's/^/# /' "$work/out" "$work/err"
fi
if grep -qx "after=1" "$work/out"; then
  echo "ok 2 - plugged again, it is served"
else
  echo "not ok 2 - plugged again, it is served"
  sed 's/^/# /' "$work/out" "$work/err"
fi
