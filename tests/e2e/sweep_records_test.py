#!/usr/bin/env python3
"""What a sweep records of each seed (issue 12), recomputed from histories.

Usage: sweep_records_test.py KVSIM SCENARIO_DIR DATA_DIR

Everything is worked out here from `history.jsonl` (docs/HISTORY.md) by code
that shares nothing with kvsim's, following docs/SWEEPS.md's definitions:

1. sweep.jsonl's `failure`: `check`, `node`, `key`, `time` of the first
   failing check. For no_lost_write: the earliest accepted write (ties: the
   first key in byte order) that no node's final store holds or supersedes;
   the node that accepted it, its key, when. For converged: the lowest live
   node whose final store differs from the first live node's, the first key
   (byte order) they differ on, the end of the run. `kvsim run`'s
   summary.json names the same.
2. Coverage `resolve_after_heal` (a client resolve answered written,
   conflict or resolved after a `heal` fault line) and `convergence` (from
   the last fault line to the last `apply` with result `applied` after it,
   when the run ends converged and had a fault), and summary.json's
   convergence p50/p99/max by nearest rank.
3. A scenario's `sweep:` section: its seeds and require, what --seeds and
   --require do to them, and bad sections refused with FILE:LINE (exit 2).
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
                          timeout=300)


def time_us(text):
    """Time text as docs/SCENARIOS.md writes it ("250us", "12.4ms", "1.5s"), in microseconds."""
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?(us|ms|s)", text)
    assert m, text
    scale = {"us": 1, "ms": 1000, "s": 1000000}[m.group(3)]
    whole, frac = int(m.group(1)), m.group(2) or ""
    digits = len(str(scale)) - 1
    assert len(frac) <= digits, text
    return whole * scale + (int(frac.ljust(digits, "0")) if frac else 0)


def history(scenario, seed, out):
    p = kvsim(["run", scenario, "--seed", str(seed), "--out", out, "--no-render", "--quiet"])
    assert p.returncode in (0, 1), p.stderr
    with open(os.path.join(out, "history.jsonl")) as f:
        lines = [json.loads(l) for l in f]
    with open(os.path.join(out, "summary.json")) as f:
        return lines, json.load(f)


def dominates(a, b):
    n = max(len(a), len(b))
    a, b = a + [0] * (n - len(a)), b + [0] * (n - len(b))
    return all(x >= y for x, y in zip(a, b)) and a != b


def same(a, b):
    n = max(len(a), len(b))
    return a + [0] * (n - len(a)) == b + [0] * (n - len(b))


ACCEPTED = ("written", "conflict", "resolved")


def finals(lines):
    """node -> (live, {key: [(value, clock)]}) from the final lines."""
    return {e["node"]: (e["live"], {k: [(json.dumps(v["value"]), v["clock"]) for v in vs]
                                    for k, vs in e["store"].items()})
            for e in lines if e["kind"] == "final"}


def first_lost(lines):
    """(node, key, t) of the earliest lost accepted write, or None."""
    accepted = {}  # key -> [(value, clock, node, t)] in acceptance order
    for e in lines:
        if e["kind"] == "apply" and e.get("status") in ACCEPTED:
            accepted.setdefault(e["key"], []).append(
                (json.dumps(e["value"]), e["clock"], e["node"], e["t"]))
    stores = [store for _, store in finals(lines).values()]
    best = None
    for key in sorted(accepted):
        writes = accepted[key]
        for i, (value, clock, node, t) in enumerate(writes):
            if any(dominates(c, clock) for _, c, _, _ in writes):
                continue  # not maximal
            if any(v == value and same(c, clock) for v, c, _, _ in writes[:i]):
                continue  # the same write accepted earlier counts once
            held = any(v == value and same(c, clock) or dominates(c, clock)
                       for store in stores for v, c in store.get(key, []))
            if not held and (best is None or t < best[2]):
                best = (node, key, t)
    return best


def set_of(versions):
    return sorted((v, tuple(c)) for v, c in versions)


def first_divergence(lines):
    """(node, key) of the converged check's failure, or None."""
    f = finals(lines)
    live = [n for n in sorted(f, key=lambda n: int(n[1:])) if f[n][0]]
    if not live:
        return None
    base = f[live[0]][1]
    for node in live[1:]:
        store = f[node][1]
        for key in sorted(set(base) | set(store)):
            if set_of(base.get(key, [])) != set_of(store.get(key, [])):
                return node, key
    return None


