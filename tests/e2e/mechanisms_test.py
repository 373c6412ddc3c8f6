#!/usr/bin/env python3
"""The conflict-detection mechanisms end to end (issue 18).

Usage: mechanisms_test.py KVSIM SCENARIO_DIR

1. Combinations refused: a mechanism other than client-vv with a
   `replication:` section (in the file, or by --mechanism), or with
   `kvsim run --node-cmd`, is bad input: exit 2 and a message naming the
   mechanism, and no output folder left behind. client-vv with the same
   scenario still runs (the refusal is the mechanism's, not the section's).
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

KVSIM, SCENARIOS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
OK, BAD_INPUT = 0, 2
MECHANISMS = ["client-vv", "server-vv", "dvv"]
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


def main():
    tmp = tempfile.mkdtemp(prefix="kvsim-mechanisms-")
    try:
        combinations(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
