#!/bin/sh
# check-card-storm.sh SCARDBUS-SIM: cards removed and inserted as fast as
# the sim can deliver the events; afterwards the Reader must say what is
# true: the card present, powered and published, one CardEvents per event.
set -u
sim=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/storm.sh" <<'EOS'
#!/bin/sh
# storm.sh SIM, the sim's COMMAND: the reader starts with a card.
sim=$1
reader=/org/scardbus/SmartCard1/reader/0
prop() {
  busctl --system get-property org.scardbus.SmartCard1 "$reader" org.scardbus.SmartCard1.Reader "$1"
}
before=$(prop CardEvents | cut -d' ' -f2)
# Straight to the control socket: each command returns once the host has
# the interrupt message, so the next event comes while the host still
# powers the card up after the last one.
/usr/bin/python3 - <<'EOP' || exit 1
import os, socket
def ctl(command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.environ["SCARDBUS_SIM_CONTROL"])
    s.sendall(command.encode() + b"\n")
    reply = s.makefile().readline().strip()
    s.close()
    if not reply.startswith("ok"):
        raise SystemExit(f"ctl {command}: {reply}")
for _ in range(20):
    ctl("remove 0")
    ctl("insert 0 t1")
EOP
# The last insertion is published once the card is powered.
n=0
while [ $n -lt 50 ]; do
  [ "$(prop State)" = "u 32" ] && break
  sleep 0.1
  n=$((n + 1))
done
echo "before=$before after=$(prop CardEvents | cut -d' ' -f2) state=$(prop State) card=$(prop Card)"
EOS
chmod +x "$work/storm.sh"

echo "1..1"
"$sim" --reader tpdu:t1 -- "$work/storm.sh" "$sim" > "$work/out" 2>"$work/err"
line=$(grep '^before=' "$work/out")
before=$(echo "$line" | sed -n 's/^before=\([0-9]*\) .*/\1/p')
after=$(echo "$line" | sed -n 's/.* after=\([0-9]*\) .*/\1/p')
if [ -n "$before" ] && [ "$after" = "$((before + 40))" ] && echo "$line" | grep -q 'state=u 32 card=o "/org/scardbus/SmartCard1/card/'; then
  echo "ok 1 - 40 events: $line"
else
  echo "not ok 1 - 40 events: ${line:-no result}"
  sed 's/^/# /' "$work/out" "$work/err"
fi
