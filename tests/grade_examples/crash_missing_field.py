#!/usr/bin/env python3
"""Mistake: fields are read without checking they are there, so a kv_put
without "clock" (or without "value") raises KeyError and the program dies."""
from correct import Node, main


class CrashMissingField(Node):
    def field(self, body, name):
        return body[name]


if __name__ == "__main__":
    main(CrashMissingField())
