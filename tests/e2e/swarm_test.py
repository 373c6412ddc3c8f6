#!/usr/bin/env python3
"""Swarm testing (`kvsim run --swarm`, `kvsim sweep --swarm`), end to end.

Usage: swarm_test.py KVSIM SCENARIO_DIR

- every seed's draw (sweep.jsonl) stays within the bounds of the scenario's
  `swarm:` section, restated here, and the history shows exactly the drawn
  faults (its partition, heal, crash and restart lines, read here);
- a dimension switched off is never drawn, and its faults never reach the
  history (no partition or crash lines, no drop for loss, no duplicate);
- `kvsim run --seed S --swarm` gives the sweep's fingerprint (recomputed
  here from the history's bytes) and the history bytes of the sweep's kept
  seed-S folder; same seed, same draw; --jobs and shards change nothing;
- without --swarm, a `swarm:` section changes nothing;
- a bad `swarm:` section is refused with FILE:LINE and exit status 2.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish, fingerprint

KVSIM, SCENARIOS = (os.path.abspath(a) for a in sys.argv[1:3])


def kvsim(args):
    return subprocess.run([KVSIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=600)


def sweep(scenario, seeds, out, *extra, jobs=2):
    p = kvsim(["sweep", scenario, "--seeds", seeds, "--out", out, "--jobs", str(jobs)] +
              list(extra))
    records = []
    if os.path.exists(os.path.join(out, "sweep.jsonl")):
        with open(os.path.join(out, "sweep.jsonl")) as f:
            records = [json.loads(line) for line in f]
    return p, records


def run(scenario, seed, out, *extra):
    """(exit status, printed fingerprint, summary, history bytes, history lines)."""
    p = kvsim(["run", scenario, "--seed", str(seed), "--out", out, "--no-render"] + list(extra))
    printed = [l.split()[1] for l in p.stdout.decode().splitlines() if l.startswith("fingerprint ")]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "history.jsonl"), "rb") as f:
        history = f.read()
    lines = [json.loads(l) for l in history.decode().splitlines()]
    return p.returncode, printed, summary, history, lines


tmp = tempfile.mkdtemp(prefix="kvsim-swarm-test-")


def write(name, text):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


TRAFFIC = """\
name: NAME
seed: 3
nodes: 3
network:
  delay: {dist: uniform, min: 1ms, max: 5ms}
anti_entropy: {interval: 50ms}
clients: {timeout: 60ms, retries: 3, retry: next}
workload:
  clients: 3
  keys: 3
  ops: 30
  start: 5ms
  interval: 20ms
  mix: {put: 2, get: 2, resolve: 1}
run_until: 2s
"""

# The bounds of the section below, restated (times in us, rates as floats).
B = dict(faults_end_us=int(2000000 * 0.5), loss=(0.05, 0.2), duplicate=(0.0, 0.1),
         dists={"constant", "exponential"}, scale=(2000, 8000),
         partitions_max=3, shapes={"isolate", "one-way"}, duration=(20000, 200000),
         crashes_max=2, downtime=(5000, 100000), anti_entropy=(20000, 40000),
         interval=(10000, 30000), nodes=(2, 6))
BOUNDED = write("bounded", TRAFFIC.replace("NAME", "bounded") + """\
swarm:
  faults_end: 0.5
  loss: {chance: 0.5, min: 0.05, max: 0.2}
  duplicate: {max: 0.1}
  delay: {dists: [constant, exponential], min: 2ms, max: 8ms}
  partitions: {max: 3, shapes: [isolate, one-way], duration: {min: 20ms, max: 200ms}}
  crashes:
    max: 2
    downtime: {min: 5ms, max: 100ms}
  anti_entropy: {min: 20ms, max: 40ms}
  workload: {interval: {min: 10ms, max: 30ms}}
  nodes: {min: 2, max: 6}
