#!/usr/bin/env python3
"""Run fingerprints and `kvsim sweep` (issue 12), end to end.

Usage: sweep_test.py KVSIM SCENARIO_DIR DATA_DIR

The fingerprint is recomputed here from history.jsonl's bytes as
docs/RUNNING.md defines it, sharing nothing with kvsim's hashing. Verdicts a sweep records
are compared with what `kvsim run --seed S` says of the same seed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish, fingerprint

KVSIM, SCENARIOS, DATA = (os.path.abspath(a) for a in sys.argv[1:4])


def kvsim(args):
    return subprocess.run([KVSIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=300)


def run(scenario, seed, out):
    """`kvsim run --seed`: (exit status, printed fingerprint, summary, history bytes)."""
    p = kvsim(["run", scenario, "--seed", str(seed), "--out", out, "--no-render"])
    printed = [l.split()[1] for l in p.stdout.decode().splitlines() if l.startswith("fingerprint ")]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "history.jsonl"), "rb") as f:
        history = f.read()
    return p.returncode, printed, summary, history


tmp = tempfile.mkdtemp(prefix="kvsim-sweep-test-")
heal = os.path.join(SCENARIOS, "partition-heal.yaml")
lossy = os.path.join(DATA, "sweep-lossy.yaml")

# 1. The fingerprint is docs/RUNNING.md's hash of history.jsonl, printed and in summary.json.
fingerprints = {}
for scenario in (heal, lossy):
    for seed in (1, 2, 3):
        out = os.path.join(tmp, f"run-{os.path.basename(scenario)}-{seed}")
        status, printed, summary, history = run(scenario, seed, out)
        want = fingerprint(history)
        check(f"{scenario} seed {seed}: printed fingerprint", printed == [want], (printed, want))
        check(f"{scenario} seed {seed}: summary fingerprint", summary.get("fingerprint") == want,
              (summary.get("fingerprint"), want))
        fingerprints[(scenario, seed)] = (want, history)
        # The same seed again: the same bytes, the same fingerprint.
        _, printed2, _, history2 = run(scenario, seed, out + "-again")
        check(f"{scenario} seed {seed}: same seed, same fingerprint",
              printed2 == printed and history2 == history)
# Different histories, different fingerprints.
for scenario in (heal, lossy):
    a, b = fingerprints[(scenario, 1)], fingerprints[(scenario, 2)]
    check(f"{scenario}: seeds 1 and 2 have different histories", a[1] != b[1])
    check(f"{scenario}: seeds 1 and 2 have different fingerprints", a[0] != b[0], a[0])



def sweep(args, out):
    p = kvsim(["sweep"] + args + ["--out", out])
    with open(os.path.join(out, "sweep.jsonl"), "rb") as f:
        lines = f.read()
    with open(os.path.join(out, "summary.json"), "rb") as f:
        summary = f.read()
    return p, lines, summary


# 2. A sweep with failures: the same files on 1 and 2 jobs.
FIRST, LAST = 1, 120
one, lines1, summary1 = sweep([lossy, "--seeds", f"{FIRST}..{LAST}", "--jobs", "1"],
                              os.path.join(tmp, "lossy-j1"))
two, lines2, summary2 = sweep([lossy, "--seeds", f"{FIRST}..{LAST}", "--jobs", "2",
                               "--keep-failures", "0"], os.path.join(tmp, "lossy-j2"))
check("sweep.jsonl the same on --jobs 1 and 2", lines1 == lines2)
check("summary.json the same on --jobs 1 and 2", summary1 == summary2)
records = [json.loads(l) for l in lines1.decode().splitlines()]
check("one record per seed, in seed order", [r["seed"] for r in records] == list(range(FIRST, LAST + 1)))
failing = [r["seed"] for r in records if not r["ok"]]
check("sweep-lossy fails on some seeds and not others", 0 < len(failing) < len(records), failing)
check("a failure found: exit status 1", one.returncode == 1 and two.returncode == 1,
      (one.returncode, two.returncode, one.stderr[-300:]))

# 3. Sampled seeds: `kvsim run --seed S` gives the verdict and fingerprint the
# sweep recorded; the first failing check is the run's first check not as expected.
by_seed = {r["seed"]: r for r in records}
passing = [r["seed"] for r in records if r["ok"]]
for seed in failing[:3] + passing[:3]:
    out = os.path.join(tmp, f"lossy-run-{seed}")
    status, printed, summary, history = run(lossy, seed, out)
    r = by_seed[seed]
    check(f"seed {seed}: run's exit status matches the sweep's verdict",
          status == (0 if r["ok"] else 1), (status, r))
    check(f"seed {seed}: sweep's fingerprint is the fingerprint of run's history",
          r["fingerprint"] == fingerprint(history), (r["fingerprint"], fingerprint(history)))
    as_expected = {name: c["holds"] == c["expected"] for name, c in summary["checks"].items()}
    check(f"seed {seed}: each check's verdict as the run's", r["checks"] == as_expected,
          (r["checks"], as_expected))
    first_bad = next((n for n, ok in as_expected.items() if not ok), None)
    got = r["failure"]["check"] if r["failure"] else None
    check(f"seed {seed}: first failure as the run's", got == first_bad, (got, first_bad))
    if r["failure"]:
        check(f"seed {seed}: failure detail as the run's",
              r["failure"]["detail"] == summary["checks"][first_bad]["detail"])
    check(f"seed {seed}: event and message counts as the run's",
          (r["events"], r["messages"]) ==
          (summary["figures"]["events"], summary["figures"]["messages_sent"]))

# 4. --keep-failures (default 3): the first three failing seeds' run folders,
# whose histories are `kvsim run`'s, byte for byte; no more.
kept = sorted(d for d in os.listdir(os.path.join(tmp, "lossy-j1")) if d.startswith("seed-"))
check("the first 3 failing seeds are kept", kept == sorted(f"seed-{s}" for s in failing[:3]),
      kept)
for seed in failing[:3]:
    with open(os.path.join(tmp, "lossy-j1", f"seed-{seed}", "history.jsonl"), "rb") as f:
        kept_history = f.read()
    _, _, _, history = run(lossy, seed, os.path.join(tmp, f"lossy-rerun-{seed}"))
    check(f"seed {seed}: kept history is kvsim run's", kept_history == history)
    check(f"seed {seed}: kept history's fingerprint is the sweep's",
          fingerprint(kept_history) == by_seed[seed]["fingerprint"])
check("--keep-failures 0 keeps none",
      not any(d.startswith("seed-") for d in os.listdir(os.path.join(tmp, "lossy-j2"))))

# A sweep again into the same folder: the earlier sweep's kept runs go.
p = kvsim(["sweep", lossy, "--seeds", f"{FIRST}..{LAST}", "--jobs", "1", "--keep-failures", "1",
           "--out", os.path.join(tmp, "lossy-j1")])
kept = sorted(d for d in os.listdir(os.path.join(tmp, "lossy-j1")) if d.startswith("seed-"))
check("a sweep again in the same folder keeps only its own failures",
      kept == [f"seed-{failing[0]}"], kept)
check("no determinism warning from the kept runs", b"determinism" not in p.stderr, p.stderr)

# 5. summary.json, recomputed here from the records.
summary = json.loads(summary1)
checks = {}
for r in records:
    for name, ok in r["checks"].items():
        c = checks.setdefault(name, {"passed": 0, "failed": 0, "failing_seeds": []})
        if ok:
            c["passed"] += 1
        else:
            c["failed"] += 1
            if len(c["failing_seeds"]) < 20:
                c["failing_seeds"].append(r["seed"])
check("summary: per check passed, failed, failing seeds", summary["checks"] == checks,
      (summary["checks"], checks))
check("summary: failing seeds", summary["failing_seeds"] == failing[:20]
      and summary["failed"] == len(failing) and summary["ok"] is False)
COVERAGE = ("siblings", "siblings_3", "gave_up", "duplicate", "stale_rejected", "amnesia",
            "resolve_after_heal")
coverage = {k: sum(1 for r in records if r["coverage"][k]) for k in COVERAGE}
check("summary: coverage", summary["coverage"] == coverage, (summary["coverage"], coverage))
check("summary: seed range", summary["seeds"] == {"first": FIRST, "last": LAST}
      and summary["runs"] == LAST - FIRST + 1)



def coverage_from_history(history):
    """Each coverage flag, from history.jsonl's lines (docs/HISTORY.md)."""
    flags = dict.fromkeys(COVERAGE, False)
    healed = False
    for line in history.decode().splitlines():
        e = json.loads(line)
        kind = e["kind"]
        if kind == "apply" and e["result"] == "applied":
            flags["siblings"] |= e["siblings"] >= 2
            flags["siblings_3"] |= e["siblings"] >= 3
        if kind == "apply" and e.get("status") == "rejected":
            flags["stale_rejected"] = True
        flags["gave_up"] |= kind == "give_up"
        flags["duplicate"] |= kind == "duplicate"
        if kind == "fault" and e["fault"] == "crash" and e["amnesia"]:
            flags["amnesia"] = True
        healed = healed or (kind == "fault" and e["fault"] == "heal")
        if (healed and kind == "apply" and e["op"] == "resolve"
                and e.get("status") in ("written", "conflict", "resolved")):
            flags["resolve_after_heal"] = True
    return flags


