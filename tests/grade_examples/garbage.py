#!/usr/bin/env python3
"""Broken: answers every line with text that is not JSON (debugging output
printed on stdout, where only replies belong)."""
import sys

for line in sys.stdin:
    print(f"got a line of {len(line)} bytes", flush=True)
