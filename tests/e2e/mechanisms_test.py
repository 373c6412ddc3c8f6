#!/usr/bin/env python3
"""The conflict-detection mechanisms end to end (issue 18).

Usage: mechanisms_test.py KVSIM SCENARIO_DIR

1. Combinations refused: a mechanism other than client-vv with a
   `replication:` section (in the file, or by --mechanism), or with
   `kvsim run --node-cmd`, is bad input: exit 2 and a message naming the
   mechanism, and no output folder left behind. client-vv with the same
   scenario still runs (the refusal is the mechanism's, not the section's).
2. Hand-worked scenarios (tests/data/mechanism-*.yaml), one per mechanism,
   at most 6 writes: the versions each node holds at the end, and the truth
   figures (true siblings, false siblings, lost updates), worked out by hand
   below and recomputed from the history by this file's own reading of
   causality (`truth`), which shares nothing with kvsim's code.
3. Sweeps and shrink know the mechanism: `sweep --mechanism` records it on
   every line of sweep.jsonl and in summary.json (and a client-vv sweep
   does not), a kept run's history start line names it, a refused
   combination is refused by sweep too; `shrink --mechanism lww` of a run
   whose expectation fails only under lww writes a scenario that keeps
   `mechanism: lww` and its `clocks:`, and that fails again when run.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
OK, BAD_INPUT = 0, 2
MECHANISMS = ["client-vv", "server-vv", "dvv", "lww"]
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
SERVER_SIDE = [m for m in MECHANISMS if m != "client-vv"]


def kvsim(args):
    p = subprocess.run([KVSIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


QUORUM = """name: quorum-MECH
nodes: 3
mechanism: MECH
replication: {n: 2, r: 1, w: 1}
events:
  - {at: 1ms, client: c1, node: n1, put: {key: x, value: v1, clock: auto}}
run_until: 1s
"""

PLAIN = """name: plain
nodes: 2
events:
  - {at: 1ms, client: c1, node: n1, put: {key: x, value: v1, clock: auto}}
