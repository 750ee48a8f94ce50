#!/bin/bash
# fuzz-long.sh OUTDIR FUZZER CORPUS [FUZZER CORPUS]...: the long campaign
# (ninja -C BUILD fuzz-long, a -Dfuzzing=true build; docs/fuzzing.md).
#
# Runs each target for SCB_FUZZ_RUNS executions (default 10^7), one after
# the other, from OUTDIR/NAME/corpus (what earlier campaigns found) and the
# committed CORPUS. A crash, leak or timeout stops that target only: the
# input is kept in OUTDIR/NAME/crashes/ and the campaign goes on with the
# next target. SCB_FUZZ_TARGETS="fuzz-atr fuzz-t0" runs those only;
# SCB_FUZZ_MAX_SECONDS stops each target after that long, if earlier.
# Prints a table of executions, exec/s, edges, features and findings of
# every target's last campaign (also in OUTDIR/summary.txt); exits 1 if
# anything was found.
set -euo pipefail

out=$1
shift
runs=${SCB_FUZZ_RUNS:-10000000}
max_time=()
if [ -n "${SCB_FUZZ_MAX_SECONDS:-}" ]; then
  max_time=(-max_total_time="$SCB_FUZZ_MAX_SECONDS")
fi
mkdir -p "$out"
names=()

found=0
while [ $# -ge 2 ]; do
  fuzzer=$1 corpus=$2
  shift 2
  name=$(basename "$fuzzer")
  names+=("$name")
  if [ -n "${SCB_FUZZ_TARGETS:-}" ] && [[ " $SCB_FUZZ_TARGETS " != *" $name "* ]]; then
    continue
  fi
  dir=$out/$name
  mkdir -p "$dir/corpus" "$dir/crashes"
  echo "fuzz-long.sh: $name, $runs executions" >&2
  start=$(date +%s)
  status=0
  "$fuzzer" -runs="$runs" "${max_time[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/" "$dir/corpus" "$corpus" >"$dir/log" 2>&1 || status=$?
  seconds=$(($(date +%s) - start))
  final_stat() { sed -n "s/^stat::$1: *\([0-9]*\)$/\1/p" "$dir/log" | tail -n 1; }
  cov=$(sed -n 's/^#[0-9]*[[:space:]].*cov: \([0-9]*\) ft: \([0-9]*\) .*/\1 \2/p' "$dir/log" | tail -n 1)
  crashes=$(find "$dir/crashes" -type f | wc -l)
  count=$(final_stat number_of_executed_units)
  rate=$((${count:-0} / (seconds > 0 ? seconds : 1)))
  executions=${count:-?}
  if [ "$status" -eq 72 ]; then
    # libFuzzer's exit code when stopped by SIGINT or SIGTERM: not a finding.
    echo "fuzz-long.sh: $name interrupted after $executions executions" >&2
    executions="$executions (interrupted)"
  elif [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    found=1
    echo "fuzz-long.sh: $name stopped (status $status); inputs in $dir/crashes, log in $dir/log" >&2
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$executions" "$rate" "$seconds" "${cov% *}" "${cov#* }" \
    "$(find "$dir/corpus" "$corpus" -type f | wc -l)" "$crashes" >"$dir/summary"
done

summary=$out/summary.txt
{
  printf '| target | executions | exec/s | seconds | edges (cov) | features (ft) | corpus | crashes |\n'
  printf '|---|---|---|---|---|---|---|---|\n'
  for name in "${names[@]}"; do
    if [ -f "$out/$name/summary" ]; then
      cat "$out/$name/summary"
    fi
  done
} >"$summary"
cat "$summary"
exit $found