""")


def within(value, bounds):
    return bounds[0] <= value <= bounds[1]


def spans_ok(spans, most, length, end_us):
    """Drawn faults: at most `most`, each lasting within `length`, in order,
    not overlapping, all over by `end_us`."""
    if len(spans) > most:
        return False
    last = 0
    for at, until in spans:
        if not (last <= at and within(until - at, length) and until <= end_us):
            return False
        last = until
    return True


def bounded_draw_problems(d):
    problems = []
    for key, ok in [
        ("nodes", within(d["nodes"], B["nodes"])),
        ("loss", d["loss"] == 0 or within(d["loss"], B["loss"])),
        ("loss step", round(d["loss"] * 1000, 6) == round(d["loss"] * 1000)),
        ("duplicate", d["duplicate"] == 0 or within(d["duplicate"], B["duplicate"])),
        ("delay dist", d["delay"]["dist"] in B["dists"]),
        ("delay scale", within(d["delay"]["scale_us"], B["scale"])),
        ("delay value", d["delay"].get("value_us", d["delay"]["scale_us"]) ==
         d["delay"]["scale_us"]),
        ("delay mean", d["delay"].get("mean_us", d["delay"]["scale_us"] // 2) ==
         d["delay"]["scale_us"] // 2),
        ("anti_entropy", within(d["anti_entropy_us"], B["anti_entropy"])),
        ("interval", within(d["workload"]["interval_us"], B["interval"])),
        ("mix", 1 <= d["workload"]["mix"]["put"] <= 4 and 0 <= d["workload"]["mix"]["get"] <= 4
         and 0 <= d["workload"]["mix"]["resolve"] <= 4),
        ("partitions", spans_ok([(p["at_us"], p["heal_us"]) for p in d["partitions"]],
                                B["partitions_max"], B["duration"], B["faults_end_us"])),
        ("shapes", all(p["shape"] in B["shapes"] for p in d["partitions"])),
        ("crashes", spans_ok([(c["at_us"], c["restart_us"]) for c in d["crashes"]],
                             B["crashes_max"], B["downtime"], B["faults_end_us"])),
        ("crash nodes", all(1 <= int(c["node"][1:]) <= d["nodes"] for c in d["crashes"])),
        ("no amnesia unless enabled", not any(c["amnesia"] for c in d["crashes"])),
    ]:
        if not ok:
            problems.append(key)
    return problems


# 1. Every draw within the bounds, and the dimensions do vary.
p, records = sweep(BOUNDED, "1..400", os.path.join(tmp, "bounded"), "--swarm")
check("bounded sweep runs", p.returncode in (0, 1) and len(records) == 400, p.stderr[-400:])
bad = [(r["seed"], bounded_draw_problems(r["swarm"])) for r in records
       if bounded_draw_problems(r["swarm"])]
check("every draw within the section's bounds", not bad, bad[:5])
draws = [r["swarm"] for r in records]
check("loss is off in some seeds and on in others",
      0 < sum(d["loss"] == 0 for d in draws) < len(draws))
check("partitions drawn in some seeds, none in others",
      0 < sum(not d["partitions"] for d in draws) < len(draws))
check("several partitions in some seeds", any(len(d["partitions"]) >= 2 for d in draws))
check("both delay distributions drawn", {d["delay"]["dist"] for d in draws} == B["dists"])
check("node counts vary", len({d["nodes"] for d in draws}) >= 4, {d["nodes"] for d in draws})
with open(os.path.join(tmp, "bounded", "summary.json")) as f:
    check("the sweep's summary says swarm", json.load(f).get("swarm") is True)

# 2. The history shows exactly the drawn faults; run --swarm is the sweep's seed.
for r in records[:: 40]:
    seed, d = r["seed"], r["swarm"]
    out = os.path.join(tmp, f"bounded-run-{seed}")
    status, printed, summary, history, lines = run(BOUNDED, seed, out, "--swarm")
    fp = fingerprint(history)
    check(f"seed {seed}: run --swarm has the sweep's fingerprint",
          printed == [r["fingerprint"]] and fp == r["fingerprint"], (printed, fp, r["fingerprint"]))
    check(f"seed {seed}: the run's verdict is the sweep's", (status == 0) == r["ok"], status)
    check(f"seed {seed}: summary.json records the draw", summary.get("swarm") == d)
    check(f"seed {seed}: the start line records the draw", lines[0].get("swarm") == d)
    check(f"seed {seed}: the start line lists the drawn nodes",
          lines[0]["nodes"] == [f"n{i}" for i in range(1, d["nodes"] + 1)])
    faults = [(l["t"], l["fault"], l.get("node")) for l in lines if l["kind"] == "fault"]
    want = sorted([(p["at_us"], "partition", None) for p in d["partitions"]] +
                  [(p["heal_us"], "heal", None) for p in d["partitions"]] +
                  [(c["at_us"], "crash", c["node"]) for c in d["crashes"]] +
                  [(c["restart_us"], "restart", c["node"]) for c in d["crashes"]],
                  key=lambda f: f[0])
    check(f"seed {seed}: the history's faults are the drawn ones",
          sorted(faults, key=lambda f: f[0]) == want and
          [f for f in faults if f[1] in ("partition", "heal")] ==
          [f for f in want if f[1] in ("partition", "heal")], (faults, want))
    shapes = [l["shape"] for l in lines if l["kind"] == "fault" and l["fault"] == "partition"]
    check(f"seed {seed}: partition shapes as drawn", shapes == [p["shape"] for p in d["partitions"]])
    losses = sum(1 for l in lines if l["kind"] == "drop" and l["reason"] == "loss")
    check(f"seed {seed}: losses only when loss was drawn", d["loss"] > 0 or losses == 0, losses)
    # A client's write as a node applied it (`client` set): its clock: auto
    # has one slot per node, or with short_clocks drawn, no trailing zero slot.
    clocks = [l["clock"] for l in lines
              if l["kind"] == "apply" and "client" in l and l["op"] in ("put", "resolve")]
    if d["short_clocks"]:
        good = all(c and c[-1] != 0 for c in clocks)
    else:
        good = all(len(c) == d["nodes"] for c in clocks)
    check(f"seed {seed}: client clocks as short_clocks={d['short_clocks']} says",
          clocks and good, clocks[:5])

# 3. Same seed, same draw; --jobs changes nothing; shards merge to the same files.
p2, again = sweep(BOUNDED, "1..400", os.path.join(tmp, "bounded-again"), "--swarm", jobs=1)
check("the same seeds draw the same mixes (and --jobs 1 = --jobs 2)", again == records)
for i in (1, 2):
    sweep(BOUNDED, "1..400", os.path.join(tmp, f"shard{i}"), "--swarm", "--shard", f"{i}/2")
merged = os.path.join(tmp, "merged")
p = kvsim(["sweep-merge", os.path.join(tmp, "shard1"), os.path.join(tmp, "shard2"), "--out", merged])
for name in ("sweep.jsonl", "summary.json"):
    with open(os.path.join(merged, name), "rb") as a, \
            open(os.path.join(tmp, "bounded", name), "rb") as b:
        check(f"swarm shards merged: {name} as unsharded", a.read() == b.read())
plain = os.path.join(tmp, "plain-shard")
sweep(BOUNDED, "1..400", plain, "--shard", "2/2")
p = kvsim(["sweep-merge", os.path.join(tmp, "shard1"), plain, "--out", os.path.join(tmp, "mixed")])
check("a swarm shard and a plain one are not merged", p.returncode == 2, p.stderr)

# 4. Dimensions switched off: never drawn, never in the history.
OFF = write("off", TRAFFIC.replace("NAME", "off") + """\
swarm:
  loss: off
  duplicate: false
  partitions: off
  crashes: off
  nodes: off
