#!/usr/bin/env python3
"""`kvsim shrink` never overstates (issue 22, item 2): an independent check
of 1-minimality over many shrinks of generated lossy workloads.

Usage: shrink_minimal_test.py KVSIM DATA_DIR [SHRINKS]

SHRINKS (default 52) failing seeds (KVSIM_SEEDS, which the sanitizer
build's suite sets to 25, lowers it to KVSIM_SEEDS / 6, at least 4: 4
shrinks there, each some ten times slower), spread over four scenarios of
DATA_DIR (shrink-lossy4: the issue's 4 nodes, 120 operations, loss 0.2,
duplication 0.1, no anti-entropy; shrink-lossy-ae: anti-entropy,
amnesia crashes, no duplication; shrink-lossy-expect: anti-entropy and
duplication, an `expect` failure; shrink-lossy-retry: no anti-entropy, no
duplication, retries on the same node). Each seed is run (`kvsim run`) and
shrunk (`kvsim shrink`). Then, for each shrink, either

- it says it could not shrink ("could not shrink", "NOT 1-minimal" in the
  file, never "1-minimal:"), with exit status 1; or
- it exits 0 and its file
  * has no workload and loss 0 (no generated operations, no drawn losses),
  * is smaller (fewer events, operations included, than the original),
  * contains what the output claims: every "A -> B" line (loss,
    duplication, delay, anti-entropy, retries, nodes, run_until), the
    after-column of the table (events, nodes, messages: the shrunk run's
    `send` lines) and the 1-minimal line's counts,
  * and says nothing changed that it does not print (loss, duplication,
    nodes, run_until, retries as in the original unless a line says so),
  * fails the same way: recounted from its history by the code below, the
    original's failing check does not hold on the key the shrink renamed it
    to; for `expect`, the file keeps that key's own expectation, and the
    node holds as many siblings as in the original run and the key is
    still written,
  * and loses that failure when any one event (a drop is an event) or any
    one node is removed: the removal is made here on the YAML (a node's
    events go, higher nodes are renumbered, its clock slot is dropped) and
    run with `kvsim run`.

Nothing here shares code with sim/shrink.cc or kvsim's checks: the verdicts
are recounted from history.jsonl (converged, no_lost_write, maximal and
expect by their definitions in README.md, each naming its key as the
README's table says).

The closing line gives the counts: shrunk, could not, the sizes before and
after, and the median time of a shrink.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish, seeds

KVSIM, DATA = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SHRINKS = int(sys.argv[3]) if len(sys.argv) > 3 else 52
if seeds(SHRINKS * 6) < SHRINKS * 6:  # KVSIM_SEEDS: 25 in the sanitizer suite
    SHRINKS = max(4, seeds(SHRINKS * 6) // 6)

# Scenario, its share of the shrinks.
SCENARIOS = [("shrink-lossy4.yaml", 0.4), ("shrink-lossy-ae.yaml", 0.2),
             ("shrink-lossy-expect.yaml", 0.2), ("shrink-lossy-retry.yaml", 0.2)]


def kvsim(args, timeout=300):
    return subprocess.run([KVSIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


# --- the verdicts, recounted from a history ---------------------------------------


def padded(a, b):
    n = max(len(a), len(b))
    return a + [0] * (n - len(a)), b + [0] * (n - len(b))


def dominates(a, b):
    a, b = padded(a, b)
    return a != b and all(x >= y for x, y in zip(a, b))


def version(v):
    """A version as a comparable value: its value's JSON and its clock
    without trailing zeros (zero padding makes [1] and [1, 0] the same)."""
    clock = list(v["clock"])
    while clock and clock[-1] == 0:
        clock.pop()
    return (json.dumps(v["value"], sort_keys=True), tuple(clock))


def read_history(path):
    accepted = []  # (t, key, version, node) of client writes a node accepted
    finals = []  # (node, live, store)
    sends = 0
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e["kind"] == "apply" and e.get("status") in ("written", "conflict", "resolved"):
                accepted.append((e["t"], e["key"], {"value": e["value"], "clock": e["clock"]},
                                 e["node"]))
            elif e["kind"] == "final":
                finals.append((e["node"], e["live"], e["store"]))
            elif e["kind"] == "send":
                sends += 1
    return accepted, finals, sends


def first_mismatch(live, expect):
    """(key, versions held) of the first live node not as `expect` says."""
    for _, store in live:
        for key in sorted(expect.get("siblings") or {}):
            if len(store.get(key, [])) != expect["siblings"][key]:
                return key, len(store.get(key, []))
        for key in sorted(expect.get("values") or {}):
            want = sorted(json.dumps(v, sort_keys=True) for v in expect["values"][key])
            got = sorted(json.dumps(v["value"], sort_keys=True) for v in store.get(key, []))
            if want != got:
                return key, len(got)
    return None


def verdicts(history, expect):
    """Each check's (holds, key it names) from the history, as README.md
    defines them; `expect` is the scenario's expect section (or {})."""
    accepted, finals, sends = read_history(history)
    maximal = {}  # key -> [(t, version, node)], first acceptance of each
    for t, key, v, node in accepted:
        same = [m for m in maximal.get(key, []) if version(m[1]) == version(v)]
        if not same:
            maximal.setdefault(key, []).append((t, v, node))
    for key in maximal:
        ms = maximal[key]
        maximal[key] = [m for m in ms
                        if not any(dominates(o[1]["clock"], m[1]["clock"]) for o in ms)]
    live = [(node, store) for node, is_live, store in finals if is_live]
    keys = sorted(set(maximal) | {k for _, s in live for k in s})

    def held(store, key):
        return {version(v) for v in store.get(key, [])}

    out = {}
    # converged: the lowest live node that differs from the first live one,
    # at the first key they differ on.
    out["converged"] = (True, None)
    for node, store in live[1:]:
        diff = [k for k in keys if held(store, k) != held(live[0][1], k)]
        if diff:
            out["converged"] = (False, diff[0])
            break
    # no_lost_write: the earliest accepted maximal write no node (live or
    # down) holds, nor anything above it (ties: the first key).
    lost = []
    for key in sorted(maximal):
        for t, v, node in maximal[key]:
            kept = any(version(s) == version(v) or dominates(s["clock"], v["clock"])
                       for _, _, store in finals for s in store.get(key, []))
            if not kept:
                lost.append((t, key))
    out["no_lost_write"] = (not lost, min(lost)[1] if lost else None)
    # maximal: the first key where a live node does not hold exactly the
    # maximal accepted writes (no run here stores a version nobody accepted).
    out["maximal"] = (True, None)
    for key in keys:
        want = {version(m[1]) for m in maximal.get(key, [])}
        if any(held(store, key) != want for _, store in live):
            out["maximal"] = (False, key)
            break
    # expect: the first live node not as expected, siblings before values,
    # keys in byte order; with how many versions it holds of the key.
    mismatch = first_mismatch(live, expect or {})
    out["expect"] = (mismatch is None, mismatch and mismatch[0])
    out["expect_held"] = mismatch and mismatch[1]
    out["written"] = {key for _, key, _, _ in accepted}
    out["sends"] = sends
    return out


