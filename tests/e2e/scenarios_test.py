#!/usr/bin/env python3
"""End-to-end tests of `kvsim run` through the real binary.

Usage: scenarios_test.py KVSIM SCENARIO_DIR [SEEDS]

- every scenario is as its `expect:` says on seeds 1..SEEDS: one `kvsim
  sweep --seeds 1..SEEDS` (the same run and checks in one process, each
  seed's record read here: every one "ok", exit 0), and `kvsim run` itself
  exits 0 on seeds 1..RUN_SEEDS;
- the same scenario and seed twice give byte-identical history.jsonl;
- another seed gives a different history where the scenario draws randomness.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish, seeds

KVSIM, SCENARIOS = sys.argv[1], sys.argv[2]
SEEDS = seeds(int(sys.argv[3]) if len(sys.argv) > 3 else 200)
# `kvsim run` one process a seed: its exit status on a few seeds (the sweep
# covers the rest; tests/e2e/sweep_records_test.py holds the sweep's records
# to the runs' own histories).
RUN_SEEDS = min(SEEDS, 3)


def run(path, seed, out):
    # Pictures are tested apart (viz dot accepted); the sweep checks verdicts.
    proc = subprocess.run([KVSIM, "run", path, "--seed", str(seed), "--out", out, "--quiet",
                           "--no-render"],
                          capture_output=True, text=True, timeout=120)
    return proc


files = sorted(glob.glob(os.path.join(SCENARIOS, "*.yaml")))
check("at least 9 scenarios", len(files) >= 9, str(len(files)))
with tempfile.TemporaryDirectory() as tmp:
    for path in files:
        name = os.path.basename(path)
        out = os.path.join(tmp, "sweep")
        proc = subprocess.run([KVSIM, "sweep", path, "--seeds", f"1..{SEEDS}", "--out", out],
                              capture_output=True, text=True, timeout=600)
        records = []
        if os.path.exists(os.path.join(out, "sweep.jsonl")):
            with open(os.path.join(out, "sweep.jsonl")) as f:
                records = [json.loads(line) for line in f if line.strip()]
        bad = [(r["seed"], r["failure"]) for r in records if not r["ok"]]
        with open(path) as f:
            text = f.read()
        # A sweep scenario's `require:` asks coverage of a --swarm sweep; a
        # plain one misses it (exit 1, "misses its required coverage") with
        # every seed as expected, which the records below must show.
        requires = re.search(r"^\s+require:", text, re.M) is not None
        exit_ok = proc.returncode == 0 or (
            requires and proc.returncode == 1 and "misses its required coverage" in proc.stderr)
        check(f"{name}: a sweep of seeds 1..{SEEDS} exits 0", exit_ok, proc.stderr.strip()[:300])
        check(f"{name}: {SEEDS} records, seeds 1..{SEEDS}",
              [r["seed"] for r in records] == list(range(1, SEEDS + 1)), len(records))
        check(f"{name}: every seed as expected", not bad, str(bad[:3]))
        print(f"{name}: {len(records) - len(bad)}/{SEEDS} seeds as expected")
        bad = []
        for seed in range(1, RUN_SEEDS + 1):
            proc = run(path, seed, os.path.join(tmp, "run"))
            if proc.returncode != 0:
                bad.append((seed, proc.returncode, proc.stderr.strip()[:300]))
        check(f"{name}: kvsim run exits 0 on seeds 1..{RUN_SEEDS}", not bad, str(bad[:3]))

        a, b, c = (os.path.join(tmp, x) for x in ("a", "b", "c"))
        run(path, 1, a)
        run(path, 1, b)
        run(path, 2, c)
        ha = open(os.path.join(a, "history.jsonl"), "rb").read()
        hb = open(os.path.join(b, "history.jsonl"), "rb").read()
        hc = open(os.path.join(c, "history.jsonl"), "rb").read()
        check(f"{name}: same seed, same bytes", ha == hb)
        # A scenario that draws its message delays from the seed writes
        # another history on another seed (beyond the start line, which
        # names the seed). The teaching scenarios with one constant delay
        # and no loss draw nothing: the same history on every seed.
        draws_nothing = re.search(r"^  delay: \{dist: constant", text, re.M) and not re.search(
            r"loss|duplicat|workload:|swarm:", text)
        if draws_nothing:
            check(f"{name}: constant delays, the same history on another seed",
                  ha.split(b"\n", 1)[1] == hc.split(b"\n", 1)[1])
        else:
            check(f"{name}: another seed, another history",
                  ha.split(b"\n", 1)[1] != hc.split(b"\n", 1)[1])

finish()
