#!/usr/bin/env python3
"""kvsim compare (issue 18, item 3), checked against the runs it compares.

Usage: compare_test.py KVSIM SCENARIO_DIR DATA_DIR

1. `kvsim compare scenarios/compare-mechanisms.yaml --seeds 1..3` under the
   four mechanisms; then each (mechanism, seed) is run again on its own,
   `kvsim run FILE --seed S --mechanism M`, and compare.json's numbers are
   recounted from that run's history.jsonl by this file's own code:
     messages, dropped   `send` and `drop` lines;
     stale rejections    replies (kv_put_ok, kv_resolve_ok) sent with status
                         "rejected";
     key copies, versions held, max siblings
                         the `final` lines of live nodes: each key a node
                         holds, its versions;
     metadata            per held version, the clock's non-zero entries
                         (not under lww, whose rules read no clock) plus the
                         dot (dvv) or the timestamp (lww); each entry's slot
                         and counter as LEB128 varints;
     true/false siblings, lost updates
                         the run's summary.json figures (recounted from the
                         history by truth_test.py's own code);
   and the totals are the sums (max_siblings the max) of the runs.
2. The network's draws: on tests/data/compare-same-messages.yaml every
   mechanism sends the same messages; compare says so (same network on
   every run) and the four histories agree: the same `send` lines (time,
   src, dest, type), the same `drop`, `deliver` and `duplicate` lines (time
   and message id), and so the same message and drop counts.
3. compare.svg and compare.png drawn by gnuplot (skipped with a reason if
   gnuplot is missing), and compare.html holding the table and the chart.
4. Errors: an unknown mechanism, one named twice, a bad seed range, a
   mechanism the scenario refuses (replication:), an --out holding a run's
   output: 2; an --out that cannot be written: 4; a missing scenario: 4.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
MECHANISMS = ["client-vv", "server-vv", "dvv", "lww"]
HAVE_GNUPLOT = shutil.which("gnuplot") is not None


def varint(v):
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def metadata(mechanism, version):
    entries = size = 0
    if mechanism != "lww":
        for slot, counter in enumerate(version["clock"]):
            if counter:
                entries += 1
                size += varint(slot) + varint(counter)
    extra = version.get("timestamp") if mechanism == "lww" else (
        version.get("dot") if mechanism == "dvv" else None)
    if extra:
        entries += 1
        size += varint(extra[0]) + varint(extra[1])
    return entries, size


def recount(history, summary, mechanism):
    r = dict(messages=0, dropped=0, stale_rejections=0, key_copies=0, versions_held=0,
             max_siblings=0, metadata_entries=0, metadata_bytes=0)
    for line in history:
        kind = line["kind"]
        if kind == "send":
            r["messages"] += 1
            body = line["body"]
            if body["type"] in ("kv_put_ok", "kv_resolve_ok") and body.get("status") == "rejected":
                r["stale_rejections"] += 1
        elif kind == "drop":
            r["dropped"] += 1
        elif kind == "final" and line["live"]:
            for key, versions in line["store"].items():
                if not versions:
                    continue
                r["key_copies"] += 1
                r["versions_held"] += len(versions)
                r["max_siblings"] = max(r["max_siblings"], len(versions))
                for v in versions:
                    e, b = metadata(mechanism, v)
                    r["metadata_entries"] += e
                    r["metadata_bytes"] += b
    fig = summary["figures"]
    for name in ("true_siblings", "false_siblings", "lost_updates"):
        r[name] = fig[name]
    return r


def run(path, seed, mechanism, out):
    p = subprocess.run([KVSIM, "run", path, "--seed", str(seed), "--mechanism", mechanism,
                        "--out", out, "--no-render", "--quiet"], capture_output=True, text=True)
    check(f"run {os.path.basename(path)} seed {seed} {mechanism}", p.returncode in (0, 1),
          p.stderr)
    with open(os.path.join(out, "history.jsonl")) as f:
        history = [json.loads(l) for l in f if l.strip()]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    return history, summary


def compare(args, out):
    return subprocess.run([KVSIM, "compare"] + args + ["--out", out, "--jobs", "2"],
                          capture_output=True, text=True)


with tempfile.TemporaryDirectory() as tmp:
    # 1. compare.json against the runs, recounted.
    path = os.path.join(SCENARIOS, "compare-mechanisms.yaml")
    out = os.path.join(tmp, "cmp")
    p = compare([path, "--mechanisms", ",".join(MECHANISMS), "--seeds", "1..3"], out)
    check("compare exits 0", p.returncode == (0 if HAVE_GNUPLOT else 4), p.stderr)
    for m in MECHANISMS:
        check(f"the table has a row for {m}",
              any(line.startswith(m + " ") for line in p.stdout.splitlines()), p.stdout[:400])
    with open(os.path.join(out, "compare.json")) as f:
        result = json.load(f)
    check("compare.json names the scenario and seeds",
          result["scenario"] == "compare-mechanisms" and result["seeds"] == [1, 3])
    check("compare.json has the mechanisms in order",
          [m["mechanism"] for m in result["mechanisms"]] == MECHANISMS)
    for entry in result["mechanisms"]:
        m = entry["mechanism"]
        total = {}
        for run_entry in entry["runs"]:
            seed = run_entry["seed"]
            history, summary = run(path, seed, m, os.path.join(tmp, f"{m}-{seed}"))
            mine = recount(history, summary, m)
            got = {k: run_entry[k] for k in mine}
            check(f"{m} seed {seed}: compare.json's counts recounted from its history",
                  got == mine, f"compare.json {got}\nrecount      {mine}")
            check(f"{m} seed {seed}: the end line's messages",
                  history[-1]["kind"] == "end" and history[-1]["messages"] == got["messages"])
            for k, v in mine.items():
                total[k] = max(total.get(k, 0), v) if k == "max_siblings" else total.get(k, 0) + v
        got_total = {k: entry["totals"][k] for k in total}
        check(f"{m}: the totals are the runs' sums", got_total == total,
              f"{got_total} != {total}")
        copies = total["key_copies"]
        check(f"{m}: siblings per key is versions held / key copies",
              abs(entry["means"]["siblings_per_key"] -
                  (total["versions_held"] / copies if copies else 0)) < 1e-4)
    by_name = {e["mechanism"]: e["totals"] for e in result["mechanisms"]}
    # What each mechanism is, on this scenario (its description says so):
    # lww keeps one version per key and loses writes; server-vv keeps more
    # false siblings than dvv; only client-vv rejects stale writes.
    check("lww: at most one version per key, and lost updates",
          by_name["lww"]["max_siblings"] == 1 and by_name["lww"]["lost_updates"] > 0)
    check("server-vv keeps more false siblings than dvv",
          by_name["server-vv"]["false_siblings"] > by_name["dvv"]["false_siblings"])
    check("only client-vv rejects stale writes",
          by_name["client-vv"]["stale_rejections"] > 0 and
          all(by_name[m]["stale_rejections"] == 0 for m in MECHANISMS[1:]))

    # 2. The same messages, the same fates.
    path = os.path.join(DATA, "compare-same-messages.yaml")
    out = os.path.join(tmp, "same")
    p = compare([path, "--seeds", "1..4"], out)
    check("compare (same messages) exits 0", p.returncode == (0 if HAVE_GNUPLOT else 4), p.stderr)
    with open(os.path.join(out, "compare.json")) as f:
        result = json.load(f)
    for entry in result["mechanisms"]:
        check(f"{entry['mechanism']}: every run has the first mechanism's network",
              entry["runs_with_the_same_network"] == 4 and
              entry["totals"]["shared_fates"] == entry["totals"]["messages"])
    for seed in range(1, 5):
        network = {}
        for m in MECHANISMS:
            history, _ = run(path, seed, m, os.path.join(tmp, f"same-{m}-{seed}"))
            network[m] = [
                (l["t"], l["kind"], l.get("src"), l.get("dest"),
                 l["body"]["type"] if l["kind"] == "send" else None, l.get("id"))
                for l in history if l["kind"] in ("send", "deliver", "drop", "duplicate")]
        lost = sum(1 for x in network["client-vv"] if x[1] == "drop")
        check(f"seed {seed}: some message lost or duplicated (the draws matter)",
              lost > 0 or any(x[1] == "duplicate" for x in network["client-vv"]))
        for m in MECHANISMS[1:]:
            check(f"seed {seed}: {m}'s sends, deliveries, drops and duplicates are client-vv's",
                  network[m] == network["client-vv"],
                  f"{len(network[m])} lines against {len(network['client-vv'])}")

    # 3. The chart and the page.
    if not HAVE_GNUPLOT:
        print("SKIP: the chart needs gnuplot (apt-get install gnuplot-nox)")
    else:
        for name in ("compare.svg", "compare.png"):
            full = os.path.join(out, name)
            check(f"{name} drawn", os.path.exists(full) and os.path.getsize(full) > 1000)
        with open(os.path.join(out, "compare.png"), "rb") as f:
            check("compare.png is a PNG", f.read(8) == b"\x89PNG\r\n\x1a\n")
        with open(os.path.join(out, "compare.svg")) as f:
            svg = f.read()
        check("compare.svg is gnuplot's, with every mechanism",
              "Gnuplot" in svg and all(m in svg for m in MECHANISMS))
        with open(os.path.join(out, "compare.html")) as f:
            page = f.read()
        check("compare.html shows the chart, the table and a sentence per mechanism",
              'src="compare.svg"' in page and page.count("<tr>") == 5 and
              page.count("<li>") == 4)

    # 4. Errors.
    good = os.path.join(DATA, "compare-same-messages.yaml")
    quorum = os.path.join(SCENARIOS, "sloppy-quorum-handoff.yaml")
    run_dir = os.path.join(tmp, "same-client-vv-1")  # holds a run's output
    cases = [
        ("an unknown mechanism", [good, "--mechanisms", "client-vv,vector", "--seeds", "1..2"],
         2, "'vector' is not one of"),
        ("a mechanism named twice", [good, "--mechanisms", "dvv,dvv", "--seeds", "1..2"],
         2, "named twice"),
        ("a backwards seed range", [good, "--seeds", "5..2"], 2, "--seeds"),
        ("a seed range that is no range", [good, "--seeds", "abc"], 2, "--seeds"),
        ("a mechanism refused with replication:",
         [quorum, "--mechanisms", "client-vv,dvv", "--seeds", "1..2"], 2, "replication:"),
        ("an --out holding a run", [good, "--seeds", "1..2", "--out", run_dir], 2, "run's"),
        ("a missing scenario", [os.path.join(tmp, "nope.yaml"), "--seeds", "1..2"], 4, "nope"),
    ]
    unwritable = os.path.join(tmp, "a-file")
    with open(unwritable, "w") as f:
        f.write("x")
    cases.append(("an --out that is a file", [good, "--seeds", "1..2", "--out", unwritable],
                  4, "a-file"))
    for what, args, status, words in cases:
        cmd = [KVSIM, "compare"] + args
        if "--out" not in args:
            cmd += ["--out", os.path.join(tmp, "err")]
        p = subprocess.run(cmd, capture_output=True, text=True)
        check(f"{what}: exit {status}", p.returncode == status,
              f"exit {p.returncode}: {p.stderr}")
        check(f"{what}: says so", words in p.stderr, p.stderr)
    check("the quorum scenario exists (for the refusal)", os.path.exists(quorum))

finish()
