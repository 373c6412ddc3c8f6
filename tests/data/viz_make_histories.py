# Writes the two hand-made histories, one json.dumps line per event, keys in
# the order docs/HISTORY.md lists them.
import json

def V(value, clock):
    return {"value": value, "clock": clock}

def write(path, lines):
    with open(path, "w") as f:
        for d in lines:
            f.write(json.dumps(d) + "\n")

def send(t, i, src, dest, body):
    return {"t": t, "kind": "send", "id": i, "src": src, "dest": dest, "body": body}

def deliver(t, i, src, dest):
    return {"t": t, "kind": "deliver", "id": i, "src": src, "dest": dest}

def drop(t, i, src, dest, reason):
    return {"t": t, "kind": "drop", "id": i, "src": src, "dest": dest, "reason": reason}

def apply(t, node, key, value, clock, op, msg, result, siblings, status=None, client=None):
    d = {"t": t, "kind": "apply", "node": node, "key": key, "value": value, "clock": clock,
         "op": op, "msg": msg, "result": result, "siblings": siblings}
    if status is not None:
        d["status"] = status
        d["client"] = client
    return d

def sibs(t, node, key, versions):
    return {"t": t, "kind": "siblings", "node": node, "key": key, "siblings": versions}

def put(msg_id, key, value, clock, type_="kv_put"):
    return {"type": type_, "msg_id": msg_id, "key": key, "value": value, "clock": clock}

def put_ok(reply_to, status, msg_id, siblings=None, type_="kv_put_ok"):
    d = {"type": type_, "in_reply_to": reply_to, "status": status}
    if siblings is not None:
        d["siblings"] = siblings
    d["msg_id"] = msg_id
    return d

def repl(key, value, clock):
    return {"type": "replicate", "key": key, "value": value, "clock": clock}

def digest(round_, bucket):
    d = [0] * 64
    d[bucket] = 1234567
    return {"type": "ae_digest", "round": round_, "digest": d}

