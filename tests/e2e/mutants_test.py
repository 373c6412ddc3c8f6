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

A mutant of a server-side mechanism (its name starts with `server-vv-`,
`dvv-` or `lww-`) runs under that mechanism: its targeted scenario names
it, or its sweep passes `--mechanism` (bench/mutants-traffic.yaml for
server-vv and dvv; tests/data/mutants-traffic-lww.yaml for lww, whose
writes often tie on timestamps). Its failing run is then shrunk (`kvsim
shrink --mutant`): the shrunk scenario keeps the mechanism, has at most 6
events, fails with the mutant and passes without it. Its runs are
recounted by tests/lib/causal_recount.py, which follows what the clients
observed (writes named by their values, no clocks or dots): live nodes
that disagree, lost updates (not under lww, which loses writes by
design), under lww a node not holding the greatest timestamp's write, and
false siblings. The mutant's run shows more of these than the real run,
which shows none (under server-vv false siblings aside: it keeps them by
design).
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
from causal_recount import recount

KVSIM, ROOT, BUILT = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3] == "true"
DATA = os.path.join(ROOT, "tests", "data")
TRAFFIC = os.path.join(ROOT, "bench", "mutants-traffic.yaml")
MECHANISM_TRAFFIC = {"server-vv": TRAFFIC, "dvv": TRAFFIC,
                     "lww": os.path.join(DATA, "mutants-traffic-lww.yaml")}
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


def mechanism_of(mutant):
    """The server-side mechanism a mutant's name starts with, or None."""
    for m in ("server-vv", "dvv", "lww"):
        if mutant.startswith(m + "-"):
            return m
    return None


def mechanism_problems(history_path):
    """(kind, text) of what is wrong by the causal recount."""
    mechanism = start_line(history_path).get("mechanism", "client-vv")
    r = recount(history_path)
    found = [("disagree", t) for t in r["disagree"]] + [("lww", t) for t in r["lww_wrong"]]
    if mechanism != "lww":
        found += [("lost", t) for t in r["lost"]]
    found += [("false", t) for t in r["false"]]
    return found


def by_design(history_path, found):
    """What of `found` the real mechanism does by design: server-vv's false siblings."""
    mechanism = start_line(history_path).get("mechanism", "client-vv")
    return [f for f in found if not (mechanism == "server-vv" and f[0] == "false")]


def recounted(history_path):
    """Every problem the recount for the run's mechanism finds."""
    if start_line(history_path).get("mechanism", "client-vv") == "client-vv":
        return problems_in(history_path)
    return mechanism_problems(history_path)


def events_after(shrink_stdout):
    """The 'events BEFORE AFTER' row of kvsim shrink's table."""
    m = re.search(r"^\s*events\s+(\d+)\s+(\d+)\s*$", shrink_stdout, re.M)
    return int(m.group(2)) if m else None


def start_line(history_path):
    with open(history_path) as f:
        return json.loads(f.readline())


targeted = sorted(glob.glob(os.path.join(DATA, "mutant_*.yaml")))
check("four targeted scenarios", len(targeted) == 4, targeted)

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
            check(f"{path}: right by the recount", recounted(history) == [], recounted(history))
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
            mechanism = mechanism_of(name)
            seed = 1
            if not os.path.exists(path):
                path = MECHANISM_TRAFFIC[mechanism] if mechanism else TRAFFIC
                with_mechanism = ["--mechanism", mechanism] if mechanism else []
                sweep = os.path.join(tmp, f"sweep-{name}")
                p = kvsim(["sweep", path, "--seeds", "1..100", "--jobs", "2", "--mutant", name,
                           "--keep-failures", "0", "--out", sweep] + with_mechanism)
                check(f"{name}: a traffic seed in 1..100 fails", p.returncode == CHECK_FAILED,
                      p.returncode)
                failing = [json.loads(l)["seed"] for l in open(os.path.join(sweep, "sweep.jsonl"))
                           if not json.loads(l)["ok"]]
                if not failing:
                    continue
                seed = failing[0]
            else:
                with_mechanism = []
            runs = {}
            for mutant in (name, None):
                out = os.path.join(tmp, f"{name}-{mutant}")
                p = kvsim(["run", path, "--seed", str(seed), "--out", out, "--no-render",
                           "--quiet"] + with_mechanism + (["--mutant", mutant] if mutant else []))
                history = os.path.join(out, "history.jsonl")
                runs[mutant] = (p.returncode, recounted(history))
                if mutant:
                    check(f"{name}: the start line names it",
                          start_line(history).get("mutant") == name, start_line(history))
                    summary = json.load(open(os.path.join(out, "summary.json")))
                    check(f"{name}: the summary names it", summary.get("mutant") == name)
                    if mechanism:
                        check(f"{name}: runs under {mechanism}",
                              start_line(history).get("mechanism") == mechanism)
                else:
                    runs[None] = (p.returncode, by_design(history, runs[None][1]))
            check(f"{name}: fails seed {seed}", runs[name][0] == CHECK_FAILED, runs[name])
            check(f"{name}: the real code passes seed {seed}", runs[None] == (OK, []),
                  runs[None])
            if not mechanism:
                check(f"{name}: wrong by the recount, seed {seed}", runs[name][1] != [],
                      runs[name])
                continue
            real_all = mechanism_problems(os.path.join(tmp, f"{name}-None", "history.jsonl"))
            check(f"{name}: wrong by the causal recount, seed {seed}",
                  len(runs[name][1]) > len(real_all), (runs[name], real_all))
            # Shrunk to a small scenario that keeps the mechanism and fails
            # with the mutant only.
            out = os.path.join(tmp, f"shrunk-{name}")
            p = kvsim(["shrink", path, "--seed", str(seed), "--mutant", name, "--out", out,
                       "--no-render"] + with_mechanism)
            shrunk = glob.glob(os.path.join(out, "*-shrunk.yaml"))
            check(f"{name}: shrunk", p.returncode == OK and len(shrunk) == 1,
                  (p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
            if len(shrunk) != 1:
                continue
            text = open(shrunk[0]).read()
            check(f"{name}: the shrunk scenario keeps mechanism: {mechanism}",
                  re.search(rf"^mechanism: {mechanism}\s*$", text, re.M) is not None, text)
            events = events_after(p.stdout)
            check(f"{name}: shrunk to at most 6 events", events is not None and events <= 6,
                  (events, p.stdout))
            print(f"{name}: seed {seed} shrunk to {events} events:\n{text}")
            for mutant in (name, None):
                rerun = os.path.join(tmp, f"shrunk-{name}-{mutant}")
                q = kvsim(["run", shrunk[0], "--out", rerun, "--no-render", "--quiet"] +
                          (["--mutant", mutant] if mutant else []))
                history = os.path.join(rerun, "history.jsonl")
                found = mechanism_problems(history)
                if mutant:
                    check(f"{name}: the shrunk scenario fails with it", q.returncode == CHECK_FAILED,
                          q.returncode)
                    mutant_found = found
                else:
                    check(f"{name}: the shrunk scenario passes without it", q.returncode == OK,
                          q.stdout + q.stderr)
                    check(f"{name}: the shrunk run without it right by the recount",
                          by_design(history, found) == [], found)
                    check(f"{name}: the shrunk run with it wrong by the recount",
                          len(mutant_found) > len(found), (mutant_found, found))
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
