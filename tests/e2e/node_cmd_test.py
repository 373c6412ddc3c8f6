#!/usr/bin/env python3
"""`kvsim run --node-cmd`: the simulated cluster made of outside processes.

1. Every shipped scenario that `--node-cmd` can run and that has no amnesia
   crash (scenarios/*.yaml, scenarios/regressions/*.yaml), seeds 1-3: run
   once with the built-in replicas and once with each node a real
   `kvsim node --replicate` process; the two history.jsonl files must be
   identical byte for byte and the exit statuses equal. Left out, each for
   the reason the test prints: an amnesia crash (the built-in replica's
   amnesia and a process's lost disk are the same, but kvsim node keeps its
   reply numbering on disk, which amnesia also loses, so its replies' msg_ids
   restart at 0), a colocated workload or a replication: section (refused:
   exit 2, checked too).
2. tests/grade_examples/replicating.py (plain Python) in
   scenarios/partition-heal.yaml: the run passes its checks, and this
   script's own reading of the history agrees: every node's final store
   holds exactly x = ["v1+v2"], the writes crossed by replicate and ae_push
   lines, and n2's crash and restart killed and restarted its process
   (the fault lines) without losing x (it saved it on its disk).
3. Nodes that fail: one that exits at once (exit 4, its status named), one
   that never answers (exit 4 within --node-timeout plus two seconds), one
   that writes garbage (exit 4, the line quoted), and one that dies in the
   middle of the run (exit 1, the run's time named, a partial history and a
   summary saying node_failed).

Usage: node_cmd_test.py KVSIM SCENARIOS_DIR EXAMPLES_DIR
"""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

kvsim, scenarios, examples = (os.path.abspath(a) for a in sys.argv[1:4])
NODE = shlex.quote(kvsim) + " node --replicate"
work = tempfile.mkdtemp(prefix="kvsim-node-cmd-")


def run(args, timeout=600):
    started = time.monotonic()
    p = subprocess.run([kvsim, "run", *args], capture_output=True, text=True, timeout=timeout)
    return p, time.monotonic() - started


def why_not(text):
    if "amnesia: true" in text:
        return "an amnesia crash"
    if "colocated: true" in text:
        return "a colocated workload (refused)"
    if "\nreplication:" in text:
        return "a replication: section (refused)"
    mechanism = re.search(r"^mechanism: *([\w-]+)", text, re.M)
    if mechanism and mechanism.group(1) != "client-vv":
        return f"mechanism {mechanism.group(1)} (refused: outside nodes keep client-vv's rules)"
    return None