# 5b. Coverage flags as the histories of `kvsim run` show them, on scenarios
# where they vary from seed to seed or are on.
seen = dict.fromkeys(COVERAGE, False)
for name, seeds in (("loss-anti-entropy.yaml", "1..12"), ("amnesia-lost-write.yaml", "1..2"),
                    ("partition-shapes.yaml", "1..2"), ("duplicate-reorder.yaml", "1..2"),
                    ("partition-heal.yaml", "1..2")):
    scenario = os.path.join(SCENARIOS, name)
    p, lines, _ = sweep([scenario, "--seeds", seeds, "--jobs", "2", "--keep-failures", "0"],
                        os.path.join(tmp, f"cov-{name}"))
    for r in (json.loads(l) for l in lines.decode().splitlines()):
        _, _, _, history = run(scenario, r["seed"], os.path.join(tmp, f"cov-run-{name}"))
        want = coverage_from_history(history)
        check(f"{name} seed {r['seed']}: coverage flags as the history shows",
              r["coverage"] == want, (r["coverage"], want))
        for k, v in want.items():
            seen[k] |= v
check("every coverage flag is on for some seed tested", all(seen.values()), seen)

# 6. Shards: 1, 2 and 7 slices merged are the unsharded sweep, byte for byte.
for shards in (1, 2, 7):
    dirs = []
    seeds_seen = []
    for i in range(1, shards + 1):
        d = os.path.join(tmp, f"shard-{shards}-{i}")
        p, lines, _ = sweep([lossy, "--seeds", f"{FIRST}..{LAST}", "--jobs", "1",
                             "--shard", f"{i}/{shards}", "--keep-failures", "0"], d)
        seeds_seen += [json.loads(l)["seed"] for l in lines.decode().splitlines()]
        dirs.append(d)
    check(f"{shards} shards: contiguous slices covering the range once",
          seeds_seen == list(range(FIRST, LAST + 1)))
    merged = os.path.join(tmp, f"merged-{shards}")
    p = kvsim(["sweep-merge"] + dirs + ["--out", merged])
    check(f"{shards} shards: merge exit status 1 (failures)", p.returncode == 1, p.stderr)
    with open(os.path.join(merged, "sweep.jsonl"), "rb") as f:
        check(f"{shards} shards: merged sweep.jsonl is the unsharded one", f.read() == lines1)
    with open(os.path.join(merged, "summary.json"), "rb") as f:
        check(f"{shards} shards: merged summary.json is the unsharded one", f.read() == summary1)
