"""What the end-to-end test scripts share: counting their checks, and the
fingerprint of a history, written from its definition in docs/RUNNING.md.

Each script calls check() for every assertion and finish() at the end,
which prints the "N passed, N failed" line tests/lib/totals.py adds up and exits
1 if anything failed.
"""
import os
import sys

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name} {str(detail)[:600]}")


def seeds(default):
    """How many seeds a test runs: `default`, lowered (never raised) by the
    environment's KVSIM_SEEDS, which the sanitizer build's suite sets so
    that its slower runs fit their timeouts."""
    limit = os.environ.get("KVSIM_SEEDS")
    return min(default, int(limit)) if limit else default


def finish():
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


M64 = 0xFFFFFFFFFFFFFFFF


def mix64(h):
    h ^= h >> 30
    h = (h * 0xbf58476d1ce4e5b9) & M64
    h ^= h >> 27
    h = (h * 0x94d049bb133111eb) & M64
    return h ^ (h >> 31)


def fingerprint(data):
    """docs/RUNNING.md's definition: 8-byte little-endian words (the last padded
    with zeros), h = rotl((h ^ w) * K, 29), then mix64(h ^ length)."""
    h = 0x243f6a8885a308d3
    padded = data + b"\0" * (-len(data) % 8)
    for i in range(0, len(padded), 8):
        h = ((h ^ int.from_bytes(padded[i:i + 8], "little")) * 0x9e3779b97f4a7c15) & M64
        h = ((h << 29) | (h >> 35)) & M64
    return f"{mix64(h ^ len(data)):016x}"


def writes_in_flight(history):
    """run_end's writes in flight, recounted from a history's lines (dicts):
    node-to-node messages carrying a write (replicate, store, handoff, or an
    anti-entropy message with versions) of which some copy (a duplicate is
    a second one) had neither arrived nor been dropped."""
    nodes = set(history[0]["nodes"])
    sends, arrivals = {}, {}
    for e in history:
        if e["kind"] == "send":
            sends[e["id"]] = [e, 1]
        elif e["kind"] == "duplicate":
            sends[e["id"]][1] += 1
        elif e["kind"] in ("deliver", "drop"):
            arrivals[e["id"]] = arrivals.get(e["id"], 0) + 1
    return sum(1 for i, (s, copies) in sends.items()
               if s["src"] in nodes and s["dest"] in nodes and arrivals.get(i, 0) < copies and
               (s["body"]["type"] in ("replicate", "store", "handoff") or s["body"].get("versions")))
