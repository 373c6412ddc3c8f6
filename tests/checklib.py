"""What the end-to-end test scripts share: counting their checks.

Each script calls check() for every assertion and finish() at the end,
which prints the "N passed, N failed" line tests/totals.py adds up and exits
1 if anything failed.
"""
import sys

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name} {str(detail)[:600]}")


def finish():
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
