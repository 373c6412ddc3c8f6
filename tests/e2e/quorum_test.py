"""Quorums coordinated by a node, recounted from the history by this file.

Usage: quorum_test.py KVSIM SCENARIOS_DIR

Runs scenarios with `replication: {coordinator: node}` (the shipped sloppy
quorum scenario, and generated ones with loss, a partition, a crash, sloppy
quorums and read repair on or off, several seeds) and recounts, from
history.jsonl alone and with no code shared with kvsim:

1. Acknowledged writes: every kv_put_ok / kv_resolve_ok a coordinator sends
   comes after w copies were stored (its own apply of the client's write,
   and the store_ok answers it received for that write), and not before the
   w-th: the copies it had strictly before that moment are fewer than w.
2. The preference list of each key, from the traffic: the nodes sent a
   `store` without a hint or a `fetch` for it, and coordinators that applied
   a client's write of it (only replicas do); hinted holders, from `store`s
   with a hint that reached a node whose handoff of that version was never
   acknowledged by the hint's node.
3. converged, judged on those nodes (live ones, from the `final` lines): it
   must agree with summary.json's verdict, and a failure's detail must name
   the key's replicas as recounted.
4. no_lost_write: every acknowledged write (1.) is held, or dominated by a
   version held, by some node at the end; must agree with summary.json.
5. error 11 replies (quorum not gathered in time) counted in the history
   equal summary.json's quorum_errors.
6. run_end's writes in flight (stores and handoffs among them) equal the
   history's node-to-node writes not yet arrived.
And the teaching scenario's story and space-time labels show the stand-in,
the hint and the handoff.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish, seeds, writes_in_flight  # noqa: E402

kvsim, scenarios = sys.argv[1], sys.argv[2]


def dominates(a, b):
    n = max(len(a), len(b))
    a = a + [0] * (n - len(a))
    b = b + [0] * (n - len(b))
    return all(x >= y for x, y in zip(a, b)) and a != b


def version(body):
    return (json.dumps(body["value"]), tuple(body["clock"]))


def recount(history, w):
    sends, delivered, applies, finals = {}, [], [], {}
    for line in history:
        k = line["kind"]
        if k == "send":
            sends[line["id"]] = line
        elif k == "deliver":
            delivered.append(line)
        elif k == "apply":
            applies.append(line)
        elif k == "final":
            finals[line["node"]] = line

    # 1. acknowledged writes.
    client_writes = {}  # (client, msg_id) -> body
    for s in sends.values():
        if s["body"]["type"] in ("kv_put", "kv_resolve"):
            client_writes[(s["src"], s["body"]["msg_id"])] = s["body"]
    problems, acknowledged, errors = [], [], 0
    for s in sends.values():
        b = s["body"]
        if b["type"] == "error" and b.get("code") == 11:
            errors += 1
        if b["type"] not in ("kv_put_ok", "kv_resolve_ok"):
            continue
        coord, t = s["src"], s["t"]
        req = client_writes[(s["dest"], b["in_reply_to"])]
        key, v = req["key"], version(req)
        own = [a for a in applies if a["node"] == coord and a["op"] in ("put", "resolve")
               and a["key"] == key and version(a) == v and a["t"] <= t]
        numbers = {x["body"]["msg_id"] for x in sends.values()
                   if x["src"] == coord and x["body"]["type"] == "store"
                   and x["body"]["key"] == key and version(x["body"]) == v}
        acks = sorted((d["t"], d["src"]) for d in delivered
                      if d["dest"] == coord and sends[d["id"]]["body"]["type"] == "store_ok"
                      and sends[d["id"]]["body"]["in_reply_to"] in numbers and d["t"] <= t)
        sources, before = set(), set()
        for at, src in acks:
            sources.add(src)
            if at < t:
                before.add(src)
        copies = len(sources) + (1 if own else 0)
        copies_before = len(before) + (1 if own and own[0]["t"] < t else 0)
        if b["status"] in ("written", "conflict", "resolved"):
            acknowledged.append((key, v, coord, t))
            if copies < w or copies_before >= w:
                problems.append(f"{coord}'s reply at t={t} to {s['dest']}: {copies} copies "
                                f"({copies_before} before), w={w}")

    # 2. preference lists and hinted holders.
    replicas = {}
    for s in sends.values():
        b = s["body"]
        if (b["type"] == "store" and "hint" not in b) or b["type"] == "fetch":
            replicas.setdefault(b["key"], set()).add(s["dest"])
    for a in applies:
        if a["op"] in ("put", "resolve"):
            replicas.setdefault(a["key"], set()).add(a["node"])
    hinted = set()
    for d in delivered:
        b = sends[d["id"]]["body"]
        if b["type"] == "store" and "hint" in b:
            hinted.add((d["dest"], b["key"], version(b), b["hint"]))
    for d in delivered:  # a store_ok for a handoff, back at the hint holder
        b = sends[d["id"]]["body"]
        if b["type"] != "store_ok":
            continue
        for h in sends.values():
            hb = h["body"]
            if (hb["type"] == "handoff" and h["src"] == d["dest"] and h["dest"] == d["src"]
                    and hb["msg_id"] == b["in_reply_to"]):
                hinted.discard((h["src"], hb["key"], version(hb), h["dest"]))
    judged = {k: set(v) for k, v in replicas.items()}
    for holder, key, _, _ in hinted:
        judged.setdefault(key, set()).add(holder)

    # 3. converged on the judged nodes.
    keys = set(judged)
    for f in finals.values():
        keys |= set(f["store"])
    not_converged = []
    for key in sorted(keys):
        held = [frozenset(version(x) for x in finals[n]["store"].get(key, []))
                for n in sorted(judged.get(key, set())) if finals[n]["live"]]
        if len(set(held)) > 1:
            not_converged.append(key)

    # 4. no lost acknowledged write.
    lost = 0
    for key, (value, clock), _, _ in acknowledged:
        found = False
        for f in finals.values():
            for x in f["store"].get(key, []):
                xv = version(x)
                found |= xv == (value, clock) or dominates(list(xv[1]), list(clock))
        lost += not found
    return {"problems": problems, "acknowledged": len(acknowledged), "replicas": replicas,
            "not_converged": not_converged, "lost": lost, "errors": errors,
            "hinted": hinted}


def run(path, seed, out):
    r = subprocess.run([kvsim, "run", path, "--seed", str(seed), "--out", out, "--no-render"],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        check(f"{path} seed {seed} runs", False, r.stderr)
        return None, None
    with open(os.path.join(out, "history.jsonl")) as f:
        history = [json.loads(line) for line in f]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    return history, summary


GENERATED = """name: {name}
nodes: 5
network:
  delay: {{dist: uniform, min: 1ms, max: 10ms}}
  loss: {loss}
