#!/usr/bin/env python3
"""Mistake: kv_resolve adds the resolved value as one more sibling and
removes nothing, so the siblings its clock dominates stay: a resolve of
[1, 0] and [0, 1] with clock [1, 1] leaves three siblings, not one."""
from correct import Node, main


class ResolveKeepsDominated(Node):
    def handle(self, body):
        if body.get("type") != "kv_resolve":
            return Node.handle(self, body)
        key = self.key_field(body)
        value = self.field(body, "value")
        clock = self.clock_field(body)
        siblings = self.store.setdefault(key, [])
        if any(self.compare(stored, clock) == "dominates" for _, stored in siblings):
            return {"type": "kv_resolve_ok", "status": "rejected"}
        siblings.append([value, clock])
        reply = {"type": "kv_resolve_ok"}
        reply.update(self.write_status(siblings, True))
        return reply


if __name__ == "__main__":
    main(ResolveKeepsDominated())
