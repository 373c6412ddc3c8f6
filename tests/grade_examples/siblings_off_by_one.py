#!/usr/bin/env python3
"""Mistake: a conflict reply counts the siblings there were before the
write, not after it: two concurrent writes answer "conflict" with
"siblings": 1 instead of 2."""
from correct import Node, main


class SiblingsOffByOne(Node):
    def write_status(self, siblings, resolving):
        reply = Node.write_status(self, siblings, resolving)
        if reply["status"] == "conflict":
            reply["siblings"] -= 1
        return reply


if __name__ == "__main__":
    main(SiblingsOffByOne())
