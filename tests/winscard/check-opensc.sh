#!/bin/sh
# check-opensc.sh SCARDBUS-SIM: Debian's OpenSC (opensc-tool, through our
# libpcsclite.so.1) reads dwMaxAPDUDataSize from FEATURE_GET_TLV_PROPERTIES
# and lets an extended-APDU or TPDU reader carry 65536 bytes, a short-APDU
# one short APDUs only, and sees the PIN pads (its reader-pcsc.c debug log
# says which).
. "$(dirname "$0")/../sim/sim-lib.sh" # uses $1, the scardbus-sim
need opensc-tool

# opensc_log MODEL: opensc-tool's debug log with reader 0 of MODEL, in $WORK/out
opensc_log() {
  sim --reader "$1" -- sh -c 'OPENSC_DEBUG=9 opensc-tool -r 0 -a 2>&1'
}

opensc_log extended-apdu:t1
check "extended-apdu: OpenSC reads dwMaxAPDUDataSize 65536" \
  contains "$WORK/out" 'get dwMaxAPDUDataSize property returned 65536'
check "extended-apdu: OpenSC sends up to 65536 bytes" \
  contains "$WORK/out" 'Reader supports transceiving 65536 bytes of data'
opensc_log pinpad-extended:t1
check "pinpad-extended: OpenSC sees the pad's verification" \
  contains "$WORK/out" 'Reader supports pinpad PIN verification'
check "pinpad-extended: OpenSC sees the pad's modification" \
  contains "$WORK/out" 'Reader supports pinpad PIN modification'
opensc_log short-apdu:t1
check "short-apdu: OpenSC reads dwMaxAPDUDataSize 0" \
  contains "$WORK/out" 'get dwMaxAPDUDataSize property returned 0'
check "short-apdu: OpenSC keeps to short APDUs" \
  contains "$WORK/out" 'supports transceiving short length APDUs only'
done_testing
