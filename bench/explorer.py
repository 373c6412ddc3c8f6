#!/usr/bin/python3
"""How large a run the explorer page (index.html) handles: for runs of
growing size, the page's size, its load time in headless Chromium (from
navigation to the explorer ready, and the explorer's own start-up), the
JavaScript heap Chromium reports, and the time of a step (next event) and of
a jump (slider to an instant across the run). Also kvsim run's wall time
with and without the pictures and page. The heap is Chromium's
JSHeapUsedSize (DevTools Performance.getMetrics) after a garbage
collection: what the page keeps.

A benchmark, never a test: the figures depend on the machine and its load.
Run with Debian's python3 (python3-selenium, chromium, chromium-driver):

    /usr/bin/python3 bench/explorer.py [KVSIM] [OPS...]

OPS are workload sizes (default 40 400 1000 2000 4000 8000): a generated
scenario of 5 nodes and 4 clients under loss and partitions, one operation
every 2 ms, run_until just past the last one. The shipped scenarios come
first (the largest shipped run is partition-shapes)."""
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "lib"))
import chromium  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCENARIO = """name: explorer-bench-{ops}
description: generated traffic for bench/explorer.py ({ops} operations)
seed: 1
nodes: 5
network:
  delay: {{dist: uniform, min: 1ms, max: 8ms}}
  loss: 0.05
anti_entropy: {{interval: 50ms}}
clients: {{timeout: 40ms, retries: 3, retry: next}}
events:
  - {{at: 100ms, partition: {{shape: halves}}}}
  - {{at: 400ms, heal: true}}
workload:
  clients: 4
  keys: 20
  ops: {ops}
  start: 1ms
  interval: 2ms
  mix: {{put: 5, get: 3, resolve: 2}}
run_until: {until}ms
"""


def wall(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(browser, page):
    d = browser.driver
    start = time.perf_counter()
    d.get(page.as_uri())
    while d.execute_script("return document.body.dataset.ready") != "true":
        if time.perf_counter() - start > 120:
            raise RuntimeError(f"{page}: the explorer was not ready after 120 s")
        time.sleep(0.02)
    load = time.perf_counter() - start
    startup = d.execute_script("return window.kvsimExplorer.loadMs") / 1000
    # What the page keeps: the heap after a garbage collection.
    browser.driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    heap = browser.metrics()["JSHeapUsedSize"]
    steps = d.execute_script("""
        const x = window.kvsimExplorer, n = x.run.events.length, out = [];
        let t = performance.now();
        for (let i = 0; i < 20; i++) x.step(1, () => true);
        out.push((performance.now() - t) / 20);
        t = performance.now();
        for (let i = 0; i < 20; i++) x.moveTo(Math.floor((i * 7919) % n));
        out.push((performance.now() - t) / 20);
        return out;""")
    events = d.execute_script("return window.kvsimExplorer.run.events.length")
    return load, startup, heap, steps[0] / 1000, steps[1] / 1000, events


def main():
    kvsim = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build/cli/kvsim")
    sizes = [int(a) for a in sys.argv[2:]] or [40, 400, 1000, 2000, 4000, 8000]
    print(f"machine: {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[:3]}")
    print(f"{'run':28} {'lines':>8} {'page':>8} {'run s':>6} {'no-render s':>11} {'load s':>7} "
          f"{'start s':>7} {'heap MB':>8} {'step ms':>8} {'jump ms':>8} {'events':>7}")
    browser = chromium.Browser()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            runs = [("partition-heal", ROOT / "scenarios/partition-heal.yaml"),
                    ("partition-shapes", ROOT / "scenarios/partition-shapes.yaml")]
            for ops in sizes:
                path = tmp / f"bench-{ops}.yaml"
                path.write_text(SCENARIO.format(ops=ops, until=2 * ops + 500))
                runs.append((f"generated, {ops} ops", path))
            for name, scenario in runs:
                out = tmp / name.replace(" ", "_").replace(",", "")
                plain = wall([kvsim, "run", str(scenario), "--out", str(out), "--quiet", "--no-render"])
                full = wall([kvsim, "run", str(scenario), "--out", str(out), "--quiet"])
                lines = sum(1 for _ in open(out / "history.jsonl", "rb"))
                page = out / "index.html"
                size = page.stat().st_size
                figures = [measure(browser, page) for _ in range(3)]
                load = statistics.median(f[0] for f in figures)
                startup = statistics.median(f[1] for f in figures)
                heap = statistics.median(f[2] for f in figures) / 1e6
                step = statistics.median(f[3] for f in figures) * 1000
                jump = statistics.median(f[4] for f in figures) * 1000
                print(f"{name:28} {lines:>8} {size / 1e6:>7.1f}M {full:>6.2f} {plain:>11.2f} "
                      f"{load:>7.2f} {startup:>7.2f} {heap:>8.1f} {step:>8.1f} {jump:>8.1f} "
                      f"{figures[0][5]:>7}", flush=True)
    finally:
        browser.stop()


if __name__ == "__main__":
    main()
