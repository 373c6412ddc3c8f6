#!/usr/bin/env bash
# The benchmark harness: BENCHMARKS.md's workloads, medians of RUNS runs, with the
# hand-written floor (bench/floor.cc) measured in the same session for a ratio,
# and instruction counts from callgrind where valgrind is installed.
#
#   bash bench/run.sh [RUNS]        (after `bash setup.sh demo` has built kvsim)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
kvsim=build/cli/kvsim
floor=build/bench-floor
[ -x "$kvsim" ] || { echo "bench: build kvsim first (bash setup.sh demo)" >&2; exit 2; }
g++ -std=c++20 -O3 -o "$floor" bench/floor.cc

median() {  # median of the numbers on stdin
  sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# Runs a benchmark to a file and only then reads it: a reader started beside
# the run (a pipe into python) costs the run a third of its speed on 2 cores.
result="$(mktemp)"
trap 'rm -f "$result"' EXIT
measure() {  # measure FIELD COMMAND...
  local name="$1"
  shift
  "$@" >"$result"
  field "$name" <"$result"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "W1 fanout (N=5, K=1000, P=200000, 1,000,000 events), median of $runs runs:"
for what in "kvsim" "kvsim+history" "floor"; do
  for ((i = 0; i < runs; i++)); do
    case "$what" in
      kvsim) measure events_per_s "$kvsim" bench fanout ;;
      kvsim+history) measure events_per_s "$kvsim" bench fanout --history build/bench-history.jsonl ;;
      floor) measure events_per_s "$floor" ;;
    esac
  done | median | awk -v w="$what" '{printf "  %-14s %12.0f events/s\n", w, $1}'
done
rm -f build/bench-history.jsonl

if command -v valgrind >/dev/null; then
  echo "instructions per event (callgrind, W1):"
  for what in kvsim floor; do
    cmd=("$kvsim" bench fanout)
    [ "$what" = floor ] && cmd=("$floor")
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" 2>&1 >/dev/null |
      awk -v w="$what" '/refs:/ {gsub(",", "", $4); printf "  %-14s %12.0f\n", w, $4 / 1e6}'
  done
fi

echo "kvsim node, 200,000 requests through stdin/stdout:"
python3 - "$kvsim" <<'PY'
import subprocess, sys, time
lines = ['{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}']
lines += ['{"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":%d,"key":"k%d","value":"v%d","clock":[%d]}}'
          % (i + 2, i % 100, i, i) for i in range(200000)]
data = ("\n".join(lines) + "\n").encode()
best = []
for _ in range(5):
    t = time.monotonic()
    subprocess.run([sys.argv[1], "node"], input=data, stdout=subprocess.DEVNULL, check=True)
    best.append(time.monotonic() - t)
best.sort()
print(f"  median {len(lines) / best[2]:,.0f} requests/s")
PY

echo "W2 scale:"
"$kvsim" bench scale
