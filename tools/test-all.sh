#!/bin/bash
# test-all.sh: sets up a fresh Debian 12 (as root), builds scardbus twice and
# runs the whole test suite:
#   1. gcc, --werror: every suite;
#   2. clang, --werror, ASan + UBSan, libFuzzer: unit, fuzz and integration
#      (the integration suites without the slow ones and those that run our
#      libraries inside Python).
# Prints "N passed, N failed, N skipped" summing both; exits non-zero on any
# failure or skip (everything is installed, so a skip means something is
# missing).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/tools/setup-debian.sh"

# Tests run denied clients, and the daemon itself, as nobody: like an
# installed system, the tree must be reachable by every user. A clone under
# /root (0700) is not, so the run moves to a world-readable copy.
if ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$top/meson.build"; then
  copy=$(mktemp -d /var/tmp/scardbus-test.XXXXXX)
  chmod 755 "$copy"
  echo "test-all.sh: $top is not readable by nobody; testing a copy in $copy" >&2
  cp -a "$top/." "$copy/"
  chmod -R a+rX "$copy"
  status=0
  SCB_SKIP_APT=1 "$copy/tools/test-all.sh" || status=$?
  rm -rf "$copy"
  exit $status
fi
builddir=${SCB_BUILDDIR_BASE:-$top/_build}

build_failures=0
logs=()

# build DIR MESON-SETUP-ARGS...: configure and compile; a failure counts as
# one failed test, and the build's tests are not run.
build() {
  local dir=$1; shift
  rm -rf "$dir"
  if meson setup "$dir" "$@" && meson compile -C "$dir"; then
    return 0
  fi
  echo "test-all.sh: the build in $dir failed" >&2
  build_failures=$((build_failures + 1))
  return 1
}

# run_suites DIR LOGBASE [meson test args]: meson test's own exit status is
# read from its log, so that every run happens and is counted.
run_suites() {
  local dir=$1 logbase=$2; shift 2
  local log=$logbase args=("$@")
  for ((i = 0; i < ${#args[@]} - 1; i++)); do
    # meson names a setup's log LOGBASE-SETUP
    [ "${args[i]}" = --setup ] && log=$logbase-${args[i + 1]}
  done
  meson test -C "$dir" --print-errorlogs --num-processes 2 --logbase "$logbase" "$@" || true
  logs+=("$dir/meson-logs/$log.json")
}

if CC=gcc build "$builddir-gcc" --werror -Dbuildtype=debugoptimized; then
  run_suites "$builddir-gcc" testlog
  # The unit suites under valgrind, and the daemon under valgrind on the bus.
  run_suites "$builddir-gcc" unit --setup valgrind --suite unit
  run_suites "$builddir-gcc" daemon --setup valgrind service-daemon service-bouncer
fi

if CC=clang build "$builddir-clang" --werror -Dbuildtype=debug \
     -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true; then
  # The unit and fuzz suites under ASan and UBSan, the fuzzers with libFuzzer,
  # each held to its coverage floor (docs/fuzzing.md).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suites "$builddir-clang" testlog --suite unit --suite fuzz
  # The daemon, the sim and our clients under ASan and UBSan on the bus;
  # not the slow ones, nor those that load our libraries into programs
  # built without ASan (Python: "ASan runtime does not come first").
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suites "$builddir-clang" integration --suite integration --no-suite slow --no-suite foreign
fi

python3 "$top/tools/sum-test-results.py" --extra-failures "$build_failures" "${logs[@]}"
