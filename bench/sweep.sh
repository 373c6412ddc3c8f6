#!/usr/bin/env bash
# Sweep speed (issue 12): seeds per second of a partition-heal.yaml sweep,
# fingerprints on, no histories written, on 1 and 2 jobs; then the wall time
# of the sweep unsharded on 2 jobs against two --shard I/2 processes of 1 job
# each run side by side and merged with sweep-merge; medians of RUNS.
# A benchmark, never a test: the figures depend on the machine and its load.
#
#   bash bench/sweep.sh [RUNS] [SEEDS]      (after kvsim is built in build/; KVSIM=path for another)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
seeds="${2:-20000}"
kvsim="${KVSIM:-build/cli/kvsim}"  # KVSIM=... measures another build
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
# Sharded and merged against unsharded, whole processes, wall time.
now() { date +%s.%N; }
whole=()
sharded=()
for _ in $(seq "$runs"); do
  start=$(now)
  "$kvsim" sweep scenarios/partition-heal.yaml --seeds "1..$seeds" --jobs 2 --out "$out/whole" >/dev/null
  whole+=("$(echo "$(now) - $start" | bc)")
  start=$(now)
  for i in 1 2; do
    "$kvsim" sweep scenarios/partition-heal.yaml --seeds "1..$seeds" --jobs 1 --shard "$i/2" \
      --out "$out/shard-$i" >/dev/null &
  done
  wait
  "$kvsim" sweep-merge "$out/shard-1" "$out/shard-2" --out "$out/merged" >/dev/null
  sharded+=("$(echo "$(now) - $start" | bc)")
done
w=$(printf '%s\n' "${whole[@]}" | median)
m=$(printf '%s\n' "${sharded[@]}" | median)
echo "unsharded --jobs 2: $w s; 2 shards of --jobs 1 side by side + sweep-merge: $m s ($(echo "scale=3; $m / $w" | bc)x; medians of $runs: ${whole[*]} / ${sharded[*]})"
cmp -s "$out/whole/sweep.jsonl" "$out/merged/sweep.jsonl" && cmp -s "$out/whole/summary.json" "$out/merged/summary.json" &&
  echo "merged sweep.jsonl and summary.json identical to the unsharded ones"
