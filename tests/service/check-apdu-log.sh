#!/bin/sh
# check-apdu-log.sh SCARDBUS-SIM SCARDBUSD SCARDCTL: scardbusd --verbose logs
# APDU headers, and never the data of PIN, key and challenge commands nor
# of their answers, whatever the reader's level (T=1 and T=0 TPDUs, short
# APDUs) and the path (fd channel, D-Bus), with LogApduData on or off.
set -u
sim=$1
daemon=$2
scardctl=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# Every secret below holds the marker 5E C2 E7; no log line may show it.
secrets="
00 20 00 81 08 5E C2 E7 31 32 33 34 35
00 21 00 81 0A 53 08 5E C2 E7 31 32 33 34 35
00 24 00 81 10 5E C2 E7 31 32 33 34 35 5E C2 E7 36 37 38 39 30
00 26 00 81 08 5E C2 E7 31 32 33 34 35
00 28 00 81 08 5E C2 E7 31 32 33 34 35
00 2C 00 81 10 5E C2 E7 31 32 33 34 35 5E C2 E7 36 37 38 39 30
00 DA 00 D3 08 5E C2 E7 31 32 33 34 35
10 DB 3F FF 0A 4D 08 5E C2 E7 31 32 33 34 35
00 DB 3F FF 0A 4D 08 5E C2 E7 31 32 33 34 35
00 2A 80 86 09 00 5E C2 E7 31 32 33 34 35 00
00 87 11 9A 0A 7C 08 82 06 5E C2 E7 31 32 33 00
80 D8 01 81 08 5E C2 E7 31 32 33 34 35
"
# Not secret: its data shows with LogApduData=true, never without.
echo_apdu="80 EC 00 00 06 C0 FF EE 11 22 33 00"

cat > "$work/client.sh" <<EOS
#!/bin/sh
# Each reader, both paths: the secrets, GET CHALLENGE, ECHO.
for reader in 0 1 2; do
  for path in "" --no-channel; do
    echo "$secrets" | grep . | while read -r apdu; do
      "$scardctl" send \$path \$reader "\$apdu" || exit 1
    done
    "$scardctl" send \$path \$reader "00 84 00 00 10" "$echo_apdu" || exit 1
  done
done
EOS
chmod 755 "$work/client.sh"

n=0
check() {
  # check DESCRIPTION COMMAND...: one TAP line
  n=$((n + 1))
  desc=$1
  shift
  if "$@"; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc"
    return 1
  fi
}
absent() { ! grep -qiE -e "$1" "$work/daemon.log"; }
present() { grep -qE -e "$1" "$work/daemon.log"; }

# run true|false: the sim's readers under a daemon with LogApduData=$1.
run() {
  printf '[Daemon]\nLogApduData=%s\n' "$1" > "$work/scardbusd.conf"
  chmod 644 "$work/scardbusd.conf"
  cat > "$work/scardbusd" <<EOS
#!/bin/sh
exec "$daemon" --verbose --config "$work/scardbusd.conf" "\$@" 2>>"$work/daemon.log"
EOS
  chmod 755 "$work/scardbusd"
  : > "$work/daemon.log"
  SCARDBUS_SIM_SCARDBUSD=$work/scardbusd "$sim" --reader tpdu:t1 --reader tpdu:t0 \
    --reader short-apdu:t1 -- "$work/client.sh" > "$work/out" 2> "$work/err"
}

# The challenges the card sent, as scardctl printed them: "< XX ... 90 00".
challenges() {
  grep -A1 '^> 00 84 00 00 10$' "$work/out" | sed -n 's/^< \(\([0-9A-F][0-9A-F] \)\{16\}\)90 00.*/\1/p'
}

check_no_secret() {
  # The marker, in the daemon's format and in plain hex.
  check "$1: no secret's data in the log" absent '5E C2 E7|5ec2e7'
  count=0
  for c in $(challenges | tr ' ' '_'); do
    hex=$(echo "$c" | tr '_' ' ' | sed 's/ $//')
    plain=$(echo "$hex" | tr -d ' ')
    count=$((count + 1))
    if grep -qiE "$hex|$plain" "$work/daemon.log"; then
      count=1000
    fi
  done
  check "$1: 6 GET CHALLENGE answers, none in the log" [ "$count" = 6 ]
  check "$1: VERIFY's header and length are logged" \
    present '-> NAD 00: 00 20 00 81, Lc 8 \(data not logged: may hold a secret\)$'
  check "$1: GET CHALLENGE's header, Le and status word are logged" \
    present '<- NAD 00: SW 90 00, 16 bytes of data \(not logged: may hold a secret\)$'
  check "$1: key import (PUT DATA, odd, chained) is logged without data" \
    present '-> NAD 00: 10 DB 3F FF, Lc 10 \(data not logged: may hold a secret\)$'
}

# The daemon's own warnings, for the reader of a failure.
show_err() { sed 's/^/# /' "$work/err"; }

echo "1..16"
run false
check "LogApduData=false: every APDU got an answer" [ "$(grep -c '^< ' "$work/out")" = 84 ] ||
  show_err
check_no_secret "LogApduData=false"
check "LogApduData=false: ECHO shows header and lengths only" \
  present '-> NAD 00: 80 EC 00 00, Lc 6, Le 256$'
check "LogApduData=false: ECHO's data is not logged" absent 'C0 FF EE'

run true
check "LogApduData=true: every APDU got an answer" [ "$(grep -c '^< ' "$work/out")" = 84 ] ||
  show_err
check_no_secret "LogApduData=true"
check "LogApduData=true: ECHO's data is logged" \
  present '-> NAD 00: 80 EC 00 00, Lc 6, Le 256: C0 FF EE 11 22 33$'
check "LogApduData=true: ECHO's answer is logged" \
  present '<- NAD 00: SW 90 00, 6 bytes of data: C0 FF EE 11 22 33$'
