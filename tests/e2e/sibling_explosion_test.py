#!/usr/bin/env python3
"""Riak's sibling-explosion test, reproduced (issue 18, item 4):
scenarios/sibling-explosion-riak.yaml under server-vv and dvv, every count
recomputed from history.jsonl by this file's own reading.

Usage: sibling_explosion_test.py KVSIM SCENARIO_DIR

The published result (riak_test's sibling_explosion, the DVVSet README):
two clients alternate 99 puts on one key of one node, each with the context
its own previous put returned (return_body) and the union of the values it
got back plus one new integer (c1 the even ones 0..98, c2 the odd ones).
  server-vv: 99 siblings remain;
  dvv:       exactly 2, whose union is {0..98}.

Worked by hand: put i (i = 0..98) by c1 when i is even, c2 when odd, each
reply arriving before the next put. Put i's reply returns what n1 holds
after it. Under dvv that is put i and put i-1 (put i's context covered
exactly put i-2 and put i-3, its own client's previous write and what that
write's reply returned), so put i+2, of the same client, observes i and
i-1: every put but the last two (97 by c2, 98 by c1) is in the causal past
of a later one; 97 and 98 are concurrent (neither client saw the other's
last write). So under either mechanism the truth is 2 true siblings, and
under server-vv, which keeps all 99, 97 false siblings; under dvv none.
No write is lost (each is held or in the past of one held).

This file checks, for each mechanism: the final siblings (count and, under
dvv, the union of their values), each put's value (the union of what its
previous put's reply returned plus its integer), and the truth's counts
(summary.json's figures and the story's FALSE SIBLING lines) against a
recount: a client knows its own writes, every write a reply returned to it,
and what those writes' clients knew when they wrote them.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS = sys.argv[1], sys.argv[2]
PATH = os.path.join(SCENARIOS, "sibling-explosion-riak.yaml")


def run(mechanism, out):
    r = subprocess.run([KVSIM, "run", PATH, "--mechanism", mechanism, "--out", out,
                        "--no-render", "--quiet"], capture_output=True, text=True)
    check(f"{mechanism}: kvsim run exits 0 or 1", r.returncode in (0, 1), r.stderr)
    with open(os.path.join(out, "history.jsonl")) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    return lines, summary


def recount(lines):
    """(puts, final values, true siblings, false siblings) read from the history."""
    sends = {}
    puts = []          # in order: dict(client, value, known: set of values)
    knows = {}         # client -> set of write values it knows
    past = {}          # write value -> set of write values before it
    returned = {}      # client -> values its last put's reply gave it
    final = None
    for line in lines:
        if line["kind"] == "send":
            sends[line["id"]] = line
            body = line["body"]
            if body["type"] == "kv_put":
                client = line["src"]
                value = json.dumps(body["value"])
                puts.append({"client": client, "value": body["value"],
                             "returned": returned.get(client, [])})
                past[value] = set(knows.get(client, set()))
                knows.setdefault(client, set()).add(value)
        elif line["kind"] == "deliver":
            sent = sends[line["id"]]
            body = sent["body"]
            if body["type"] == "kv_put_ok":
                client = sent["dest"]
                values = [json.dumps(v["value"]) for v in body.get("values", [])]
                returned[client] = [v["value"] for v in body.get("values", [])]
                for v in values:
                    knows[client].add(v)
                    knows[client] |= past.get(v, set())
        elif line["kind"] == "final":
            final = [json.dumps(v["value"]) for v in line["store"].get("k", [])]
    false = [x for x in final if any(x in past[y] for y in final if y != x)]
    return puts, final, len(final) - len(false), len(false)


with tempfile.TemporaryDirectory() as tmp:
    results = {}
    for mechanism in ("server-vv", "dvv"):
        out = os.path.join(tmp, mechanism)
        lines, summary = run(mechanism, out)
        puts, final, true_s, false_s = recount(lines)
        results[mechanism] = (final, true_s, false_s)
        check(f"{mechanism}: 99 puts, alternating c1 and c2",
              len(puts) == 99 and all(p["client"] == ("c1" if i % 2 == 0 else "c2")
                                      for i, p in enumerate(puts)),
              [p["client"] for p in puts[:4]])
        # Each put's value: the union of its previous put's returned values, plus i.
        bad = []
        for i, p in enumerate(puts):
            want = {i}
            for v in p["returned"]:
                want |= set(v)
            if p["value"] != sorted(want):
                bad.append((i, p["value"], sorted(want)))
        check(f"{mechanism}: each put writes the union of what its last put returned plus "
              "its integer", not bad, bad[:2])
        fig = summary["figures"]
        check(f"{mechanism}: summary's true and false siblings and lost updates recounted",
              (fig["true_siblings"], fig["false_siblings"], fig["lost_updates"]) ==
              (true_s, false_s, 0), (fig, true_s, false_s))
        story = subprocess.run([KVSIM, "explain", os.path.join(out, "history.jsonl")],
                               capture_output=True, text=True).stdout
        check(f"{mechanism}: the story labels {false_s} false siblings",
              story.count("FALSE SIBLING on ") == false_s, story.count("FALSE SIBLING on "))
        m = re.search(r"observed: (\d+) true sibling\(s\), (\d+) false sibling\(s\)", story)
        check(f"{mechanism}: the story's counts", m and (int(m[1]), int(m[2])) == (true_s, false_s),
              m and m.groups())

    # The published counts.
    final, true_s, false_s = results["server-vv"]
    check("server-vv: 99 siblings remain (Riak before dvv)", len(final) == 99, len(final))
    check("server-vv: 2 true siblings, 97 false ones (by the truth)",
          (true_s, false_s) == (2, 97), (true_s, false_s))
    final, true_s, false_s = results["dvv"]
    check("dvv: exactly 2 siblings remain", len(final) == 2, final)
    union = set()
    for v in final:
        union |= set(json.loads(v))
    check("dvv: their union is 0..98", union == set(range(99)), sorted(union)[:5])
    check("dvv: both true siblings, no false one", (true_s, false_s) == (2, 0), (true_s, false_s))

finish()
