#!/usr/bin/env python3
"""Determinism across build types: two kvsim binaries built differently
(release, and debug with sanitizers) must write byte-identical histories and
summaries for every scenario and seed.

Usage: cross_build_test.py KVSIM_A KVSIM_B SCENARIO_DIR [SEEDS]

Registered in the sanitizer build's suite when it is set up with
-Dcompare_with=PATH_TO_THE_RELEASE_KVSIM (setup.sh test does).
"""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

A, B, SCENARIOS = sys.argv[1:4]
SEEDS = int(sys.argv[4]) if len(sys.argv) > 4 else 5

scenarios = sorted(glob.glob(os.path.join(SCENARIOS, "*.yaml")))
check(f"scenarios to compare in {SCENARIOS}", len(scenarios) > 0)
with tempfile.TemporaryDirectory() as tmp:
    for path in scenarios:
        for seed in range(1, SEEDS + 1):
            outputs = []
            for i, binary in enumerate((A, B)):
                out = os.path.join(tmp, str(i))
                subprocess.run([binary, "run", path, "--seed", str(seed), "--out", out, "--quiet",
                                "--no-render"], capture_output=True, timeout=300)
                files = [os.path.join(out, name) for name in ("history.jsonl", "summary.json")]
                outputs.append(tuple(open(f, "rb").read() if os.path.exists(f) else b""
                                     for f in files))
            check(f"{os.path.basename(path)} seed {seed}: the two builds write the same bytes",
                  outputs[0] == outputs[1] and len(outputs[0][0]) > 0)
finish()
