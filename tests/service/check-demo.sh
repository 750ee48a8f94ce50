#!/bin/bash
# check-demo.sh: the README's first command, end to end, from a fresh clone
# in a temporary directory (packages are already installed: SCB_SKIP_APT=1).
set -euo pipefail
src=${SCB_SOURCEDIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone --quiet "$src" "$work/scardbus"
cd "$work/scardbus"
# The first command of the README, as written there.
cmd=$(sed -n '/^```sh$/,/^```$/p' README.md | sed -n '2p' | sed 's/ *#.*//')
[ "$cmd" = "tools/demo.sh" ] || { echo "README's first command is '$cmd', not tools/demo.sh"; exit 1; }

SCB_SKIP_APT=1 timeout 900 $cmd > "$work/demo.log" 2>&1 || {
  echo "demo failed:"; cat "$work/demo.log"; exit 1; }

status=0
expect() {
  if grep -qF -- "$1" "$work/demo.log"; then
    echo "ok: $1"
  else
    echo "not ok: missing: $1"; status=1
  fi
}
expect ".GetReaders                         method    -          uao"
expect "0: Gemalto PC Twin Reader 00 00"
expect "1: SCM Microsystems Inc. SCR 3310 01 00"
expect "card-inserted   Gemalto PC Twin Reader 00 00  ATR 3B 99 11 81 31 80 45 80 57 73 63 62 73 69 6D 31 1E"
expect "card-removed    Gemalto PC Twin Reader 00 00"
expect "< 53 43 41 52 44 42 55 53 20 53 49 4D 20 50 30 21 90 00"
expect "libpcsclite.so.1 => $work/scardbus/_build/client-lib/winscard/libpcsclite.so.1"
expect "Using given card reader: SCM Microsystems Inc. SCR 3310 01 00"
expect "< 53 43 41 52 44 42 55 53 20 53 49 4D 20 50 30 21 "
[ $status = 0 ] || cat "$work/demo.log"
exit $status