def failure(v, expect):
    """The failure a run shows: the first check not as the scenario expects,
    else the first that does not hold (README, `kvsim shrink`)."""
    expected = {"converged": (expect or {}).get("converged", True),
                "no_lost_write": not (expect or {}).get("lost_writes", False),
                "maximal": (expect or {}).get("maximal", True), "expect": True}
    order = ["converged", "no_lost_write", "maximal", "expect"]
    for name in order:
        if v[name][0] != expected[name]:
            return name, v[name][1]
    for name in order:
        if not v[name][0]:
            return name, v[name][1]
    return None


# --- the scenario edits, made here ---------------------------------------------------


def node_number(name):
    return int(name[1:]) if isinstance(name, str) and re.fullmatch(r"n\d+", name) else None


def without_node(doc, k):
    """The scenario without node nk: events naming it go, higher nodes are
    renumbered, explicit clocks lose slot k."""
    def renamed(name):
        n = node_number(name)
        return name if n is None or n < k else f"n{n - 1}"

    def strip(names):
        return [renamed(x) for x in names if node_number(x) != k]

    out = dict(doc)
    out["nodes"] = doc["nodes"] - 1
    events = []
    for e in doc.get("events", []):
        e = json.loads(json.dumps(e))
        if "client" in e:
            if node_number(e["node"]) == k:
                continue
            e["node"] = renamed(e["node"])
            for op in ("put", "resolve"):
                clock = e.get(op, {}).get("clock")
                if isinstance(clock, list) and len(clock) >= k:
                    del clock[k - 1]
        elif "crash" in e or "restart" in e:
            kind = "crash" if "crash" in e else "restart"
            if node_number(e[kind]) == k:
                continue
            e[kind] = renamed(e[kind])
        elif "partition" in e:
            p = e["partition"]
            if isinstance(p, list):
                p = [strip(g) for g in p]
                p = [g for g in p if g]
                if not p:
                    continue
            elif "isolate" in p:
                if node_number(p["isolate"]) == k:
                    continue
                p["isolate"] = renamed(p["isolate"])
            elif "from" in p:
                p["from"], p["to"] = strip(p["from"]), strip(p["to"])
                if not p["from"] or not p["to"]:
                    continue
            e["partition"] = p
        elif "drop" in e or "delay" in e:
            f = e["drop" if "drop" in e else "delay"]
            if node_number(f["from"]) == k or node_number(f["to"]) == k:
                continue
            f["from"], f["to"] = renamed(f["from"]), renamed(f["to"])
        events.append(e)
    out["events"] = events
    return out


