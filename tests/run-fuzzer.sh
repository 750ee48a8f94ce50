#!/bin/sh
# run-fuzzer.sh [--blind] FUZZER CORPUS MIN_COV: a short libFuzzer run from a
# copy of CORPUS that fails below MIN_COV covered edges (the "cov:" of
# libFuzzer's last line), so a fuzzer that stopped seeing the code it tests
# fails (docs/fuzzing.md). With --blind the run must end below MIN_COV: the
# test of the floor itself, on a target built without coverage in its library.
# SCB_FUZZ_SECONDS sets the length (default 20 s).
set -eu
blind=false
if [ "$1" = --blind ]; then
  blind=true
  shift
fi
fuzzer=$1
corpus=$2
min_cov=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp -r "$corpus"/. "$work/corpus"/
# libFuzzer's own exit code for a finding is 77, which meson reads as a
# skip: a finding must be a failure. The reproducer is printed in base64;
# add it to the corpus once fixed.
status=0
"$fuzzer" -max_total_time="${SCB_FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=1024 \
  -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/" \
  -print_final_stats=1 "$work/corpus" 2>"$work/log" || status=$?
cat "$work/log" >&2
if [ $status -ne 0 ]; then
  exit $status
fi
cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\) .*/\1/p' "$work/log" | tail -n 1)
if [ -z "$cov" ]; then
  echo "run-fuzzer.sh: no final coverage line from $fuzzer" >&2
  exit 1
fi
if $blind; then
  if [ "$cov" -ge "$min_cov" ]; then
    echo "run-fuzzer.sh: $cov edges without coverage in the library, the floor $min_cov cannot tell" >&2
    exit 1
  fi
  echo "run-fuzzer.sh: $cov edges without coverage in the library, below the floor $min_cov"
  exit 0
fi
if [ "$cov" -lt "$min_cov" ]; then
  echo "run-fuzzer.sh: $cov edges covered, below the floor of $min_cov: is the library built with -fsanitize=fuzzer-no-link? (docs/fuzzing.md)" >&2
  exit 1
fi
echo "run-fuzzer.sh: $cov edges covered (floor $min_cov)"
