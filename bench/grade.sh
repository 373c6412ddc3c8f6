#!/usr/bin/env bash
# kvsim grade's speed: sessions per second grading kvsim node itself (every
# session must pass: the program is the reference) and the Python example
# tests/grade_examples/correct.py. A session is a fresh process, so the
# figure is mostly the graded program's start-up time; it also prints the
# machine's load, which the figure follows.
#
#   bash bench/grade.sh [SESSIONS]     (after kvsim is built in build/)
set -euo pipefail
cd "$(dirname "$0")/.."
sessions="${1:-2000}"
kvsim=build/cli/kvsim
[ -x "$kvsim" ] || { echo "bench: build kvsim first (bash setup.sh demo)" >&2; exit 2; }
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rate() {  # rate ID LABEL COMMAND...: grades COMMAND, prints sessions/s and the verdict
  local id="$1" label="$2"
  shift 2
  "$kvsim" grade --sessions "$sessions" --out "$out/$id" -- "$@" >/dev/null || true
  python3 - "$out/$id/grade.json" "$label" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}: {g['sessions_run']} sessions in {g['seconds']:.1f} s, "
      f"{g['sessions_per_second']:.1f} sessions/s, {'pass' if g['passed'] else 'FAIL'}")
PY
}
rate node "kvsim node" "$kvsim" node
rate python "correct.py ($python)" "$python" tests/grade_examples/correct.py
echo "after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
