#!/usr/bin/env python3
"""Determinism across build types: two kvsim binaries built differently
(release, and debug with sanitizers) must write byte-identical histories and
summaries for every scenario and seed.

Usage: cross_build_test.py KVSIM_A KVSIM_B SCENARIO_DIR [SEEDS]
"""
import glob
import os
import subprocess
import sys
import tempfile

A, B, SCENARIOS = sys.argv[1:4]
SEEDS = int(sys.argv[4]) if len(sys.argv) > 4 else 5
passed = failed = 0

with tempfile.TemporaryDirectory() as tmp:
    for path in sorted(glob.glob(os.path.join(SCENARIOS, "*.yaml"))):
        for seed in range(1, SEEDS + 1):
            outputs = []
            for i, binary in enumerate((A, B)):
                out = os.path.join(tmp, str(i))
                subprocess.run([binary, "run", path, "--seed", str(seed), "--out", out, "--quiet",
                                "--no-render"], capture_output=True, timeout=300)
                history = open(os.path.join(out, "history.jsonl"), "rb").read()
                summary = open(os.path.join(out, "summary.json"), "rb").read()
                outputs.append((history, summary))
            if outputs[0] == outputs[1] and len(outputs[0][0]) > 0:
                passed += 1
            else:
                failed += 1
                print(f"FAIL: {os.path.basename(path)} seed {seed}: the two builds differ")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
