#!/usr/bin/env python3
"""Mistake: kv_get returns only the newest sibling (the last one written),
so a reader never sees the conflict it is meant to resolve."""
from correct import Node, main


class GetNewestOnly(Node):
    def read(self, key):
        return Node.read(self, key)[-1:]


if __name__ == "__main__":
    main(GetNewestOnly())
