#!/usr/bin/env python3
"""Mistake: "dominates" is taken as "every slot >=", without "and at least
one >". Two equal clocks then dominate each other, so a write whose clock
equals a sibling's (with another value) is rejected as stale instead of
being kept beside it: neither dominates."""
from correct import Node, main


class EqualDominates(Node):
    def compare(self, a, b):
        result = Node.compare(self, a, b)
        return "dominates" if result == "equal" else result


if __name__ == "__main__":
    main(EqualDominates())
