#!/usr/bin/env python3
"""Three real `kvsim node --replicate` processes, joined by a small router.

The router reads every line a node writes on stdout: node-to-node messages
(replicate, ae_*) go to the destination node's stdin, replies to clients are
collected. One node-to-node message is dropped on purpose (n1's replicate of
x to n2), so only anti-entropy, on wall-clock time, can bring that write to
n2. The test writes concurrently on different nodes, then reads every key on
every node until all three hold the maximal writes, computed here from the
writes' clocks by this script's own code (no kvsim code).

Bounded: the whole test stops after 20 s, and it stops the processes it
started. Usage: cluster_test.py KVSIM
"""
import json
import os
import queue
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

NODES = ["n1", "n2", "n3"]
DEADLINE_S = 20.0

def dominates(a, b):
    n = max(len(a), len(b))
    a = a + [0] * (n - len(a))
    b = b + [0] * (n - len(b))
    return all(x >= y for x, y in zip(a, b)) and a != b


def maximal(writes):
    """The writes no other write dominates: (value, clock) pairs."""
    return sorted(
        (json.dumps(v), c) for v, c in writes if not any(dominates(c2, c) for _, c2 in writes)
    )


class Cluster:
    def __init__(self, kvsim):
        self.procs = {}
        self.replies = queue.Queue()
        self.dropped = []
        self.forwarded = 0
        self.types = {}
        self.impostors = []  # (node, src) where a node wrote a message as another
        self.lock = threading.RLock()
        # A node's peers start their anti-entropy as soon as they are
        # initialised; what they send a node not yet initialised waits here
        # until it is (a node ignores, and says so on stderr, a message
        # before its init: right, but not what this test is about).
        self.ready = set()
        self.waiting = {name: [] for name in NODES}
        self.drop_rule = lambda src, dest, body: (
            src == "n1" and dest == "n2" and body["type"] == "replicate" and body["key"] == "x"
        )
        for i, name in enumerate(NODES):
            self.procs[name] = subprocess.Popen(
                [kvsim, "node", "--replicate", "--anti-entropy-interval", "30ms", "--seed", str(i + 1)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
        self.threads = [
            threading.Thread(target=self.route, args=(name,), daemon=True) for name in NODES
        ]
        for t in self.threads:
            t.start()

    def send(self, dest, line):
        with self.lock:
            p = self.procs[dest]
            if p.poll() is None:
                p.stdin.write(line + "\n")
                p.stdin.flush()

    def route(self, name):
        for line in self.procs[name].stdout:
            msg = json.loads(line)
            src, dest, body = msg["src"], msg["dest"], msg["body"]
            if src != name:
                self.impostors.append((name, src))
            if dest in self.procs:
                with self.lock:
                    if dest not in self.ready:
                        self.waiting[dest].append((body["type"], line.rstrip("\n")))
                        continue
                    drop = self.drop_rule(src, dest, body) and not self.dropped
                    if drop:
                        self.dropped.append(msg)
                    else:
                        self.forwarded += 1
                        self.types[body["type"]] = self.types.get(body["type"], 0) + 1
                if not drop:
                    self.send(dest, line.rstrip("\n"))
            else:
                self.replies.put(msg)

    def initialised(self, name):
        """Marks `name` initialised and delivers what its peers sent it before."""
        with self.lock:
            self.ready.add(name)
            for kind, line in self.waiting.pop(name):
                self.forwarded += 1
                self.types[kind] = self.types.get(kind, 0) + 1
                self.send(name, line)

    def request(self, dest, body, client="c1"):
        self.send(dest, json.dumps({"src": client, "dest": dest, "body": body}))
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                msg = self.replies.get(timeout=0.5)
            except queue.Empty:
                continue
            if msg["body"].get("in_reply_to") == body["msg_id"] and msg["src"] == dest:
                return msg["body"]
        raise TimeoutError(f"no reply from {dest} to {body}")

    def stop(self):
        for p in self.procs.values():
            try:
                p.stdin.close()
            except OSError:
                pass
        codes = {}
        for name, p in self.procs.items():
            try:
                codes[name] = p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                codes[name] = "killed"
        return codes


def main():
    kvsim = sys.argv[1]
    start = time.time()
    cluster = Cluster(kvsim)
    msg_id = 0

    def next_id():
        nonlocal msg_id
        msg_id += 1
        return msg_id

    try:
        for name in NODES:
            r = cluster.request(name, {"type": "init", "msg_id": next_id(), "node_id": name, "node_ids": NODES})
            check(f"init of {name}: {r}", r["type"] == "init_ok")
            cluster.initialised(name)

        # Concurrent writes of x on n1 and n3, then a write of y on n2 that
        # follows nothing; x's write on n1 loses its replication to n2.
        writes = {
            "x": [("v1", [1, 0, 0], "n1"), ("v3", [0, 0, 1], "n3")],
            "y": [("w2", [0, 1, 0], "n2")],
        }
        for key, list_ in writes.items():
            for value, clock, node in list_:
                r = cluster.request(node, {"type": "kv_put", "msg_id": next_id(), "key": key,
                                           "value": value, "clock": clock})
                check(f"put {key}={value} on {node}: {r}",
                      r["type"] == "kv_put_ok" and r["status"] in ("written", "conflict"))
        expected = {k: maximal([(v, c) for v, c, _ in l]) for k, l in writes.items()}

        # Read every key on every node until all agree with the expected maximal writes.
        converged_at = None
        last = {}
        while time.time() - start < DEADLINE_S:
            ok = True
            for name in NODES:
                for key in writes:
                    r = cluster.request(name, {"type": "kv_get", "msg_id": next_id(), "key": key})
                    got = sorted((json.dumps(v["value"]), v["clock"]) for v in r["values"])
                    last[(name, key)] = got
                    ok &= got == expected[key]
            if ok:
                converged_at = time.time() - start
                break
            time.sleep(0.05)
        check(f"one replicate dropped: {cluster.dropped}", len(cluster.dropped) == 1)
        check(f"converged on the maximal writes: last reads {last}", converged_at is not None)
        if converged_at is not None:
            print(f"converged after {converged_at:.2f} s; node-to-node messages forwarded: "
                  f"{cluster.types}, 1 dropped")
        # Only anti-entropy can have repaired the dropped replicate: rounds
        # that found a difference answered with ae_diff.
        check(f"3 writes x 2 peers - 1 dropped = 5 replicates forwarded: {cluster.types}", cluster.types.get("replicate", 0) == 5)
        check(f"an anti-entropy round repaired: {cluster.types}", cluster.types.get("ae_diff", 0) > 0)
    finally:
        codes = cluster.stop()
    check(f"each node writes as itself: {cluster.impostors}", not cluster.impostors)
    for name, code in codes.items():
        check(f"{name} exits 0", code == 0, code)
        err = cluster.procs[name].stderr.read()
        check(f"{name} writes nothing to stderr", err == "", err)
    finish()


if __name__ == "__main__":
    main()
