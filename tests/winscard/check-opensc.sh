#!/bin/sh
# check-opensc.sh SCARDBUS-SIM: Debian's OpenSC (opensc-tool, through our
# libpcsclite.so.1) reads dwMaxAPDUDataSize from FEATURE_GET_TLV_PROPERTIES
# and lets an extended-APDU or TPDU reader carry 65536 bytes, a short-APDU
# one short APDUs only (its reader-pcsc.c debug log says which).
set -u
sim=$1
n=0
check() {
  n=$((n + 1))
  desc=$1
  shift
  if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fi
}
# opensc_log MODEL: opensc-tool's debug log with reader 0 of MODEL
opensc_log() {
  "$sim" --reader "$1" -- sh -c 'OPENSC_DEBUG=9 opensc-tool -r 0 -a 2>&1' 2>/dev/null
}
has() { printf '%s\n' "$1" | grep -q -e "$2"; }

echo "1..6"
log=$(opensc_log extended-apdu:t1)
check "extended-apdu: OpenSC reads dwMaxAPDUDataSize 65536" \
  has "$log" 'get dwMaxAPDUDataSize property returned 65536'
check "extended-apdu: OpenSC sends up to 65536 bytes" \
  has "$log" 'Reader supports transceiving 65536 bytes of data'
log=$(opensc_log pinpad-extended:t1)
check "pinpad-extended: OpenSC sees the pad's verification" \
  has "$log" 'Reader supports pinpad PIN verification'
check "pinpad-extended: OpenSC sees the pad's modification" \
  has "$log" 'Reader supports pinpad PIN modification'
log=$(opensc_log short-apdu:t1)
check "short-apdu: OpenSC reads dwMaxAPDUDataSize 0" \
  has "$log" 'get dwMaxAPDUDataSize property returned 0'
check "short-apdu: OpenSC keeps to short APDUs" \
  has "$log" 'supports transceiving short length APDUs only'
