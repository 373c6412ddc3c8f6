#!/usr/bin/env python3
"""The truth, recounted (issue 18, item 2): true siblings, false siblings and
lost updates from history.jsonl alone, by code that shares nothing with
kvsim's (history/truth.cc counts with one number per client; this keeps
every write's causal past as a set of writes).

Usage: truth_test.py KVSIM SCENARIO_DIR DATA_DIR [SEEDS]

Definitions (docs/RUNNING.md, "The truth"): write B follows write A when
B's client, before sending B, had observed A: A was among the values a read
gave it, or A is its own earlier write, or A is in the causal past of
something it observed. Writes of one key with the same value and clock
(trailing zeros aside) are one version; X precedes Y when a write of X is in
the past of a write of Y (or is one). At the end:
  false sibling  a version a live node holds that precedes another version
                 the same node holds for the same key;
  true sibling   any other version a live node holds;
  lost update    an accepted write (an `apply` of a client write answered
                 written, conflict or resolved) whose version no node holds,
                 live or down, and that is in the past of no version any
                 node holds for its key.

Read from the history, line by line:
  op (put, resolve)   the write is the request's first `send` (same client,
                      same msg_id): its value and clock; its past is what
                      the client knows then; the client then knows it;
  deliver of kv_get_ok to a client whose request is not yet answered (its
                      first reply, before any give_up): the client observes
                      every version in `values`;
  apply with msg 0 and a client (a colocated put): the client observes what
                      the node held for the key (its last `siblings` line),
                      then writes the version applied;
  final               what each node holds, live or down.

Checks, for every shipped scenario and tests/data/truth-*.yaml on seeds
1..SEEDS: the three counts equal summary.json's figures, and the story
(`kvsim explain`) gives the same counts and one labelled line for each. Under client-vv,
the scenarios whose writes all use `clock: auto` (no explicit clock, no
colocated workload) report what the recount finds; those listed in
AUTO_ZERO must have no false sibling and no lost update on any seed. And
tests/data/truth-stale-clocks.yaml, worked out by hand below.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish, seeds

KVSIM, SCENARIOS, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
SEEDS = seeds(int(sys.argv[4]) if len(sys.argv) > 4 else 10)


def norm_clock(clock):
    clock = list(clock)
    while clock and clock[-1] == 0:
        clock.pop()
    return tuple(clock)


def dot_of(item):
    # A version's metadata names it: a dot, or under lww its timestamp (an
    # apply line writes either as "dot").
    return item.get("dot", item.get("timestamp"))


def version_id(key, value, clock, dot=None):
    # Under a server-side mechanism a version's dot tells apart two with one
    # value and clock (apply, siblings and final lines carry it).
    return (key, json.dumps(value), norm_clock(clock), tuple(dot) if dot else None)


def recount(lines):
    """(true_siblings, false_siblings, lost_updates, labels) of a history."""
    sends = {}          # message id -> send line
    writes = []         # write number -> dict(client, version, past)
    versions = {}       # version id -> [write numbers]
    knows = {}          # client -> set of write numbers it knows
    waiting = {}        # (client, msg_id) -> True while unanswered
    pending_write = {}  # (client, msg_id) -> True: an op whose first send makes the write
    write_of = {}       # (client, msg_id) -> write number
    holding = {}        # (node, key) -> [version ids] from siblings lines
    accepted = set()
    finals = []
    server_side = False  # the start line's mechanism: server-vv, dvv or lww
    returned = {}        # send id of a put's reply -> the version ids it returns

    def closure(vid):
        out = set()
        for w in versions.get(vid, []):
            out.add(w)
            out |= writes[w]["past"]
        return out

    def strict_past(vid):
        # The writes before vid's own (two stamped copies of one write, a
        # server-side duplicate, do not precede each other).
        out = set()
        for w in versions.get(vid, []):
            out |= writes[w]["past"]
        return out

    def make_write(client, key, value, clock, dot=None):
        vid = version_id(key, value, clock, dot)
        past = frozenset(knows.setdefault(client, set()))
        w = len(writes)
        writes.append({"client": client, "version": vid, "past": past, "key": key})
        versions.setdefault(vid, []).append(w)
        knows[client].add(w)
        return w

    for line in lines:
        kind = line["kind"]
        if kind == "start":
            server_side = line.get("mechanism", "client-vv") != "client-vv"
        elif kind == "op":
            waiting[(line["client"], line["msg_id"])] = True
            if line["op"] in ("put", "resolve"):
                pending_write[(line["client"], line["msg_id"])] = True
        elif kind == "send":
            sends[line["id"]] = line
            body = line["body"]
            key = (line["src"], body.get("msg_id"))
            if body["type"] in ("kv_put", "kv_resolve") and pending_write.pop(key, False):
                if server_side:
                    # The node stamps it: the version is named at its apply.
                    write_of[key] = make_write(line["src"], body["key"], ("write", len(writes)), ())
                else:
                    write_of[key] = make_write(line["src"], body["key"], body["value"],
                                               body["clock"])
            if server_side and body["type"] in ("kv_put_ok", "kv_resolve_ok"):
                # return_body: what the node holds for the key as it replies.
                req_key = REQUEST_KEYS.get((line["dest"], body["in_reply_to"]))
                returned[line["id"]] = list(holding.get((line["src"], req_key), []))
        elif kind == "deliver":
            sent = sends[line["id"]]
            body = sent["body"]
            if "in_reply_to" not in body:
                continue
            key = (sent["dest"], body["in_reply_to"])
            if not waiting.get(key):
                continue
            waiting[key] = False
            for vid in returned.get(line["id"], []):
                knows.setdefault(sent["dest"], set()).update(closure(vid))
            if body["type"] == "kv_get_ok":
                for v in body["values"]:
                    knows.setdefault(sent["dest"], set()).update(
                        closure(version_id(REQUEST_KEYS[key], v["value"], v["clock"],
                                           dot_of(v))))
        elif kind == "give_up":
            waiting[(line["client"], line["msg_id"])] = False
        elif kind == "apply":
            if line["op"] not in ("put", "resolve") or "client" not in line:
                continue
            if line["msg"] == 0:
                client = line["client"]
                for vid in holding.get((line["node"], line["key"]), []):
                    knows.setdefault(client, set()).update(closure(vid))
                w = make_write(client, line["key"], line["value"], line["clock"], dot_of(line))
            else:
                req = sends[line["msg"]]
                w = write_of[(req["src"], req["body"]["msg_id"])]
                if server_side:
                    vid = version_id(line["key"], line["value"], line["clock"], dot_of(line))
                    if w not in versions.setdefault(vid, []):
                        versions[vid].append(w)
                    writes[w]["version"] = vid
            if line["status"] in ("written", "conflict", "resolved"):
                accepted.add(w)
        elif kind == "siblings":
            holding[(line["node"], line["key"])] = [
                version_id(line["key"], v["value"], v["clock"], dot_of(v))
                for v in line["siblings"]]
        elif kind == "final":
            finals.append(line)

    true_s = false_s = lost = 0
    labels = []
    held_by_key = {}
    for f in finals:
        for key, vs in f["store"].items():
            vids = [version_id(key, v["value"], v["clock"], dot_of(v)) for v in vs]
            held_by_key.setdefault(key, []).extend(vids)
            if not f["live"]:
                continue
            for x in vids:
                xs = set(versions.get(x, []))
                above = [y for y in vids if y != x and xs & strict_past(y)]
                if above:
                    false_s += 1
                    labels.append(("false", f["node"], key, x[1], above[0][1]))
                else:
                    true_s += 1
    for w in sorted(accepted):
        key = writes[w]["key"]
        covered = set()
        for vid in held_by_key.get(key, []):
            covered |= closure(vid)
        if w not in covered:
            lost += 1
            labels.append(("lost", key, writes[w]["version"][1]))
    return true_s, false_s, lost, labels


REQUEST_KEYS = {}  # (client, msg_id) of a kv_get -> its key (kv_get_ok names none)


def run(path, seed, out, mechanism=None):
    extra = ["--mechanism", mechanism] if mechanism else []
    r = subprocess.run([KVSIM, "run", path, "--seed", str(seed), "--out", out, "--no-render",
                        "--quiet"] + extra, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        return None, None, r.stderr
    with open(os.path.join(out, "history.jsonl")) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    return lines, summary, ""


def index_requests(lines):
    REQUEST_KEYS.clear()
    for line in lines:
        if line["kind"] == "send" and line["body"]["type"] in ("kv_get", "kv_put", "kv_resolve"):
            REQUEST_KEYS[(line["src"], line["body"]["msg_id"])] = line["body"]["key"]


def uses_explicit_clocks(path):
    text = open(path).read()
    return "clock: [" in text or "colocated" in text


# Shipped scenarios whose writes all use clock: auto, where clocks and the
# truth agree on every seed. The others that use only clock: auto (the
# generated workloads: loss-anti-entropy, partition-shapes, sweep-amnesia,
# sweep-siblings) do not (docs/RUNNING.md, "Auto clocks and the truth"): a client's auto clock is built from its last read
# of the key alone, so two blind writes of one client are concurrent by
# their clocks though the second follows the first, and a node's slot + 1
# can dominate a write the client never saw (truth-auto-clocks.yaml shows
# both, by hand, below). The run prints how many seeds of each disagree.
AUTO_ZERO = {"sibling-explosion.yaml", "sloppy-quorum-handoff.yaml", "truth-auto-one-writer.yaml"}

with tempfile.TemporaryDirectory() as tmp:
    files = sorted(glob.glob(os.path.join(SCENARIOS, "*.yaml")))
    files += sorted(glob.glob(os.path.join(DATA, "truth-*.yaml")))
    for path in files:
        name = os.path.basename(path)
        auto_found = []
        for seed in range(1, SEEDS + 1):
            out = os.path.join(tmp, f"{name}-{seed}")
            lines, summary, err = run(path, seed, out)
            if lines is None:
                check(f"{name} seed {seed} runs", False, err)
                continue
            index_requests(lines)
            t, fs, lost, labels = recount(lines)
            fig = summary["figures"]
            got = (fig.get("true_siblings"), fig.get("false_siblings"), fig.get("lost_updates"))
            check(f"{name} seed {seed}: true/false siblings and lost updates recounted",
                  got == (t, fs, lost), f"summary {got}, recount {(t, fs, lost)} {labels[:4]}")
            story = subprocess.run([KVSIM, "explain", os.path.join(out, "history.jsonl")],
                                   capture_output=True, text=True).stdout
            m = re.search(r"observed: (\d+) true sibling\(s\), (\d+) false sibling\(s\).*?, "
                          r"(\d+) lost update", story)
            check(f"{name} seed {seed}: the story tells the same three counts",
                  m and tuple(int(x) for x in m.groups()) == (t, fs, lost), m and m.groups())
            check(f"{name} seed {seed}: the story labels each false sibling and lost update",
                  story.count("FALSE SIBLING on ") == fs and story.count("LOST UPDATE: ") == lost)
            if not uses_explicit_clocks(path) and (fs or lost):
                auto_found.append((seed, fs, lost, labels[:2]))
        if not uses_explicit_clocks(path):
            print(f"{name}: clock: auto only; seeds with a false sibling or lost update: "
                  f"{len(auto_found)} of {SEEDS} {auto_found[:2]}")
            if name in AUTO_ZERO:
                check(f"{name}: no false sibling or lost update on any seed", not auto_found,
                      auto_found[:3])
        # The truth does not depend on the mechanism: under the server-side
        # ones a put's reply is observed too (return_body), and a write's
        # version is the one its node stamped.
        # A server-side mechanism cannot run with a replication: section.
        with open(path) as f:
            quorum = re.search(r"^replication:", f.read(), re.M) is not None
        # Seeds 1..3 of 10 (1 of the sanitizer build's 4): every file runs
        # under each mechanism.
        for mechanism in () if quorum else ("server-vv", "dvv", "lww"):
            for seed in range(1, max(1, SEEDS // 3) + 1):
                out = os.path.join(tmp, f"{name}-{mechanism}-{seed}")
                lines, summary, err = run(path, seed, out, mechanism)
                if lines is None:
                    check(f"{name} {mechanism} seed {seed} runs", False, err)
                    continue
                index_requests(lines)
                t, fs, lost, labels = recount(lines)
                fig = summary["figures"]
                got = (fig.get("true_siblings"), fig.get("false_siblings"),
                       fig.get("lost_updates"))
                check(f"{name} {mechanism} seed {seed}: the three figures recounted",
                      got == (t, fs, lost), f"summary {got}, recount {(t, fs, lost)} {labels[:4]}")
                story = subprocess.run([KVSIM, "explain", os.path.join(out, "history.jsonl")],
                                       capture_output=True, text=True).stdout
                m = re.search(r"observed: (\d+) true sibling\(s\), (\d+) false sibling\(s\).*?, "
                              r"(\d+) lost update", story)
                check(f"{name} {mechanism} seed {seed}: the story tells the same three counts",
                      m and tuple(int(x) for x in m.groups()) == (t, fs, lost), m and m.groups())

    # Worked out by hand (tests/data/truth-stale-clocks.yaml, two nodes, every
    # message delivered in 1 ms):
    #   key x: c1 puts v1@[1,0] on n1 (t=1ms); c2 reads x from n1 (t=10ms) and
    #     gets v1; c2 puts v2@[0,1] on n1 (t=20ms), a stale explicit clock that
    #     ignores what it read. [0,1] and [1,0] are concurrent, so n1 and n2
    #     both keep v1 and v2. By the truth c2 had observed v1 before writing
    #     v2: v1 precedes v2, so on each node v1 is a false sibling and v2 a
    #     true one: 2 false, 2 true.
    #   key y: c1 puts a@[1,0] on n1 (t=1ms... 2ms); c3, which never read y,
    #     puts b@[2,0] on n2 (t=30ms). [2,0] dominates [1,0]: both nodes drop
    #     a and hold b. b does not follow a (c3 observed nothing), and no node
    #     holds a: a is a lost update. b is a true sibling on each node: 2.
    #   Totals: true 4, false 2, lost 1.
    path = os.path.join(DATA, "truth-stale-clocks.yaml")
    lines, summary, err = run(path, 1, os.path.join(tmp, "stale"))
    fig = summary["figures"] if summary else {}
    check("truth-stale-clocks: true 4, false 2, lost 1 (by hand)",
          (fig.get("true_siblings"), fig.get("false_siblings"), fig.get("lost_updates"))
          == (4, 2, 1), fig)
    index_requests(lines)
    _, _, _, labels = recount(lines)
    check("truth-stale-clocks: the false siblings are v1 below v2 on n1 and n2",
          sorted(l for l in labels if l[0] == "false")
          == [("false", "n1", "x", '"v1"', '"v2"'), ("false", "n2", "x", '"v1"', '"v2"')], labels)
    story = subprocess.run([KVSIM, "explain", os.path.join(tmp, "stale", "history.jsonl")],
                           capture_output=True, text=True).stdout
    check("truth-stale-clocks: the story says why v1 is a false sibling",
          "FALSE SIBLING on n1: v1@[1,0] is still held beside v2@[0,1] although c2 had read it "
          "before writing v2@[0,1]" in story, story[-800:])
    check("truth-stale-clocks: the story says why a is a lost update",
          "LOST UPDATE: a@[1,0] (c1's write, accepted): no held version follows it; b@[2,0] "
          "(c3's write) dominates its clock, but c3 never observed it" in story, story[-800:])
    check("truth-stale-clocks: the lost update is a on y",
          [l for l in labels if l[0] == "lost"] == [("lost", "y", '"a"')], labels)

    # Worked out by hand (tests/data/truth-auto-clocks.yaml, clock: auto only,
    # two nodes, every message delivered in 1 ms):
    #   key x: c1 puts a on n1 at 1ms and b on n1 at 5ms, never reading x:
    #     both clocks are [] + n1's slot = [1,0], equal clocks with different
    #     values, so both nodes keep both. b follows a (c1's own earlier
    #     write): a is a false sibling on n1 and on n2, b a true one: 2 and 2.
    #   key y: c2 puts v1@[1,0] on n1 (1ms; reaches n2 at 3ms); c4 puts
    #     v2@[0,1] on n2 (10ms, arrives 11ms; reaches n1 at 12ms); c3 reads y
    #     from n1 (sent 10ms, served 11ms: v1 alone), then puts v3 on n2 at
    #     20ms with [1,0] + n2's slot = [1,1]. [1,1] dominates v1 and v2: both
    #     nodes hold v3 alone. v1 is in v3's past (c3 read it), v2 is not (c3
    #     never saw it), and no node holds v2: one lost update. v3 is a true
    #     sibling on each node: 2.
    #   Totals: true 4, false 2, lost 1; and the clock-based no_lost_write
    #   holds (v3's clock dominates v2's): the truth sees what clocks cannot.
    path = os.path.join(DATA, "truth-auto-clocks.yaml")
    lines, summary, err = run(path, 1, os.path.join(tmp, "auto"))
    fig = summary["figures"] if summary else {}
    check("truth-auto-clocks: true 4, false 2, lost 1 (by hand)",
          (fig.get("true_siblings"), fig.get("false_siblings"), fig.get("lost_updates"))
          == (4, 2, 1), fig)
    check("truth-auto-clocks: no_lost_write holds by the clocks",
          summary and summary["checks"]["no_lost_write"]["holds"], summary and summary["checks"])
    index_requests(lines)
    _, _, _, labels = recount(lines)
    check("truth-auto-clocks: a below b on x, v2 lost on y",
          sorted(labels) == [("false", "n1", "x", '"a"', '"b"'), ("false", "n2", "x", '"a"', '"b"'),
                             ("lost", "y", '"v2"')], labels)

    # Where clock: auto and the truth agree (docs/RUNNING.md, "Auto clocks and
    # the truth"): one writing client per node, reading before each write.
    # Over 20 seeds, recounted here: no false sibling, no lost update, and the
    # two clients' last writes of each key are concurrent (true siblings held,
    # so the claim is not vacuous).
    path = os.path.join(DATA, "truth-auto-one-writer.yaml")
    for seed in range(1, 21):
        lines, summary, err = run(path, seed, os.path.join(tmp, f"one-writer-{seed}"))
        if lines is None:
            check(f"truth-auto-one-writer seed {seed} runs", False, err)
            continue
        index_requests(lines)
        t, fs, lost, labels = recount(lines)
        check(f"truth-auto-one-writer seed {seed}: no false sibling, no lost update, "
              f"siblings held", fs == 0 and lost == 0 and t > 4, (t, fs, lost, labels[:3]))
        fig = summary["figures"]
        check(f"truth-auto-one-writer seed {seed}: summary agrees",
              (fig["true_siblings"], fig["false_siblings"], fig["lost_updates"]) == (t, fs, lost),
              fig)

finish()