replication: {{n: 3, r: 2, w: {w}, coordinator: node, sloppy: {sloppy}, read_repair: {rr},
              timeout: 60ms, handoff_interval: 40ms}}
clients: {{timeout: 200ms, retries: 1}}
workload: {{ops: 60, interval: 4ms, keys: 4, clients: 3, mix: {{put: 2, get: 1}}}}
events:
  - {{at: 30ms, partition: [[n1, n2], [n3, n4, n5]]}}
  - {{at: 120ms, crash: n5{amnesia}}}
  - {{at: 160ms, heal: true}}
  - {{at: 200ms, restart: n5}}
run_until: 2s
"""
# (name, loss, w, sloppy, read repair, the crash loses n5's disk)
CONFIGS = [("strict", "0.05", 2, "false", "false", False),
           ("sloppy", "0.02", 2, "true", "false", False),
           ("sloppy-repair", "0.05", 3, "true", "true", False),
           ("w1", "0.1", 1, "false", "true", False),
           ("w1-amnesia", "0.3", 1, "false", "false", True)]

tmp = tempfile.mkdtemp(prefix="kvsim-quorum-")
runs = [(os.path.join(scenarios, "sloppy-quorum-handoff.yaml"), 3, 2)]
for name, loss, w, sloppy, rr, amnesia in CONFIGS:
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(GENERATED.format(name=name, loss=loss, w=w, sloppy=sloppy, rr=rr,
                                 amnesia=", amnesia: true" if amnesia else ""))
    for seed in range(1, 1 + seeds(6)):
        runs.append((path, seed, w))

verdicts = {"converged": [0, 0], "no_lost_write": [0, 0]}
acknowledged = errors = 0
for path, seed, w in runs:
    label = f"{os.path.basename(path)} seed {seed}"
    history, summary = run(path, seed, os.path.join(tmp, f"out-{len(verdicts)}-{seed}-{os.path.basename(path)}"))
    if history is None:
        continue
    got = recount(history, w)
    acknowledged += got["acknowledged"]
    errors += got["errors"]
    check(f"{label}: each acknowledgement came at the w-th copy", not got["problems"],
          "; ".join(got["problems"][:3]))
    for key, nodes in got["replicas"].items():
        check(f"{label}: key {key} has 3 replicas from the traffic", len(nodes) == 3, nodes)
    conv = summary["checks"]["converged"]
    verdicts["converged"][conv["holds"]] += 1
    check(f"{label}: converged agrees with the recount ({got['not_converged'][:3]})",
          conv["holds"] == (not got["not_converged"]), conv["detail"])
    if not conv["holds"]:
        key = conv["key"]
        names = ", ".join(sorted(got["replicas"].get(key, set()), key=lambda n: int(n[1:])))
        listed = conv["detail"].split("lives on ")[-1].split(";")[0].split(" (")[0]
        check(f"{label}: the failure names key {key}'s replicas",
              sorted(listed.split(", ")) == sorted(names.split(", ")), conv["detail"])
    lost = summary["checks"]["no_lost_write"]
    verdicts["no_lost_write"][lost["holds"]] += 1
    check(f"{label}: no_lost_write agrees with the recount ({got['lost']} lost)",
          lost["holds"] == (got["lost"] == 0), lost["detail"])
    check(f"{label}: error 11 replies counted", summary["figures"].get("quorum_errors") ==
          got["errors"], summary["figures"].get("quorum_errors"))

# 6. run_end's writes in flight, recounted (checklib.writes_in_flight). A run
# cut at 33ms, with stores under way, must count some.


cut = os.path.join(tmp, "cut.yaml")
with open(cut, "w") as f:
    f.write(GENERATED.format(name="cut", loss="0", w=2, sloppy="true", rr="true", amnesia="")
            .replace("run_until: 2s", "run_until: 33ms").replace("ops: 60", "ops: 8")
            .replace("  - {at: 120ms, crash: n5}\n  - {at: 160ms, heal: true}\n  - {at: 200ms, restart: n5}\n", ""))
in_flight_total = 0
for path, seed in [(cut, 1), (cut, 2)] + [(p, s) for p, s, _ in runs[:4]]:
    history, summary = run(path, seed, os.path.join(tmp, f"inflight-{seed}-{os.path.basename(path)}"))
    if history is None:
        continue
    want = writes_in_flight(history)
    got = summary.get("run_end", {}).get("writes_in_flight")
    check(f"{os.path.basename(path)} seed {seed}: run_end's writes in flight recounted ({want})",
          got == want, (got, want))
    if path == cut:
        in_flight_total += want
        stores = sum(1 for e in history if e["kind"] == "send" and e["body"]["type"] == "store")
        check(f"cut seed {seed}: stores were sent", stores > 0, stores)
print(f"run_end writes in flight, two runs cut at 33ms: {in_flight_total} (recounted from the history)")
check("a run cut short counts stores in flight", in_flight_total > 0, in_flight_total)

print(f"{len(runs)} runs: converged held {verdicts['converged'][1]}, failed "
      f"{verdicts['converged'][0]}; no_lost_write held {verdicts['no_lost_write'][1]}, failed "
      f"{verdicts['no_lost_write'][0]}; {acknowledged} acknowledged writes, {errors} error 11 replies")
check("the runs include converged failing and holding",
      verdicts["converged"][0] > 0 and verdicts["converged"][1] > 0, verdicts)
check("some requests got error 11", errors > 0)
check("the runs include no_lost_write failing and holding",
      verdicts["no_lost_write"][0] > 0 and verdicts["no_lost_write"][1] > 0, verdicts)

# The teaching scenario: its story and labels say what happened.
out = os.path.join(tmp, "teach")
r = subprocess.run([kvsim, "run", os.path.join(scenarios, "sloppy-quorum-handoff.yaml"),
                    "--out", out], capture_output=True, text=True)
check("the sloppy quorum scenario passes its checks", r.returncode == 0, r.stdout + r.stderr)
if r.returncode == 0:
    story = open(os.path.join(out, "story.txt")).read()
    dot = open(os.path.join(out, "spacetime.dot")).read()
    for words in ("n1 received v1@[0,0,0,1,0] from n4 as a stand-in for n3",
                  "n2 received v1@[0,0,0,1,0] from n4 as a stand-in for n5",
                  "handed off: n1 kept it for n3", "handed off: n2 kept it for n5",
                  "by read repair", "its replicas n4 n3 n5", "not among its replicas"):
        check(f"story says '{words}'", words in story)
    for words in ("hinted store x=v1", "for n3", "handoff x=v1"):
        check(f"space-time diagram labels '{words}'", words in dot)
finish()
