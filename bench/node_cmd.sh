#!/usr/bin/env bash
# kvsim run --node-cmd's speed: events per second of bench/node-cmd-traffic.yaml
# with the built-in replicas, with each node a `kvsim node --replicate`
# process, and with each node tests/grade_examples/replicating.py; the
# histories of the first two must be identical (checked, printed). The
# figure with processes is the round trips through pipes: two lines in and
# at least one out per message delivered, each a context switch on a busy
# machine, so it follows the load (printed before and after); the CPU time of
# kvsim and its node processes together per event does not.
#
#   bash bench/node_cmd.sh [RUNS]     (after kvsim is built in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
kvsim=build/cli/kvsim
[ -x "$kvsim" ] || { echo "bench: build kvsim first (bash setup.sh demo)" >&2; exit 2; }
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
scenario=bench/node-cmd-traffic.yaml
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rate() {  # rate ID LABEL [--node-cmd CMD]: the median events/s of RUNS runs
  local id="$1" label="$2"
  shift 2
  local times=()
  for r in $(seq "$runs"); do
    # wall seconds, and CPU seconds (user + system) of kvsim and every node
    # process it started and reaped: the CPU figure hardly moves with the load
    /usr/bin/time -f "%e %U %S" -o "$out/time" \
      "$kvsim" run "$scenario" --no-render --quiet --out "$out/$id" "$@" >/dev/null
    times+=("$(tail -n 1 "$out/time" | tr ' ' ,)")
  done
  python3 - "$out/$id/history.jsonl" "$label" "${times[@]}" <<'PY'
import json, statistics, sys
events = json.loads(open(sys.argv[1]).read().splitlines()[-1])["events"]
runs = [[float(x) for x in t.split(",")] for t in sys.argv[3:]]
wall = statistics.median(r[0] for r in runs)
cpu = statistics.median(r[1] + r[2] for r in runs)
print(f"{sys.argv[2]}: {events} events in {wall:.3f} s wall (median of {len(runs)}), "
      f"{events / wall:,.0f} events/s; CPU {cpu:.2f} s, {cpu / events * 1e6:.1f} us per event")
PY
}
rate built-in "built-in replicas"
rate node "kvsim node --replicate" --node-cmd "$kvsim node --replicate"
rate python "replicating.py ($python)" --node-cmd "$python tests/grade_examples/replicating.py"
if cmp -s "$out/built-in/history.jsonl" "$out/node/history.jsonl"; then
  echo "built-in and kvsim node --replicate: identical histories"
else
  echo "built-in and kvsim node --replicate: histories DIFFER"
  exit 1
fi
echo "after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
