#!/usr/bin/env python3
"""Broken: reads every line and never answers (a node that forgot to print,
or prints without flushing and never exits)."""
import sys

for line in sys.stdin:
    pass
