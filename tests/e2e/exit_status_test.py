#!/usr/bin/env python3
"""One exit status per meaning, in every subcommand (issue 11, item 6).

Usage: exit_status_test.py KVSIM SCENARIO_DIR

The table, as README.md and `kvsim --help` state it (cli/exit_status.h):
  0 done, 1 a check failed, 2 bad input (option, scenario, history),
  3 the history reached its cap, 4 an I/O failure (a file that cannot be
  opened, read or written; stdin/stdout failing).
Each case below makes one kind of error on purpose and expects its number;
the expectations come from that table, not from kvsim's output. Also:
`kvsim --version` prints "kvsim VERSION" with meson.build's project version,
and `kvsim --help` shows the table.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OK, CHECK_FAILED, BAD_INPUT, HISTORY_CAP, IO_ERROR = 0, 1, 2, 3, 4


def kvsim(args, stdin=b"", stdout=subprocess.PIPE):
    p = subprocess.run([KVSIM] + args, input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                       timeout=120)
    out = p.stdout.decode() if p.stdout is not None else ""
    return p.returncode, out, p.stderr.decode()


def expect(name, args, status, says=None, **kw):
    code, out, err = kvsim(args, **kw)
    check(f"{name}: exit {status}", code == status, (code, err[-400:]))
    if says is not None:
        check(f"{name}: says {says!r}", says in err, err[-400:])
    # Every failure says why on stderr; no crash (a signal is a negative status).
    if status != OK:
        check(f"{name}: a message on stderr", err.strip() != "", (code, out[-200:]))
    return out


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# Two nodes, one put on n1, a partition that never heals and no anti-entropy:
# n2 never sees the write, so `converged: true` cannot hold (check fails).
NOT_CONVERGING = """name: not-converging
nodes: 2
events:
  - {at: 0ms, partition: [[n1], [n2]]}
  - {at: 1ms, client: c1, node: n1, put: {key: x, value: v1, clock: [1, 0]}}
run_until: 1s
expect:
  converged: true
"""

# The same without the expectation that fails: every check as expected.
CONVERGING = """name: converging
nodes: 2
events:
  - {at: 1ms, client: c1, node: n1, put: {key: x, value: v1, clock: [1, 0]}}