""")
p, records = sweep(OFF, "1..200", os.path.join(tmp, "off"), "--swarm")
check("switched-off sweep passes", p.returncode == 0, p.stdout[-600:])
check("switched-off dimensions are not in any draw",
      all(not ({"loss", "duplicate", "partitions", "crashes", "nodes"} & set(r["swarm"]))
          for r in records) and all("delay" in r["swarm"] for r in records))
for seed in (1, 2, 3, 50, 117):
    status, printed, summary, history, lines = run(OFF, seed, os.path.join(tmp, f"off-{seed}"),
                                                   "--swarm")
    kinds = {l["kind"] for l in lines}
    check(f"off seed {seed}: no fault lines", "fault" not in kinds)
    check(f"off seed {seed}: no duplicates", "duplicate" not in kinds)
    check(f"off seed {seed}: no drops for loss",
          not any(l["kind"] == "drop" and l["reason"] == "loss" for l in lines))
    check(f"off seed {seed}: three nodes", lines[0]["nodes"] == ["n1", "n2", "n3"])
# Each dimension draws from its own stream: the others' draws are unchanged.
_, bounded = sweep(BOUNDED, "1..200", os.path.join(tmp, "bounded-200"), "--swarm")
OFF_SAME_BOUNDS = write("off2", TRAFFIC.replace("NAME", "off2") + """\
swarm:
  faults_end: 0.5
  loss: {chance: 0.5, min: 0.05, max: 0.2}
  duplicate: {max: 0.1}
  delay: {dists: [constant, exponential], min: 2ms, max: 8ms}
  partitions: off
  crashes: off
  anti_entropy: {min: 20ms, max: 40ms}
  workload: {interval: {min: 10ms, max: 30ms}}
  nodes: off
