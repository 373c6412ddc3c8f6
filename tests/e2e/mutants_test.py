#!/usr/bin/env python3
"""Planted bugs (issue 13, item 2): the mutant build and the normal one.

Usage: mutants_test.py KVSIM SOURCE_ROOT MUTANTS_BUILT

MUTANTS_BUILT is meson's `mutants` option (true/false) for the build KVSIM
comes from.

A normal build (false) refuses `--mutant` on run and sweep, `--mutant list`
and `kvsim --mutants` with exit status 2 and a message saying it was built
without mutants, and writes no output; the targeted scenarios
tests/data/mutant_*.yaml pass there (the real code), and their histories have
no `mutant` field.

A mutant build (true) lists at least 8 mutants, the names node/mutant.h
declares; refuses an unknown name (2). Every mutant is killed: a mutant with
a targeted scenario fails it on seed 1, every other one fails some seed of
bench/mutants-traffic.yaml within 1..100 (found with `kvsim sweep`); the
failing run's history and summary name the mutant. Whether a run is wrong is
recomputed here from its history, by code that shares nothing with kvsim's:
the maximal accepted writes per key (the `apply` lines of client writes
answered written/conflict/resolved, vector clocks with zero padding) against
the `final` stores: a maximal write no store holds (nor a version above it),
two live nodes holding different sets, or a live node holding other than
the maximal writes. The same scenario and seed without the mutant must be
right by the same recount.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, ROOT, BUILT = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3] == "true"
DATA = os.path.join(ROOT, "tests", "data")
TRAFFIC = os.path.join(ROOT, "bench", "mutants-traffic.yaml")
OK, CHECK_FAILED, BAD_INPUT = 0, 1, 2


def kvsim(args):
    return subprocess.run([KVSIM] + args, capture_output=True, text=True, timeout=300)


def padded(a, b):
    n = max(len(a), len(b))
    return a + [0] * (n - len(a)), b + [0] * (n - len(b))


def dominates(a, b):
    a, b = padded(a, b)
    return all(x >= y for x, y in zip(a, b)) and a != b


def same(v, w):
    return v[0] == w[0] and padded(v[1], w[1])[0] == padded(v[1], w[1])[1]


def problems_in(history_path):
    """What is wrong with the run's end state, recounted from its history."""
    lines = [json.loads(l) for l in open(history_path) if l.strip()]
    maximal = {}  # key -> [(value text, clock)]
    finals = []
    for e in lines:
        if e["kind"] == "apply" and e["op"] in ("put", "resolve") and e.get("status") in (
                "written", "conflict", "resolved"):
            w = (json.dumps(e["value"]), e["clock"])
            keep = maximal.setdefault(e["key"], [])
            if any(same(m, w) or dominates(m[1], w[1]) for m in keep):
                continue
            keep[:] = [m for m in keep if not dominates(w[1], m[1])] + [w]
        elif e["kind"] == "final":
            store = {k: [(json.dumps(v["value"]), v["clock"]) for v in vs]
                     for k, vs in e["store"].items()}
            finals.append((e["node"], e["live"], store))
    found = []
    for key, writes in maximal.items():
        for w in writes:
            if not any(any(same(s, w) or dominates(s[1], w[1]) for s in store.get(key, []))
                       for _, _, store in finals):
                found.append(f"lost write {w} to {key}")
    same_set = lambda a, b: len(a) == len(b) and all(any(same(x, y) for y in b) for x in a)
    live = [(node, store) for node, up, store in finals if up]
    for node, store in live:
        for key in set(store) | set(maximal):
            if not same_set(store.get(key, []), maximal.get(key, [])):
                found.append(f"{node} holds {store.get(key, [])} for {key}, "
                             f"not the maximal writes {maximal.get(key, [])}")
    for (a, sa), (b, sb) in zip(live, live[1:]):
        for key in set(sa) | set(sb):
            if not same_set(sa.get(key, []), sb.get(key, [])):
                found.append(f"{a} and {b} differ on {key}")
    return found


def start_line(history_path):
    with open(history_path) as f:
        return json.loads(f.readline())


targeted = sorted(glob.glob(os.path.join(DATA, "mutant_*.yaml")))
check("three targeted scenarios", len(targeted) == 3, targeted)

