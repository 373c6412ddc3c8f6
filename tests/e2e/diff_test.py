#!/usr/bin/env python3
"""`kvsim diff A/ B/` end to end, against what this file computes from the
two runs' files itself:
- one run against itself: identical, exit 0, the page says so;
- two seeds of partition-heal: the start lines differ (the seed), the first
  line past them where the histories part is the one Python finds, the
  lines shown on each side are those lines, exit 1;
- two seeds of tests/data/outlasting-workload.yaml: the (node, key) pairs
  whose final stores differ, counted from the `final` lines, and the
  verdicts that differ, from the two summary.json files;
- bad input: a folder without a history is an I/O failure (4), a history
  kvsim refuses is bad input (2).

    diff_test.py KVSIM SCENARIOS TESTDATA
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "lib"))
from checklib import check, finish  # noqa: E402


def run(kvsim, scenario, out, seed):
    subprocess.run([kvsim, "run", str(scenario), "--seed", str(seed), "--out", str(out), "--quiet",
                    "--no-render"], capture_output=True, timeout=300)


def diff(kvsim, a, b, *args):
    r = subprocess.run([kvsim, "diff", str(a), str(b), *args], capture_output=True, text=True,
                       timeout=300)
    return r.returncode, r.stdout, r.stderr


def lines(folder):
    return (folder / "history.jsonl").read_bytes().split(b"\n")[:-1]


def finals(folder):
    out = {}
    for line in lines(folder):
        e = json.loads(line)
        if e["kind"] == "final":
            out[e["node"]] = (e["live"], {k: sorted(json.dumps(v, sort_keys=True) for v in vs)
                                          for k, vs in e["store"].items()})
    return out


def main():
    kvsim, scenarios, testdata = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        a, b = tmp / "seed7", tmp / "seed8"
        run(kvsim, scenarios / "partition-heal.yaml", a, 7)
        run(kvsim, scenarios / "partition-heal.yaml", b, 8)

        code, out, err = diff(kvsim, a, a, "--out", str(tmp / "page-same"))
        check("a run against itself: exit 0", code == 0, (code, err))
        check("a run against itself: identical, in words",
              "The histories are identical, byte for byte." in out and "Same runs." in out, out)
        page = (tmp / "page-same" / "index.html").read_text()
        check("a run against itself: the page says so", "Same runs" in page and "<script" not in page)

        code, out, err = diff(kvsim, a, b, "--no-page", "--context", "3")
        check("two seeds: exit 1", code == 1, (code, err))
        check("two seeds: the start lines differ by the seed", "seed 7 in A, 8 in B" in out, out)
        la, lb = lines(a), lines(b)
        first = next(i for i in range(1, min(len(la), len(lb))) if la[i] != lb[i]) + 1
        check(f"two seeds: they part at line {first}", f"differ from line {first}." in out, out)
        shown = re.findall(r"^  #(\d+) ", out, re.M)
        want = [str(n) for n in range(first - 3, first)] + [str(n) for n in range(first, first + 3)] * 2
        check("two seeds: 3 shared lines, then 3 of each side", shown == want, (shown, want))
        fa, fb = finals(a), finals(b)
        check("two seeds: the final stores, as the final lines say",
              ("The final stores are the same." in out) == (fa == fb), out)

        c, d = tmp / "out1", tmp / "out2"
        run(kvsim, testdata / "outlasting-workload.yaml", c, 1)
        run(kvsim, testdata / "outlasting-workload.yaml", d, 2)
        code, out, err = diff(kvsim, c, d, "--no-page")
        fc, fd = finals(c), finals(d)
        differ = sum(1 for n in fc for k in set(fc[n][1]) | set(fd[n][1])
                     if fc[n][1].get(k) != fd[n][1].get(k))
        m = re.search(r"Final stores that differ \((\d+)\)", out)
        check("outlasting seeds 1 and 2: the (node, key) pairs that differ at the end",
              m is not None and int(m.group(1)) == differ, (m and m.group(0), differ))
        sc = json.load(open(c / "summary.json"))["checks"]
        sd = json.load(open(d / "summary.json"))["checks"]
        for name in sc:
            changed = (sc[name]["holds"], sc[name]["detail"]) != (sd[name]["holds"], sd[name]["detail"])
            check(f"outlasting seeds 1 and 2: {name} listed exactly when its verdict differs",
                  (f"  {name}: A " in out) == changed, out)

        code, out, err = diff(kvsim, a, tmp / "nothing-here", "--no-page")
        check("a folder without a history: exit 4, saying which", code == 4 and "nothing-here" in err,
              (code, err))
        bad = tmp / "bad"
        bad.mkdir()
        (bad / "history.jsonl").write_text('{"t": 0, "kind": "start"}\nnot json\n')
        code, out, err = diff(kvsim, a, bad, "--no-page")
        check("a history kvsim refuses: exit 2, FILE:LINE", code == 2 and "history.jsonl:" in err,
              (code, err))
    finish()


if __name__ == "__main__":
    main()
