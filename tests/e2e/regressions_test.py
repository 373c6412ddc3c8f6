#!/usr/bin/env python3
"""The regression corpus (scenarios/regressions/), replayed.

Usage: regressions_test.py KVSIM REGRESSIONS_DIR

Each file there is the reproducer of a bug found once (by hand, a sweep, or
`kvsim shrink`), named after what it caught, with its expectations in
`expect:`: `kvsim run` of each must exit 0 (every check as the file expects)
on the seed it names, so a bug that comes back fails here.
"""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, REGRESSIONS = (os.path.abspath(a) for a in sys.argv[1:3])

files = sorted(glob.glob(os.path.join(REGRESSIONS, "*.yaml")))
check(f"at least 4 regression scenarios in {REGRESSIONS}", len(files) >= 4, files)
with tempfile.TemporaryDirectory() as tmp:
    for path in files:
        name = os.path.basename(path)
        p = subprocess.run([KVSIM, "run", path, "--out", os.path.join(tmp, name), "--no-render",
                            "--quiet"], capture_output=True, text=True, timeout=300)
        check(name, p.returncode == 0, f"exit {p.returncode}: {p.stderr.strip()[:600]}")

finish()
