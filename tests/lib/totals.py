#!/usr/bin/env python3
"""Adds up test counts and prints 'N passed, N failed'.

Arguments are meson test logs (testlog.txt) or plain logs of a test script.
Counts every doctest test case and every check of the end-to-end scripts
(which end with their own 'N passed, N failed' line). A meson test that
failed without printing counts (a crash, a timeout) counts as one failure.
Exits 1 if anything failed. A test that exits 77 (it cannot run here) is
counted neither way, but listed with its "SKIP: why" line above the totals.

A log that is missing, or a meson log in which no test ran (meson writes no
testlog.txt, and says "No tests defined", when a build has no tests: doctest
not found with -Dtests=auto), counts as one failure, with a message saying so.
"""
import re
import sys

passed = failed = 0
skipped = []  # (test name, its SKIP line): counted neither way, but listed


def counts_in(text):
    counts = re.findall(r"test cases:\s*\d+\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", text)
    counts += re.findall(r"^(\d+) passed, (\d+) failed$", text, re.M)
    return [(int(p), int(f)) for p, f in counts]


for path in sys.argv[1:]:
    try:
        text = open(path, errors="replace").read()
    except OSError as e:
        print(f"totals: {path}: {e.strerror} (a meson build with no tests defined"
              " writes no testlog.txt: set it up with -Dtests=enabled)", file=sys.stderr)
        failed += 1
        continue
    blocks = re.split(r"\n=+ \d+/\d+ =+\n", text)
    if re.search(r"^No tests defined\.?$", text, re.M) or (
            len(blocks) == 1 and text.startswith("Log of Meson test suite")):
        print(f"totals: {path}: no tests defined: no test ran there"
              " (set the build up with -Dtests=enabled)", file=sys.stderr)
        failed += 1
        continue
    if len(blocks) == 1:  # a plain log: its last count line
        counts = counts_in(text)
        if counts:
            passed += counts[-1][0]
            failed += counts[-1][1]
        else:
            failed += 1
        continue
    for block in blocks[1:]:
        result = re.search(r"^result:\s+(.*)$", block, re.M)
        if result is not None and "exit status 77" in result.group(1):
            name = re.search(r"^test:\s+(.*)$", block, re.M)
            why = re.search(r"^SKIP: .*$", block, re.M)
            skipped.append((name.group(1) if name else "?", why.group(0) if why else "SKIP"))
            continue
        ok = result is not None and "exit status 0" in result.group(1)
        counts = counts_in(block)
        if counts:
            p, f = counts[-1]
            passed += p
            failed += f + (1 if not ok and f == 0 else 0)
        elif ok:
            passed += 1
        else:
            failed += 1
for name, why in skipped:
    print(f"totals: skipped, not counted: {name}: {why}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
