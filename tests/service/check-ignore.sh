#!/bin/sh
# check-ignore.sh SCARDBUS-SIM SCARDBUSD: readers listed in [Readers]
# Ignore= of scardbusd.conf are left alone; the others are served.
set -u
sim=$1
daemon=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '[Readers]\nIgnore=08e6:3437\n' > "$work/scardbusd.conf"
cat > "$work/scardbusd" <<EOS
#!/bin/sh
exec "$daemon" --config "$work/scardbusd.conf" "\$@"
EOS
chmod 755 "$work" "$work/scardbusd"
chmod 644 "$work/scardbusd.conf"

cat > "$work/list.sh" <<'EOS'
#!/bin/sh
# Wait for the served reader, then list what the daemon has.
n=0
while [ $n -lt 100 ]; do
  out=$(gdbus call --system -d org.scardbus.SmartCard1 -o /org/scardbus/SmartCard1 \
        -m org.scardbus.SmartCard1.Manager.GetReaders)
  case $out in *reader/*) break ;; esac
  sleep 0.1
  n=$((n + 1))
done
for path in $(echo "$out" | grep -o "/org/scardbus/SmartCard1/reader/[0-9]*"); do
  busctl --system get-property org.scardbus.SmartCard1 "$path" org.scardbus.SmartCard1.Reader Name
done
EOS
chmod +x "$work/list.sh"

echo "1..1"
SCARDBUS_SIM_SCARDBUSD=$work/scardbusd "$sim" --ready host --reader tpdu:t1 --reader short-apdu:t1 -- \
  "$work/list.sh" > "$work/out" 2>"$work/err"
if [ "$(cat "$work/out")" = 's "SCM Microsystems Inc. SCR 3310 00 00"' ]; then
  echo "ok 1 - the ignored 08e6:3437 is left alone, 04e6:5116 is served"
else
  echo "not ok 1 - readers: $(cat "$work/out")"
  sed 's/^/# /' "$work/err"
fi
