#!/usr/bin/env python3
"""End-to-end tests of `kvsim run`'s limits and command line (issue 10,
items 7, 8 and 11), through the real binary.

Usage: cli_test.py KVSIM SCENARIO_DIR

- a run whose history cannot be written (/dev/full) stops at once, exit 4
  (an I/O failure, cli/exit_status.h; it was 2 before issue 11);
- a run stops when its history reaches --max-history, exit 3, keeping whole
  lines (a prefix of the uncut run's history) and a summary that says so;
- an absurdly large scenario is announced before it runs;
- a run removes an earlier run's pictures, story and report from its folder;
- --seed, --out and --max-history refuse what they cannot take;
- --quiet hides the render notes; a scenario ending in a lone CR loads;
  the story prints non-ASCII as text while the history keeps the escapes;
  a crash of a node already down is refused with FILE:LINE.

Every expectation is worked out here from the scenario or the history file,
not taken from kvsim's own output.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])


def kvsim(args, cwd=None, timeout=120):
    """Runs kvsim; returns (exit status, stdout, stderr, seconds); status
    None if it ran past `timeout`."""
    start = time.monotonic()
    try:
        p = subprocess.run([KVSIM] + args, capture_output=True, text=True, cwd=cwd,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired:
        return None, "", f"(still running after {timeout} s)", time.monotonic() - start


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


# The scenario of issue 10 that filled a disk: 1000 nodes, anti-entropy
# every 1us for 1000 s. Each node ticks and sends a digest every interval:
# 1000 * (1000 s / 1 us) * 2 = 2.0e12 events.
HUGE = "name: huge\nnodes: 1000\nanti_entropy: {interval: 1us}\nrun_until: 1000s\n"
HUGE_EVENTS = 1000 * (1000 * 10**6 // 1) * 2

# Generated traffic: a few MB of history in well under a second.
BUSY = """name: busy
nodes: 5
anti_entropy: {interval: 10ms}
workload: {clients: 4, keys: 20, ops: 3000, start: 1ms, interval: 200us, mix: {put: 3, get: 1, resolve: 1}}
run_until: 2s
"""

CONCURRENT = os.path.join(SCENARIOS, "concurrent-writes.yaml")


def scenario(tmp, name, text):
    """Writes `text` (bytes as given) to TMP/NAME.yaml; returns the path."""
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))
    return path


def test_write_error(tmp):
    """A write error stops the run at once (item 7)."""
    huge = scenario(tmp, "huge", HUGE)
    full = os.path.join(tmp, "full")
    os.mkdir(full)
    os.symlink("/dev/full", os.path.join(full, "history.jsonl"))
    code, out, err, took = kvsim(["run", huge, "--out", full, "--quiet"], timeout=30)
    check("/dev/full: exit 4", code == 4, (code, err))
    check("/dev/full: stops promptly", took < 20, took)
    check("/dev/full: says the write failed, after how many bytes, and when it stopped",
          "history write failed: No space left on device after 0 bytes; the run stopped at t="
          in err, err)
    check("/dev/full: no verdict printed as if the run were whole", "ok " not in out, out)


def test_history_cap(tmp):
    """The history cap (item 7)."""
    busy = scenario(tmp, "busy", BUSY)
    whole = os.path.join(tmp, "whole")
    code, _, err, _ = kvsim(["run", busy, "--out", whole, "--quiet", "--no-render",
                             "--max-history", "unlimited"])
    check("busy scenario runs whole with --max-history unlimited", code == 0, err)
    full_history = read_bytes(os.path.join(whole, "history.jsonl"))
    check("busy history is larger than the cap used below", len(full_history) > 500000,
          len(full_history))
    for cap_text, cap in (("100kB", 100000), ("300000", 300000), ("1MiB", 1 << 20)):
        cut = os.path.join(tmp, "cut")
        code, out, err, _ = kvsim(["run", busy, "--out", cut, "--max-history", cap_text])
        check(f"cap {cap_text}: exit 3", code == 3, (code, err))
        check(f"cap {cap_text}: the message names the cap and the flag",
              "reached its cap" in err and "--max-history" in err, err)
        history = read_bytes(os.path.join(cut, "history.jsonl"))
        check(f"cap {cap_text}: within the cap", len(history) <= cap, len(history))
        check(f"cap {cap_text}: a prefix of the whole run's history",
              full_history.startswith(history))
        check(f"cap {cap_text}: ends at a line's end", history.endswith(b"\n"))
        next_end = full_history.find(b"\n", len(history))
        check(f"cap {cap_text}: the next line would not have fit", next_end + 1 > cap,
              (next_end, cap))
        lines = [json.loads(line) for line in history.decode().splitlines()]
        check(f"cap {cap_text}: no final or end line",
              not any(line["kind"] in ("final", "end") for line in lines))
        summary = json.load(open(os.path.join(cut, "summary.json")))
        stopped = summary.get("stopped", {})
        check(f"cap {cap_text}: the summary says the history was cut",
              stopped.get("reason") == "history_cap" and summary["ok"] is False, summary)
        check(f"cap {cap_text}: the summary's sizes match the file",
              stopped.get("history_bytes") == len(history)
              and summary["figures"]["history_bytes"] == len(history)
              and stopped.get("max_history_bytes") == cap, summary)
        # The run stopped at the event whose line did not fit: that line's time.
        next_line = json.loads(full_history[len(history):next_end + 1])
        check(f"cap {cap_text}: stopped at the time of the first line left out",
              stopped.get("at_us") == next_line["t"], (stopped, next_line["t"]))
        check(f"cap {cap_text}: no verdicts, no pictures",
              "ok " not in out and not os.path.exists(os.path.join(cut, "index.html")), out)
    for bad in ("0", "12XB", "-5", "1.5GB", "99999999999TB", ""):
        code, _, err, _ = kvsim(["run", CONCURRENT, "--out", os.path.join(tmp, "x"),
                                 "--max-history", bad])
        check(f"--max-history {bad!r} refused", code == 2 and "--max-history" in err, (code, err))


def test_large_warning(tmp):
    """An absurd scenario is announced (item 7)."""
    huge = scenario(tmp, "huge", HUGE)
    code, _, err, _ = kvsim(["run", huge, "--out", os.path.join(tmp, "h"),
                                "--max-history", "1MB"], timeout=60)
    check("huge: exit 3 at a 1 MB cap", code == 3, (code, err))
    mantissa = HUGE_EVENTS / 10 ** 12
    check("huge: warned before running, with the estimate and the cap",
          f"about {mantissa:.1f}e12 events" in err and "1 MB (--max-history)" in err
          and err.index("warning") < err.index("reached its cap"), err)
    code, _, err, _ = kvsim(["run", CONCURRENT, "--out", os.path.join(tmp, "c")])
    check("a shipped scenario gets no warning", code == 0 and "warning" not in err, err)


def test_earlier_outputs(tmp):
    """An earlier run's outputs go (item 8)."""
    d = os.path.join(tmp, "D")
    code, _, err, _ = kvsim(["run", CONCURRENT, "--seed", "1", "--out", d, "--quiet"])
    check("seed 1 with pictures", code == 0, err)
    check("seed 1 wrote a story and a report",
          os.path.exists(os.path.join(d, "story.txt"))
          and os.path.exists(os.path.join(d, "index.html")))
    mine = ["notes.txt", "siblings.txt", "siblingsX.png", "index.htm", "my.dot"]
    for name in mine + ["spacetime-2.png", "siblings.svg"]:
        write(os.path.join(d, name), "x")
    os.mkdir(os.path.join(d, "spacetime.dot.d"))
    code, _, err, _ = kvsim(["run", CONCURRENT, "--seed", "2", "--no-render", "--out", d,
                             "--quiet"])
    check("seed 2 without pictures", code == 0, err)
    left = sorted(os.listdir(d))
    check("only seed 2's history and summary, and the files kvsim does not write, remain",
          left == sorted(["history.jsonl", "summary.json", "spacetime.dot.d"] + mine), left)
    start = json.loads(open(os.path.join(d, "history.jsonl")).readline())
    check("the history is seed 2's", start["seed"] == 2, start)
    e = os.path.join(tmp, "E")
    os.mkdir(e)
    write(os.path.join(e, "index.html"), "mine")
    code, _, err, _ = kvsim(["run", CONCURRENT, "--no-render", "--out", e, "--quiet"])
    check("a folder with no earlier run keeps its own index.html",
          code == 0 and open(os.path.join(e, "index.html")).read() == "mine", err)


