#!/usr/bin/env python3
"""Compares the histories two kvsim binaries write, byte for byte.

Usage: compare_histories.py OLD_KVSIM NEW_KVSIM SCENARIOS_DIR [SEEDS]

Runs every scenario in SCENARIOS_DIR with seeds 1..SEEDS (default 3) through
both binaries (`run --no-render`) and prints one line per scenario: same, or
the first differing line. Used to show a refactoring leaves history bytes
alone, and to list what a change alters on purpose. Ends with
'N passed, N failed' (a pair that differs is a failure).
"""
import pathlib
import shutil
import subprocess
import sys
import tempfile


def history(kvsim, scenario, seed, out):
    # A run that fails writes no history: never read the last run's instead.
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([kvsim, "run", str(scenario), "--seed", str(seed), "--out", str(out),
                    "--no-render", "--quiet"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=600)
    path = out / "history.jsonl"
    return path.read_bytes() if path.exists() else b""


def main():
    old, new, folder = sys.argv[1:4]
    seeds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for scenario in sorted(pathlib.Path(folder).glob("*.yaml")):
            for seed in range(1, seeds + 1):
                a = history(old, scenario, seed, tmp / "old")
                b = history(new, scenario, seed, tmp / "new")
                if a == b and a:
                    passed += 1
                    continue
                failed += 1
                if not a or not b:
                    which = " and ".join(n for n, h in (("old", a), ("new", b)) if not h)
                    print(f"{scenario.name} seed {seed}: {which} wrote no history (the run failed)")
                    continue
                la, lb = a.splitlines(), b.splitlines()
                line = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y),
                            min(len(la), len(lb)))
                print(f"{scenario.name} seed {seed}: differs at line {line + 1} "
                      f"({len(la)} vs {len(lb)} lines)")
                if line < len(la):
                    print(f"  old: {la[line][:200].decode(errors='replace')}")
                if line < len(lb):
                    print(f"  new: {lb[line][:200].decode(errors='replace')}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