v1 = V("v1", [1, 0, 0]); v2 = V("v2", [0, 1, 0]); v12 = V("v1+v2", [1, 1, 1])
A = [
 {"t": 0, "kind": "start", "scenario": "partition-heal", "seed": 7, "nodes": ["n1", "n2", "n3"],
  "description": "two clients write x on opposite sides of a partition"},
 {"t": 0, "kind": "fault", "fault": "partition", "groups": [["n1"], ["n2", "n3"]], "shape": "groups"},
 send(1000, 1, "c1", "n1", put(1, "x", "v1", [1, 0, 0])),
 send(1000, 2, "c2", "n2", put(1, "x", "v2", [0, 1, 0])),
 deliver(3000, 1, "c1", "n1"),
 apply(3000, "n1", "x", "v1", [1, 0, 0], "put", 1, "applied", 1, "written", "c1"),
 sibs(3000, "n1", "x", [v1]),
 send(3000, 3, "n1", "c1", put_ok(1, "written", 1)),
 send(3000, 4, "n1", "n2", repl("x", "v1", [1, 0, 0])),
 send(3000, 5, "n1", "n3", repl("x", "v1", [1, 0, 0])),
 deliver(4000, 2, "c2", "n2"),
 apply(4000, "n2", "x", "v2", [0, 1, 0], "put", 2, "applied", 1, "written", "c2"),
 sibs(4000, "n2", "x", [v2]),
 send(4000, 6, "n2", "c2", put_ok(1, "written", 1)),
 send(4000, 7, "n2", "n1", repl("x", "v2", [0, 1, 0])),
 send(4000, 8, "n2", "n3", repl("x", "v2", [0, 1, 0])),
 deliver(5000, 3, "n1", "c1"),
 drop(6000, 4, "n1", "n2", "partition"),
 drop(6500, 5, "n1", "n3", "partition"),
 deliver(7000, 6, "n2", "c2"),
 drop(7500, 7, "n2", "n1", "partition"),
 deliver(8000, 8, "n2", "n3"),
 apply(8000, "n3", "x", "v2", [0, 1, 0], "replicate", 8, "applied", 1),
 sibs(8000, "n3", "x", [v2]),
 {"t": 50000, "kind": "fault", "fault": "heal"},
 send(100000, 9, "n1", "n2", digest(1, 17)),
 deliver(103000, 9, "n1", "n2"),
 send(103000, 10, "n2", "n1", {"type": "ae_diff", "round": 1, "buckets": [17],
                               "versions": [{"key": "x", "value": "v2", "clock": [0, 1, 0]}]}),
 deliver(106000, 10, "n2", "n1"),
 apply(106000, "n1", "x", "v2", [0, 1, 0], "anti_entropy", 10, "applied", 2),
 sibs(106000, "n1", "x", [v1, v2]),
 send(106000, 11, "n1", "n2", {"type": "ae_push", "round": 1,
                               "versions": [{"key": "x", "value": "v1", "clock": [1, 0, 0]}]}),
 deliver(108000, 11, "n1", "n2"),
 apply(108000, "n2", "x", "v1", [1, 0, 0], "anti_entropy", 11, "applied", 2),
 sibs(108000, "n2", "x", [v2, v1]),
 send(110000, 12, "n3", "n1", digest(1, 17)),
 deliver(112000, 12, "n3", "n1"),
 send(112000, 13, "n1", "n3", {"type": "ae_diff", "round": 1, "buckets": [17],
                               "versions": [{"key": "x", "value": "v1", "clock": [1, 0, 0]},
                                            {"key": "x", "value": "v2", "clock": [0, 1, 0]}]}),
 deliver(115000, 13, "n1", "n3"),
 apply(115000, "n3", "x", "v1", [1, 0, 0], "anti_entropy", 13, "applied", 2),
 sibs(115000, "n3", "x", [v2, v1]),
 apply(115000, "n3", "x", "v2", [0, 1, 0], "anti_entropy", 13, "duplicate", 2),
 send(115000, 14, "n3", "n1", {"type": "ae_push", "round": 1, "versions": []}),
 deliver(117000, 14, "n3", "n1"),
 send(300000, 15, "c1", "n3", {"type": "kv_get", "msg_id": 2, "key": "x"}),
 deliver(302000, 15, "c1", "n3"),
 send(302000, 16, "n3", "c1", {"type": "kv_get_ok", "in_reply_to": 2, "values": [v2, v1], "msg_id": 1}),
 deliver(304000, 16, "n3", "c1"),
 send(400000, 17, "c1", "n3", put(3, "x", "v1+v2", [1, 1, 1], "kv_resolve")),
 deliver(402000, 17, "c1", "n3"),
 apply(402000, "n3", "x", "v1+v2", [1, 1, 1], "resolve", 17, "applied", 1, "resolved", "c1"),
 sibs(402000, "n3", "x", [v12]),
 send(402000, 18, "n3", "c1", put_ok(3, "resolved", 2, type_="kv_resolve_ok")),
 send(402000, 19, "n3", "n1", repl("x", "v1+v2", [1, 1, 1])),
 send(402000, 20, "n3", "n2", repl("x", "v1+v2", [1, 1, 1])),
 deliver(403000, 18, "n3", "c1"),
 deliver(404000, 19, "n3", "n1"),
 apply(404000, "n1", "x", "v1+v2", [1, 1, 1], "replicate", 19, "applied", 1),
 sibs(404000, "n1", "x", [v12]),
 deliver(405000, 20, "n3", "n2"),
 apply(405000, "n2", "x", "v1+v2", [1, 1, 1], "replicate", 20, "applied", 1),
 sibs(405000, "n2", "x", [v12]),
 send(500000, 21, "c2", "n2", put(2, "x", "late", [1, 1, 0])),
 deliver(502000, 21, "c2", "n2"),
 apply(502000, "n2", "x", "late", [1, 1, 0], "put", 21, "stale", 1, "rejected", "c2"),
 send(502000, 22, "n2", "c2", put_ok(2, "rejected", 2)),
 deliver(504000, 22, "n2", "c2"),
 {"t": 2000000, "kind": "final", "node": "n1", "live": True, "store": {"x": [v12]}},
 {"t": 2000000, "kind": "final", "node": "n2", "live": True, "store": {"x": [v12]}},
 {"t": 2000000, "kind": "final", "node": "n3", "live": True, "store": {"x": [v12]}},
]
A.append({"t": 2000000, "kind": "end", "events": len(A) + 1, "messages": 22})
write("viz_partition_heal.jsonl", A)

