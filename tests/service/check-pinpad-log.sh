#!/bin/sh
# check-pinpad-log.sh SCARDBUS-SIM SCARDBUSD SCARDCTL: PINs typed on a
# reader's pad appear nowhere in scardbusd's log, at its most verbose
# (--verbose, LogApduData=true), at every exchange level: the PIN changes
# from 1234 to 8642 and back, verified in between.
set -u
sim=$1
daemon=$2
scardctl=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

cat > "$work/client.sh" <<EOS
#!/bin/sh
for reader in 0 1 2; do
  "$sim" ctl keypad \$reader 1234 8642 8642 && "$scardctl" change-pin \$reader || exit 1
  "$sim" ctl keypad \$reader 8642 && "$scardctl" verify-pin \$reader || exit 1
  "$sim" ctl keypad \$reader 8642 1234 1234 && "$scardctl" change-pin \$reader || exit 1
  "$sim" ctl keypad \$reader 1234 && "$scardctl" --json verify-pin \$reader || exit 1
done
EOS
chmod 755 "$work/client.sh"
printf '[Daemon]\nLogApduData=true\n' > "$work/scardbusd.conf"
chmod 644 "$work/scardbusd.conf"
cat > "$work/scardbusd" <<EOS
#!/bin/sh
exec "$daemon" --verbose --config "$work/scardbusd.conf" "\$@" 2>>"$work/daemon.log"
EOS
chmod 755 "$work/scardbusd"
: > "$work/daemon.log"

n=0
check() {
  n=$((n + 1))
  desc=$1
  shift
  if "$@"; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc"
  fi
}
absent() { ! grep -qiE -e "$1" "$work/daemon.log"; }

echo "1..6"
SCARDBUS_SIM_SCARDBUSD=$work/scardbusd "$sim" --reader pinpad:t1 --reader pinpad-tpdu:t1 \
  --reader pinpad-tpdu:t0 -- "$work/client.sh" > "$work/out" 2> "$work/err"
check "12 PIN entries, every one answered 90 00" [ "$(grep -c '90 00\|"9000"' "$work/out")" = 12 ] ||
  sed 's/^/# /' "$work/out" "$work/err"
check "the log tells of the 12 entries" \
  [ "$(grep -c 'PIN \(verify\|modify\) on the pad of .*: completed$' "$work/daemon.log")" = 12 ]
check "no PIN in ASCII hex, spaced" absent '3[18] 3[26] 3[34] 3[42]'
check "no PIN in ASCII hex, packed" absent '3[18]3[26]3[34]3[42]'
check "no PIN in digits" absent '8642'
check "no PIN in BCD" absent '12 34|86 42'
