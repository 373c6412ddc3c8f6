#!/usr/bin/env python3
"""Mistake: clocks of different lengths are compared slot by slot only as far
as the shorter one goes (zip stops there), as if the missing slots did not
exist. Stored [0, 1] and incoming [1] should be concurrent ([1] is [1, 0]);
this node sees only 0 < 1 and takes the write as later."""
from correct import Node, main


class NoPadding(Node):
    def compare(self, a, b):
        a_ge = all(x >= y for x, y in zip(a, b))
        b_ge = all(y >= x for x, y in zip(a, b))
        if a_ge and b_ge:
            return "equal"
        if a_ge:
            return "dominates"
        if b_ge:
            return "dominated"
        return "concurrent"


if __name__ == "__main__":
    main(NoPadding())
