#!/usr/bin/env python3
"""Output folders and output streams (issue 22, items 3 to 8), end to end.

Usage: outputs_test.py KVSIM SCENARIO_DIR DATA_DIR

3. Folders never clobber each other: `run --out` a sweep's folder, `sweep
   --out` a run's folder and `shrink --out` a sweep's folder are refused
   (exit 2) and leave the folder's files byte for byte; `sweep-merge h1 h2
   --out h1` (or ./h1/) is refused, and the same merge into a new folder
   still works afterwards.
4. stdout on /dev/full: run, sweep, shrink, sweep-merge, explain, bench
   fanout, --version and --help (of kvsim and of a subcommand) exit 4 with a
   message on stderr.
5. A kept failing run that cannot be written (OUT/seed-S is a file) is not
   announced as kept, and the sweep exits 4.
6. Every number on the command line takes decimal digits within its range:
   -5, a 23-digit number, 1e3 are refused (exit 2) for --keep-failures,
   --jobs, node --seed, bench's -N/-K/-P/--seed.
7. Writes are whole or nothing: with the file size limit (RLIMIT_FSIZE, the
   way a full disk fails a write) below summary.json's size, a run into a
   folder holding an earlier run exits 4 and leaves no summary.json (not a
   part of one, not the earlier run's); a sweep into a folder holding an
   earlier sweep leaves that sweep's sweep.jsonl and summary.json whole; no
   temporary file is left behind.
8. Messages: `kvsim runn` and `kvsim bench nonsense` name the unknown word
   and the nearest subcommand (or all of them); a shard's sweep.jsonl with
   CRLF line ends or an unknown field is refused with FILE:LINE; a sharded
   sweep judges `--require` only at the merge (a shard whose slice falls
   short still exits 0 when its seeds pass, and says the coverage is judged
   at the merge; the merge says met); more shards than seeds is refused.
"""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS, DATA = (os.path.abspath(a) for a in sys.argv[1:4])
HEAL = os.path.join(SCENARIOS, "partition-heal.yaml")
LOSSY = os.path.join(DATA, "sweep-lossy.yaml")
SIBLINGS = os.path.join(SCENARIOS, "sweep-siblings.yaml")


def kvsim(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, preexec_fn=None):
    return subprocess.run([KVSIM] + args, stdout=stdout, stderr=subprocess.PIPE, stdin=stdin,
                          text=True, timeout=300, preexec_fn=preexec_fn)


def files_of(folder):
    """Every file under `folder` with its bytes."""
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = f.read()
    return out


def temporaries(folder):
    return [name for _, _, names in os.walk(folder) for name in names if ".tmp-" in name]


