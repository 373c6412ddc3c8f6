#!/usr/bin/env python3
"""Adds up the test counts in meson test logs and prints 'N passed, N failed'.

Counts every doctest test case and every check of the end-to-end scripts
(which end with their own 'N passed, N failed' line). A meson test that
failed without printing counts (a crash, a timeout) counts as one failure.
Exits 1 if anything failed.
"""
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    text = open(path, errors="replace").read()
    # Each test's output in testlog.txt is one block starting at '==== N/M ===='.
    for block in re.split(r"\n=+ \d+/\d+ =+\n", text)[1:]:
        result = re.search(r"^result:\s+(.*)$", block, re.M)
        ok = result is not None and ("exit status 0" in result.group(1) or "passed" in result.group(1))
        counts = re.findall(r"test cases:\s*\d+\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", block)
        counts += re.findall(r"^(\d+) passed, (\d+) failed$", block, re.M)
        if counts:
            p, f = (int(x) for x in counts[-1])
            passed += p
            failed += f
            if not ok and f == 0:
                failed += 1
        elif ok:
            passed += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