def resolve_after_heal(lines):
    healed = False
    for e in lines:
        healed |= e["kind"] == "fault" and e["fault"] == "heal"
        if (healed and e["kind"] == "apply" and e["op"] == "resolve"
                and e.get("status") in ACCEPTED):
            return True
    return False


def convergence(lines):
    """µs from the last fault to the last store change after it, if the run
    ends converged; None without a fault or when it ends not converged."""
    last_fault = last_change = None
    for e in lines:
        if e["kind"] == "fault":
            last_fault = last_change = e["t"]
        elif e["kind"] == "apply" and e["result"] == "applied" and last_fault is not None:
            last_change = e["t"]
    if last_fault is None or first_divergence(lines) is not None:
        return None
    return last_change - last_fault


def nearest_rank(values, p):
    values = sorted(values)
    return values[max(-(-p * len(values) // 100), 1) - 1]


tmp = tempfile.mkdtemp(prefix="kvsim-sweep-records-")
amnesia = os.path.join(DATA, "sweep-amnesia.yaml")
lossy = os.path.join(DATA, "sweep-lossy.yaml")


def sweep(args, out):
    p = kvsim(["sweep"] + args + ["--out", out])
    with open(os.path.join(out, "sweep.jsonl")) as f:
        records = [json.loads(l) for l in f]
    with open(os.path.join(out, "summary.json")) as f:
        return p, records, json.load(f)


# 1. The first failure's structured fields, on two scenarios whose failures
# are no_lost_write (sweep-amnesia) and converged (sweep-lossy).
for scenario, seeds, want_check in ((amnesia, "1..40", "no_lost_write"),
                                    (lossy, "1..60", "converged")):
    name = os.path.basename(scenario)
    out = os.path.join(tmp, f"fail-{name}")
    p, records, _ = sweep([scenario, "--seeds", seeds, "--jobs", "2"], out)
    failing = [r for r in records if not r["ok"]]
    check(f"{name}: some seeds fail, some not", 0 < len(failing) < len(records), len(failing))
    for r in failing[:6]:
        seed = r["seed"]
        kept = os.path.join(out, f"seed-{seed}")
        if os.path.isdir(kept):  # the first three: the sweep's own run folder
            with open(os.path.join(kept, "history.jsonl")) as f:
                lines = [json.loads(l) for l in f]
            with open(os.path.join(kept, "summary.json")) as f:
                summary = json.load(f)
        else:
            lines, summary = history(scenario, seed, os.path.join(tmp, f"{name}-{seed}"))
        fl = r["failure"]
        check(f"{name} seed {seed}: failing check", fl["check"] == want_check, fl)
        if want_check == "no_lost_write":
            lost = first_lost(lines)
            check(f"{name} seed {seed}: a write is lost", lost is not None, fl)
            if lost:
                check(f"{name} seed {seed}: failure node, key, time are the first lost write's",
                      (fl["node"], fl["key"], time_us(fl["time"])) == lost, (fl, lost))
        else:
            div = first_divergence(lines)
            end = next(e["t"] for e in lines if e["kind"] == "end")
            check(f"{name} seed {seed}: failure node, key, time are the first divergence's",
                  div is not None and (fl["node"], fl["key"], time_us(fl["time"])) ==
                  (div[0], div[1], end), (fl, div, end))
        run_check = summary["checks"][fl["check"]]
        check(f"{name} seed {seed}: kvsim run's summary names the same",
              (run_check["node"], run_check["key"], run_check["time"], run_check["detail"]) ==
              (fl["node"], fl["key"], fl["time"], fl["detail"]), (run_check, fl))
        check(f"{name} seed {seed}: the detail names the node and key",
              fl["node"] in fl["detail"] and f"'{fl['key']}'" in fl["detail"], fl)
    passing = next(r for r in records if r["ok"])
    check(f"{name}: a passing seed has no failure", passing["failure"] is None, passing)

# The new fields survive sweep-merge: 3 shards of sweep-amnesia (failures
# naming node, key and time; convergence times) merge into the unsharded files.
whole = os.path.join(tmp, "fail-sweep-amnesia.yaml")
dirs = []
for i in (1, 2, 3):
    dirs.append(os.path.join(tmp, f"amnesia-shard-{i}"))
    kvsim(["sweep", amnesia, "--seeds", "1..40", "--jobs", "1", "--shard", f"{i}/3",
           "--keep-failures", "0", "--out", dirs[-1]])
p = kvsim(["sweep-merge"] + dirs + ["--out", os.path.join(tmp, "amnesia-merged")])
for name in ("sweep.jsonl", "summary.json"):
    with open(os.path.join(whole, name), "rb") as a, \
            open(os.path.join(tmp, "amnesia-merged", name), "rb") as b:
        check(f"sweep-amnesia: merged {name} is the unsharded one", a.read() == b.read())
with open(os.path.join(whole, "summary.json")) as f:
    check("sweep-amnesia: the merged summary has convergence times",
          json.load(f)["convergence"]["seeds"] > 0)

# 2. resolve_after_heal and convergence, per seed from the histories; the
# summary's convergence statistics from the records.
seen_resolve = set()
seen_convergence = set()
for scenario, seeds in ((amnesia, "1..12"),
                        (os.path.join(SCENARIOS, "partition-heal.yaml"), "1..3"),
                        (os.path.join(SCENARIOS, "crash-catch-up.yaml"), "1..3"),
                        (lossy, "1..8")):
    name = os.path.basename(scenario)
    p, records, summary = sweep([scenario, "--seeds", seeds, "--jobs", "2",
                                 "--keep-failures", "0"], os.path.join(tmp, f"cov-{name}"))
    for r in records:
        lines, _ = history(scenario, r["seed"], os.path.join(tmp, f"cov-run-{name}"))
        want = resolve_after_heal(lines)
        seen_resolve.add(want)
        check(f"{name} seed {r['seed']}: resolve_after_heal as the history shows",
              r["coverage"]["resolve_after_heal"] == want, (r["coverage"], want))
        want = convergence(lines)
        seen_convergence.add(want is None)
        got = None if r["convergence"] is None else time_us(r["convergence"])
        check(f"{name} seed {r['seed']}: convergence as the history shows", got == want,
              (r["convergence"], want))
    values = [time_us(r["convergence"]) for r in records if r["convergence"] is not None]
    stats = summary["convergence"]
    check(f"{name}: summary's convergence seeds", stats["seeds"] == len(values), stats)
    if values:
        got = [time_us(stats[k]) for k in ("p50", "p99", "max")]
        want = [nearest_rank(values, 50), nearest_rank(values, 99), max(values)]
        check(f"{name}: summary's convergence p50, p99, max", got == want, (got, want))
    else:
        check(f"{name}: no convergence, null statistics",
              stats["p50"] is None and stats["max"] is None, stats)
    check(f"{name}: summary's resolve_after_heal count",
          summary["coverage"]["resolve_after_heal"] ==
          sum(r["coverage"]["resolve_after_heal"] for r in records), summary["coverage"])
check("resolve_after_heal both on and off among the seeds tested", seen_resolve == {True, False})
check("convergence both given and not among the seeds tested",
      seen_convergence == {True, False})

# 3. The scenario's `sweep:` section.
with open(os.path.join(SCENARIOS, "partition-heal.yaml")) as f:
    heal_text = f.read()


def scenario_with(section, name):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(heal_text.rstrip("\n") + "\n" + section)
    return path


# partition-heal: every seed makes siblings, none gives up (checked from the
# records below, not assumed).
unmet = scenario_with("sweep:\n  seeds: 1..20\n  require: {siblings: 100%, gave_up: 10}\n",
                      "unmet.yaml")
p, records, summary = sweep([unmet, "--jobs", "2"], os.path.join(tmp, "sec-unmet"))
check("sweep: seeds: the default range", [r["seed"] for r in records] == list(range(1, 21)))
n_siblings = sum(r["coverage"]["siblings"] for r in records)
n_gave_up = sum(r["coverage"]["gave_up"] for r in records)
check("partition-heal: siblings on every seed, no client gives up",
      n_siblings == 20 and n_gave_up == 0, (n_siblings, n_gave_up))
check("sweep: require not met: exit 1, ok false, though no check failed",
      p.returncode == 1 and summary["ok"] is False and summary["failed"] == 0,
      (p.returncode, summary["ok"], p.stderr))
check("sweep: require in summary.json, in file order",
      summary.get("required") == [
          {"coverage": "siblings", "at_least_percent": 100, "seeds": 20, "met": True},
          {"coverage": "gave_up", "at_least_percent": 10, "seeds": 0, "met": False}],
      summary.get("required"))
check("sweep: require not met: said on stderr", b"gave_up" in p.stderr, p.stderr)
# --require overrides the same counter in its place, and adds others.
p, records, summary = sweep([unmet, "--jobs", "2", "--require", "gave_up=0",
                             "--require", "amnesia=0%"], os.path.join(tmp, "sec-override"))
check("--require overrides the section's counter: exit 0", p.returncode == 0, p.stderr)
check("--require: overridden in place, added after",
      [(q["coverage"], q["at_least_percent"]) for q in summary.get("required", [])] ==
      [("siblings", 100), ("gave_up", 0), ("amnesia", 0)], summary.get("required"))
# --seeds overrides the section's range.
p, records, summary = sweep([unmet, "--seeds", "3..5", "--jobs", "1", "--require", "gave_up=0"],
                            os.path.join(tmp, "sec-seeds"))
check("--seeds overrides sweep: seeds:", [r["seed"] for r in records] == [3, 4, 5]
      and summary["seeds"] == {"first": 3, "last": 5}, summary["seeds"])
met = scenario_with("sweep:\n  require:\n    siblings: 100%\n", "met.yaml")
p, records, summary = sweep([met, "--seeds", "1..20", "--jobs", "2"], os.path.join(tmp, "sec-met"))
check("sweep: require met: exit 0", p.returncode == 0 and summary["ok"] is True, p.stderr)
p = kvsim(["sweep", met, "--jobs", "1", "--out", os.path.join(tmp, "sec-noseeds")])
check("no --seeds and no sweep: seeds: bad input", p.returncode == 2 and b"--seeds" in p.stderr,
      (p.returncode, p.stderr))
# kvsim run ignores the section: the same history as without it.
plain = scenario_with("", "plain.yaml")
a, _ = history(plain, 4, os.path.join(tmp, "run-plain"))
b, _ = history(unmet, 4, os.path.join(tmp, "run-section"))
check("kvsim run: the section changes nothing in the history", a == b)

# Bad sections: exit 2, "FILE:LINE:" naming the line of the bad value.
base_lines = heal_text.rstrip("\n").count("\n") + 1
for i, (section, offset) in enumerate((
        ("sweep:\n  seeds: 5..1\n", 2),
        ("sweep:\n  seeds: 1-5\n", 2),
        ("sweep:\n  seeds: [1, 5]\n", 2),
        ("sweep:\n  require: {siblings: 101%}\n", 2),
        ("sweep:\n  require:\n    siblings: -5\n", 3),
        ("sweep:\n  require:\n    siblings: half\n", 3),
        ("sweep:\n  require:\n    gave_up: 10\n    sibling: 50%\n", 4),
        ("sweep:\n  require: [siblings]\n", 2),
        ("sweep:\n  requires: {siblings: 5}\n", 2),
        ("sweep: 5\n", 1))):
    path = scenario_with(section, f"bad-{i}.yaml")
    want = f"{path}:{base_lines + offset}:"
    for command in ("sweep", "run"):
        p = kvsim([command, path, "--seeds" if command == "sweep" else "--seed",
                   "1..2" if command == "sweep" else "1", "--out", os.path.join(tmp, "bad")])
        check(f"bad section {section!r}, {command}: exit 2 at {want}",
              p.returncode == 2 and p.stderr.decode().startswith(want),
              (p.returncode, p.stderr))

finish()
