#!/usr/bin/env python3
"""kvsim's own histories read back; broken ones are refused; big runs are
drawn in part, saying which part, the same way by `run` and `render`.

Usage: viz_cli_test.py KVSIM SCENARIO_DIR DATA_DIR

- round trip (issue 10 item 4): every scenario and DATA_DIR/sibling-bound.yaml
  (101 blind clock:auto puts, past the sibling bound): `kvsim run` exits 0
  and writes the pictures, the story and the report; `kvsim explain` exits
  0 on the history (`kvsim render` on every scenario's history is
  viz_dot_test.py's, which also lays its pictures out with Graphviz's dot). The refused write is recounted here
  from the history and must match summary.json's writes_refused.
- broken histories (item 9): empty, no start, a node not in start, a start
  with no nodes or 200,000 nodes, cut at a line boundary, without final/end,
  an end before every final: exit 2 with FILE:LINE; a cut history is drawn
  and told with --partial, the titles and the story saying it is partial.
- a run too big for one picture (item 10): `run` prints its verdicts before
  drawing; `run` and `render` draw the same part and say which; the part
  (1..2000 of N messages, up to line L) is recounted here from the history.
- a window past the end (item 11) exits 2 and says so; `t: -5` is quoted.
- a tall picture's PNG is readable (item 12): drawn at full size, of its
  first rows, and kvsim says so.
Ends with 'N passed, N failed'.
"""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS, DATA = sys.argv[1:4]


def kvsim(*args, merge=False):
    return subprocess.run([KVSIM, *args], capture_output=not merge, text=True, timeout=600,
                          stdout=subprocess.PIPE if merge else None,
                          stderr=subprocess.STDOUT if merge else None)


def lines_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_lines(path, objects):
    with open(path, "w") as f:
        for o in objects:
            f.write(json.dumps(o) + "\n")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


tmp = tempfile.mkdtemp(prefix="kvsim_viz_cli_")

# ---- item 4: round trip ------------------------------------------------------
scenarios = sorted(glob.glob(os.path.join(SCENARIOS, "*.yaml")))
scenarios.append(os.path.join(DATA, "sibling-bound.yaml"))
for scenario in scenarios:
    name = os.path.basename(scenario)[:-5]
    out = os.path.join(tmp, "rt", name)
    run = kvsim("run", scenario, "--out", out, "--quiet")
    check(f"{name}: run exits 0", run.returncode == 0, run.stderr[-300:])
    check(f"{name}: run says nothing is incomplete", "incomplete" not in run.stderr,
          run.stderr[-300:])
    for f in ("siblings.dot", "spacetime.dot", "story.txt", "index.html"):
        check(f"{name}: run writes {f}", os.path.exists(os.path.join(out, f)))
    history = os.path.join(out, "history.jsonl")
    explain = kvsim("explain", history)
    check(f"{name}: explain exits 0", explain.returncode == 0, explain.stderr[-300:])
    check(f"{name}: explain tells a story", explain.stdout.startswith("Run \""))

bound = os.path.join(tmp, "rt", "sibling-bound")
events = lines_of(os.path.join(bound, "history.jsonl"))
refused = [e for e in events if e["kind"] == "apply" and e["result"] == "refused"]
errors = [e for e in events if e["kind"] == "send" and e["body"]["type"] == "error"]
summary = json.load(open(os.path.join(bound, "summary.json")))
check("sibling-bound: the run refuses a write", len(refused) >= 1, str(len(refused)))
check("sibling-bound: each refused write is answered with an error body",
      len(errors) == len(refused), f"{len(errors)} {len(refused)}")
check("sibling-bound: refused writes as summary.json counts them",
      summary["figures"]["writes_refused"] == len(refused))
check("sibling-bound: a refused write left 100 siblings",
      all(e["siblings"] == 100 and e["status"] == "too_many_siblings" for e in refused))
story_path = os.path.join(bound, "story.txt")
story = open(story_path).read() if os.path.exists(story_path) else ""
check("sibling-bound: the story says refused", " refused put " in story)

# ---- item 9: broken histories --------------------------------------------------
good = lines_of(os.path.join(tmp, "rt", "partition-heal", "history.jsonl"))


