#!/usr/bin/env bash
# A short fuzzing run of every target, for CI:
#
#   tests/fuzz/smoke.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build folder set up with -Dfuzz=true (see meson.build here).
# The targets run side by side, each for SECONDS of wall time (three on two
# cores: each gets about two thirds of one, so a third fewer runs than alone,
# in a third of the time), starting from its committed corpus and past
# findings; what it
# learns goes to a scratch folder, so the committed corpus is not touched.
# A crash, hang (-timeout), leak, out-of-memory or sanitizer report fails the
# target; its input is kept in BUILD_DIR/fuzz-artifacts/ to become a
# regression test. Prints one line per target and ends with
# "N passed, N failed"; exits 1 if a target failed.
set -uo pipefail

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir="$1"
duration="$2"
here="$(cd "$(dirname "$0")" && pwd)"
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# UBSan only prints by default; halting turns a report into a failure.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

fuzz() {  # fuzz TARGET: one target's run; its exit status in $scratch/TARGET.status
  local target="$1" binary="$build_dir/tests/fuzz/fuzz_$1"
  mkdir -p "$scratch/$target"
  local options=()
  [ -f "$here/$target.dict" ] && options+=("-dict=$here/$target.dict")
  # The entropic schedule's bookkeeping took most of fuzz_scenario's time
  # (22 against 54 runs a second without it).
  [ "$target" = scenario ] && options+=("-entropic=0")
  local seeds=()
  for dir in "$here/corpus/$target" "$here/regressions/$target"; do
    [ -d "$dir" ] && seeds+=("$dir")
  done
  "$binary" -max_total_time="$duration" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/fuzz_$target-" "${options[@]}" \
    "$scratch/$target" "${seeds[@]}" >"$artifacts/fuzz_$target.log" 2>&1
  echo $? >"$scratch/$target.status"
}

targets=(protocol scenario history)
passed=0
failed=0
started=()
for target in "${targets[@]}"; do
  if [ ! -x "$build_dir/tests/fuzz/fuzz_$target" ]; then
    echo "fuzz_$target: FAILED: $build_dir/tests/fuzz/fuzz_$target not built (configure with -Dfuzz=true)"
    failed=$((failed + 1))
    continue
  fi
  fuzz "$target" &
  started+=("$target")
done
wait
for target in "${started[@]}"; do
  log="$artifacts/fuzz_$target.log"
  status="$(cat "$scratch/$target.status")"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  if [ "$status" -eq 0 ]; then
    echo "fuzz_$target: ok, ${runs:-?} runs in ${duration}s (${rate:-?} exec/s)"
    passed=$((passed + 1))
  else
    echo "fuzz_$target: FAILED (exit status $status): see $log; the input is in $artifacts/"
    grep -m 3 -E 'ERROR|runtime error|fuzz_[a-z]+: ' "$log" | sed 's/^/  /'
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