with tempfile.TemporaryDirectory() as tmp:
    if not BUILT:
        scenario = os.path.join(ROOT, "scenarios", "partition-heal.yaml")
        for args in (["run", scenario, "--mutant", "stale-write-accepted"],
                     ["run", scenario, "--mutant", "list"],
                     ["sweep", scenario, "--seeds", "1..2", "--mutant", "ae-newest-only"]):
            out = os.path.join(tmp, "refused")
            p = kvsim(args + ["--out", out])
            check(f"{args[0]} {args[-1]} refused with 2", p.returncode == BAD_INPUT, p.returncode)
            check(f"{args[0]} {args[-1]}: says why", "built without mutants" in p.stderr,
                  p.stderr)
            check(f"{args[0]} {args[-1]}: no output written", not os.path.exists(out))
        p = kvsim(["--mutants"])
        check("--mutants refused with 2", p.returncode == BAD_INPUT, p.returncode)
        check("--mutants: says why", "built without mutants" in p.stderr, p.stderr)
        for path in targeted:
            out = os.path.join(tmp, os.path.basename(path))
            p = kvsim(["run", path, "--out", out, "--no-render", "--quiet"])
            check(f"{path}: the real code passes", p.returncode == OK, p.stdout + p.stderr)
            history = os.path.join(out, "history.jsonl")
            check(f"{path}: right by the recount", problems_in(history) == [],
                  problems_in(history))
            check(f"{path}: no mutant in the start line", "mutant" not in start_line(history))
    else:
        header = open(os.path.join(ROOT, "node", "mutant.h")).read()
        declared = re.findall(r'\{Mutant::k\w+, "([a-z-]+)",', header)
        p = kvsim(["--mutants"])
        listed = [line.split()[0] for line in p.stdout.splitlines() if line.strip()]
        check("--mutants says 0", p.returncode == OK, p.returncode)
        check("at least 8 mutants", len(listed) >= 8, listed)
        check("the mutants node/mutant.h declares", listed == declared, (listed, declared))
        p = kvsim(["run", TRAFFIC, "--mutant", "no-such-bug", "--out", os.path.join(tmp, "x")])
        check("an unknown mutant refused with 2", p.returncode == BAD_INPUT, p.returncode)
        check("an unknown mutant: named", "no-such-bug" in p.stderr, p.stderr)
        for name in listed:
            path = os.path.join(DATA, f"mutant_{name}.yaml")
            seed = 1
            if not os.path.exists(path):
                path = TRAFFIC
                sweep = os.path.join(tmp, f"sweep-{name}")
                p = kvsim(["sweep", path, "--seeds", "1..100", "--jobs", "2", "--mutant", name,
                           "--keep-failures", "0", "--out", sweep])
                check(f"{name}: a traffic seed in 1..100 fails", p.returncode == CHECK_FAILED,
                      p.returncode)
                failing = [json.loads(l)["seed"] for l in open(os.path.join(sweep, "sweep.jsonl"))
                           if not json.loads(l)["ok"]]
                if not failing:
                    continue
                seed = failing[0]
            runs = {}
            for mutant in (name, None):
                out = os.path.join(tmp, f"{name}-{mutant}")
                p = kvsim(["run", path, "--seed", str(seed), "--out", out, "--no-render",
                           "--quiet"] + (["--mutant", mutant] if mutant else []))
                runs[mutant] = (p.returncode, problems_in(os.path.join(out, "history.jsonl")))
                if mutant:
                    history = os.path.join(out, "history.jsonl")
                    check(f"{name}: the start line names it",
                          start_line(history).get("mutant") == name, start_line(history))
                    summary = json.load(open(os.path.join(out, "summary.json")))
                    check(f"{name}: the summary names it", summary.get("mutant") == name)
            check(f"{name}: fails seed {seed}", runs[name][0] == CHECK_FAILED, runs[name])
            check(f"{name}: wrong by the recount, seed {seed}", runs[name][1] != [], runs[name])
            check(f"{name}: the real code passes seed {seed}", runs[None] == (OK, []),
                  runs[None])
        # A mutant sweep in two shards merges into the unsharded sweep's files,
        # the mutant named in both summaries; a shard of another mutant is refused.
        name = listed[0]
        whole, parts = os.path.join(tmp, "whole"), []
        kvsim(["sweep", TRAFFIC, "--seeds", "1..40", "--mutant", name, "--keep-failures", "0",
               "--out", whole])
        for i in (1, 2):
            parts.append(os.path.join(tmp, f"part{i}"))
            kvsim(["sweep", TRAFFIC, "--seeds", "1..40", "--shard", f"{i}/2", "--mutant", name,
                   "--keep-failures", "0", "--out", parts[-1]])
        p = kvsim(["sweep-merge"] + parts + ["--out", os.path.join(tmp, "merged")])
        for f in ("sweep.jsonl", "summary.json"):
            same_bytes = (open(os.path.join(whole, f), "rb").read() ==
                          open(os.path.join(tmp, "merged", f), "rb").read())
            check(f"a mutant sweep's merged {f} is the unsharded one's", same_bytes)
        merged = json.load(open(os.path.join(tmp, "merged", "summary.json")))
        check("the merged summary names the mutant", merged.get("mutant") == name, merged)
        other = os.path.join(tmp, "other")
        kvsim(["sweep", TRAFFIC, "--seeds", "1..40", "--shard", "2/2", "--mutant", listed[1],
               "--keep-failures", "0", "--out", other])
        p = kvsim(["sweep-merge", parts[0], other, "--out", os.path.join(tmp, "mixed")])
        check("shards of two mutants refused with 2", p.returncode == BAD_INPUT, p.returncode)

finish()