def test_flags(tmp):
    """The command line (item 11)."""
    for seed in ("-1", "99999999999999999999", "18446744073709551616", "+1", "0x10", "1e3"):
        out_dir = os.path.join(tmp, "s")
        code, _, err, _ = kvsim(["run", CONCURRENT, "--seed", seed, "--out", out_dir])
        check(f"--seed {seed} refused", code == 2 and "--seed" in err, (code, err))
        check(f"--seed {seed}: nothing written", not os.path.exists(out_dir))
    code, _, err, _ = kvsim(["run", CONCURRENT, "--seed", "18446744073709551615", "--out",
                             os.path.join(tmp, "s"), "--quiet", "--no-render"])
    start = json.loads(open(os.path.join(tmp, "s", "history.jsonl")).readline())
    check("--seed 2^64-1 is taken as it is", code == 0 and start["seed"] == 2**64 - 1,
          (code, err, start))
    cwd = os.path.join(tmp, "cwd")
    os.mkdir(cwd)
    history = os.path.join(tmp, "s", "history.jsonl")
    for args in (["run", CONCURRENT, "--out", "--quiet"], ["run", CONCURRENT, "--out", "-x"],
                 ["render", history, "--out", "--from"]):
        code, _, err, _ = kvsim(args, cwd=cwd)
        check(f"{' '.join(args[2:])}: refused", code == 2 and "--out" in err, (code, err))
    check("no folder named after an option", os.listdir(cwd) == [], os.listdir(cwd))


