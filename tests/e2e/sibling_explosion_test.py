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

It also checks the two causal graphs (siblings.dot), which fold long runs
of alike versions (viz/causal_graph.h: a run of 10 or more keeps its first
and last 2, the rest is one box that counts them). Worked by hand:
  server-vv: n1 ends holding all 99 puts, all siblings at once, so they are
  one sibling box; in write order puts 0..96 are false siblings held to the
  end and 97, 98 true siblings held to the end: a run of 97 alike, then 2.
  Drawn: puts 0, 1, a fold of 93 (puts 2..94), 95, 96, 97, 98. The
  false-sibling style (double border) is on 4 drawn versions and on the
  fold, whose box says 93 false siblings: 97 in all.
  dvv: after put i n1 holds {i-1, i}. The boxes are taken as sibling sets
  are first seen, a set joining a box it overlaps only if every two
  versions of the union are concurrent: {0,1} is a box; {1,2} overlaps it
  but 0 is below 2, so it stays a link; {2,3} a box; ... so 49 boxes of
  two, {2j, 2j+1} (j = 0..48), and put 98 alone ({97,98} cannot join
  {96,97}). Rows in order: 49 pairs then 98. Pairs 0..47 are alike (two
  puts, siblings, not final); pair 48 holds 97, final: it differs. A run of
  48 rows: 2 + 2 drawn, 44 rows (88 versions, puts 4..91) folded. Drawn
  alone: 99 - 88 = 11 versions; two are final, [0..95, 97] and [0..96, 98].
The Python below recomputes both folds from the history's final siblings
and the truth recount, not from the picture.
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
                        "--quiet"], capture_output=True, text=True)
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
    return puts, final, len(final) - len(false), len(false), false


KEEP, MIN_RUN = 2, 10  # the fold rule (viz/causal_graph.h), stated in the picture


def folded_count(marks):
    """How many of `marks` (one per item, in order) the rule folds: every
    maximal run of at least MIN_RUN equal marks keeps KEEP at each end."""
    folded, begin = 0, 0
    for i in range(1, len(marks) + 1):
        if i < len(marks) and marks[i] == marks[i - 1]:
            continue
        if i - begin >= MIN_RUN:
            folded += i - begin - 2 * KEEP
        begin = i
    return folded


def expand(text):
    """'[0..3, 5]' -> {0, 1, 2, 3, 5}: the picture's integer runs."""
    out = set()
    for part in text.strip("[]").split(","):
        a, _, b = part.strip().partition("..")
        out |= set(range(int(a), int(b or a) + 1))
    return out


def read_graph(out):
    """The versions and folds siblings.dot draws, with their labels."""
    with open(os.path.join(out, "siblings.dot")) as f:
        dot = f.read()
    boxes = dict(re.findall(r'^\s*(k0_[vf]\d+) \[id="\1", (.*)\];$', dot, re.M))
    return dot, boxes


with tempfile.TemporaryDirectory() as tmp:
    results, graphs = {}, {}
    for mechanism in ("server-vv", "dvv"):
        out = os.path.join(tmp, mechanism)
        lines, summary = run(mechanism, out)
        puts, final, true_s, false_s, false_list = recount(lines)
        results[mechanism] = (final, true_s, false_s)
        graphs[mechanism] = (read_graph(out), puts, final, false_list)
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

    # The causal graphs: drawn (not the "too large" note), folded as worked
    # out above, every version and every false sibling accounted for.
    for mechanism in ("server-vv", "dvv"):
        (dot, boxes), puts, final, false_list = graphs[mechanism]
        check(f"{mechanism}: the causal graph is drawn, not left out as too large",
              "Not drawn:" not in dot and "k0_v0" in boxes, dot[:300])
        drawn = [b for b in boxes if b.startswith("k0_v")]
        folds = {b: a for b, a in boxes.items() if b.startswith("k0_f")}
        check(f"{mechanism}: one fold, stated in the picture with the rule",
              len(folds) == 1 and all("(runs of 10 or more alike" in a for a in folds.values())
              and "versions folded, alike the ones drawn either side" in dot, list(folds))
        fold = next(iter(folds.values()), "")
        m = re.search(r"\.\.\. (\d+) more (siblings|rows) like these, folded(?: \((\d+) versions\))?", fold)
        folded = int(m[3] or m[1]) if m else -1
        check(f"{mechanism}: the drawn versions and the fold's count make all 99",
              len(drawn) + folded == 99, (len(drawn), folded))
        fs = re.search(r"(\d+) FALSE SIBLING\(S\)", fold)
        lu = re.search(r"(\d+) LOST UPDATE\(S\)", fold)
        drawn_false = sum("FALSE SIBLING on n1" in a and "peripheries=2" in a for a in boxes.values())
        check(f"{mechanism}: false siblings drawn ({drawn_false}) plus the fold's "
              f"({fs and fs[1]}) are the recount's {len(false_list)}, no lost update hidden",
              fs and lu and drawn_false + int(fs[1]) == len(false_list) and int(lu[1]) == 0
              and ("peripheries=2" in fold) == (int(fs[1]) > 0), fold)
        if mechanism == "server-vv":
            # One box of all 99 in write order, marked false or true (the
            # recount), all final: the rule folds the run of false ones.
            order = [json.dumps(p["value"]) for p in puts]
            marks = [v in false_list for v in order]
            want = folded_count(marks)
            check("server-vv: the fold holds the 93 the rule folds, recounted", m and m[2] ==
                  "siblings" and folded == want == 93, (m and m.group(0), want))
            check("server-vv: the false-sibling style is worth 97 (4 drawn, 93 in the fold)",
                  drawn_false == 4 and fs and int(fs[1]) == 93, (drawn_false, fs and fs[1]))
            check("server-vv: the fold says how the siblings piled up (3 to 95 after its puts)",
                  "each left 3 to 95 siblings where it was written" in fold, fold)
        else:
            # Rows as worked out above: pairs {2j, 2j+1}, then put 98; a row's
            # mark is (size, which of its puts are final).
            fin = set(final)
            vals = [json.dumps(p["value"]) for p in puts]
            rows = [(2, vals[2 * j] in fin, vals[2 * j + 1] in fin) for j in range(49)]
            rows.append((1, vals[98] in fin))
            folded_rows = folded_count(rows)
            check("dvv: the fold holds the 44 rows (88 versions) the rule folds, recounted",
                  m and m[2] == "rows" and int(m[1]) == folded_rows == 44 and folded == 88,
                  (m and m.group(0), folded_rows))
            finals = [a for a in boxes.values() if "final on n1" in a]
            shown = [re.search(r"label=<<b>([^<]*)</b>", a)[1] for a in finals]
            union = set()
            for text in shown:
                union |= expand(text)
            check("dvv: exactly two versions final, their values shown whole, union 0..98",
                  len(finals) == 2 and union == set(range(99)) and
                  sorted(shown) == ["[0..95, 97]", "[0..96, 98]"], shown)
        png = os.path.join(tmp, mechanism, "siblings.png")
        if os.path.exists(png):
            with open(png, "rb") as f:
                head = f.read(24)
            width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
            check(f"{mechanism}: the PNG is a picture a page can hold ({width}x{height})",
                  head[:8] == b"\x89PNG\r\n\x1a\n" and width <= 2000 and height <= 2000,
                  (width, height))

finish()