def without_event(doc, i):
    out = dict(doc)
    out["events"] = doc["events"][:i] + doc["events"][i + 1:]
    return out


def write_yaml(doc, path):
    doc = dict(doc)
    if not doc.get("events"):
        doc.pop("events", None)
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, default_flow_style=None, sort_keys=False, width=1000)


# --- one shrink ----------------------------------------------------------------------

counts = {"shrunk": 0, "could not": 0}
sizes, seconds = [], []


def run_file(path, out_dir):
    """`kvsim run` of a file: its exit status and its history (None when
    refused)."""
    p = kvsim(["run", path, "--out", out_dir, "--no-render", "--quiet"])
    history = os.path.join(out_dir, "history.jsonl")
    return p.returncode, (history if p.returncode in (0, 1) else None)


def claimed(stdout, label):
    """The "label A -> B" line of the output: (A, B), or None."""
    m = re.search(r"^  " + re.escape(label) + r" (\S+(?: \S+)?) -> ([^;\n]+)", stdout, re.M)
    return (m.group(1), m.group(2)) if m else None


def same_way(history, doc, check_name, key, want_expect):
    """Whether the run of `doc` fails `check_name` on `key` (and for expect:
    with the same expectation, held count and the key written)."""
    v = verdicts(history, doc.get("expect"))
    if v[check_name] != (False, key):
        return False
    if check_name != "expect":
        return True
    expectation, held = want_expect
    got = ((doc.get("expect") or {}).get("siblings") or {}).get(key)
    return got == expectation and v["expect_held"] == held and key in v["written"]