try:
    # 1. Byte-identical histories.
    files = sorted(glob.glob(os.path.join(scenarios, "*.yaml")) +
                   glob.glob(os.path.join(scenarios, "regressions", "*.yaml")))
    compared = 0
    for path in files:
        name = os.path.relpath(path, scenarios)
        with open(path) as f:
            reason = why_not(f.read())
        if reason:
            print(f"left out {name}: {reason}")
            if "refused" in reason:
                p, _ = run([path, "--no-render", "--quiet", "--out", os.path.join(work, "refused"),
                            "--node-cmd", NODE])
                check(f"{name}: refused with exit 2", p.returncode == 2, p.stderr)
                check(f"{name}: the refusal names --node-cmd", "--node-cmd" in p.stderr, p.stderr)
            continue
        for seed in (1, 2, 3):
            built_in = os.path.join(work, "built-in")
            outside = os.path.join(work, "outside")
            a, _ = run([path, "--seed", str(seed), "--no-render", "--quiet", "--out", built_in])
            b, took = run([path, "--seed", str(seed), "--no-render", "--quiet", "--out", outside,
                           "--node-cmd", NODE])
            check(f"{name} seed {seed}: same exit status", a.returncode == b.returncode,
                  (a.returncode, b.returncode, b.stderr))
            with open(os.path.join(built_in, "history.jsonl"), "rb") as f:
                want = f.read()
            with open(os.path.join(outside, "history.jsonl"), "rb") as f:
                got = f.read()
            same = want == got
            if not same:
                w, g = want.split(b"\n"), got.split(b"\n")
                first = next((i for i in range(min(len(w), len(g))) if w[i] != g[i]), None)
                detail = (first, w[first] if first is not None else b"",
                          g[first] if first is not None else b"")
            check(f"{name} seed {seed}: identical histories", same, "" if same else detail)
            check(f"{name} seed {seed}: the history is not empty", len(want) > 0)
            compared += 1
            print(f"{name} seed {seed}: {len(want.splitlines())} lines identical={same} "
                  f"({took:.2f}s with --node-cmd)")
            shutil.rmtree(built_in)
            shutil.rmtree(outside)
    check("at least ten scenario-seed pairs compared", compared >= 10, compared)

    # 2. The Python example, replicating, in partition-heal.
    out = os.path.join(work, "python")
    cmd = shlex.quote(sys.executable) + " " + shlex.quote(os.path.join(examples, "replicating.py"))
    p, _ = run([os.path.join(scenarios, "partition-heal.yaml"), "--no-render", "--quiet",
                "--out", out, "--node-cmd", cmd])
    check("replicating.py in partition-heal: exit 0", p.returncode == 0, p.stdout + p.stderr)
    with open(os.path.join(out, "history.jsonl")) as f:
        lines = [json.loads(l) for l in f]
    finals = {l["node"]: l["store"] for l in lines if l["kind"] == "final"}
    check("replicating.py: three final stores", sorted(finals) == ["n1", "n2", "n3"], finals)
    for node, store in finals.items():
        values = [v["value"] for v in store.get("x", [])]
        check(f"replicating.py: {node} ends with x = [v1+v2]", values == ["v1+v2"], store)
    types = {l["body"]["type"] for l in lines if l["kind"] == "send" and l["src"].startswith("n")}
    check("replicating.py: it replicated and pushed anti-entropy",
          {"replicate", "ae_push", "kv_put_ok"} <= types, types)
    faults = [(l["fault"], l.get("node")) for l in lines if l["kind"] == "fault"]
    check("replicating.py: n2 crashed and restarted",
          ("crash", "n2") in faults and ("restart", "n2") in faults, faults)
    restart_t = next(l["t"] for l in lines if l["kind"] == "fault" and l["fault"] == "restart")
    lost = [l for l in lines if l["kind"] == "siblings" and l["t"] == restart_t]
    check("replicating.py: n2 came back with its store (no siblings line at the restart)",
          lost == [], lost)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    check("replicating.py: no divergence from the store's rules",
          summary["node_cmd"]["divergences"] == 0, summary.get("node_cmd"))

    # 3. Nodes that fail.
    scenario = os.path.join(scenarios, "partition-heal.yaml")

    def failing(label, node_cmd, want_exit, want_text, extra=(), limit=None):
        out = os.path.join(work, "fail")
        p, took = run([scenario, "--no-render", "--quiet", "--out", out, "--node-cmd", node_cmd,
                       *extra], timeout=60)
        check(f"{label}: exit {want_exit}", p.returncode == want_exit, (p.returncode, p.stderr))
        check(f"{label}: the message says '{want_text}'", want_text in p.stderr, p.stderr)
        check(f"{label}: the message names the node and the time",
              re.search(r"kvsim: --node-cmd: n\d+ at t=", p.stderr) is not None, p.stderr)
        if limit is not None:
            check(f"{label}: over in {took:.1f}s < {limit}s", took < limit, took)
        return out, p

    failing("exits at once", "exit 3", 4, "exited with status 3")
    failing("never answers", "sleep 30", 4, "no answer to sync within 1s",
            extra=("--node-timeout", "1s"), limit=1 + 2)
    failing("writes garbage", "echo hello; cat >/dev/null", 4, "hello")
    # Passes on the start (init, sync) and one message (sed -u: line by line),
    # then its input ends: the node answers that message and exits.
    out, p = failing("dies in the middle", "sed -u 3q | " + NODE, 1,
                     "its output closed before it answered sync")
    check("dies in the middle: the time is named", " at t=" in p.stderr, p.stderr)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    check("dies in the middle: the summary says node_failed",
          summary.get("stopped", {}).get("reason") == "node_failed", summary.get("stopped"))
    with open(os.path.join(out, "history.jsonl")) as f:
        kinds = [json.loads(l)["kind"] for l in f]
    check("dies in the middle: a partial history (no end line)",
          kinds[0] == "start" and "end" not in kinds, kinds[-3:])
    p, _ = run([scenario, "--node-timeout", "1s"])
    check("--node-timeout without --node-cmd: exit 2", p.returncode == 2, p.stderr)
finally:
    shutil.rmtree(work, ignore_errors=True)
finish()
