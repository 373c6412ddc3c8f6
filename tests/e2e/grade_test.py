#!/usr/bin/env python3
"""kvsim grade end to end, on the example programs of tests/grade_examples/.

Usage: grade_test.py KVSIM EXAMPLES_DIR [SESSIONS]

Each example is written from the task's text and breaks (at most) one rule
by construction; this test knows which, and checks that the grader names
it. Its verdicts share nothing with the grader's code: the shrunk session
the grader prints is replayed here against the example itself and against
`kvsim node`, and the difference is found by this file's own comparison.

- the correct example passes SESSIONS generated sessions (default 1,000;
  KVSIM_SEEDS, as the sanitizer build sets it, lowers it), and with
  --strict fails on one of kvsim's own choices, the only place it differs;
- each faulty example is caught, its first difference shrunk to at most 5
  requests, under the rule it breaks;
- a program that never answers, one that exits at once and one that prints
  garbage are each graded in under --timeout + 1 s, with a clear message;
- the folders are graded through GNU parallel as docs/GRADING.md's recipe
  does (a shell loop if parallel is missing), and --summary tabulates them;
- the generated sessions reach every rule: counted by this file's own
  model of the store, from `kvsim grade --print-sessions`;
- bad usage is exit 2, a program that cannot be started exit 4.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "lib"))
from checklib import check, finish  # noqa: E402

KVSIM = sys.argv[1]
EXAMPLES = pathlib.Path(sys.argv[2])
SESSIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
if os.environ.get("KVSIM_SEEDS"):
    SESSIONS = min(SESSIONS, 4 * int(os.environ["KVSIM_SEEDS"]))
# Debian's python3 where there is one (it starts in a third of the time a
# pyenv build with its site-packages takes), else the one running this test;
# never a version manager's shim, which costs seconds a start.
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable

# Each faulty example and the rules its mistake can show under (several when
# the same mistake shows in more than one kind of request).
FAULTY = {
    "no_padding": {"writes", "stale_writes", "conflicts", "equal_clocks", "resolves"},
    "equal_dominates": {"equal_clocks"},
    "stale_accepted": {"stale_writes"},
    "resolve_keeps_dominated": {"resolves"},
    "siblings_off_by_one": {"conflicts", "equal_clocks", "resolves"},
    "get_newest_only": {"reads"},
    "crash_missing_field": {"errors"},
    "wrong_in_reply_to": {"protocol"},
}
BROKEN = {  # example: what the grader must say
    "silent": "no reply within 2s",
    "exits_at_once": "exited with status 3",
    "garbage": "not JSON",
}


# --- this test's own reading of requests and replies ------------------------

def pad(a, b):
    n = max(len(a), len(b))
    return a + [0] * (n - len(a)), b + [0] * (n - len(b))


def dominates(a, b):
    a, b = pad(a, b)
    return all(x >= y for x, y in zip(a, b)) and a != b


def equal_clocks(a, b):
    a, b = pad(a, b)
    return a == b


def judged(reply):
    """What the task defines of a reply: type, in_reply_to, status,
    siblings, values as a set, an error's code."""
    body = reply.get("body", {}) if isinstance(reply, dict) else {}
    values = body.get("values")
    if isinstance(values, list):
        values = sorted(json.dumps(v, sort_keys=True) for v in values)
    return {"type": body.get("type"), "in_reply_to": body.get("in_reply_to"),
            "status": body.get("status"),
            "siblings": body.get("siblings") if body.get("status") == "conflict" else None,
            "values": values, "code": body.get("code")}


def run_lines(cmd, lines):
    proc = subprocess.run(cmd, input="".join(line + "\n" for line in lines), text=True,
                          capture_output=True, timeout=30)
    replies = []
    for line in proc.stdout.splitlines():
        try:
            replies.append(json.loads(line))
        except ValueError:
            replies.append(line)
    return proc, replies