def refused_with(name, objects_or_text, where, *extra):
    path = os.path.join(tmp, "broken", name + ".jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(objects_or_text, str):
        open(path, "w").write(objects_or_text)
    else:
        write_lines(path, objects_or_text)
    for command in ("render", "explain"):
        args = [command, path, *extra]
        if command == "render":
            args += ["--out", os.path.join(tmp, "broken-out", name)]
        p = kvsim(*args)
        check(f"{name}: {command} exits 2", p.returncode == 2, p.stderr[-300:])
        check(f"{name}: {command} names {where}", p.stderr.startswith(f"kvsim: {path}{where}"),
              p.stderr[-300:])
    return path


refused_with("empty", "", ": empty")
refused_with("no-start", good[1:], ":1: the first line must be \"start\"")
unlisted = [dict(e) for e in good]
i = next(k for k, e in enumerate(unlisted) if e["kind"] == "apply")
unlisted[i]["node"] = "n9"
refused_with("unlisted-node", unlisted, f":{i + 1}: field \"node\" names node \"n9\"")
no_nodes = [dict(e) for e in good]
no_nodes[0]["nodes"] = []
refused_with("zero-nodes", no_nodes, ":1: field \"nodes\" lists no nodes")
cut = good[: len(good) // 2]
cut_path = refused_with("cut", cut, f":{len(cut)}: the history stops here, without its \"end\"")
refused_with("no-final-no-end", [e for e in good if e["kind"] not in ("final", "end")],
             f":{len(good) - 4}: the history stops here")
missing_final = [e for e in good if not (e["kind"] == "final" and e["node"] == "n2")]
refused_with("end-before-final", missing_final,
             f":{len(missing_final)}: \"end\" comes before a \"final\" line for node \"n2\"")

# --partial draws and tells a cut history, saying so.
out = os.path.join(tmp, "broken-out", "cut-partial")
p = kvsim("render", cut_path, "--partial", "--out", out)
check("cut --partial: render exits 0", p.returncode == 0, p.stderr[-300:])
note = f"PARTIAL history: it stops at line {len(cut)}"
for f in ("spacetime.dot", "siblings.dot"):
    text = open(os.path.join(out, f)).read() if os.path.exists(os.path.join(out, f)) else ""
    check(f"cut --partial: {f}'s title says partial", note in text)
p = kvsim("explain", cut_path, "--partial")
check("cut --partial: explain exits 0", p.returncode == 0, p.stderr[-300:])
check("cut --partial: the story says partial", note in p.stdout)
# A run killed mid-write leaves half a line: --partial skips it, with a warning.
half = os.path.join(tmp, "broken", "half-line.jsonl")
text = "".join(json.dumps(e) + "\n" for e in cut)
open(half, "w").write(text + json.dumps(good[len(cut)])[:20])
p = kvsim("explain", half, "--partial")
check("half line --partial: explain exits 0", p.returncode == 0, p.stderr[-300:])
check("half line --partial: warns", f"{half}:{len(cut) + 1}: the last line is cut short" in p.stderr,
      p.stderr[-300:])

# 200,000 nodes: refused at once, nothing written.
huge = [dict(good[0])]
huge[0]["nodes"] = [f"n{k}" for k in range(1, 200001)]
huge_out = os.path.join(tmp, "broken-out", "huge")
started = time.monotonic()
refused_with("huge-start", huge, ":1: field \"nodes\" lists 200000 nodes, more than 1000")
check("huge-start: refused within 10 s", time.monotonic() - started < 10)
check("huge-start: nothing written", not os.path.exists(huge_out))

# item 11: a negative t is quoted.
negative = [dict(e) for e in good]
negative[1]["t"] = -5
refused_with("negative-t", negative, ":2: field \"t\" must be a non-negative integer, not -5")

# ---- item 11: a window past the end --------------------------------------------
history = os.path.join(tmp, "rt", "partition-heal", "history.jsonl")
for flag, says in (("#999999", f"its last line is #{len(good)}"),
                   ("5s", "its last event is at 2s")):
    p = kvsim("render", history, "--from", flag, "--out", os.path.join(tmp, "past"))
    check(f"--from {flag} past the end: exits 2", p.returncode == 2, p.stderr[-300:])
    check(f"--from {flag} past the end: says so",
          f"--from {flag} is past the end of {history}: {says}" in p.stderr, p.stderr[-300:])

# ---- item 10: a run too big for one picture -------------------------------------
big = os.path.join(tmp, "big.yaml")
open(big, "w").write("""name: big-run
description: more messages than one picture holds
seed: 3
nodes: 3
network:
  delay: {dist: uniform, min: 1ms, max: 5ms}
anti_entropy: {interval: 20ms}
workload: {clients: 4, keys: 3, ops: 1200, start: 1ms, interval: 1ms, mix: {put: 1, get: 8, resolve: 0}, target: random}
run_until: 3s
""")
big_out = os.path.join(tmp, "big")
run = kvsim("run", big, "--out", big_out, merge=True)
check("big run: exits 0", run.returncode == 0, run.stdout[-500:])
said = run.stdout
verdict_at = said.find("ok   converged")
note_at = said.find("kvsim: note: Drew messages")
check("big run: verdicts come before the drawing", 0 <= verdict_at < note_at, said[-800:])

# Recount here: messages in the order sent, less quiet anti-entropy digests
# (delivered, never dropped, and no ae_diff answered their round).
events = lines_of(os.path.join(big_out, "history.jsonl"))
sends = {}
delivered, dropped, answered = set(), set(), set()
for number, e in enumerate(events, 1):
    if e["kind"] == "send":
        sends[e["id"]] = (number, e)
        if e["body"]["type"] == "ae_diff":
            answered.add((e["body"]["round"], e["src"], e["dest"]))
    elif e["kind"] == "deliver":
        delivered.add(e["id"])
    elif e["kind"] == "drop":
        dropped.add(e["id"])


def quiet(e):
    b = e["body"]
    return (b["type"] == "ae_digest" and e["id"] in delivered and e["id"] not in dropped
            and (b["round"], e["dest"], e["src"]) not in answered)


drawn = [number for number, e in sorted(sends.values(), key=lambda s: s[0]) if not quiet(e)]
expected = f"Drew messages 1..2000 of the {len(drawn):,} in the run (history lines #1..#"
check("big run: says which messages it drew, of how many", expected in said, said[-800:])
# The part ends before the 2001st drawn send (messages sent before it and
# delivered after it are drawn to the edge).
check("big run: the next part starts at the 2001st message",
      f"kvsim render {os.path.join(big_out, 'history.jsonl')} --from #{drawn[2000]}" in said,
      said[-800:])
render = kvsim("render", os.path.join(big_out, "history.jsonl"), "--out",
               os.path.join(tmp, "big-render"))
check("big render: exits 0", render.returncode == 0, render.stderr[-300:])
run_note = said[note_at:].split("\n")[0]
check("big run and render say the same", run_note in render.stderr, render.stderr[-500:])
def read_or_empty(path):
    return open(path).read() if os.path.exists(path) else ""


run_dot = read_or_empty(os.path.join(big_out, "spacetime.dot"))
render_dot = read_or_empty(os.path.join(tmp, "big-render", "spacetime.dot"))
check("big run and render draw the same picture", run_dot != "" and run_dot == render_dot)
# A window asked for that is too full is drawn in part, not refused.
p = kvsim("render", os.path.join(big_out, "history.jsonl"), "--from", "0us", "--to", "3s",
          "--out", os.path.join(tmp, "big-window"))
check("a too-full window: exit 0", p.returncode == 0, p.stderr[-300:])
check("a too-full window: says which part", "in the window 0us to 3s" in p.stderr,
      p.stderr[-300:])

# ---- item 12: a tall picture's PNG -------------------------------------------------
png = os.path.join(big_out, "spacetime.png")
if os.path.exists(png):
    width, height = png_size(png)
    # At full size: the PNG's pixels are the picture's points at 96 dpi. Its
    # part is as wide as the whole picture in the SVG.
    svg = read_or_empty(os.path.join(big_out, "spacetime.svg")) or '<svg width="0pt"'

    svg_width_pt = float(svg.split('<svg width="', 1)[1].split("pt", 1)[0])
    check("tall picture: the PNG is drawn at 96 dpi",
          abs(width - svg_width_pt * 96 / 72) <= svg_width_pt / 72, f"{width}x{height} for {svg_width_pt} pt")
    check("tall picture: kvsim says which rows the PNG shows",
          "note: spacetime.png: This PNG shows rows 1.." in said, said[-800:])

finish()
