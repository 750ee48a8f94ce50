#!/bin/sh
# run-fuzzer.sh FUZZER CORPUS: a short libFuzzer run from a copy of CORPUS.
# SCB_FUZZ_SECONDS sets the length (default 20 s).
set -eu
fuzzer=$1
corpus=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
# libFuzzer's own exit code for a finding is 77, which meson reads as a
# skip: a finding must be a failure. The reproducer is printed in base64;
# add it to the corpus once fixed.
status=0
"$fuzzer" -max_total_time="${SCB_FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=1024 \
  -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/" \
  -print_final_stats=1 "$work" || status=$?
exit $status
