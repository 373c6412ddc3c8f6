#!/usr/bin/env python3
"""`kvsim shrink` (issue 13), end to end.

Usage: shrink_test.py KVSIM SCENARIO_DIR DATA_DIR

Whether a run loses a write is recounted here from history.jsonl, by code
that shares nothing with kvsim's checks: accepted writes are the `apply`
lines of client writes answered written/conflict/resolved; per key the
maximal ones by vector-clock dominance (zero padding; equal clocks with
different values are concurrent); a maximal write is lost when no node's
`final` store (live or down) holds it or a version dominating it.

- amnesia-lost-write.yaml (seed 19) shrinks to a file of at most 5 events
  that fails by itself under `kvsim run` (exit 1), losing a write on the key
  the shrinker says; deleting any one event line of the file (as text)
  gives a run that does not lose a write on that key (or a file kvsim
  refuses): the file is 1-minimal in its events;
- shrinking twice gives byte-identical files;
- a generated-traffic scenario under loss and amnesia shrinks on a failing
  seed to a standalone file (no workload, no loss rate) that loses a write;
- `kvsim sweep --shrink` shrinks the first failing seed to the same file;
- a seed on which nothing fails is refused (exit 2), a missing file is 4.

Issue 22:
- an `expect` failure keeps the failing key's own expectation and what the
  node holds: shrink-expect-two-keys.yaml expects 3 siblings on x and 7 on
  y and fails on x (2 held); the shrunk file expects 3 on the renamed key,
  never 7, keeps both writes (not "no events, run_until 1us"), and `kvsim
  run` of it fails with "expected 3 sibling(s) ... holds 2";
- a shrink that cannot reach a 1-minimal file says so: a colocated
  workload (shrink-colocated.yaml) cannot become timeline events, so the
  shrink exits 1, prints "could not shrink" and why, and neither its output
  nor the file calls the result 1-minimal (before issue 22 it exited 0 with
  "1-minimal: removing any of the 1 events", the 30-operation workload
  still in the file);
- a `--swarm` shrink's header gives the draw (as `kvsim run --swarm`
  records it in summary.json), not "(the draw is spelled out below)";
- `shrink --max-history` on a run that reaches the cap says so (exit 3),
  and a seed where every check holds says only that (exit 2).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS, DATA = (os.path.abspath(a) for a in sys.argv[1:4])


def kvsim(args):
    return subprocess.run([KVSIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=300)


def dominates(a, b):
    n = max(len(a), len(b))
    a = a + [0] * (n - len(a))
    b = b + [0] * (n - len(b))
    return a != b and all(x >= y for x, y in zip(a, b))


def same_clock(a, b):
    n = max(len(a), len(b))
    return a + [0] * (n - len(a)) == b + [0] * (n - len(b))


def lost_keys(history_path):
    """The keys with a lost write, recounted from the history."""
    accepted, finals = {}, []
    with open(history_path) as f:
        for line in f:
            e = json.loads(line)
            if e["kind"] == "apply" and e.get("status") in ("written", "conflict", "resolved"):
                accepted.setdefault(e["key"], []).append((e["value"], e["clock"]))
            elif e["kind"] == "final":
                finals.append(e["store"])
    lost = set()
    for key, writes in accepted.items():
        for value, clock in writes:
            if any(dominates(c, clock) for _, c in writes):
                continue  # not maximal

            def holds(s):
                return (same_clock(s["clock"], clock) and s["value"] == value) or \
                    dominates(s["clock"], clock)
            if not any(holds(s) for store in finals for s in store.get(key, [])):
                lost.add(key)
    return lost


def event_lines(text):
    return [i for i, line in enumerate(text.splitlines()) if line.startswith("  - {at:")]


def shrunk_file(out):
    files = [f for f in os.listdir(out) if f.endswith(".yaml")]
    return os.path.join(out, files[0]) if len(files) == 1 else None


def renamed_key(text):
    """The key the header says the failure is on (after renaming)."""
    m = re.search(r"\(renamed: \S+ on key '([^']*)'", text) or \
        re.search(r"# The failure kept: \S+ on key '([^']*)'", text)
    return m.group(1) if m else None


with tempfile.TemporaryDirectory() as tmp:
    amnesia = os.path.join(SCENARIOS, "amnesia-lost-write.yaml")
    out1, out2 = os.path.join(tmp, "s1"), os.path.join(tmp, "s2")
    p = kvsim(["shrink", amnesia, "--seed", "19", "--out", out1])
    check("shrink amnesia exits 0", p.returncode == 0, p.stderr)
    check("it says what it kept", "no_lost_write on key 'order'" in p.stdout, p.stdout)
    check("it says it checked 1-minimality", "1-minimal: removing any one of its" in p.stdout,
          p.stdout)
    path = shrunk_file(out1)
    check("one shrunk file", path is not None, os.listdir(out1))
    text = open(path).read()
    events = event_lines(text)
    check("at most 5 events", 1 <= len(events) <= 5, text)
    check("no workload, no expect", "workload:" not in text and "expect:" not in text, text)
    check("the header names the origin", "from " + amnesia + ", seed 19" in text, text)
    key = renamed_key(text)
    check("the header names the key", key is not None, text)
    for name in ("history.jsonl", "summary.json", "story.txt", "index.html", "siblings.dot"):
        check(f"the shrunk run's {name} is written", os.path.exists(os.path.join(out1, name)))
    check("the shrunk run loses a write on that key (recounted)",
          lost_keys(os.path.join(out1, "history.jsonl")) == {key})

    # The file alone, under kvsim run.
    run_out = os.path.join(tmp, "run")
    p = kvsim(["run", path, "--out", run_out, "--no-render", "--quiet"])
    check("kvsim run of the shrunk file exits 1", p.returncode == 1, p.stderr)
    check("kvsim run says no_lost_write fails", "FAIL no_lost_write" in p.stderr, p.stderr)
    check("and the history shows the loss (recounted)",
          lost_keys(os.path.join(run_out, "history.jsonl")) == {key})

    # 1-minimality, independently: each event line deleted in turn.
    lines = text.splitlines(keepends=True)
    for i in events:
        variant = os.path.join(tmp, f"without-{i}.yaml")
        with open(variant, "w") as f:
            f.write("".join(lines[:i] + lines[i + 1:]))
        vout = os.path.join(tmp, f"without-{i}")
        p = kvsim(["run", variant, "--out", vout, "--no-render", "--quiet"])
        same = p.returncode == 1 and key in lost_keys(os.path.join(vout, "history.jsonl"))
        check(f"without event line {i + 1} the write on {key} is not lost",
              not same and p.returncode in (0, 1, 2), lines[i] + p.stderr)

    # Determinism.
    p = kvsim(["shrink", amnesia, "--seed", "19", "--out", out2, "--no-render"])
    check("second shrink exits 0", p.returncode == 0, p.stderr)
    check("shrinking twice gives the same file",
          open(shrunk_file(out2), "rb").read() == open(path, "rb").read())

    # Generated traffic: loss, amnesia crashes, a workload; seed 93 loses a write.
    lossy = os.path.join(DATA, "shrink-lossy-amnesia.yaml")
    before = os.path.join(tmp, "lossy-run")
    p = kvsim(["run", lossy, "--seed", "93", "--out", before, "--no-render", "--quiet"])
    check("the lossy scenario fails on seed 93", p.returncode == 1, p.stderr)
    lost_before = lost_keys(os.path.join(before, "history.jsonl"))
    check("seed 93 loses a write (recounted)", len(lost_before) == 1, lost_before)
    out3 = os.path.join(tmp, "s3")
    p = kvsim(["shrink", lossy, "--seed", "93", "--out", out3, "--no-render"])
    check("shrink lossy exits 0", p.returncode == 0, p.stderr)
    check("its workload became events",
          "the workload (60 operations) became timeline client events" in p.stdout, p.stdout)
    path3 = shrunk_file(out3)
    text3 = open(path3).read()
    check("the shrunk file has no workload and no loss rate",
          "workload:" not in text3 and "  loss: 0\n" in text3, text3)
    check("at most 10 events", len(event_lines(text3)) <= 10, text3)
    key3 = renamed_key(text3)
    run3 = os.path.join(tmp, "run3")
    p = kvsim(["run", path3, "--out", run3, "--no-render", "--quiet"])
    check("kvsim run of it exits 1", p.returncode == 1, p.stderr)
    check("it loses the write on the renamed key (recounted)",
          key3 in lost_keys(os.path.join(run3, "history.jsonl")), (key3, text3))

    # kvsim sweep --shrink: the first failing seed (93 of 90..95) shrunk into DIR/shrunk.
    sweep_out = os.path.join(tmp, "sweep")
    p = kvsim(["sweep", lossy, "--seeds", "90..95", "--jobs", "1", "--keep-failures", "0",
               "--shrink", "--out", sweep_out])
    check("the sweep finds seed 93 and exits 1", p.returncode == 1, p.stderr)
    check("it shrinks seed 93", "shrunk shrink-lossy-amnesia (seed 93)" in p.stdout, p.stdout)
    shrunk4 = shrunk_file(os.path.join(sweep_out, "shrunk"))
    check("the sweep's shrunk file is the one kvsim shrink writes",
          shrunk4 is not None and open(shrunk4).read() == text3, shrunk4)

    # Issue 22, item 1: an expect failure keeps its own expectation and what
    # is held (the file's comments work out 3 expected, 2 held on x).
    two = os.path.join(DATA, "shrink-expect-two-keys.yaml")
    out5 = os.path.join(tmp, "s5")
    p = kvsim(["shrink", two, "--out", out5, "--no-render"])
    check("expect: shrink exits 0", p.returncode == 0, (p.returncode, p.stdout, p.stderr))
    check("expect: the failure names what is expected and held",
          "expect on key 'x': 3 sibling(s) expected, 2 held" in p.stdout, p.stdout)
    text5 = open(shrunk_file(out5)).read() if shrunk_file(out5) else ""
    key5 = renamed_key(text5)
    check("expect: the file keeps x's own expectation, renamed, and nothing else",
          f'expect:\n  siblings: {{"{key5}": 3}}\n' in text5 and ": 7" not in text5, text5)
    check("expect: both writes stay", len(event_lines(text5)) == 2, text5)
    p = kvsim(["run", shrunk_file(out5) or "", "--out", os.path.join(tmp, "run5"), "--no-render",
               "--quiet"])
    check("expect: kvsim run of it fails as the original did",
          p.returncode == 1 and
          f"expected 3 sibling(s) for key '{key5}' but n1 holds 2" in p.stderr, p.stderr)

    # Issue 22, item 2: a shrink that cannot reach 1-minimal says so.
    colocated = os.path.join(DATA, "shrink-colocated.yaml")
    out7 = os.path.join(tmp, "s7")
    p = kvsim(["shrink", colocated, "--out", out7, "--no-render"])
    check("could not: exit 1", p.returncode == 1, (p.returncode, p.stdout, p.stderr))
    check("could not: said, with why", p.stdout.startswith("could not shrink") and
          "NOT 1-minimal: its workload" in p.stdout and "could not shrink" in p.stderr, p.stdout)
    check("could not: never called 1-minimal", "\n1-minimal" not in p.stdout, p.stdout)
    text7 = open(shrunk_file(out7)).read() if shrunk_file(out7) else ""
    check("could not: the file says NOT 1-minimal and keeps its workload",
          "# NOT 1-minimal: its workload" in text7 and "\nworkload:" in text7 and
          "# 1-minimal" not in text7, text7[:600])

    # Issue 22, item 8: a swarm shrink's header gives the draw.
    sweep_amnesia = os.path.join(SCENARIOS, "sweep-amnesia.yaml")
    p = kvsim(["run", sweep_amnesia, "--seed", "29", "--swarm", "--out",
               os.path.join(tmp, "swarm-run"), "--no-render", "--quiet"])
    draw = json.load(open(os.path.join(tmp, "swarm-run", "summary.json")))["swarm"]
    out6 = os.path.join(tmp, "s6")
    p = kvsim(["shrink", sweep_amnesia, "--seed", "29", "--swarm", "--out", out6, "--no-render"])
    text6 = open(shrunk_file(out6)).read() if p.returncode == 0 and shrunk_file(out6) else ""
    m = re.search(r"with --swarm, which drew (\{.*\})\.\n", text6)
    check("swarm: the header gives the seed's draw", m is not None and
          json.loads(m.group(1)) == draw, (text6[:600], draw))
    check("swarm: no claim that the draw is spelled out", "spelled out" not in text6, text6[:400])

    # Issue 22, item 8: --max-history says which of the two it was.
    p = kvsim(["shrink", amnesia, "--seed", "19", "--max-history", "1000",
               "--out", os.path.join(tmp, "cap")])
    check("--max-history: the cap reached is said, exit 3", p.returncode == 3 and
          "reached its history cap" in p.stderr and "every check holds" not in p.stderr,
          (p.returncode, p.stderr))

    # Bad input.
    p = kvsim(["shrink", amnesia, "--seed", "19", "--out", os.path.join(tmp, "x")])
    check("a scenario that expects its failure is still shrunk", p.returncode == 0, p.stderr)
    p = kvsim(["shrink", os.path.join(SCENARIOS, "partition-heal.yaml"), "--seed", "1",
               "--out", os.path.join(tmp, "y")])
    check("a passing seed is refused with 2", p.returncode == 2, (p.returncode, p.stderr))
    check("saying nothing fails", "every check holds: nothing to shrink" in p.stderr and
          "history cap" not in p.stderr, p.stderr)
    p = kvsim(["shrink", os.path.join(tmp, "missing.yaml"), "--out", os.path.join(tmp, "z")])
    check("a missing scenario is 4", p.returncode == 4, (p.returncode, p.stderr))
    p = kvsim(["shrink", amnesia, "--seed", "-1"])
    check("a bad seed is 2", p.returncode == 2, (p.returncode, p.stderr))

finish()