def test_quiet_notes(tmp):
    """--quiet hides the render notes (item 11)."""
    # 600 puts to 3 nodes send 2400 messages (a request, two replicates, a
    # reply each), past the 2000 a space-time picture holds: the picture is
    # cut, with a note. 20 sequential clients, each with an op due every
    # 20 ms, keep up, and the run lasts until every message has arrived.
    notes = scenario(tmp, "notes", "name: notes\nnodes: 3\nworkload: {clients: 20, keys: 50, "
                     "ops: 600, start: 1ms, interval: 1ms}\nrun_until: 60s\n")
    code, out, err, _ = kvsim(["run", notes, "--out", os.path.join(tmp, "n1")])
    check("the cut picture gets a note without --quiet", code == 0 and "note:" in err, err)
    code, out, err, _ = kvsim(["run", notes, "--out", os.path.join(tmp, "n2"), "--quiet"])
    check("--quiet: no note, nothing at all", code == 0 and err == "" and out == "", (out, err))


def test_lone_cr(tmp):
    """A scenario ending in a lone CR (item 11)."""
    for name, text in (("cr-end", "name: cr\nnodes: 2\nrun_until: 10ms\nexpect: {converged: true}\r"),
                       ("cr-only", "name: cr\rnodes: 2\rrun_until: 10ms\r")):
        path = scenario(tmp, name, text)
        code, _, err, _ = kvsim(["run", path, "--out", os.path.join(tmp, name), "--quiet",
                                 "--no-render"])
        check(f"{name}: loads and runs", code == 0, err)


def test_story_text(tmp):
    """The story prints non-ASCII as text (item 11)."""
    uni = scenario(tmp, "uni", 'name: uni\nnodes: 2\nevents:\n  - {at: 1ms, client: c1, node: '
                   'n1, put: {key: "cl\u00e9", value: "caf\u00e9", clock: auto}}\nrun_until: 1s\n')
    p = subprocess.run([KVSIM, "run", uni, "--out", os.path.join(tmp, "uni"), "--quiet",
                        "--no-render", "--explain"], capture_output=True, timeout=60)
    story = p.stdout.decode("utf-8")
    history = open(os.path.join(tmp, "uni", "history.jsonl"), encoding="ascii").read()
    check("story: é as text", p.returncode == 0 and 'put "caf\u00e9"@[1,0]' in story
          and 'Key "cl\u00e9":' in story, story)
    check("history: é escaped as json.dumps does",
          json.dumps("caf\u00e9") in history and "caf\u00e9" not in history)


def test_crash_twice(tmp):
    """A crash of a node already down (item 11)."""
    twice = scenario(tmp, "twice", "name: twice\nnodes: 2\nevents:\n  - {at: 1ms, crash: n1}\n"
          "  - {at: 2ms, crash: n1, amnesia: true}\nrun_until: 1s\n")
    code, _, err, _ = kvsim(["run", twice, "--out", os.path.join(tmp, "tw")])
    check("a second crash refused with FILE:LINE", code == 2
          and err.startswith(twice + ":5: crash: n1 is already down"), (code, err))


def main():
    order = ["write_error", "history_cap", "large_warning", "earlier_outputs", "flags",
             "quiet_notes", "lone_cr", "story_text", "crash_twice"]
    tests = [globals()["test_" + name] for name in order]
    with tempfile.TemporaryDirectory() as root:
        for test in tests:
            tmp = os.path.join(root, test.__name__)
            os.mkdir(tmp)
            try:
                test(tmp)
            except Exception as e:  # a missing file, unreadable JSON: the test failed
                check(test.__name__, False, f"{type(e).__name__}: {e}")
    finish()


main()
