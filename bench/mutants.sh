#!/usr/bin/env bash
# Planted bugs found (issue 13): for each mutant of node/mutant.h, whether a
# sweep of SEEDS seeds kills it (some seed fails that the real code passes),
# the seeds to its first failure (the median over 5 disjoint ranges of
# SEEDS/5: in each, the first failing seed in sweep.jsonl order minus the
# range's start, plus 1), and, when `kvsim shrink` exists, the shrunk
# reproducer's size and how long the shrink took. Then the same row for
# scenarios/amnesia-lost-write.yaml's real failure (its lost write, with the
# scenario's own expectations taken out). A markdown table on stdout and in
# OUT/mutants.md; the last column says whether the mutant's scripted scenario
# tests/data/mutant_NAME.yaml (where there is one) kills it. A benchmark,
# never a test.
#
#   bash bench/mutants.sh [--kvsim PATH] [--scenario FILE] [--swarm] [--seeds N]
#                         [--jobs J] [--out DIR]
#
# --kvsim: a mutant build's kvsim (default build-mutants/cli/kvsim; set it up
# with meson setup build-mutants -Dmutants=true --buildtype=release).
# --scenario: default scenarios/sweep-siblings.yaml with --swarm when it
# exists, else bench/mutants-traffic.yaml (generated traffic, no swarm).
# --seeds: default 10000 (5 ranges of 2000).
set -euo pipefail
cd "$(dirname "$0")/.."

kvsim=build-mutants/cli/kvsim
scenario=""
swarm=()
seeds=10000
jobs=2
out=out/mutants
while [ $# -gt 0 ]; do
  case "$1" in
    --kvsim) kvsim="$2"; shift 2 ;;
    --scenario) scenario="$2"; shift 2 ;;
    --swarm) swarm=(--swarm); shift ;;
    --seeds) seeds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "bench/mutants.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
if [ -z "$scenario" ]; then
  if [ -f scenarios/sweep-siblings.yaml ]; then
    scenario=scenarios/sweep-siblings.yaml
    swarm=(--swarm)
  else
    scenario=bench/mutants-traffic.yaml
  fi
fi
[ -x "$kvsim" ] || { echo "bench: no $kvsim: build it first (meson compile -C build-mutants cli/kvsim)" >&2; exit 2; }
"$kvsim" --mutants >/dev/null 2>&1 || { echo "bench: $kvsim was built without mutants (-Dmutants=true)" >&2; exit 2; }
[ $((seeds % 5)) -eq 0 ] || { echo "bench: --seeds must be a multiple of 5" >&2; exit 2; }
has_shrink=0
# (`kvsim shrink --help` would say 0 without a shrink: --help wins.)
"$kvsim" --help | grep -qE '^ +shrink ' && has_shrink=1
mkdir -p "$out"

# sweep NAME FILE [--mutant M]: the failing seeds of 1..$seeds, one a line.
sweep() {
  local name="$1" file="$2"
  shift 2
  "$kvsim" sweep "$file" --seeds "1..$seeds" ${swarm[@]+"${swarm[@]}"} --jobs "$jobs" "$@" \
    --keep-failures 0 --out "$out/$name" >/dev/null 2>&1 || [ $? -eq 1 ]
  python3 -c 'import json,sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if not r["ok"]: print(r["seed"])' "$out/$name/sweep.jsonl"
}

# row LABEL NAME FILE FAILING BASELINE [--mutant M]: one line of the table
# (NAME: the sweep's folder in OUT).
row() {
  local label="$1" name="$2" file="$3" failing="$4" baseline="$5"
  shift 5
  local stats first
  # killed? | first killing seed | median seeds to first failure | per range
  stats="$(python3 - "$failing" "$baseline" "$seeds" <<'EOF'
import statistics, sys
failing = [int(s) for s in open(sys.argv[1]).read().split()]
baseline = set(int(s) for s in open(sys.argv[2]).read().split())
seeds = int(sys.argv[3])
kills = [s for s in failing if s not in baseline]
width = seeds // 5
per_range = []
for r in range(5):
    lo, hi = r * width + 1, (r + 1) * width
    first = next((s for s in kills if lo <= s <= hi), None)
    per_range.append(first - lo + 1 if first is not None else None)
found = [n for n in per_range if n is not None]
if len(found) >= 3:  # the median of 5 is a found one when 3 or more are
    median = str(int(statistics.median(n if n is not None else width + 1 for n in per_range)))
else:
    median = f">{width}"
text = ", ".join(str(n) if n is not None else "-" for n in per_range)
# Seeds the real code fails and the mutant passes: a mutant that sends
# other messages shifts the network's later draws, so on a scenario whose
# real runs fail, about as many of these as kills means the kills are luck.
rescued = len(baseline - set(failing))
print(f"{'yes' if kills else 'no'}|{kills[0] if kills else ''}|{median}|{len(kills)}|{text}|{rescued}")
EOF
)"
  IFS='|' read -r killed first median count ranges rescued <<<"$stats"
  local shrunk="-" took="-"
  if [ "$has_shrink" = 1 ] && [ -n "$first" ]; then
    local dir="$out/$name/shrunk" start end yaml
    rm -rf "$dir"
    start=$(date +%s.%N)
    "$kvsim" shrink "$file" --seed "$first" ${swarm[@]+"${swarm[@]}"} "$@" --out "$dir" \
      >"$out/$name/shrink.txt" 2>&1 || true
    end=$(date +%s.%N)
    took="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f s", b - a}')"
    # kvsim shrink prints its table ("  events  BEFORE  AFTER", "  nodes ...")
    # and "shrunk in T s (N candidate runs): FILE"; 1-minimal or NOT.
    shrunk="$(python3 - "$out/$name/shrink.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
