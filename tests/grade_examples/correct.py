#!/usr/bin/env python3
"""A conflict-detecting key-value node, written from the task's text alone.

The task: a node reads Maelstrom-style JSON messages, one a line on stdin,
and answers each on stdout. It keeps, for every key, the values written
with vector clocks:

  - if the write's clock dominates the stored clock: simple overwrite;
  - if the stored clock dominates the write's clock: reject (stale write);
  - if neither dominates (concurrent): store both as siblings.

kv_put answers "written" or "conflict" with the number of siblings,
kv_get returns every sibling with its clock, kv_resolve writes a value
whose clock covers the siblings and answers "resolved".

What the task leaves open is decided here as a careful student would:
clocks of different lengths compare as if the shorter one had zeros at the
end (a node that never wrote has counted 0); a write equal to a sibling
(same value, equal clock) is the same write and changes nothing; a request
that cannot be served gets a Maelstrom error (10 unknown type, 12 a missing
or ill-typed field); a line that is not a request is reported on stderr.
It does not wait for init before serving, and keeps any number of
siblings: kvsim answers both differently, and `kvsim grade` counts those
as kvsim's own choices, not as mistakes.

The other programs in this folder import this one and change one method
each: each is a classic mistake `kvsim grade` must catch.
Plain Python 3, standard library only.
"""
import json
import sys


class Node:
    def __init__(self):
        self.node_id = "n1"
        self.store = {}  # key -> [[value, clock], ...], in the order added
        self.next_msg_id = 0

    # Vector clocks ---------------------------------------------------------

    def compare(self, a, b):
        """How clock a relates to clock b: 'equal', 'dominates' (a is
        later), 'dominated' (b is later) or 'concurrent'."""
        n = max(len(a), len(b))
        a = a + [0] * (n - len(a))
        b = b + [0] * (n - len(b))
        a_ge = all(x >= y for x, y in zip(a, b))
        b_ge = all(y >= x for x, y in zip(a, b))
        if a_ge and b_ge:
            return "equal"
        if a_ge:
            return "dominates"
        if b_ge:
            return "dominated"
        return "concurrent"

    @staticmethod
    def same_value(a, b):
        return json.dumps(a) == json.dumps(b)

    # The store -------------------------------------------------------------

    def write(self, key, value, clock):
        """Applies a write; returns the key's siblings after it, or None when
        the write is stale."""
        siblings = self.store.get(key, [])
        for _, stored in siblings:
            if self.compare(stored, clock) == "dominates":
                return None
        for stored_value, stored in siblings:
            if self.same_value(stored_value, value) and self.compare(stored, clock) == "equal":
                return siblings
        kept = [s for s in siblings if self.compare(clock, s[1]) != "dominates"]
        kept.append([value, clock])
        self.store[key] = kept
        return kept

    def write_status(self, siblings, resolving):
        if siblings is None:
            return {"status": "rejected"}
        if len(siblings) == 1:
            return {"status": "resolved" if resolving else "written"}
        return {"status": "conflict", "siblings": len(siblings)}

    def read(self, key):
        return [{"value": v, "clock": c} for v, c in self.store.get(key, [])]

    # Requests --------------------------------------------------------------

    def field(self, body, name):
        if name not in body:
            raise Malformed(f"missing field '{name}'")
        return body[name]

    def key_field(self, body):
        key = self.field(body, "key")
        if not isinstance(key, str):
            raise Malformed("field 'key' must be a string")
        return key

    def clock_field(self, body):
        clock = self.field(body, "clock")
        ok = isinstance(clock, list) and all(
            isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in clock)
        if not ok:
            raise Malformed("field 'clock' must be an array of non-negative integers")
        return clock

    def handle(self, body):
        """The reply body for a request body (without in_reply_to and msg_id)."""
        kind = body.get("type")
        if kind == "init":
            node_id = self.field(body, "node_id")
            if not isinstance(node_id, str):
                raise Malformed("field 'node_id' must be a string")
            self.node_id = node_id
            return {"type": "init_ok"}
        if kind == "kv_get":
            return {"type": "kv_get_ok", "values": self.read(self.key_field(body))}
        if kind in ("kv_put", "kv_resolve"):
            key = self.key_field(body)
            value = self.field(body, "value")
            clock = self.clock_field(body)
            siblings = self.write(key, value, clock)
            reply = {"type": kind + "_ok"}
            reply.update(self.write_status(siblings, kind == "kv_resolve"))
            return reply
        if not isinstance(kind, str):
            raise Malformed("missing field 'type'")
        return {"type": "error", "code": 10, "text": f"unknown type '{kind}'"}

    def reply(self, request, body):
        body = dict(body)
        code = body.pop("code", None)
        text = body.pop("text", None)
        out = {"type": body.pop("type"), "in_reply_to": request["body"]["msg_id"]}
        if code is not None:
            out["code"] = code
            out["text"] = text
        out.update(body)
        out["msg_id"] = self.next_msg_id
        self.next_msg_id += 1
        return {"src": self.node_id, "dest": request["src"], "body": out}

    def serve(self, line):
        try:
            request = json.loads(line)
        except ValueError:
            print(f"not JSON: {line[:80]!r}", file=sys.stderr)
            return None
        if (not isinstance(request, dict) or not isinstance(request.get("src"), str)
                or not isinstance(request.get("body"), dict)
                or not isinstance(request["body"].get("msg_id"), int)):
            print(f"no src, body or msg_id to answer to: {line[:80]!r}", file=sys.stderr)
            return None
        try:
            body = self.handle(request["body"])
        except Malformed as e:
            body = {"type": "error", "code": 12, "text": str(e)}
        return self.reply(request, body)


class Malformed(Exception):
    pass


def main(node):
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = node.serve(line)
        if reply is not None:
            print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main(Node())