run_until: 1s
"""


def combinations(tmp):
    for m in MECHANISMS:
        path = os.path.join(tmp, f"quorum-{m}.yaml")
        write(path, QUORUM.replace("MECH", m))
        out = os.path.join(tmp, f"out-quorum-{m}")
        code, _, err = kvsim(["run", path, "--out", out])
        if m == "client-vv":
            check("client-vv with replication: runs", code == OK, err[-300:])
            continue
        check(f"{m} with replication: exit 2", code == BAD_INPUT, (code, err[-300:]))
        check(f"{m} with replication: names the mechanism and the section",
              f"mechanism: {m}" in err and "replication:" in err, err[-300:])
        check(f"{m} with replication: points at the file's line", f"{path}:" in err, err[-300:])
        check(f"{m} with replication: no output folder", not os.path.exists(out))
        # --mechanism on a client-vv scenario with replication: refused too.
        code, _, err = kvsim(["run", os.path.join(tmp, "quorum-client-vv.yaml"),
                              "--mechanism", m, "--out", out])
        check(f"--mechanism {m} over replication: exit 2", code == BAD_INPUT, (code, err[-300:]))
        check(f"--mechanism {m} over replication: says why",
              "--mechanism" in err and "replication:" in err, err[-300:])
        check(f"--mechanism {m} over replication: no output folder", not os.path.exists(out))
    plain = os.path.join(tmp, "plain.yaml")
    write(plain, PLAIN)
    for m in SERVER_SIDE:
        out = os.path.join(tmp, f"out-nodecmd-{m}")
        # The node command is never started: the refusal comes first.
        code, _, err = kvsim(["run", plain, "--mechanism", m, "--node-cmd", "/bin/false",
                              "--out", out])
        check(f"--node-cmd with {m}: exit 2", code == BAD_INPUT, (code, err[-300:]))
        check(f"--node-cmd with {m}: names both", "--node-cmd" in err and m in err, err[-300:])


def read_history(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def truth(lines):
    """The truth figures from a history, by real causality: write B follows
    write A when B's client, before sending B, had observed A (a read's
    values or a put's returned values delivered to it, or its own earlier
    write), or something whose past holds A. Writes are told apart by value
    (every value is written once in these scenarios). Returns (held, figures):
    held maps each live node to its sorted values of key x; figures are
    true_siblings, false_siblings, lost_updates as issue 18 defines them."""
    sends = {}
    past = {}          # value -> the values in its causal past
    observed = {}      # client -> values it had observed (closed under past)
    put_value = {}     # (client, msg_id) -> value
    accepted = set()
    def see(client, value):
        seen = observed.setdefault(client, set())
        seen.add(value)
        seen |= past.get(value, set())
    for line in lines:
        if line["kind"] == "send":
            sends[line["id"]] = line
            body = line["body"]
            if body["type"] in ("kv_put", "kv_resolve") and line["src"].startswith("c"):
                client, value = line["src"], json.dumps(body["value"])
                if (client, body["msg_id"]) not in put_value:  # a retry is the same write
                    past[value] = set(observed.get(client, set()))
                    put_value[(client, body["msg_id"])] = value
                see(client, value)  # its own write: in the past of its next ones
        elif line["kind"] == "deliver":
            sent = sends[line["id"]]
            body, client = sent["body"], line["dest"]
            if not client.startswith("c"):
                continue
            for v in body.get("values", []):
                see(client, json.dumps(v["value"]))
            if body["type"] in ("kv_put_ok", "kv_resolve_ok"):
                accepted.add(put_value[(client, body["in_reply_to"])])
    held, all_held = {}, set()
    for line in lines:
        if line["kind"] == "final":
            values = [json.dumps(v["value"]) for v in line["store"].get("x", [])]
            all_held |= set(values)
            if line["live"]:
                held[line["node"]] = sorted(values)
    false = sum(1 for vs in held.values() for v in vs
                if any(v in past[w] for w in vs if w != v))
    true = sum(len(vs) for vs in held.values()) - false
    lost = sum(1 for w in accepted
               if w not in all_held and not any(w in past[h] for h in all_held))
    return held, {"true_siblings": true, "false_siblings": false, "lost_updates": lost}


q = json.dumps  # a value as the history writes it: q("a") is '"a"'

# Worked out by hand (each scenario's description tells the story):
#
# client-vv: a [1,0] and b [0,1] concurrent; c1 and c2 read both (context
#   [1,1]) and write c [2,1] and d [1,2], each above a and b, concurrent with
#   each other. Both nodes hold c and d. Truth: c's client had seen a and b,
#   so had d's; neither had seen the other: c and d are true siblings on
#   each node (2 x 2 = 4), none false, nothing lost.
# server-vv (one node): a replaces nothing (the empty context descends the
#   empty object clock): [1] replaced. b: c2's context [] does not descend
#   [1]: a sibling, [2]. c: c1's context [1] (its put's return body held a)
#   does not descend [2]: a sibling, [3]. d: c2's context [2] (a and b) does
#   not descend [3]: a sibling, [4]. Held a, b, c, d. Truth: past(c) = {a},
#   past(d) = {a, b}: a and b are false siblings (2), c and d true (2).
# dvv (one node): a dot (n1,1); b dot 2, context [] covers nothing; c
#   context [1] covers a's dot: a removed, dot 3; d context [2] covers b's
#   dot 2 (and a's): b removed, dot 4. Held c, d: true 2, false 0, lost 0.
# lww, skew: n1 stamps v1 at 11ms + 10ms = 21000us, n2 stamps v2 at 16000us
#   (slot 1); 21000 > 16000, so v1 wins on both nodes although c2 had read
#   v1 before writing v2. Held v1, v1: true 2, false 0; v2 is acknowledged,
#   held nowhere and in no held version's past: 1 lost update.
# lww, concurrent: a (slot 0) and b (slot 1) both stamped 11000us: the tie
#   goes to the greater slot, b. Held b, b: true 2, false 0; a lost: 1.
HAND_WORKED = [
    ("mechanism-client-vv.yaml", {"n1": [q("c"), q("d")], "n2": [q("c"), q("d")]}, (4, 0, 0)),
    ("mechanism-server-vv.yaml", {"n1": [q("a"), q("b"), q("c"), q("d")]}, (2, 2, 0)),
    ("mechanism-dvv.yaml", {"n1": [q("c"), q("d")]}, (2, 0, 0)),
    ("mechanism-lww-skew.yaml", {"n1": [q("v1")], "n2": [q("v1")]}, (2, 0, 1)),
    ("mechanism-lww-concurrent.yaml", {"n1": [q("b")], "n2": [q("b")]}, (2, 0, 1)),
]
# The timestamps the lww scenarios' finals hold, by hand (above): [slot, us].
HAND_TIMESTAMPS = {"mechanism-lww-skew.yaml": [0, 21000],
                   "mechanism-lww-concurrent.yaml": [1, 11000]}


def hand_worked(tmp):
    for name, held_by_hand, (true, false, lost) in HAND_WORKED:
        out = os.path.join(tmp, "out-" + name)
        code, _, err = kvsim(["run", os.path.join(DATA, name), "--out", out, "--no-render",
                              "--quiet"])
        check(f"{name}: runs, its checks hold", code == OK, (code, err[-300:]))
        lines = read_history(os.path.join(out, "history.jsonl"))
        held, figures = truth(lines)
        check(f"{name}: held versions as worked by hand", held == held_by_hand, held)
        check(f"{name}: truth figures (this test's reading) as worked by hand",
              figures == {"true_siblings": true, "false_siblings": false, "lost_updates": lost},
              figures)
        if name in HAND_TIMESTAMPS:
            stamps = [v.get("timestamp") for line in lines if line["kind"] == "final"
                      for v in line["store"]["x"]]
            check(f"{name}: the winner's timestamp", stamps == [HAND_TIMESTAMPS[name]] * 2,
                  stamps)
        # kvsim's own figures in summary.json, against the same hand counts.
        with open(os.path.join(out, "summary.json")) as f:
            summary_figures = json.load(f)["figures"]
        got = {k: summary_figures.get(k) for k in ("true_siblings", "false_siblings", "lost_updates")}
        check(f"{name}: summary.json's truth figures as worked by hand",
              got == {"true_siblings": true, "false_siblings": false, "lost_updates": lost}, got)


# Holds under client-vv (a and b concurrent, both kept) and fails under lww
# (one of them dropped): the failure is the mechanism's.
TWO_SIBLINGS = """name: two-siblings
nodes: 2
clocks: {skew: [0ms, 0ms], drift: [0, 0]}
network:
  delay: {dist: constant, value: 1ms}
