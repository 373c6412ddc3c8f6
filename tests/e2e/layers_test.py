#!/usr/bin/env python3
"""The layers hold: every #include follows docs/ARCHITECTURE.md's table.

Usage: layers_test.py SOURCE_ROOT

The table's rows name each folder and the folders it "may use"; a source file
may include headers of its own folder and of those folders only ("all of
them" allows every folder, "the standard library" none). A folder with
sources that the table does not list fails too, so a new layer cannot slip
in unchecked. The sentence "`node/` includes no header of ..." lists the
system headers node/ must not include (no time, randomness or I/O).

The checker is then shown to catch what it must: on a copy of the tree, a
planted `#include "sim/scenario.h"` in viz/ and a planted `#include <chrono>`
in node/ must each fail, naming the file and the arrow.
"""
import os
import pathlib
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish

SOURCE_SUFFIXES = {".h", ".cc", ".cpp"}
NOT_LAYERS = {"tests", "bench", "build", "docs", "scenarios", "contrib", "out"}


def read_rules(root):
    """(allowed: folder -> set of folders or None for all, forbidden node headers)."""
    text = (root / "docs" / "ARCHITECTURE.md").read_text()
    allowed = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.fullmatch(r"`[a-z_]+/`", cells[0]):
            continue
        folder = cells[0].strip("`/")
        uses = cells[2]
        if "all of them" in uses:
            allowed[folder] = None
        else:
            allowed[folder] = set(re.findall(r"`([a-z_]+)/`", uses))
    forbidden = set()
    m = re.search(r"`node/` includes no header of [^:]*:([^.]*)\.", text)
    if m:
        forbidden = set(re.findall(r"`<([^>]+)>`", m.group(1)))
    return allowed, forbidden


def violations(root):
    allowed, forbidden = read_rules(root)
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        name = folder.name
        if name.startswith(".") or name in NOT_LAYERS or name.startswith("build"):
            continue
        sources = [p for p in folder.rglob("*") if p.suffix in SOURCE_SUFFIXES]
        if not sources:
            continue
        if name not in allowed:
            found.append(f"{name}/ has sources but no row in docs/ARCHITECTURE.md's table")
            continue
        for path in sorted(sources):
            rel = path.relative_to(root)
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = re.match(r'\s*#\s*include\s+"([a-z_]+)/', line)
                if m:
                    target = m.group(1)
                    ok = target == name or allowed[name] is None or target in allowed[name]
                    if not ok:
                        found.append(f"{rel}:{number}: {name}/ -> {target}/ is not allowed")
                m = re.match(r"\s*#\s*include\s+<([^>]+)>", line)
                if m and name == "node" and m.group(1) in forbidden:
                    found.append(f"{rel}:{number}: node/ includes <{m.group(1)}>")
    return allowed, forbidden, found


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    allowed, forbidden, found = violations(root)
    check("the table lists the layers", {"base", "node", "history", "sim", "viz", "cli"} <= set(allowed),
          sorted(allowed))
    check("node/'s forbidden headers are listed", {"chrono", "random", "cstdio"} <= forbidden,
          sorted(forbidden))
    check("every #include follows the table", not found, "\n".join(found))

    # The checker catches a planted wrong include (on a copy of the tree).
    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp) / "tree"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(
            "build*", ".git", "out", "tests", "bench", "scenarios", "*.png", "*.svg"))
        victim = copy / "viz" / "story.cc"
        victim.write_text('#include "sim/scenario.h"\n' + victim.read_text())
        clock = copy / "node" / "store.cc"
        clock.write_text("#include <chrono>\n" + clock.read_text())
        _, _, planted = violations(copy)
        check("a planted viz/ -> sim/ include is caught",
              any(v.startswith("viz/story.cc:1: viz/ -> sim/") for v in planted), planted)
        check("a planted <chrono> in node/ is caught",
              any(v.startswith("node/store.cc:1: node/ includes <chrono>") for v in planted), planted)
        (copy / "newlayer").mkdir()
        (copy / "newlayer" / "x.cc").write_text("int x;\n")
        _, _, planted = violations(copy)
        check("a folder missing from the table is caught",
              any(v.startswith("newlayer/ has sources") for v in planted), planted)
    finish()


if __name__ == "__main__":
    main()
