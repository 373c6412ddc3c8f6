#!/usr/bin/env python3
"""Broken: exits at once, before reading anything."""
import sys

print("starting up... no, giving up", file=sys.stderr)
sys.exit(3)
