"""What a run's end state is, recounted from its history.jsonl by code that
shares nothing with kvsim's: the truth's figures (true siblings, false
siblings, lost updates), whether the live replicas agree, and under lww which
version each key should hold.

It names a write by its key and value (the scenarios it is used on give
every write its own value, and `recount` refuses a history where two writes
share one), so it needs neither clocks nor dots to follow what the clients
observed: a mechanism's metadata cannot mislead it.

  a write        an `op` put or resolve and its request's first `send` (same
                 client and msg_id: key, value); its past is every write its
                 client had observed then, and its client observes it;
  observe        a reply delivered to a client whose request is still
                 unanswered (its first reply, none after a `give_up`): every
                 version in its `values` (a kv_get_ok's; under a server-side
                 mechanism a kv_put_ok's or kv_resolve_ok's too: Riak's
                 return_body), with that write's whole past;
  accepted       an `apply` of a client's put or resolve answered written,
                 conflict or resolved;
  false sibling  a version a live node holds whose write is in the past of
                 another version that node holds for the key;
  true sibling   every other version a live node holds;
  lost update    an accepted write that no node (live or down) holds and that
                 is in the past of no version any node holds for its key;
  disagree       two live nodes holding different versions of a key (value,
                 clock and metadata);
  lww winner     under lww, the accepted write of a key with the greatest
                 (timestamp, node slot, value text) from its coordinator's
                 `apply` line: what every live node should hold alone.
"""
import json


def meta(v):
    """A version's mechanism metadata as the history writes it: lww's
    timestamp, a server-side mechanism's dot, or () for none."""
    m = v.get("timestamp", v.get("dot"))
    return tuple(m) if m is not None else ()


def trimmed(clock):
    clock = list(clock)
    while clock and clock[-1] == 0:
        clock.pop()
    return tuple(clock)


def recount(path):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    mechanism = lines[0].get("mechanism", "client-vv")
    server_side = mechanism != "client-vv"
    writes = {}        # (key, value text) -> {"client", "past"}
    knows = {}         # client -> set of write names it has observed
    pending = {}       # (client, msg_id) -> op line, until its first send
    waiting = {}       # (client, msg_id) -> key, while unanswered
    sends = {}
    accepted, stamps = [], {}
    finals = []
    for e in lines:
        kind = e["kind"]
        if kind == "op":
            waiting[(e["client"], e["msg_id"])] = e["key"]
            if e["op"] in ("put", "resolve"):
                pending[(e["client"], e["msg_id"])] = e
        elif kind == "send":
            sends[e["id"]] = e
            body = e["body"]
            op = pending.pop((e["src"], body.get("msg_id")), None)
            if op is not None:
                name = (body["key"], json.dumps(body["value"]))
                if name in writes:
                    raise ValueError(f"two writes of {name}: name writes by their values")
                past = set(knows.setdefault(e["src"], set()))
                writes[name] = {"client": e["src"], "past": past}
                knows[e["src"]].add(name)
        elif kind == "deliver":
            body = sends[e["id"]]["body"]
            client = sends[e["id"]]["dest"]
            ask = (client, body.get("in_reply_to"))
            if "in_reply_to" not in body or ask not in waiting:
                continue
            key = waiting.pop(ask)
            if body["type"] == "kv_get_ok" or (server_side and "values" in body):
                for v in body.get("values", []):
                    name = (key, json.dumps(v["value"]))
                    knows.setdefault(client, set()).update(
                        {name} | writes.get(name, {"past": set()})["past"])
        elif kind == "give_up":
            waiting.pop((e["client"], e["msg_id"]), None)
        elif kind == "apply":
            if e["op"] in ("put", "resolve") and "client" in e:
                if e["msg"] == 0:
                    raise ValueError("colocated writes are not recounted here")
                name = (e["key"], json.dumps(e["value"]))
                if e["status"] in ("written", "conflict", "resolved"):
                    accepted.append(name)
                    if mechanism == "lww":
                        slot, ts = meta(e)
                        stamps[name] = (ts, slot, json.dumps(e["value"]))
        elif kind == "final":
            finals.append(e)

    def past_of(name):
        return writes.get(name, {"past": set()})["past"]

    out = {"true_siblings": 0, "false_siblings": 0, "lost_updates": 0, "false": [], "lost": [],
           "disagree": [], "lww_wrong": []}
    held = {}
    for f in finals:
        for key, vs in f["store"].items():
            names = [(key, json.dumps(v["value"])) for v in vs]
            held.setdefault(key, set()).update(names)
            if not f["live"]:
                continue
            for x in names:
                above = [y for y in names if y != x and x in past_of(y)]
                if above:
                    out["false_siblings"] += 1
                    out["false"].append(f"{f['node']} holds {x[1]} of {key} beside {above[0][1]}, "
                                        f"whose writer had observed it")
                else:
                    out["true_siblings"] += 1
    for name in accepted:
        covered = set()
        for h in held.get(name[0], ()):
            covered |= {h} | past_of(h)
        if name not in covered:
            out["lost_updates"] += 1
            out["lost"].append(f"{name[1]} of {name[0]}")
    live = [f for f in finals if f["live"]]
    version = lambda v: (json.dumps(v["value"]), trimmed(v["clock"]), meta(v))
    for a, b in zip(live, live[1:]):
        for key in sorted(set(a["store"]) | set(b["store"])):
            va = sorted(version(v) for v in a["store"].get(key, []))
            vb = sorted(version(v) for v in b["store"].get(key, []))
            if va != vb:
                out["disagree"].append(f"{a['node']} and {b['node']} differ on {key}: {va} {vb}")
    if mechanism == "lww":
        for key in sorted({k for k, _ in stamps}):
            winner = max((s, n) for n, s in stamps.items() if n[0] == key)[1]
            for f in live:
                got = [json.dumps(v["value"]) for v in f["store"].get(key, [])]
                if got != [winner[1]]:
                    out["lww_wrong"].append(f"{f['node']} holds {got} of {key}, not the greatest "
                                            f"timestamp's {winner[1]}")
    return out