def answered(lines):
    """Indexes of the lines that carry a msg_id to answer (kvsim node answers
    each of these and only these in the shrunk sessions)."""
    out = []
    for i, line in enumerate(lines):
        try:
            m = json.loads(line)
        except ValueError:
            continue
        body = m.get("body") if isinstance(m, dict) else None
        if (isinstance(body, dict) and isinstance(m.get("src"), str)
                and type(body.get("msg_id")) is int):
            out.append(i)
    return out


def replay(example, lines):
    """Runs the shrunk lines through the example and kvsim node; returns the
    example's process, the first request (index into lines) whose judged
    fields differ (or where the example stopped answering), and both replies
    there."""
    mine, ours = run_lines([PY, str(EXAMPLES / (example + ".py"))], lines)
    ref, theirs = run_lines([KVSIM, "node"], lines)
    asked = answered(lines)
    for k, i in enumerate(asked):
        want = theirs[k] if k < len(theirs) else None
        got = ours[k] if k < len(ours) else None
        if got is None or judged(got) != judged(want):
            return mine, i, want, got
    return mine, None, None, None


# --- the generated sessions' coverage, by this file's own model -------------

def coverage(sessions):
    seen = {}

    def count(what):
        seen[what] = seen.get(what, 0) + 1

    for lines in sessions:
        initialized, nodes, store = False, 0, {}
        for line in lines:
            try:
                m = json.loads(line)
            except ValueError:
                count("not JSON")
                continue
            body = m.get("body") if isinstance(m, dict) else None
            if (not isinstance(body, dict) or not isinstance(m.get("src"), str)
                    or type(body.get("msg_id")) is not int):
                count("nothing to answer to")
                continue
            kind = body.get("type")
            if kind == "init":
                initialized, nodes = True, len(body["node_ids"])
                count(f"init with {nodes} nodes")
                continue
            if kind not in ("kv_put", "kv_get", "kv_resolve"):
                count("unknown type" if isinstance(kind, str) else "no type")
                continue
            if not initialized:
                count("before init")
                continue
            key = body.get("key")
            if not isinstance(key, str):
                count("key missing" if key is None else "key not a string")
                continue
            if kind == "kv_get":
                count("read of an unknown key" if not store.get(key) else "read")
                continue
            if "value" not in body or "clock" not in body:
                count("value or clock missing")
                continue
            clock = body["clock"]
            if not isinstance(clock, list):
                count("clock not an array")
                continue
            if any(isinstance(x, str) for x in clock):
                count("clock entry a string")
                continue
            if any(isinstance(x, float) for x in clock):
                count("clock entry a fraction")
                continue
            if any(x < 0 for x in clock):
                count("clock entry negative")
                continue
            if any(x > 2**64 - 1 for x in clock):
                count("clock entry past 2^64")
                continue
            if any(x > 2**53 for x in clock):
                count("clock entry past 2^53")
            if len(clock) < nodes:
                count("clock shorter than the node count")
            if len(clock) > nodes:
                count("clock longer than the node count")
            value = json.dumps(body["value"])
            if not isinstance(body["value"], str):
                count("value not a string")
            siblings = store.get(key, [])
            prefix = "resolve: " if kind == "kv_resolve" else ""
            if any(dominates(c, clock) for _, c in siblings):
                count(prefix + "stale")
                continue
            if any(v == value and equal_clocks(c, clock) for v, c in siblings):
                count(prefix + "duplicate")
                continue
            kept = [(v, c) for v, c in siblings if not dominates(clock, c)]
            if any(equal_clocks(c, clock) for _, c in siblings):
                count(prefix + "equal clocks, another value")
            elif not siblings:
                count(prefix + "empty key")
            elif not kept:
                count(prefix + "dominates every sibling")
            elif len(kept) < len(siblings):
                count(prefix + "dominates some siblings")
            else:
                count(prefix + "concurrent with every sibling")
            if len(kept) + 1 > 100:
                count("past 100 siblings")
                continue
            store[key] = kept + [(value, clock)]
    return seen


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)

        # Bad usage and a program that cannot be started.
        r = subprocess.run([KVSIM, "grade"], capture_output=True, text=True)
        check("no command is bad usage (2)", r.returncode == 2, r.stderr)
        check("... and says how to give one", "--" in r.stderr, r.stderr)
        r = subprocess.run([KVSIM, "grade", "--timeout", "0s", "--", "true"],
                           capture_output=True, text=True)
        check("--timeout 0s is bad usage (2)", r.returncode == 2, r.stderr)
        r = subprocess.run([KVSIM, "grade", "--seed", "-1", "--", "true"],
                           capture_output=True, text=True)
        check("--seed -1 is bad usage (2), not wrapped", r.returncode == 2, r.stderr)
        r = subprocess.run([KVSIM, "grade", "--", str(tmp / "no-such-program")],
                           capture_output=True, text=True)
        check("a program that cannot be started is exit 4", r.returncode == 4, r.stderr)
        check("... saying so", "cannot start" in r.stderr, r.stderr)

        # Coverage of the generated sessions.
        r = subprocess.run([KVSIM, "grade", "--print-sessions", "--sessions", "600"],
                           capture_output=True, text=True, timeout=120)
        sessions = [[line for line in block.splitlines() if not line.startswith("# ")]
                    for block in r.stdout.split("\n\n") if block.strip()]
        check("--print-sessions prints 600 sessions", len(sessions) == 600, len(sessions))
        again = subprocess.run([KVSIM, "grade", "--print-sessions", "--sessions", "600"],
                               capture_output=True, text=True, timeout=120)
        check("the same seed prints the same sessions", again.stdout == r.stdout)
        seen = coverage(sessions)
        wanted = ["empty key", "dominates every sibling", "dominates some siblings", "stale",
                  "concurrent with every sibling", "equal clocks, another value", "duplicate",
                  "resolve: dominates every sibling", "resolve: dominates some siblings",
                  "resolve: concurrent with every sibling", "resolve: stale",
                  "clock shorter than the node count", "clock longer than the node count",
                  "read", "read of an unknown key", "value not a string", "not JSON",
                  "nothing to answer to", "unknown type", "no type", "key missing",
                  "key not a string", "value or clock missing", "clock not an array",
                  "clock entry a string", "clock entry a fraction", "clock entry negative",
                  "clock entry past 2^53", "clock entry past 2^64", "before init",
                  "past 100 siblings"] + [f"init with {n} nodes" for n in range(1, 6)]
        for what in wanted:
            check(f"the sessions reach: {what}", seen.get(what, 0) > 0, seen)
        print("coverage of 600 sessions:", json.dumps(seen, sort_keys=True))

        # The broken programs, each in under --timeout + 1 s.
        for example, says in BROKEN.items():
            start = time.monotonic()
            r = subprocess.run([KVSIM, "grade", "--timeout", "2s", "--out", str(tmp / example),
                                "--", PY, str(EXAMPLES / (example + ".py"))],
                               capture_output=True, text=True, timeout=60)
            took = time.monotonic() - start
            print(f"{example}: graded in {took:.2f} s")
            check(f"{example}: a difference (exit 1)", r.returncode == 1, r.stdout + r.stderr)
            check(f"{example}: graded in under 3 s (--timeout 2s + 1 s)", took < 3.0, took)
            check(f"{example}: says '{says}'", says in r.stdout, r.stdout)
            check(f"{example}: stopped after the first sample", "stopped early" in r.stdout,
                  r.stdout)
        r = json.loads((tmp / "exits_at_once" / "grade.json").read_text())
        check("exits_at_once: its stderr is shown",
              "giving up" in r["first_difference"]["stderr_tail"], r["first_difference"])

        # The correct and the faulty examples, graded as the recipe does.
        names = ["correct"] + list(FAULTY)
        grades = tmp / "grades"
        grades.mkdir()
        recipe = (f"{KVSIM} grade --sessions {SESSIONS} --fail-fast --out {grades}/{{}} "
                  f"-- {PY} {EXAMPLES}/{{}}.py > {grades}/{{}}.txt")
        start = time.monotonic()
        if shutil.which("parallel"):
            r = subprocess.run(["parallel", "-j2", recipe], input="\n".join(names) + "\n",
                               text=True, capture_output=True, timeout=3600)
            print(f"graded {len(names)} examples with GNU parallel in "
                  f"{time.monotonic() - start:.1f} s")
        else:
            print("GNU parallel not installed: the recipe's shell loop instead")
            for name in names:
                subprocess.run(recipe.replace("{}", name), shell=True, timeout=3600)
        for name in names:
            check(f"{name}: grade.json written", (grades / name / "grade.json").exists())

        g = json.loads((grades / "correct" / "grade.json").read_text())
        check("correct: passes", g["passed"] is True, g.get("first_difference"))
        check(f"correct: {SESSIONS} sessions run and passed",
              g["sessions_run"] == SESSIONS and g["sessions_passed"] == SESSIONS,
              (g["sessions_run"], g["sessions_passed"]))
        check("correct: the three samples pass", [s["passed"] for s in g["samples"]] == [True] * 3)
        print(f"correct: {g['sessions_run']} sessions, {g['sessions_per_second']:.1f} sessions/s")

        for name, rules in FAULTY.items():
            g = json.loads((grades / name / "grade.json").read_text())
            first = g["first_difference"]
            check(f"{name}: caught", g["passed"] is False and first is not None)
            if first is None:
                continue
            lines = first["lines"]
            print(f"{name}: {first['rule']} in {first['session']}, {len(lines)} requests: "
                  f"{first['why']}")
            check(f"{name}: names its rule ({' or '.join(sorted(rules))})", first["rule"] in rules,
                  first["rule"])
            check(f"{name}: shrunk to at most 5 requests", len(lines) <= 5, len(lines))
            proc, at, want, got = replay(name, lines)
            check(f"{name}: replayed here, the example and kvsim node differ", at is not None)
            check(f"{name}: ... at the request the grader names", at == first["request"] - 1,
                  (at, first["request"]))
            mine = judged(got) if got is not None else None
            ref = judged(want) if want is not None else None
            if name == "no_padding":
                clocks = [json.loads(line)["body"].get("clock") for line in lines]
                lengths = {len(c) for c in clocks if isinstance(c, list)}
                check("no_padding: the shrunk session compares clocks of different lengths",
                      len(lengths) > 1, lines)
                check("no_padding: the explanation says how clocks are padded",
                      "zeros" in first["why"], first["why"])
            elif name == "equal_dominates":
                writes = [json.loads(line)["body"] for line in lines[1:]]
                check("equal_dominates: two writes with equal clocks, other values",
                      any(equal_clocks(a["clock"], b["clock"]) and a["value"] != b["value"]
                          for a in writes for b in writes if a is not b), lines)
            elif name == "stale_accepted":
                check("stale_accepted: kvsim rejects, the example does not",
                      ref and ref["status"] == "rejected" and mine and mine["status"] != "rejected",
                      (ref, mine))
            elif name == "resolve_keeps_dominated":
                check("resolve_keeps_dominated: the differing request is a kv_resolve",
                      '"kv_resolve"' in lines[at] if at is not None else False, lines)
            elif name == "siblings_off_by_one":
                check("siblings_off_by_one: only the sibling count differs, one less",
                      ref and mine and ref["status"] == mine["status"] == "conflict"
                      and mine["siblings"] == ref["siblings"] - 1, (ref, mine))
            elif name == "get_newest_only":
                check("get_newest_only: the read returns fewer values than kvsim's",
                      ref and mine and set(mine["values"]) < set(ref["values"]), (ref, mine))
            elif name == "crash_missing_field":
                check("crash_missing_field: the example dies on the shrunk lines",
                      proc.returncode != 0 and "KeyError" in proc.stderr, proc.stderr[-300:])
                check("crash_missing_field: kvsim node answers error 12 instead",
                      ref and ref["type"] == "error" and ref["code"] == 12, ref)
                check("crash_missing_field: the grader shows the program's stderr",
                      "KeyError" in first["stderr_tail"], first["stderr_tail"])
            elif name == "wrong_in_reply_to":
                request = json.loads(lines[at])["body"]["msg_id"] if at is not None else None
                check("wrong_in_reply_to: the reply's in_reply_to is not the request's msg_id",
                      mine and mine["in_reply_to"] != request and ref["in_reply_to"] == request,
                      (mine, request))

        # kvsim's choices: the correct example differs from kvsim only there.
        r = subprocess.run([KVSIM, "grade", "--strict", "--fail-fast", "--sessions", "300",
                            "--out", str(tmp / "strict"), "--", PY,
                            str(EXAMPLES / "correct.py")],
                           capture_output=True, text=True, timeout=1200)
        g = json.loads((tmp / "strict" / "grade.json").read_text())
        check("correct --strict: fails (exit 1)", r.returncode == 1, r.stdout[-500:])
        first = g["first_difference"] or {}
        check("correct --strict: on one of kvsim's choices", first.get("rule") == "choices", first)
        print(f"correct --strict: {first.get('choice')}: {first.get('why')}")

        # Another choice: answering the lines kvsim leaves unanswered passes,
        # and fails only with --strict, under that choice.
        for strict in ([], ["--strict"]):
            out = tmp / ("answers" + "".join(strict))
            r = subprocess.run([KVSIM, "grade", *strict, "--fail-fast", "--sessions", "60",
                                "--out", str(out), "--", PY,
                                str(EXAMPLES / "answers_everything.py")],
                               capture_output=True, text=True, timeout=1200)
            g = json.loads((out / "grade.json").read_text())
            counted = {c["choice"]: c for c in g["choices"]}["no_reply_line"]
            if not strict:
                check("answers_everything: passes without --strict", r.returncode == 0,
                      r.stdout[-800:])
                check("answers_everything: its replies to lines without msg_id are counted",
                      counted["wrong"] > 0, counted)
                example = [e for e in g["choice_examples"] if e["choice"] == "no_reply_line"]
                line = example[0]["lines"][example[0]["request"] - 1] if example else ""
                check("answers_everything: ... and the line it answered gets no reply from "
                      "kvsim node", example and run_lines([KVSIM, "node"], [line])[1] == [],
                      example)
            else:
                # --strict stops each session at its first choice, whichever.
                first = g["first_difference"] or {}
                check("answers_everything --strict: fails on one of kvsim's choices",
                      r.returncode == 1 and first.get("rule") == "choices", first)

        # The summary of every graded folder.
        folders = [str(grades / name) for name in names]
        r = subprocess.run([KVSIM, "grade", "--summary", *folders, "--out", str(grades)],
                           capture_output=True, text=True, timeout=60)
        print(r.stdout)
        check("--summary: exit 1 when a submission failed", r.returncode == 1, r.stderr)
        rows = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()[1:len(names) + 1]
                if line.strip()}
        check("--summary: a row per submission, pass or FAIL as graded",
              rows == {n: ("pass" if n == "correct" else "FAIL") for n in names}, rows)
        page = (grades / "summary.html").read_text() if (grades / "summary.html").exists() else ""
        check("--summary --out: summary.html links each grade.html",
              all(f'href="{n}/grade.html"' in page for n in names), page[:300])
        r = subprocess.run([KVSIM, "grade", "--summary", str(tmp / "nothing-here")],
                           capture_output=True, text=True)
        check("--summary of a folder without grade.json: exit 4", r.returncode == 4, r.stderr)
    finish()


if __name__ == "__main__":
    main()