run_until: 1s
"""


def test_version_and_help(tmp):
    meson = open(os.path.join(SOURCE_ROOT, "meson.build")).read()
    version = re.search(r"version:\s*'([^']+)'", meson).group(1)
    out = expect("--version", ["--version"], OK)
    check("--version prints kvsim VERSION", out == f"kvsim {version}\n", out)
    out = expect("--help", ["--help"], OK)
    for number, words in ((0, "done"), (1, "a check failed"), (2, "bad input"),
                          (3, "the history reached its cap"), (4, "an I/O failure")):
        check(f"--help explains exit status {number}",
              re.search(rf"^\s*{number}\s+{re.escape(words)}", out, re.M), out[-800:])
    out = expect("node --help", ["node", "--help"], OK)
    check("node --help points at docs/PROTOCOL.md", "docs/PROTOCOL.md" in out, out)
    check("docs/PROTOCOL.md is in the repository",
          os.path.isfile(os.path.join(SOURCE_ROOT, "docs", "PROTOCOL.md")))


def test_options(tmp):
    expect("no subcommand", [], BAD_INPUT)
    expect("an unknown subcommand", ["frobnicate"], BAD_INPUT)
    expect("run --seed -1", ["run", os.path.join(SCENARIOS, "partition-heal.yaml"),
                             "--seed", "-1"], BAD_INPUT)
    expect("render --from soon", ["render", "h.jsonl", "--from", "soon"], BAD_INPUT)
    expect("node --anti-entropy-interval without --replicate",
           ["node", "--anti-entropy-interval", "100ms"], BAD_INPUT)
    expect("bench fanout -N 0", ["bench", "fanout", "-N", "0"], BAD_INPUT)


def test_run(tmp):
    good, failing, bad = (os.path.join(tmp, n + ".yaml") for n in ("good", "failing", "bad"))
    write(good, CONVERGING)
    write(failing, NOT_CONVERGING)
    write(bad, CONVERGING.replace("nodes: 2", "nodes: two"))
    expect("run: every check as expected", ["run", good, "--out", os.path.join(tmp, "g"),
                                            "--no-render"], OK)
    expect("run: a check failed", ["run", failing, "--out", os.path.join(tmp, "f"),
                                   "--no-render"], CHECK_FAILED, "converged")
    expect("run: a bad scenario", ["run", bad, "--out", os.path.join(tmp, "b")], BAD_INPUT,
           bad + ":2:")
    expect("run: a missing scenario", ["run", os.path.join(tmp, "missing.yaml")], IO_ERROR,
           "cannot open")
    expect("run: a folder as the scenario", ["run", tmp], IO_ERROR, "cannot read")
    expect("run: the history cap", ["run", os.path.join(SCENARIOS, "partition-heal.yaml"),
                                    "--out", os.path.join(tmp, "c"), "--max-history", "1000"],
           HISTORY_CAP)
    # An output folder inside a regular file cannot be made.
    expect("run: an output folder that cannot be made",
           ["run", good, "--out", os.path.join(good, "out")], IO_ERROR, "cannot create")
    full = os.path.join(tmp, "full")
    os.mkdir(full)
    os.symlink("/dev/full", os.path.join(full, "history.jsonl"))
    expect("run: a history that cannot be written (/dev/full)",
           ["run", good, "--out", full, "--no-render"], IO_ERROR, "history write failed")
    if os.geteuid() != 0:  # root reads any file
        locked = os.path.join(tmp, "locked.yaml")
        shutil.copy(good, locked)
        os.chmod(locked, 0)
        expect("run: an unreadable scenario", ["run", locked], IO_ERROR, "cannot open")


def test_render_and_explain(tmp):
    history = os.path.join(tmp, "run", "history.jsonl")
    good = os.path.join(tmp, "good.yaml")
    write(good, CONVERGING)
    expect("run for render", ["run", good, "--out", os.path.join(tmp, "run"), "--no-render"], OK)
    bad = os.path.join(tmp, "bad.jsonl")
    write(bad, '{"t": 0, "kind": "fault", "fault": "heal"}\n{"t": "soon"}\n')
    missing = os.path.join(tmp, "missing.jsonl")
    for command in ("render", "explain"):
        out_dir = ["--out", os.path.join(tmp, command + "-out")] if command == "render" else []
        expect(f"{command}: a good history", [command, history] + out_dir, OK)
        expect(f"{command}: a missing history", [command, missing] + out_dir, IO_ERROR,
               missing + ": cannot open")
        expect(f"{command}: a folder as the history", [command, tmp] + out_dir, IO_ERROR,
               "cannot read")
        expect(f"{command}: a bad history", [command, bad] + out_dir, BAD_INPUT, bad + ":2:")
    expect("render: --from past the end", ["render", history, "--from", "#100000"], BAD_INPUT,
           "past the end")
    expect("render: an output folder that cannot be made",
           ["render", history, "--out", os.path.join(bad, "out")], IO_ERROR, "cannot create")
    with open("/dev/full", "wb") as full:
        expect("explain: stdout cannot be written", ["explain", history], IO_ERROR,
               "cannot write the story", stdout=full)


def test_node_and_bench(tmp):
    init = (b'{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1",'
            b'"node_ids":["n1"]}}\n')
    expect("node: a good session", ["node"], OK, stdin=init)
    with open("/dev/full", "wb") as full:
        expect("node: stdout cannot be written", ["node"], IO_ERROR, "writing stdout",
               stdin=init, stdout=full)
    small = ["bench", "fanout", "-N", "3", "-K", "10", "-P", "100"]
    expect("bench fanout: a small run", small, OK)
    expect("bench fanout: a history that cannot be written",
           small + ["--history", os.path.join(tmp, "no", "such", "folder", "h.jsonl")], IO_ERROR)
    expect("bench fanout: an unknown mechanism", small + ["--mechanism", "bogus"], BAD_INPUT,
           "'bogus' is not one of")
    # Each mechanism runs the workload, and says which ran. Under lww a key
    # holds exactly one version (the write with the greatest timestamp), so
    # no key has siblings and at most one version per key and node is stored.
    for mechanism in ("client-vv", "server-vv", "dvv", "lww"):
        out = expect(f"bench fanout --mechanism {mechanism}", small + ["--mechanism", mechanism],
                     OK)
        result = json.loads(out)
        check(f"bench fanout --mechanism {mechanism}: runs it",
              result["mechanism"] == mechanism and result["events"] > 100, result)
        if mechanism == "lww":
            check("bench fanout --mechanism lww: no key with siblings",
                  result["keys_multi_sibling_all_nodes"] == 0
                  and 0 < result["stored_siblings"] <= 3 * 10, result)


def main():
    tests = [test_version_and_help, test_options, test_run, test_render_and_explain,
             test_node_and_bench]
    with tempfile.TemporaryDirectory() as root:
        for test in tests:
            tmp = os.path.join(root, test.__name__)
            os.mkdir(tmp)
            try:
                test(tmp)
            except Exception as e:  # a missing file, a timeout: the test failed
                check(test.__name__, False, f"{type(e).__name__}: {e}")
    finish()


main()
