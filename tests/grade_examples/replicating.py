#!/usr/bin/env python3
"""correct.py's node, made to replicate: one node of a cluster that
`kvsim run --node-cmd` simulates (docs/PROTOCOL.md, "Nodes outside the
simulator"). Written from the protocol's text, not from kvsim's C++.

Besides the client requests correct.py serves, it takes the lines the
simulator's harness sends (src "kvsim", no msg_id, no reply but sync's):

  init {node_id, node_ids}   who it is and who its peers are
  tick {peer, round}         its anti-entropy timer fired: it pushes every
                             version it holds to `peer` (an ae_push; it never
                             sends a digest, which the protocol allows)
  sync {keys}                the end of a reaction: it answers sync_ok with
                             its siblings of those keys, after saving its
                             store to $KVSIM_NODE_DIR so that a restart finds it

and the messages of its peers: replicate {key, value, clock} and
ae_push / ae_diff {round, versions}, applied with the store's rules. A
client write it accepts (written, conflict, resolved) is replicated to every
peer. Plain Python 3, standard library only.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import correct  # noqa: E402


class ReplicatingNode(correct.Node):
    def __init__(self):
        super().__init__()
        self.node_ids = []
        self.disk = os.environ.get("KVSIM_NODE_DIR")
        self.load()

    # The disk ----------------------------------------------------------------

    def path(self):
        return os.path.join(self.disk, "replicating.json")

    def load(self):
        if not self.disk or not os.path.exists(self.path()):
            return
        with open(self.path()) as f:
            saved = json.load(f)
        self.store = saved["store"]
        self.next_msg_id = saved["next_msg_id"]

    def save(self):
        """Writes the state when it changed since the last save (whole, through
        a temporary file and a rename, so a crash leaves the old or the new)."""
        if not self.disk:
            return
        state = json.dumps({"store": self.store, "next_msg_id": self.next_msg_id})
        if state == getattr(self, "saved", None):
            return
        temporary = self.path() + ".tmp"
        with open(temporary, "w") as f:
            f.write(state)
        os.replace(temporary, self.path())
        self.saved = state

    # Messages ----------------------------------------------------------------

    def message(self, dest, body):
        return {"src": self.node_id, "dest": dest, "body": body}

    def peers(self):
        return [n for n in self.node_ids if n != self.node_id]

    def apply(self, key, value, clock):
        self.write(key, value, clock)

    def harness(self, body):
        """The lines for one message from the harness."""
        kind = body.get("type")
        if kind == "init":
            self.node_id = body["node_id"]
            self.node_ids = body["node_ids"]
            return []
        if kind == "tick":
            versions = [{"key": k, "value": v, "clock": c}
                        for k, siblings in self.store.items() for v, c in siblings]
            return [self.message(body["peer"],
                                 {"type": "ae_push", "round": body["round"],
                                  "versions": versions})]
        if kind == "sync":
            self.save()
            return [self.message("kvsim", {"type": "sync_ok",
                                           "store": {k: self.read(k) for k in body["keys"]}})]
        print(f"unknown message from kvsim: {kind!r}", file=sys.stderr)
        return []

    def peer(self, body):
        kind = body.get("type")
        if kind == "replicate":
            self.apply(body["key"], body["value"], body["clock"])
        elif kind in ("ae_push", "ae_diff"):
            for v in body["versions"]:
                self.apply(v["key"], v["value"], v["clock"])
        return []

    def lines_for(self, line):
        try:
            request = json.loads(line)
        except ValueError:
            print(f"not JSON: {line[:80]!r}", file=sys.stderr)
            return []
        body = request.get("body", {}) if isinstance(request, dict) else {}
        if request.get("src") == "kvsim":
            return self.harness(body)
        if request.get("src") in self.node_ids:
            return self.peer(body)
        reply = self.serve(line)
        if reply is None:
            return []
        out = [reply]
        accepted = reply["body"].get("status") in ("written", "conflict", "resolved")
        if body.get("type") in ("kv_put", "kv_resolve") and accepted:
            for peer in self.peers():
                out.append(self.message(peer, {"type": "replicate", "key": body["key"],
                                               "value": body["value"],
                                               "clock": body["clock"]}))
        return out


def main():
    node = ReplicatingNode()
    for line in sys.stdin:
        if not line.strip():
            continue
        for message in node.lines_for(line):
            sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
