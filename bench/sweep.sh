#!/usr/bin/env bash
# Sweep speed (issue 12): seeds per second of a partition-heal.yaml sweep,
# fingerprints on, no histories written, on 1 and 2 jobs; medians of RUNS.
# A benchmark, never a test: the figures depend on the machine and its load.
#
#   bash bench/sweep.sh [RUNS] [SEEDS]      (after kvsim is built in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
seeds="${2:-20000}"
kvsim=build/cli/kvsim
[ -x "$kvsim" ] || { echo "bench: build kvsim first (meson compile -C build)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for jobs in 1 2; do
  rates=()
  for _ in $(seq "$runs"); do
    # "...: seeds 1..N, N runs on J jobs in T s (R seeds/s); ..."
    line="$("$kvsim" sweep scenarios/partition-heal.yaml --seeds "1..$seeds" --jobs "$jobs" \
      --out "$out/j$jobs" | head -1)"
    rates+=("$(sed -E 's/.*\(([0-9.]+) seeds\/s\).*/\1/' <<<"$line")")
  done
  echo "partition-heal sweep, $seeds seeds, --jobs $jobs: $(printf '%s\n' "${rates[@]}" | median) seeds/s (median of $runs: ${rates[*]})"
done
cmp -s "$out/j1/sweep.jsonl" "$out/j2/sweep.jsonl" && echo "sweep.jsonl identical on 1 and 2 jobs"