a1 = V(1, [1, 0]); a2 = V(2, [2, 0]); ax = V("x", [0, 1]); b1 = V({"n": 1}, [0, 1])
B = [
 {"t": 0, "kind": "start", "scenario": "crash-and-loss", "seed": 3, "nodes": ["n1", "n2"],
  "description": "a lost replicate leaves key a diverged; a crash makes c2 retry b elsewhere"},
 send(1000, 1, "c1", "n1", put(1, "a", 1, [1, 0])),
 deliver(2000, 1, "c1", "n1"),
 apply(2000, "n1", "a", 1, [1, 0], "put", 1, "applied", 1, "written", "c1"),
 sibs(2000, "n1", "a", [a1]),
 send(2000, 2, "n1", "c1", put_ok(1, "written", 1)),
 send(2000, 3, "n1", "n2", repl("a", 1, [1, 0])),
 {"t": 2000, "kind": "duplicate", "id": 3},
 deliver(3000, 2, "n1", "c1"),
 deliver(3500, 3, "n1", "n2"),
 apply(3500, "n2", "a", 1, [1, 0], "replicate", 3, "applied", 1),
 sibs(3500, "n2", "a", [a1]),
 deliver(4200, 3, "n1", "n2"),
 apply(4200, "n2", "a", 1, [1, 0], "replicate", 3, "duplicate", 1),
 send(10000, 4, "c1", "n1", put(2, "a", 2, [2, 0])),
 deliver(11000, 4, "c1", "n1"),
 apply(11000, "n1", "a", 2, [2, 0], "put", 4, "applied", 1, "written", "c1"),
 sibs(11000, "n1", "a", [a2]),
 send(11000, 5, "n1", "c1", put_ok(2, "written", 2)),
 send(11000, 6, "n1", "n2", repl("a", 2, [2, 0])),
 drop(11000, 6, "n1", "n2", "loss"),
 deliver(12000, 5, "n1", "c1"),
 send(20000, 7, "c2", "n2", put(1, "a", "x", [0, 1])),
 deliver(21000, 7, "c2", "n2"),
 apply(21000, "n2", "a", "x", [0, 1], "put", 7, "applied", 2, "conflict", "c2"),
 sibs(21000, "n2", "a", [a1, ax]),
 send(21000, 8, "n2", "c2", put_ok(1, "conflict", 1, siblings=2)),
 send(21000, 9, "n2", "n1", repl("a", "x", [0, 1])),
 deliver(22000, 8, "n2", "c2"),
 deliver(23000, 9, "n2", "n1"),
 apply(23000, "n1", "a", "x", [0, 1], "replicate", 9, "applied", 2),
 sibs(23000, "n1", "a", [a2, ax]),
 {"t": 30000, "kind": "fault", "fault": "crash", "node": "n2", "amnesia": False},
 send(31000, 10, "c2", "n2", put(2, "b", {"n": 1}, [0, 1])),
 drop(32000, 10, "c2", "n2", "crashed"),
 {"t": 231000, "kind": "timeout", "client": "c2", "msg_id": 2, "attempt": 1, "node": "n1"},
 send(231000, 11, "c2", "n1", put(2, "b", {"n": 1}, [0, 1])),
 deliver(232000, 11, "c2", "n1"),
 apply(232000, "n1", "b", {"n": 1}, [0, 1], "put", 11, "applied", 1, "written", "c2"),
 sibs(232000, "n1", "b", [b1]),
 send(232000, 12, "n1", "c2", put_ok(2, "written", 3)),
 send(232000, 13, "n1", "n2", repl("b", {"n": 1}, [0, 1])),
 deliver(233000, 12, "n1", "c2"),
 drop(234000, 13, "n1", "n2", "crashed"),
 {"t": 300000, "kind": "fault", "fault": "restart", "node": "n2"},
 {"t": 500000, "kind": "final", "node": "n1", "live": True, "store": {"a": [a2, ax], "b": [b1]}},
 {"t": 500000, "kind": "final", "node": "n2", "live": True, "store": {"a": [a1, ax]}},
]
B.append({"t": 500000, "kind": "end", "events": len(B) + 1, "messages": 13})
write("viz_crash_loss.jsonl", B)