def one(tmp, scenario, seed):
    name = f"{os.path.basename(scenario)[:-5]}-{seed}"
    source = yaml.safe_load(open(scenario))
    before_dir = os.path.join(tmp, name + "-before")
    p = kvsim(["run", scenario, "--seed", str(seed), "--out", before_dir, "--no-render", "--quiet"])
    if p.returncode != 1:
        return False  # this seed does not fail
    v0 = verdicts(os.path.join(before_dir, "history.jsonl"), source.get("expect"))
    target = failure(v0, source.get("expect"))
    check(f"{name}: the recount finds the failure kvsim run reports", target is not None, p.stderr)
    if target is None:
        return True
    check_name, key = target
    want_expect = None
    if check_name == "expect":
        want_expect = (source["expect"]["siblings"][key], v0["expect_held"])

    out = os.path.join(tmp, name)
    started = time.monotonic()
    p = kvsim(["shrink", scenario, "--seed", str(seed), "--out", out, "--no-render"])
    seconds.append(time.monotonic() - started)
    files = [f for f in os.listdir(out) if f.endswith(".yaml")] if os.path.isdir(out) else []
    text = open(os.path.join(out, files[0])).read() if len(files) == 1 else ""
    if p.returncode != 0:
        counts["could not"] += 1
        check(f"{name}: a shrink that fails exits 1, saying it could not", p.returncode == 1 and
              p.stdout.startswith("could not shrink"), (p.returncode, p.stdout, p.stderr))
        check(f"{name}: a file that could not be shrunk is never called 1-minimal",
              "# 1-minimal" not in text and "NOT 1-minimal" in text and
              "\n1-minimal" not in p.stdout, text[:800])
        return True
    counts["shrunk"] += 1
    check(f"{name}: one shrunk file", len(files) == 1, files)
    doc = yaml.safe_load(text)
    events = doc.get("events") or []
    ops_before = source["workload"]["ops"] + len(source.get("events") or [])
    sizes.append((ops_before, len(events)))
    check(f"{name}: no workload and no loss rate left", "workload" not in doc and
          doc["network"]["loss"] == 0, text)
    check(f"{name}: smaller", len(events) < ops_before, (ops_before, len(events)))

    # What the output claims, against the file.
    renamed = re.search(r"\((?:its key )?renamed: (\S+) on key '([^']*)'", text)
    new_key = renamed.group(2) if renamed else key
    check(f"{name}: the header names the failure kept",
          f"# The failure kept: {check_name} on key '{key}'" in text, text[:600])
    table = {row: re.search(r"^  " + row + r" +(\d+) +(\d+)$", p.stdout, re.M)
             for row in ("events", "nodes", "messages")}
    check(f"{name}: the table has its rows", all(table.values()), p.stdout)
    if not all(table.values()):
        return True
    check(f"{name}: events before as the original", int(table["events"].group(1)) == ops_before,
          p.stdout)
    check(f"{name}: events after as in the file", int(table["events"].group(2)) == len(events),
          (p.stdout, len(events)))
    check(f"{name}: nodes after as in the file", int(table["nodes"].group(2)) == doc["nodes"],
          p.stdout)
    net, src_net = doc["network"], source["network"]
    loss = claimed(p.stdout, "loss")
    check(f"{name}: loss changed exactly when the output says so",
          (loss is not None) == (src_net.get("loss", 0) != net["loss"]) and
          (loss is None or float(loss[1]) == net["loss"]), (loss, net))
    drops = sum(1 for e in events if "drop" in e)
    said = re.search(r"the losses that matter are (\d+) scripted drop events?", p.stdout)
    check(f"{name}: the drop events it claims are in the file",
          (said is None and drops == 0) or (said is not None and int(said.group(1)) == drops),
          (said and said.group(0), drops))
    dup = claimed(p.stdout, "duplicate")
    check(f"{name}: duplication changed exactly when the output says so",
          (dup is not None) == (src_net.get("duplicate", 0) != net["duplicate"]) and
          (dup is None or float(dup[1]) == net["duplicate"]), (dup, net))
    nodes = claimed(p.stdout, "nodes")
    check(f"{name}: nodes changed exactly when the output says so",
          (nodes is not None) == (source["nodes"] != doc["nodes"]) and
          (nodes is None or int(nodes[1]) == doc["nodes"]), (nodes, doc["nodes"]))
    until = claimed(p.stdout, "run_until")
    check(f"{name}: run_until changed exactly when the output says so",
          (until is not None) == (source["run_until"] != doc["run_until"]) and
          (until is None or until[1] == doc["run_until"]), (until, doc["run_until"]))
    ae = re.search(r"^  anti-entropy every \S+ -> off$", p.stdout, re.M)
    check(f"{name}: anti-entropy off exactly when the output says so",
          bool(ae) == ("anti_entropy" in source and "anti_entropy" not in doc), p.stdout)
    def expectations(d):
        e = d.get("expect") or {}
        return sum(k in e for k in ("converged", "lost_writes", "maximal")) + \
            len(e.get("siblings") or {}) + len(e.get("values") or {})
    said = re.search(r"^  expect: ", p.stdout, re.M)
    check(f"{name}: expectations dropped exactly when the output says so",
          bool(said) == (expectations(source) > expectations(doc)), p.stdout)
    workload = re.search(r"became timeline client events; (\d+) client events? (?:is|are) left",
                         p.stdout)
    clients = sum(1 for e in events if "client" in e)
    check(f"{name}: the client events it claims are in the file",
          workload is not None and int(workload.group(1)) == clients, (p.stdout, clients))
    minimal = re.search(r"^1-minimal: removing any one of its (\d+) events?"
                        r"(?: \([^)]*\))?(?: or 1 of its (\d+) nodes)? makes the failure go",
                        p.stdout, re.M)
    check(f"{name}: it says 1-minimal, with the file's counts", minimal is not None and
          int(minimal.group(1)) == len(events) and
          (minimal.group(2) is None) == (doc["nodes"] == 1) and
          (minimal.group(2) is None or int(minimal.group(2)) == doc["nodes"]), p.stdout)

    # The file alone fails the same way.
    path = os.path.join(out, files[0])
    status, history = run_file(path, os.path.join(tmp, name + "-after"))
    check(f"{name}: kvsim run of the shrunk file exits 1", status == 1, status)
    if history is None:
        return True
    v1 = verdicts(history, doc.get("expect"))
    check(f"{name}: messages after as the shrunk run sends",
          int(table["messages"].group(2)) == v1["sends"], (p.stdout, v1["sends"]))
    check(f"{name}: it fails {check_name} on key '{new_key}' (recounted)",
          same_way(history, doc, check_name, new_key, want_expect), (v1, text))
    if check_name == "expect":
        check(f"{name}: only the failing key's own expectation is kept",
              doc.get("expect") == {"siblings": {new_key: want_expect[0]}}, doc.get("expect"))
    else:
        check(f"{name}: no expectations are kept", "expect" not in doc, doc.get("expect"))

    # 1-minimal, checked here: every single event and node removed in turn.
    removals = [(f"event {i + 1}", without_event(doc, i)) for i in range(len(events))]
    if doc["nodes"] > 1:
        removals += [(f"node n{k}", without_node(doc, k)) for k in range(1, doc["nodes"] + 1)]
    for what, variant in removals:
        vpath = os.path.join(tmp, f"{name}-without.yaml")
        write_yaml(variant, vpath)
        status, history = run_file(vpath, os.path.join(tmp, name + "-without"))
        stays = history is not None and same_way(history, variant, check_name, new_key,
                                                 want_expect)
        check(f"{name}: without {what} the failure goes", status in (0, 1, 2) and not stays,
              (status, text))
    return True


with tempfile.TemporaryDirectory() as tmp:
    done = 0
    for scenario, share in SCENARIOS:
        wanted = max(1, round(SHRINKS * share))
        if scenario == SCENARIOS[-1][0]:
            wanted = max(1, SHRINKS - done)
        path = os.path.join(DATA, scenario)
        got = 0
        for seed in range(1, 200):
            if got >= wanted:
                break
            got += one(tmp, path, seed)
        check(f"{scenario}: {wanted} failing seeds found", got == wanted, got)
        done += got

print(f"shrinks: {sum(counts.values())}: {counts['shrunk']} shrunk, "
      f"{counts['could not']} could not; events before/after: "
      f"median {statistics.median(b for b, _ in sizes) if sizes else 0} -> "
      f"{statistics.median(a for _, a in sizes) if sizes else 0}, "
      f"largest after {max((a for _, a in sizes), default=0)}; "
      f"median shrink {statistics.median(seconds) if seconds else 0:.2f} s")
finish()
