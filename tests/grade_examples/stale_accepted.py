#!/usr/bin/env python3
"""Mistake: the stale check is missing. A write whose clock a stored
sibling dominates is stored beside it instead of being rejected."""
from correct import Node, main


class StaleAccepted(Node):
    def write(self, key, value, clock):
        siblings = self.store.get(key, [])
        for stored_value, stored in siblings:
            if self.same_value(stored_value, value) and self.compare(stored, clock) == "equal":
                return siblings
        kept = [s for s in siblings if self.compare(clock, s[1]) != "dominates"]
        kept.append([value, clock])
        self.store[key] = kept
        return kept


if __name__ == "__main__":
    main(StaleAccepted())