""")
_, off2 = sweep(OFF_SAME_BOUNDS, "1..200", os.path.join(tmp, "off2"), "--swarm")
keep = ("loss", "duplicate", "delay", "anti_entropy_us", "workload")
check("switching dimensions off leaves the others' draws as they were",
      all({k: a["swarm"][k] for k in keep} == {k: b["swarm"][k] for k in keep}
          for a, b in zip(off2, bounded)))

# 5. Scripted events: no node count, no drawn partitions when the scenario has its own.
SCRIPTED = write("scripted", TRAFFIC.replace("NAME", "scripted") + """\
events:
  - {at: 100ms, partition: {isolate: n2}}
  - {at: 300ms, heal: true}
swarm: {}
""")
_, records = sweep(SCRIPTED, "1..100", os.path.join(tmp, "scripted"), "--swarm")
check("scripted events: the node count and partitions are not drawn",
      records and all("nodes" not in r["swarm"] and "partitions" not in r["swarm"] and
                      "crashes" in r["swarm"] for r in records))

# 6. Without --swarm the section changes nothing.
section_free = write("bounded-plain", TRAFFIC.replace("NAME", "bounded"))
for seed in (1, 7):
    a = run(BOUNDED, seed, os.path.join(tmp, f"plain-a-{seed}"))
    b = run(section_free, seed, os.path.join(tmp, f"plain-b-{seed}"))
    check(f"seed {seed}: without --swarm the section changes no history byte", a[3] == b[3])
    check(f"seed {seed}: without --swarm no draw recorded",
          "swarm" not in a[2] and "swarm" not in a[4][0])
_, records = sweep(BOUNDED, "1..20", os.path.join(tmp, "plain-sweep"))
check("a sweep without --swarm records no draw", all("swarm" not in r for r in records))

# 7. Amnesia is drawn only when the section allows it; a failing seed reruns exactly.
amnesia = os.path.join(SCENARIOS, "sweep-amnesia.yaml")
out = os.path.join(tmp, "amnesia")
p, records = sweep(amnesia, "1..400", out, "--swarm", "--keep-failures", "2")
failing = [r for r in records if not r["ok"]]
check("sweep-amnesia finds seeds that lose a write", failing and p.returncode == 1,
      (len(failing), p.returncode))
check("amnesia crashes are drawn there", any(c["amnesia"] for r in records
                                              for c in r["swarm"]["crashes"]))
check("every failing seed drew an amnesia crash",
      all(any(c["amnesia"] for c in r["swarm"]["crashes"]) for r in failing))
for r in failing[:2]:
    seed = r["seed"]
    status, printed, summary, history, lines = run(amnesia, seed, os.path.join(tmp, f"am-{seed}"),
                                                   "--swarm")
    check(f"amnesia seed {seed}: run --swarm fails as the sweep said",
          status == 1 and not summary["checks"][r["failure"]["check"]]["ok"], status)
    check(f"amnesia seed {seed}: same fingerprint", printed == [r["fingerprint"]] and
          fingerprint(history) == r["fingerprint"])
    with open(os.path.join(out, f"seed-{seed}", "history.jsonl"), "rb") as f:
        check(f"amnesia seed {seed}: the kept folder's history is the run's", f.read() == history)
    lost = [l for l in lines if l["kind"] == "fault" and l["fault"] == "crash" and l["amnesia"]]
    check(f"amnesia seed {seed}: its history has an amnesia crash", lost)

# 8. Bad sections: FILE:LINE and exit 2 (the section is read with or without --swarm).
BASE = TRAFFIC.replace("NAME", "bad")
bad_sections = [
    ("swarm:\n  los: {max: 0.1}\n", 17, "did you mean 'loss'"),
    ("swarm:\n  loss: {max: 1.5}\n", 17, "loss.max"),
    ("swarm:\n  loss: {min: 0.2, max: 0.1}\n", 17, "min is greater than max"),
    ("swarm:\n  delay: 5\n", 17, "expected off, on, or a map"),
    ("swarm:\n  delay: {dists: [gaussian]}\n", 17, "gaussian"),
    ("swarm:\n  partitions: {shapes: [square]}\n", 17, "square"),
    ("swarm:\n  crashes: {max: 0}\n", 17, "crashes.max"),
    ("swarm:\n  nodes: {min: 5, max: 3}\n", 17, "greater than max"),
    ("swarm:\n  faults_end: 0\n", 17, "faults_end"),
    ("swarm:\n  partitions:\n    max: 2\n    duration: {min: 900ms}\n", 17, "does not fit"),
    ("swarm:\n  workload: {interval: {min: 1ms, max: 1s}}\n", 17, "after run_until"),
    ("swarm:\n  anti_entropy: {min: 50ms, max: 10ms}\n", 17, "greater than max"),
    ("swarm:\n  crashes: {amnesia: maybe}\n", 17, "amnesia"),
]
for i, (section, line, words) in enumerate(bad_sections):
    path = write(f"bad{i}", BASE + section)
    for extra in (["--swarm"], []):
        p = kvsim(["run", path, "--no-render", "--out", os.path.join(tmp, "bad")] + extra)
        err = p.stderr.decode()
        check(f"bad section {i} {extra}: exit 2, FILE:LINE",
              p.returncode == 2 and err.startswith(f"{path}:{line}:") and words in err,
              (p.returncode, err, section))
    p = kvsim(["sweep", path, "--seeds", "1..3", "--swarm", "--out", os.path.join(tmp, "bad-sweep")])
    check(f"bad section {i}: sweep refuses it too", p.returncode == 2, p.stderr)

# 9. `--swarm` on a scenario without a section: the default bounds.
heal = os.path.join(SCENARIOS, "partition-heal.yaml")
_, records = sweep(os.path.join(SCENARIOS, "partition-shapes.yaml"), "1..100",
                   os.path.join(tmp, "defaults"), "--swarm")
ok = all(within(r["swarm"]["loss"], (0, 0.3)) and within(r["swarm"]["duplicate"], (0, 0.3)) and
         within(r["swarm"]["delay"]["scale_us"], (1000, 20000)) and
         within(r["swarm"]["anti_entropy_us"], (10000, 200000)) and
         within(r["swarm"]["workload"]["interval_us"], (3000, 6000)) and
         "nodes" not in r["swarm"] and "partitions" not in r["swarm"] and
         all(not c["amnesia"] and c["restart_us"] <= 1800000 for c in r["swarm"]["crashes"])
         for r in records)
check("default bounds on a scenario without a section", records and ok, records[:1])

shutil.rmtree(tmp, ignore_errors=True)
finish()
