#!/usr/bin/env python3
"""Every DOT file kvsim writes is accepted by Graphviz's `dot`; render and
explain behave on the command line.

Usage: viz_dot_test.py KVSIM DOT SCENARIO_DIR DATA_DIR

- for every scenario: `kvsim run` (pictures off), then `kvsim render` on its
  history; siblings.dot and spacetime.dot are laid out by `dot` (with the
  engine the file names in `layout=`, if any) without an error;
- the same for the hand-made histories in DATA_DIR (viz_*.jsonl);
- `kvsim render` writes index.html beside the pictures, and rendering twice
  gives the same bytes; `kvsim explain` prints the story and nothing else;
- bad input: a malformed history and a bad window exit 2 with one clear line
  on stderr; a history that cannot be opened exits 4 (an I/O failure);
  a window with too many messages is drawn in part, saying which.
Ends with 'N passed, N failed'.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, DOT, SCENARIOS, DATA = sys.argv[1:5]


def kvsim(*args):
    return subprocess.run([KVSIM, *args], capture_output=True, text=True, timeout=600)


def dot_accepts(path):
    text = open(path).read()
    layout = re.search(r"\blayout=(\w+)", text)
    args = [DOT, "-Tsvg", "-o", os.devnull, path]
    if layout:
        args.insert(1, "-K" + layout.group(1))
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    # Warnings are allowed; an error is not.
    return proc.returncode == 0 and "Error" not in proc.stderr, proc.stderr.strip()[:300]


def render_and_check(name, history, out):
    proc = kvsim("render", history, "--out", out)
    check(f"{name}: render exits 0", proc.returncode == 0, proc.stderr.strip()[:300])
    check(f"{name}: render keeps stdout clean", proc.stdout == "", proc.stdout[:200])
    for picture in ("siblings.dot", "spacetime.dot"):
        path = os.path.join(out, picture)
        if not os.path.exists(path):
            check(f"{name}: {picture} written", False)
            continue
        ok, err = dot_accepts(path)
        check(f"{name}: dot accepts {picture}", ok, err)
    check(f"{name}: index.html written", os.path.exists(os.path.join(out, "index.html")))


with tempfile.TemporaryDirectory() as tmp:
    scenarios = sorted(glob.glob(os.path.join(SCENARIOS, "*.yaml")))
    check("scenarios found", len(scenarios) > 0, SCENARIOS)
    for path in scenarios:
        name = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(tmp, name)
        proc = kvsim("run", path, "--out", out, "--quiet", "--no-render")
        history = os.path.join(out, "history.jsonl")
        check(f"{name}: run writes a history", os.path.exists(history), proc.stderr.strip()[:300])
        if os.path.exists(history):
            render_and_check(name, history, os.path.join(out, "viz"))

    histories = sorted(glob.glob(os.path.join(DATA, "viz_*.jsonl")))
    check("hand-made histories found", len(histories) >= 2, DATA)
    for history in histories:
        name = os.path.basename(history)
        a, b = os.path.join(tmp, name + ".a"), os.path.join(tmp, name + ".b")
        render_and_check(name, history, a)
        kvsim("render", history, "--out", b)
        for f in ("siblings.dot", "spacetime.dot", "index.html"):
            same = open(os.path.join(a, f), "rb").read() == open(os.path.join(b, f), "rb").read()
            check(f"{name}: {f} the same twice", same)
        story = kvsim("explain", history)
        check(f"{name}: explain exits 0", story.returncode == 0, story.stderr[:300])
        check(f"{name}: explain tells each key", "\nKey " in story.stdout and story.stderr == "",
              story.stderr[:300])

    # Bad input: exit 2 and one line on stderr naming what is wrong.
    bad = os.path.join(tmp, "bad.jsonl")
    with open(bad, "w") as f:
        f.write('{"t": 0, "kind": "fault", "fault": "heal"}\n{"t": "soon"}\n')
    for args, expect in ((["render", bad], f"{bad}:2: field \"t\" must be"),
                         (["explain", bad], f"{bad}:2: field \"t\" must be"),
                         (["render", histories[0], "--from", "soon"], "--from: \"soon\" is"),
                         (["render", histories[0], "--from", "5ms", "--to", "12"],
                          "must both be times")):
        proc = kvsim(*args)
        check(f"{' '.join(args[:1] + args[2:])}: exit 2", proc.returncode == 2,
              f"{proc.returncode} {proc.stderr[:200]}")
        check(f"{' '.join(args[:1] + args[2:])}: says why", expect in proc.stderr,
              proc.stderr[:300])

    # A history that cannot be opened is an I/O failure: exit 4
    # (cli/exit_status.h; it was 2 before issue 11).
    proc = kvsim("explain", os.path.join(tmp, "missing.jsonl"))
    check("explain missing.jsonl: exit 4", proc.returncode == 4,
          f"{proc.returncode} {proc.stderr[:200]}")
    check("explain missing.jsonl: says why", "cannot open" in proc.stderr, proc.stderr[:300])

    many = os.path.join(tmp, "many.jsonl")
    with open(many, "w") as f:
        f.write('{"t": 0, "kind": "start", "scenario": "s", "seed": 1, "nodes": ["n1", "n2"], '
                '"description": ""}\n')
        for i in range(1, 2102):
            f.write(f'{{"t": {i}, "kind": "send", "id": {i}, "src": "n1", "dest": "n2", '
                    f'"body": {{"type": "replicate", "key": "k", "value": {i}, "clock": [{i}]}}}}\n')
        for node in ("n1", "n2"):
            f.write(f'{{"t": 2102, "kind": "final", "node": "{node}", "live": true, "store": {{}}}}\n')
        f.write('{"t": 2102, "kind": "end", "events": 2101, "messages": 2101}\n')
    # Messages 1..2000 are sent on lines 2..2001; message 2001 on line 2002.
    proc = kvsim("render", many, "--out", os.path.join(tmp, "many"))
    check("too many messages: drawn in part, exit 0", proc.returncode == 0,
          f"{proc.returncode} {proc.stderr[:300]}")
    check("too many messages: says which part",
          "Drew messages 1..2000 of the 2,101 in the run (history lines #1..#2001" in proc.stderr,
          proc.stderr[:300])
    check("too many messages: says where the next part starts", "--from #2002" in proc.stderr,
          proc.stderr[:300])

finish()