p = kvsim(["sweep-merge", dirs[0], dirs[2], "--out", os.path.join(tmp, "merged-bad")])
check("merge with a shard missing: bad input", p.returncode == 2, p.returncode)
p = kvsim(["sweep-merge", dirs[0], dirs[0], "--out", os.path.join(tmp, "merged-bad")])
check("merge with a shard twice: bad input", p.returncode == 2, p.returncode)
# A record that is not this sweep's (its seed out of the range) names its
# shard's file and line, whichever thread parsed it.
bad_dir = os.path.join(tmp, "shard-7-5-bad")
shutil.copytree(dirs[4], bad_dir)
with open(os.path.join(bad_dir, "sweep.jsonl")) as f:
    bad_lines = f.read().splitlines(keepends=True)
bad_lines[1] = '{"seed": 999999999}\n'
with open(os.path.join(bad_dir, "sweep.jsonl"), "w") as f:
    f.writelines(bad_lines)
p = kvsim(["sweep-merge"] + dirs[:4] + [bad_dir] + dirs[5:] + ["--out", os.path.join(tmp, "m")])
check("merge with a foreign record: bad input naming FILE:2", p.returncode == 2 and
      f"{bad_dir}/sweep.jsonl:2: not a record of this sweep".encode() in p.stderr, p.stderr)

# GNU parallel (Debian `parallel`) running the shards, as docs/SWEEPS.md's recipe
# does over ssh, here on this machine; then the merge is the unsharded sweep.
parallel = shutil.which("parallel")
if parallel is None:
    print("SKIP: GNU parallel is not installed (Debian: parallel); the parallel shard test did not run")
