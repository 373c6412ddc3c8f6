#!/usr/bin/env python3
"""End-to-end tests of `kvsim run` through the real binary.

Usage: scenarios_test.py KVSIM SCENARIO_DIR [SEEDS]

- every scenario exits 0 (each check as its `expect:` says) on seeds 1..SEEDS;
- the same scenario and seed twice give byte-identical history.jsonl;
- another seed gives a different history where the scenario draws randomness.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish, seeds

KVSIM, SCENARIOS = sys.argv[1], sys.argv[2]
SEEDS = seeds(int(sys.argv[3]) if len(sys.argv) > 3 else 200)


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
        bad = []
        for seed in range(1, SEEDS + 1):
            proc = run(path, seed, os.path.join(tmp, "sweep"))
            if proc.returncode != 0:
                bad.append((seed, proc.returncode, proc.stderr.strip()[:300]))
        check(f"{name} exits 0 on seeds 1..{SEEDS}", not bad, str(bad[:3]))
        print(f"{name}: {SEEDS - len(bad)}/{SEEDS} seeds as expected")

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
        with open(path) as f:
            text = f.read()
        draws_nothing = re.search(r"^  delay: \{dist: constant", text, re.M) and not re.search(
            r"loss|duplicat|workload:|swarm:", text)
        if draws_nothing:
            check(f"{name}: constant delays, the same history on another seed",
                  ha.split(b"\n", 1)[1] == hc.split(b"\n", 1)[1])
        else:
            check(f"{name}: another seed, another history",
                  ha.split(b"\n", 1)[1] != hc.split(b"\n", 1)[1])

finish()
