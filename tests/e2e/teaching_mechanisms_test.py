#!/usr/bin/env python3
"""The mechanisms' teaching scenarios (issue 18, item 5), worked out by hand.

Usage: teaching_mechanisms_test.py KVSIM SCENARIO_DIR

Each scenario is run (`kvsim run`, pictures included). Its summary.json
figures (true siblings, false siblings, lost updates) must equal the counts
worked out by hand below AND the counts tests/lib/causal_recount.py
recomputes from history.jsonl (writes named by their values; what each client
had observed followed line by line; no clocks, dots or timestamps). The
story must tell each lost update and false sibling with what decided it:
under lww the timestamps (and, where the later write lost to skew, by how
much the winner's clock ran ahead), and the causal graph's DOT must show the
timestamps in place of the clocks under lww.

lww-skew-loses-later-write (2 nodes, n1's clock 4 ms ahead, 1 ms per message):
  10ms c1 put v1 -> n1 at 11ms, stamped n1's clock: 11 + 4 = 15ms.
  v1 replicated to n2 (12ms). 11ms c2 get via n1 -> v1 (reply at 13ms).
  13ms c2 put v2 -> n2 at 14ms, stamped n2's clock: 14ms < 15ms: dropped at
  n2, answered "written"; replicated to n1 at 15ms: dropped there too.
  End: n1 and n2 hold v1.
  true siblings 2 (v1 on n1, v1 on n2); false siblings 0 (one version per
  node); lost updates 1: v2 was accepted, no node holds it, and v1's past
  is empty (c1 had observed nothing), so nothing held follows v2.
  v2 lost although c2 had observed v1: a causally later write lost, because
  n1's clock ran 4ms ahead of n2's.

lww-drops-concurrent-write (2 nodes, clocks agree, 5 ms per message):
  10ms c1 put a -> n1 at 15ms, stamped 15ms. 12ms c2 put b -> n2 at 17ms,
  stamped 17ms. a reaches n2 at 20ms: 15 < 17, dropped. b reaches n1 at
  22ms: 17 > 15, replaces a. 40ms c1 get via n1 -> b.
  End: n1 and n2 hold b. true 2, false 0, lost 1 (a: c2 had not observed
  a, so b does not follow it; a is held nowhere). Concurrent writes: c1 had
  not observed b.

server-vv-false-siblings (1 node, 1 ms per message):
  10ms c1 put a, context [] -> object clock [] descended: a replaces
  nothing, stamped [1]; c1's context from the reply: [1] (a).
  20ms c2 put b, context [] -> does not descend [1]: sibling, [2]; c2's
  context {a, b}. 30ms c1 put c, context [1] -> does not descend [2]:
  sibling, [3]. n1 holds a, b, c. 40ms c2 get -> a, b, c.
  c's writer c1 had written a itself: a precedes c, a false sibling.
  b: c1 never observed b (its only reply was a's put, returning a), so b
  and c are concurrent; nothing held follows c.
  true 2 (b, c), false 1 (a), lost 0.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish
from causal_recount import recount

KVSIM, SCENARIOS = sys.argv[1], sys.argv[2]

# name: (true siblings, false siblings, lost updates), by hand (above);
# phrases the story must say; phrases the causal graph's DOT must hold.
CASES = {
    "lww-skew-loses-later-write": (
        (2, 0, 1),
        ["LOST UPDATE: v2@n2:14ms", "it lost to v1@n1:15ms, the greater timestamp",
         "although c2 had observed v1 before writing it: n1's clock ran 4ms ahead of n2's",
         "n2 dropped put v2@n2:14ms from c2", "c2 is not told its write lost"],
        ["@ n1:15ms", "@ n2:14ms", "LOST UPDATE", "diagonals"]),
    "lww-drops-concurrent-write": (
        (2, 0, 1),
        ["LOST UPDATE: a@n1:15ms", "it lost to b@n2:17ms, the greater timestamp",
         "c1 had not observed b (concurrent writes)"],
        ["@ n1:15ms", "@ n2:17ms", "LOST UPDATE", "diagonals"]),
    "server-vv-false-siblings": (
        (2, 1, 0),
        ["FALSE SIBLING on n1: a@[1] is still held beside c@[3] although c1 had written it "
         "itself before writing c@[3]"],
        ["@ [1]", "FALSE SIBLING", "peripheries=2"]),
}

with tempfile.TemporaryDirectory() as tmp:
    for name, (by_hand, story_says, graph_says) in CASES.items():
        path = os.path.join(SCENARIOS, name + ".yaml")
        out = os.path.join(tmp, name)
        p = subprocess.run([KVSIM, "run", path, "--out", out, "--quiet"], capture_output=True,
                           text=True, timeout=120)
        check(f"{name}: runs, every check holds", p.returncode == 0, p.stdout + p.stderr)
        if p.returncode != 0:
            continue
        text = open(path).read()
        check(f"{name}: at most 6 writes", text.count("put:") + text.count("resolve:") <= 6)
        check(f"{name}: says what to look for", "Look for" in text)
        figures = json.load(open(os.path.join(out, "summary.json")))["figures"]
        got = (figures["true_siblings"], figures["false_siblings"], figures["lost_updates"])
        check(f"{name}: summary figures are the hand count {by_hand}", got == by_hand, got)
        r = recount(os.path.join(out, "history.jsonl"))
        again = (r["true_siblings"], r["false_siblings"], r["lost_updates"])
        check(f"{name}: the independent recount agrees", again == by_hand, (again, r))
        check(f"{name}: replicas agree", r["disagree"] == [], r["disagree"])
        check(f"{name}: lww holds the greatest timestamp", r["lww_wrong"] == [], r["lww_wrong"])
        story = open(os.path.join(out, "story.txt")).read()
        for phrase in story_says:
            check(f"{name}: the story says {phrase!r}", phrase in story, story)
        check(f"{name}: the story's totals",
              f"{by_hand[0]} true sibling(s), {by_hand[1]} false sibling(s)" in story and
              f"{by_hand[2]} lost update(s)" in story, story)
        dot = open(os.path.join(out, "siblings.dot")).read()
        for phrase in graph_says:
            check(f"{name}: the causal graph has {phrase!r}", phrase in dot, dot)
        png = os.path.join(out, "siblings.png")
        check(f"{name}: the causal graph is drawn", os.path.exists(png) or
              not os.path.exists(os.path.join(out, "siblings.svg")))
        if name.startswith("lww"):
            check(f"{name}: no clock shown as a version's stamp under lww", "@ [" not in dot, dot)

finish()