with tempfile.TemporaryDirectory() as tmp:
    def at(*parts):
        return os.path.join(tmp, *parts)

    # --- 3. folders ---------------------------------------------------------
    p = kvsim(["sweep", LOSSY, "--seeds", "1..12", "--jobs", "1", "--keep-failures", "1",
               "--out", at("sweep")])
    check("a sweep to start from", p.returncode in (0, 1), p.stderr)
    sweep_files = files_of(at("sweep"))
    p = kvsim(["run", HEAL, "--out", at("sweep"), "--no-render", "--quiet"])
    check("3: run --out a sweep's folder is refused (exit 2)", p.returncode == 2,
          (p.returncode, p.stderr))
    check("3: saying the folder holds a sweep's results",
          "holds a sweep's results" in p.stderr, p.stderr)
    check("3: the sweep's files are left as they were", files_of(at("sweep")) == sweep_files)
    p = kvsim(["sweep-merge", at("sweep"), "--out", at("sweep-again")])
    check("3: the sweep's folder still merges", p.returncode in (0, 1), p.stderr)
    p = kvsim(["shrink", LOSSY, "--seed", "3", "--out", at("sweep"), "--no-render"])
    check("3: shrink --out a sweep's folder is refused (exit 2)", p.returncode == 2 and
          files_of(at("sweep")) == sweep_files, (p.returncode, p.stderr))

    p = kvsim(["run", HEAL, "--out", at("run"), "--no-render", "--quiet"])
    check("a run to start from", p.returncode == 0, p.stderr)
    run_files = files_of(at("run"))
    p = kvsim(["sweep", HEAL, "--seeds", "1..3", "--out", at("run")])
    check("3: sweep --out a run's folder is refused (exit 2)", p.returncode == 2,
          (p.returncode, p.stderr))
    check("3: saying the folder holds a run's output", "holds a run's output" in p.stderr,
          p.stderr)
    check("3: the run's files are left as they were, no sweep.jsonl",
          files_of(at("run")) == run_files)

    for i in (1, 2, 3):
        kvsim(["sweep", HEAL, "--seeds", "1..30", "--shard", f"{i}/3", "--jobs", "1",
               "--out", at(f"h{i}")])
    shards = [at(f"h{i}") for i in (1, 2, 3)]
    for i in (1, 2, 3):  # copies the checks below cannot have touched
        shutil.copytree(at(f"h{i}"), at(f"g{i}"))
    pristine = [at(f"g{i}") for i in (1, 2, 3)]
    h1 = files_of(at("h1"))
    for out in (at("h1"), at("h1") + "/", os.path.join(tmp, ".", "h1")):
        p = kvsim(["sweep-merge"] + shards + ["--out", out])
        check(f"3: sweep-merge --out {os.path.relpath(out, tmp)}, one of its inputs, is refused",
              p.returncode == 2 and "one of the folders being merged" in p.stderr,
              (p.returncode, p.stderr))
    check("3: the shard is left as it was", files_of(at("h1")) == h1)
    p = kvsim(["sweep-merge"] + shards + ["--out", at("merged")])
    check("3: the same merge into a new folder works", p.returncode == 0, p.stderr)
    p = kvsim(["sweep-merge"] + shards + ["--out", at("run")])
    check("3: sweep-merge --out a run's folder is refused", p.returncode == 2 and
          files_of(at("run")) == run_files, (p.returncode, p.stderr))

    # --- 4. stdout on /dev/full -----------------------------------------------
    history = os.path.join(at("run"), "history.jsonl")
    cases = [
        ("run", ["run", HEAL, "--out", at("full-run"), "--no-render"]),
        ("sweep", ["sweep", HEAL, "--seeds", "1..3", "--jobs", "1", "--out", at("full-sweep")]),
        ("shrink", ["shrink", LOSSY, "--seed", "3", "--out", at("full-shrink"), "--no-render"]),
        ("sweep-merge", ["sweep-merge"] + pristine + ["--out", at("full-merge")]),
        ("explain", ["explain", history]),
        ("bench fanout", ["bench", "fanout", "-N", "3", "-K", "10", "-P", "100"]),
        ("--version", ["--version"]),
        ("--help", ["--help"]),
        ("run --help", ["run", "--help"]),
    ]
    for name, args in cases:
        with open("/dev/full", "w") as full:
            p = kvsim(args, stdout=full)
        check(f"4: {name} with stdout on /dev/full exits 4 with a message",
              p.returncode == 4 and re.search("cannot write .*(stdout|standard output)",
                                              p.stderr),
              (p.returncode, p.stderr[-300:]))

    # --- 5. kept failing runs that cannot be written ------------------------------
    kvsim(["sweep", LOSSY, "--seeds", "1..12", "--jobs", "1", "--keep-failures", "0",
           "--out", at("sweep-ref")])
    summary = json.load(open(os.path.join(at("sweep-ref"), "summary.json")))
    first = summary["failing_seeds"][0]
    os.mkdir(at("keep"))
    with open(at("keep", f"seed-{first}"), "w") as f:
        f.write("a file where the run's folder would go\n")
    p = kvsim(["sweep", LOSSY, "--seeds", "1..12", "--jobs", "1", "--keep-failures", "1",
               "--out", at("keep")])
    check("5: a kept run that cannot be written: exit 4", p.returncode == 4,
          (p.returncode, p.stderr))
    check("5: said on stderr", f"seed {first}'s run could not be kept" in p.stderr, p.stderr)
    check("5: not announced as kept", "failing seeds' runs" not in p.stdout, p.stdout)
    check("5: the records are written all the same",
          os.path.exists(at("keep", "sweep.jsonl")) and
          os.path.isfile(at("keep", f"seed-{first}")))

    # --- 6. numbers ------------------------------------------------------------
    numbers = [
        ["sweep", HEAL, "--seeds", "1..2", "--keep-failures", "-5"],
        ["sweep", HEAL, "--seeds", "1..2", "--keep-failures", "99999999999999999999999"],
        ["sweep", HEAL, "--seeds", "1..2", "--keep-failures", "1e3"],
        ["sweep", HEAL, "--seeds", "1..2", "--jobs", "-1"],
        ["sweep", HEAL, "--seeds", "1..2", "--jobs", "0"],
        ["node", "--seed", "-1"],
        ["bench", "fanout", "-N", "-3"],
        ["bench", "fanout", "-P", "99999999999999999999999"],
        ["bench", "fanout", "--seed", "-1"],
        ["bench", "scale", "--seed", "-1"],
        ["run", HEAL, "--seed", "+1"],
    ]
    for args in numbers:
        p = kvsim(args + ["--out", at("numbers")] if args[0] in ("sweep", "run") else args)
        check(f"6: {' '.join(args[-2:])} ({args[0]}) is refused (exit 2)",
              p.returncode == 2 and "must be an integer from" in p.stderr,
              (p.returncode, p.stderr[-300:]))
    check("6: nothing was written for a refused number", not os.path.exists(at("numbers")))

    # --- 7. whole writes under a full disk -----------------------------------
    def limit(size):
        def apply():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        return apply

    shutil.copytree(at("run"), at("full"))
    summary_size = os.path.getsize(at("full", "summary.json"))
    p = kvsim(["run", HEAL, "--seed", "2", "--out", at("full"), "--no-render", "--quiet"],
              preexec_fn=limit(summary_size // 2))
    check("7: a run whose writes fail exits 4", p.returncode == 4, (p.returncode, p.stderr))
    check("7: no summary.json: not a part of one, not the earlier run's",
          not os.path.exists(at("full", "summary.json")),
          open(at("full", "summary.json"), "rb").read()[:200]
          if os.path.exists(at("full", "summary.json")) else "")
    check("7: no temporary file left", temporaries(at("full")) == [], temporaries(at("full")))

    shutil.copytree(at("sweep"), at("full-sweep2"))
    before = files_of(at("full-sweep2"))
    p = kvsim(["sweep", LOSSY, "--seeds", "1..40", "--jobs", "1", "--keep-failures", "0",
               "--out", at("full-sweep2")], preexec_fn=limit(2000))
    check("7: a sweep whose writes fail exits 4", p.returncode == 4, (p.returncode, p.stderr))
    after = files_of(at("full-sweep2"))
    check("7: the earlier sweep's records and summary are left whole",
          after.get("sweep.jsonl") == before["sweep.jsonl"] and
          after.get("summary.json") == before["summary.json"])
    check("7: no temporary file left", temporaries(at("full-sweep2")) == [],
          temporaries(at("full-sweep2")))

    # --- 8. messages -------------------------------------------------------------
    p = kvsim(["runn", HEAL])
    check("8: an unknown subcommand is named, with the nearest one",
          p.returncode == 2 and "unknown subcommand 'runn'" in p.stderr and
          "did you mean 'run'?" in p.stderr, p.stderr)
    p = kvsim(["bench", "nonsense"])
    check("8: bench's unknown subcommand is named, with bench's subcommands",
          p.returncode == 2 and "unknown subcommand 'nonsense'" in p.stderr and
          "fanout, scale" in p.stderr, p.stderr)

    shutil.copytree(at("g2"), at("crlf"))
    path = at("crlf", "sweep.jsonl")
    text = open(path, "rb").read()
    open(path, "wb").write(text.replace(b"\n", b"\r\n"))
    p = kvsim(["sweep-merge", at("g1"), at("crlf"), at("g3"), "--out", at("crlf-merged")])
    check("8: a shard with CRLF line ends is refused with FILE:LINE",
          p.returncode == 2 and f"{path}:1: " in p.stderr and "CR LF" in p.stderr, p.stderr)
    lines = text.decode().splitlines(keepends=True)
    record = json.loads(lines[2])
    record["note"] = "added by hand"
    lines[2] = json.dumps(record) + "\n"
    open(path, "w").write("".join(lines))
    p = kvsim(["sweep-merge", at("g1"), at("crlf"), at("g3"), "--out", at("crlf-merged")])
    check("8: a shard with an unknown field is refused with FILE:LINE",
          p.returncode == 2 and f"{path}:3: " in p.stderr and "'note'" in p.stderr, p.stderr)
    check("8: nothing merged", not os.path.exists(at("crlf-merged", "sweep.jsonl")))

    # --require on a sharded sweep: choose a counter that the whole range
    # reaches but one shard's slice does not (recounted from the records).
    # The scenario's own `sweep: require:` is switched off (0%).
    off = []
    for counter in ("siblings", "duplicate", "gave_up", "resolve_after_heal"):
        off += ["--require", f"{counter}=0"]
    p = kvsim(["sweep", SIBLINGS, "--swarm", "--seeds", "1..40", "--jobs", "1", "--out",
               at("whole")] + off)
    records = [json.loads(line) for line in open(at("whole", "sweep.jsonl"))]
    check("the swarm sweep passes every seed", p.returncode == 0 and
          all(r["ok"] for r in records), p.stderr)
    chosen = None
    for counter in ("gave_up", "duplicate", "stale_rejected", "resolve_after_heal"):
        whole = sum(r["coverage"][counter] for r in records)
        percent = whole * 100 // len(records)  # met by the whole range
        halves = [sum(r["coverage"][counter] for r in records[:20]),
                  sum(r["coverage"][counter] for r in records[20:])]
        if 0 < percent and min(halves) * 100 < percent * 20:
            chosen = (counter, percent)
            break
    check("a counter one half falls short of", chosen is not None)
    if chosen:
        counter, percent = chosen
        outs = []
        for i in (1, 2):
            outs.append(at(f"req-{i}"))
            p = kvsim(["sweep", SIBLINGS, "--swarm", "--seeds", "1..40", "--shard", f"{i}/2",
                       "--jobs", "1", "--out", outs[-1]] + off +
                      ["--require", f"{counter}={percent}"])
            check(f"8: shard {i} of a sweep whose seeds all pass exits 0", p.returncode == 0,
                  (p.returncode, p.stdout[-400:], p.stderr))
            check(f"8: shard {i} says coverage is judged at the merge",
                  "judged when sweep-merge has every shard" in p.stdout and
                  "NOT MET" not in p.stdout, p.stdout[-400:])
            shard_summary = json.load(open(os.path.join(outs[-1], "summary.json")))
            check(f"8: shard {i}'s summary leaves 'met' to the merge",
                  shard_summary["ok"] and
                  all(r["met"] is None for r in shard_summary["required"]),
                  shard_summary.get("required"))
        p = kvsim(["sweep-merge"] + outs + ["--out", at("req-merged")])
        check("8: the merge judges the coverage over every seed: met, exit 0",
              p.returncode == 0 and re.search(rf"required: {counter} .* met$", p.stdout, re.M),
              (p.returncode, p.stdout[-400:]))

    p = kvsim(["sweep", HEAL, "--seeds", "1..3", "--shard", "1/4", "--out", at("too-many")])
    check("8: more shards than seeds is refused (exit 2)", p.returncode == 2 and
          "would leave some empty" in p.stderr, (p.returncode, p.stderr))

finish()
