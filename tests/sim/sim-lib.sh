# sim-lib.sh: TAP helpers for the scardbus-sim test scripts (sourced).
# Usage in a script run as SCRIPT PATH-TO-scardbus-sim: . "$(dirname "$0")/sim-lib.sh"
# A missing prerequisite is a failure ("Bail out!"), never a skip.

SIM=${1:?usage: $0 PATH-TO-scardbus-sim}
# Debian's python3 carries python3-dbusmock; the tools live in /usr/bin.
PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
export PATH
export SCARDBUS_SIM_BIN="$SIM"

tap_n=0
tap_failed=0
WORK=$(mktemp -d /tmp/sim-test-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

ok () { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok () { tap_n=$((tap_n + 1)); tap_failed=1; echo "not ok $tap_n - $*"; }

# check DESCRIPTION COMMAND...: one TAP line from COMMAND's status
check () {
  desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# contains FILE TEXT: FILE has the fixed string TEXT (shows FILE if not)
contains () {
  if grep -qF -- "$2" "$1"; then return 0; fi
  echo "# expected \"$2\" in $1:" >&2
  sed 's/^/#   /' "$1" | tr -d '\033' >&2
  return 1
}

need () {
  for tool in "$@"; do
    command -v "$tool" > /dev/null 2>&1 || { echo "Bail out! $tool is missing"; exit 1; }
  done
  [ "$(id -u)" = 0 ] || { echo "Bail out! needs root (pcscd runs in its own namespaces)"; exit 1; }
}

# sim ARGS...: runs the sim, its output (all of it) in $WORK/out
sim () {
  timeout 120 "$SIM" "$@" > "$WORK/out" 2>&1
}

done_testing () {
  echo "1..$tap_n"
  exit $tap_failed
}