else:
    out = os.path.join(tmp, "par")
    p = subprocess.run([parallel, "--will-cite", "-j", "2", KVSIM, "sweep", lossy, "--seeds",
                        f"{FIRST}..{LAST}", "--shard", "{}/4", "--jobs", "1",
                        "--keep-failures", "0", "--out", out + "-{}", ":::", "1", "2", "3", "4"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    # parallel's exit status: how many jobs failed, here the shards (slices
    # as docs/SWEEPS.md defines them) that hold a failing seed.
    count = LAST - FIRST + 1
    slices = [range(FIRST + count * (i - 1) // 4, FIRST + count * i // 4) for i in range(1, 5)]
    want = sum(1 for sl in slices if any(s in sl for s in failing))
    check("parallel: the shards ran, those with failures exit 1", p.returncode == want,
          (p.returncode, want, p.stderr[-300:]))
    merged = os.path.join(tmp, "par-merged")
    p = kvsim(["sweep-merge"] + [f"{out}-{i}" for i in range(1, 5)] + ["--out", merged])
    with open(os.path.join(merged, "sweep.jsonl"), "rb") as f:
        check("parallel: merged sweep.jsonl is the unsharded one", f.read() == lines1)
    with open(os.path.join(merged, "summary.json"), "rb") as f:
        check("parallel: merged summary.json is the unsharded one", f.read() == summary1)

# 7. A scenario that passes on every seed: exit 0; fingerprints as kvsim run's.
p, lines, _ = sweep([heal, "--seeds", "1..100", "--jobs", "2"], os.path.join(tmp, "heal"))
check("partition-heal sweep: exit status 0", p.returncode == 0, p.stderr)
heal_records = [json.loads(l) for l in lines.decode().splitlines()]
for seed in (1, 2):
    check(f"partition-heal seed {seed}: sweep's fingerprint is kvsim run's",
          heal_records[seed - 1]["fingerprint"] == fingerprints[(heal, seed)][0])
check("partition-heal: 100 distinct fingerprints",
      len({r["fingerprint"] for r in heal_records}) == 100)

# --require: coverage a sweep must reach, else it fails (exit 1). Whether it
# is met is recomputed here from the records.
p, lines, summary_text = sweep([heal, "--seeds", "1..20", "--jobs", "2", "--require",
                                "siblings=100%", "--require", "gave_up=10"],
                               os.path.join(tmp, "require"))
records_r = [json.loads(l) for l in lines.decode().splitlines()]
summary_r = json.loads(summary_text)
want = []
for name, percent in (("siblings", 100), ("gave_up", 10)):
    n = sum(1 for r in records_r if r["coverage"][name])
    want.append({"coverage": name, "at_least_percent": percent, "seeds": n,
                 "met": n * 100 >= percent * len(records_r)})
check("--require: summary.json's required, recomputed", summary_r.get("required") == want,
      (summary_r.get("required"), want))
check("--require not met: exit 1 and ok false though every check passed",
      p.returncode == 1 and summary_r["ok"] is False and summary_r["failed"] == 0
      and not want[1]["met"], (p.returncode, summary_r["ok"]))
p, _, _ = sweep([heal, "--seeds", "1..20", "--jobs", "2", "--require", "siblings=100%"],
                os.path.join(tmp, "require-met"))
check("--require met: exit 0", p.returncode == 0 and want[0]["met"], p.stderr)
dirs = []
for i in (1, 2):
    d = os.path.join(tmp, f"require-{i}")
    sweep([heal, "--seeds", "1..20", "--jobs", "1", "--shard", f"{i}/2", "--require",
           "siblings=100%", "--require", "gave_up=10"], d)
    dirs.append(d)
p = kvsim(["sweep-merge"] + dirs + ["--out", os.path.join(tmp, "require-merged")])
with open(os.path.join(tmp, "require-merged", "summary.json"), "rb") as f:
    check("--require: merged shards' summary.json is the unsharded one",
          f.read() == summary_text)
check("--require: the merge fails too (exit 1)", p.returncode == 1, p.returncode)
p = kvsim(["sweep-merge", dirs[0], os.path.join(tmp, "shard-2-2"), "--out",
           os.path.join(tmp, "merged-bad")])
check("merge of shards of different sweeps: bad input", p.returncode == 2, p.returncode)

# The progress line: on stderr with --progress; nothing when not a terminal.
p = kvsim(["sweep", heal, "--seeds", "1..5", "--jobs", "2", "--progress", "--out",
           os.path.join(tmp, "progress")])
check("--progress: the last progress line counts every seed",
      b"5 of 5 seeds, 0 failed" in p.stderr, p.stderr)
p = kvsim(["sweep", heal, "--seeds", "1..5", "--jobs", "2", "--out", os.path.join(tmp, "quiet")])
check("no progress line when stderr is not a terminal", p.stderr == b"", p.stderr)

# 8. Bad input: exit status 2, a message.
for args in (["--seeds", "5..1"], ["--seeds", "1-5"], ["--seeds", "1..5", "--shard", "0/2"],
             ["--seeds", "1..5", "--shard", "3/2"], ["--seeds", "1..5", "--shard", "1/6"],
             ["--seeds", "1..5", "--require", "nope=5"],
             ["--seeds", "1..5", "--require", "siblings=101%"],
             ["--seeds", "1..5", "--require", "siblings"]):
    p = kvsim(["sweep", heal] + args + ["--out", os.path.join(tmp, "bad")])
    check(f"sweep {args}: bad input", p.returncode == 2 and p.stderr, (p.returncode, p.stderr))

finish()