after = {m.group(1): m.group(2) for m in re.finditer(r"^  (events|nodes) +\d+ +(\d+)$", text, re.M)}
minimal = " (NOT 1-minimal)" if "NOT 1-minimal" in text else ""
if "events" in after and "nodes" in after:
    print(f"{after['events']} events, {after['nodes']} nodes{minimal}")
EOF
)"
    [ -n "$shrunk" ] || { shrunk="no table (see $out/$name/shrink.txt)"; took="-"; }
    local reported
    reported="$(sed -nE 's/^shrunk in ([0-9.]+) s .*/\1 s/p' "$out/$name/shrink.txt")"
    [ -z "$reported" ] || took="$reported"
  fi
  # A mutant generated traffic does not reach has a scripted scenario.
  local targeted="-" mutant="${2:-}"  # after the shift: --mutant NAME, or nothing
  if [ -n "$mutant" ] && [ -f "tests/data/mutant_$mutant.yaml" ]; then
    targeted="passes"
    "$kvsim" run "tests/data/mutant_$mutant.yaml" --mutant "$mutant" --no-render --quiet \
      --out "$out/$name/targeted" >/dev/null 2>&1 || [ $? -ne 1 ] || targeted="killed"
  fi
  echo "| $label | $killed | $count | $median | $ranges | $rescued | $shrunk | $took | $targeted |"
}

{
  echo "Scenario \`$scenario\`${swarm[*]:+ (${swarm[*]})}, seeds 1..$seeds on $jobs jobs, kvsim \`$kvsim\`, $(date -u +%Y-%m-%d)."
  echo "A mutant is killed by a seed that fails with it and passes without it (\"failing seeds\" counts those); seeds to the first"
  echo "failure: median over the 5 ranges of $((seeds / 5)) seeds (each range's value in the next column, - for none)."
  [ "$has_shrink" = 1 ] || echo "No \`kvsim shrink\` in this build: the shrink columns are left empty."
  echo
  echo "| mutant | killed | failing seeds | seeds to first failure (median) | per range | real failures it passes | shrunk to | shrink time | tests/data/mutant_NAME.yaml |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  sweep baseline "$scenario" >"$out/baseline.txt"
  while read -r name; do
    sweep "$name" "$scenario" --mutant "$name" >"$out/$name.txt"
    row "$name" "$name" "$scenario" "$out/$name.txt" "$out/baseline.txt" --mutant "$name"
  done < <("$kvsim" --mutants | awk '{print $1}')
  # The amnesia scenario's real failure: its expectations out, so its lost
  # write fails the run; no baseline to take away.
  sed '/^expect:/,$d' scenarios/amnesia-lost-write.yaml >"$out/amnesia-lost-write.yaml"
  swarm_saved=(${swarm[@]+"${swarm[@]}"})
  swarm=()
  sweep amnesia "$out/amnesia-lost-write.yaml" >"$out/amnesia.txt"
  : >"$out/none.txt"
  row "amnesia-lost-write (real bug, no mutant)" amnesia "$out/amnesia-lost-write.yaml" \
    "$out/amnesia.txt" "$out/none.txt"
  swarm=(${swarm_saved[@]+"${swarm_saved[@]}"})
  echo
  baseline_failures=$(wc -l <"$out/baseline.txt")
  echo "Baseline (no mutant): $baseline_failures of $seeds seeds fail (not counted as kills)."
  # A mutant changes what is sent, so the network's later draws differ from
  # the real run's: on a scenario whose real runs can fail (amnesia), a
  # mutant's failing seed may be plain bad luck, not the bug.
  [ "$baseline_failures" -eq 0 ] || echo "Warning: the real code fails some seeds of this" \
    "scenario, so a mutant's failure there may be luck rather than the bug: a mutant that passes" \
    "about as many of the real failures (column 6) as it adds shows no kill, only a shifted draw."
} | tee "$out/mutants.md"
