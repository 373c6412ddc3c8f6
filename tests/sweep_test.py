#!/usr/bin/env python3
"""Run fingerprints and `kvsim sweep` (issue 12), end to end.

Usage: sweep_test.py KVSIM SCENARIO_DIR DATA_DIR

The fingerprint is recomputed here from history.jsonl's bytes with FNV-1a 64
(README.md), sharing nothing with kvsim's hashing. Verdicts a sweep records
are compared with what `kvsim run --seed S` says of the same seed.
"""
import json
import os
import subprocess
import sys
import tempfile

KVSIM, SCENARIOS, DATA = (os.path.abspath(a) for a in sys.argv[1:4])
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name} {str(detail)[:600]}")


def kvsim(args):
    return subprocess.run([KVSIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=300)


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def run(scenario, seed, out):
    """`kvsim run --seed`: (exit status, printed fingerprint, summary, history bytes)."""
    p = kvsim(["run", scenario, "--seed", str(seed), "--out", out, "--no-render"])
    printed = [l.split()[1] for l in p.stdout.decode().splitlines() if l.startswith("fingerprint ")]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "history.jsonl"), "rb") as f:
        history = f.read()
    return p.returncode, printed, summary, history


tmp = tempfile.mkdtemp(prefix="kvsim-sweep-test-")
heal = os.path.join(SCENARIOS, "partition-heal.yaml")
lossy = os.path.join(DATA, "sweep-lossy.yaml")

# 1. The fingerprint is FNV-1a 64 of history.jsonl, printed and in summary.json.
fingerprints = {}
for scenario in (heal, lossy):
    for seed in (1, 2, 3):
        out = os.path.join(tmp, f"run-{os.path.basename(scenario)}-{seed}")
        status, printed, summary, history = run(scenario, seed, out)
        want = fnv1a64(history)
        check(f"{scenario} seed {seed}: printed fingerprint", printed == [want], (printed, want))
        check(f"{scenario} seed {seed}: summary fingerprint", summary.get("fingerprint") == want,
              (summary.get("fingerprint"), want))
        fingerprints[(scenario, seed)] = (want, history)
        # The same seed again: the same bytes, the same fingerprint.
        _, printed2, _, history2 = run(scenario, seed, out + "-again")
        check(f"{scenario} seed {seed}: same seed, same fingerprint",
              printed2 == printed and history2 == history)
# Different histories, different fingerprints.
for scenario in (heal, lossy):
    a, b = fingerprints[(scenario, 1)], fingerprints[(scenario, 2)]
    check(f"{scenario}: seeds 1 and 2 have different histories", a[1] != b[1])
    check(f"{scenario}: seeds 1 and 2 have different fingerprints", a[0] != b[0], a[0])

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