events:
  - {at: 10ms, client: c1, node: n1, put: {key: x, value: a, clock: auto}}
  - {at: 10ms, client: c2, node: n2, put: {key: x, value: b, clock: auto}}
  - {at: 20ms, client: c3, node: n1, get: {key: x}}
run_until: 1s
expect:
  siblings: {x: 2}
"""


def sweeps_and_shrink(tmp):
    scenario = os.path.join(DATA, "mechanism-client-vv.yaml")
    for m in [None, "dvv"]:
        out = os.path.join(tmp, f"sweep-{m}")
        args = ["sweep", scenario, "--seeds", "1..3", "--jobs", "1", "--out", out]
        code, _, err = kvsim(args + (["--mechanism", m] if m else []))
        check(f"sweep --mechanism {m}: exit 0", code == OK, (code, err[-300:]))
        with open(os.path.join(out, "sweep.jsonl")) as f:
            records = [json.loads(line) for line in f]
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        check(f"sweep --mechanism {m}: 3 records", len(records) == 3, len(records))
        check(f"sweep --mechanism {m}: every record names it",
              all(r.get("mechanism") == m for r in records), records[:1])
        check(f"sweep --mechanism {m}: summary.json names it", summary.get("mechanism") == m,
              summary.get("mechanism"))
    path = os.path.join(tmp, "two-siblings.yaml")
    write(path, TWO_SIBLINGS)
    code, _, err = kvsim(["run", path, "--out", os.path.join(tmp, "two-cvv"), "--no-render"])
    check("two-siblings holds under client-vv", code == OK, (code, err[-300:]))
    out = os.path.join(tmp, "two-lww")
    code, _, err = kvsim(["run", path, "--mechanism", "lww", "--out", out, "--no-render"])
    check("two-siblings fails under lww", code == 1, (code, err[-300:]))
    start = read_history(os.path.join(out, "history.jsonl"))[0]
    check("run --mechanism lww: the start line names it and the clocks",
          start.get("mechanism") == "lww" and start.get("clocks") ==
          {"n1": {"skew_us": 0, "drift_ppm": 0}, "n2": {"skew_us": 0, "drift_ppm": 0}}, start)
    out = os.path.join(tmp, "shrunk-lww")
    code, _, err = kvsim(["shrink", path, "--mechanism", "lww", "--seed", "1", "--out", out,
                          "--no-render"])
    check("shrink --mechanism lww: shrinks", code in (0, 1), (code, err[-300:]))
    shrunk = [f for f in os.listdir(out) if f.endswith(".yaml")] if os.path.isdir(out) else []
    check("shrink --mechanism lww: a scenario file", len(shrunk) == 1, shrunk)
    if shrunk:
        path = os.path.join(out, shrunk[0])
        with open(path) as f:
            text = f.read()
        check("the shrunk file keeps mechanism: lww", "\nmechanism: lww\n" in text, text[:400])
        check("the shrunk file keeps the clocks", "clocks: {skew: [" in text, text[:400])
        code, _, err = kvsim(["run", path, "--out", os.path.join(tmp, "rerun"), "--no-render"])
        check("the shrunk file fails again on its own", code == 1, (code, err[-300:]))
    code, _, err = kvsim(["sweep", os.path.join(tmp, "quorum-client-vv.yaml"), "--seeds", "1..2",
                          "--mechanism", "dvv", "--out", os.path.join(tmp, "sweep-quorum")])
    check("sweep --mechanism dvv over replication: exit 2", code == BAD_INPUT, (code, err[-300:]))


def main():
    tmp = tempfile.mkdtemp(prefix="kvsim-mechanisms-")
    try:
        combinations(tmp)
        hand_worked(tmp)
        sweeps_and_shrink(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
