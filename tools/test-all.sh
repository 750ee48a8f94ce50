#!/bin/bash
# test-all.sh: sets up a fresh Debian 12 (as root), builds scardbus twice and
# runs the whole test suite:
#   1. gcc, --werror: every suite;
#   2. clang, --werror, ASan + UBSan, libFuzzer: unit, fuzz and integration.
# Prints "N passed, N failed, N skipped" summing both; exits non-zero on any
# failure or skip (everything is installed, so a skip means something is
# missing).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
builddir=${SCB_BUILDDIR_BASE:-$top/_build}

"$top/tools/setup-debian.sh"

run_suites() {
  local dir=$1; shift
  # meson test's own exit status is read from the log below, so that both
  # builds always run and are both counted.
  meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || true
}

rm -rf "$builddir-gcc" "$builddir-clang"
CC=gcc meson setup "$builddir-gcc" --werror -Dbuildtype=debugoptimized
meson compile -C "$builddir-gcc"
run_suites "$builddir-gcc"

CC=clang meson setup "$builddir-clang" --werror -Dbuildtype=debug \
  -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true
meson compile -C "$builddir-clang"
# Under ASan the umockdev preload must come after the ASan runtime; the
# integration tests that need the preload run in the gcc build.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suites "$builddir-clang" --suite unit --suite fuzz

python3 "$top/tools/sum-test-results.py" \
  "$builddir-gcc/meson-logs/testlog.json" "$builddir-clang/meson-logs/testlog.json"
