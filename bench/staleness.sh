#!/usr/bin/env bash
# The staleness experiment's speed (issue 19): trials per second of
# `kvsim staleness` on one core (--jobs 1), user CPU time of the whole
# process, for PBS's client-coordinated scenarios and a node-coordinated
# one; median of RUNS. A trial is a write and a read of its own key.
# A benchmark, never a test: the figures depend on the machine and its load.
#
#   bash bench/staleness.sh [RUNS] [TRIALS]   (after kvsim is built in build/; KVSIM=path for another)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
trials="${2:-200000}"
kvsim="${KVSIM:-build/cli/kvsim}"
[ -x "$kvsim" ] || { echo "bench: build kvsim first (meson compile -C build)" >&2; exit 2; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for scenario in pbs-exponential-w4 pbs-lnkd-disk beyond-lnkd-disk-node-coordinator \
    beyond-lnkd-disk-loss beyond-lnkd-disk-anti-entropy beyond-lnkd-disk-siblings \
    beyond-lnkd-disk-read-repair; do
  rates=()
  for _ in $(seq "$runs"); do
    user="$( { /usr/bin/time -f '%U' "$kvsim" staleness "scenarios/staleness/$scenario.yaml" \
      --trials "$trials" --delta 0ms --jobs 1 --json >/dev/null; } 2>&1 | tail -1)"
    rates+=("$(awk -v t="$trials" -v u="$user" 'BEGIN {printf "%.0f", (u > 0 ? t / u : 0)}')")
  done
  echo "$scenario: $(printf '%s\n' "${rates[@]}" | median) trials/s on one core (median of $runs: ${rates[*]})"
done
