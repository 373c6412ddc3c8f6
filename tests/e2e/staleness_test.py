"""kvsim staleness against the PBS paper's rows and against a WARS Monte Carlo.

Usage: staleness_test.py KVSIM SCENARIOS_DIR [TRIALS]

1. The shipped PBS scenarios (scenarios/staleness/pbs-*.yaml) reproduce the
   paper's t-visibility numbers (Bailis et al., VLDB 2012; N=3, R=W=1) within
   0.5 percentage points, each with a 95% interval narrow enough to sit well
   inside that (half-width under 0.25 points).
2. Configurations the paper's table does not list (other N, R, W; other
   delays) agree with this file's own Monte Carlo of the WARS model, written
   from the model's definition alone: a write is sent to all N replicas
   (delay W_i), acknowledged (A_i), and commits at the w-th fastest W_i + A_i;
   a read sent delta after the commit reaches replica i at commit + delta +
   R_i and is answered (S_i); the first r answers by R_i + S_i are taken, and
   the read is consistent if one of them had the write: commit + delta + R_i
   >= W_i. kvsim's and the Monte Carlo's estimates must differ by less than
   3.5 of their combined standard errors (a chance failure about 1 in 2,000).
3. The command's errors, and its plot drawn by gnuplot (--out).
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checklib import check, finish  # noqa: E402

kvsim, scenarios = sys.argv[1], sys.argv[2]
TRIALS = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
STALENESS = os.path.join(scenarios, "staleness")


def staleness(paths, deltas, trials, extra=()):
    out = subprocess.run([kvsim, "staleness", *paths, "--json", "--trials", str(trials),
                          "--delta", deltas, *extra], capture_output=True, text=True)
    check("staleness exits 0 " + " ".join(paths), out.returncode == 0, out.stderr)
    return json.loads(out.stdout) if out.returncode == 0 else None


# --- 1. the paper's rows ------------------------------------------------------
# (scenario, delta, the paper's percentage). One row is not checked against
# the paper's figure: with W exponential of mean 10ms, the WARS model gives
# 41.8-42.0% at delta 0 (this file's Monte Carlo below, 400,000 trials:
# 41.83% +- 0.15), not the 41% the paper's text rounds to; kvsim is held to
# the model there (MODEL_ROWS).
PAPER = [
    ("pbs-exponential-w4", "0ms", 94.0),
    ("pbs-exponential-w4", "1ms", 99.9),
    ("pbs-exponential-w0.1", "0ms", 41.0),
    ("pbs-exponential-w0.1", "65ms", 99.9),
    ("pbs-lnkd-ssd", "0ms", 97.4),
    ("pbs-lnkd-disk", "0ms", 43.9),
    ("pbs-lnkd-disk", "10ms", 92.5),
    ("pbs-lnkd-disk", "45.5ms", 99.9),
]
rows = {}
for name in sorted({p[0] for p in PAPER}):
    deltas = ",".join(d for n, d, _ in PAPER if n == name)
    got = staleness([os.path.join(STALENESS, name + ".yaml")], deltas, TRIALS)
    if got is None:
        continue
    for row, delta in zip(got["rows"], deltas.split(",")):
        rows[(name, delta)] = row
    check(name + ": latency percentiles", got["write_latency_us"]["p99"] >= got["write_latency_us"]["p50"] > 0)

MODEL_ROWS = {("pbs-exponential-w0.1", "0ms")}
for name, delta, paper in PAPER:
    row = rows.get((name, delta))
    if row is None:
        check(f"{name} at {delta}: measured", False)
        continue
    p, low, high = 100 * row["p_consistent"], 100 * row["ci_low"], 100 * row["ci_high"]
    print(f"{name:24} delta {delta:7} paper {paper:5.1f}%  kvsim {p:7.3f}%  [{low:.3f}, {high:.3f}]"
          f"  ({row['trials']} trials)")
    check(f"{name} at {delta}: trials", row["trials"] == TRIALS and row["failed"] == 0, row)
    check(f"{name} at {delta}: interval well inside 0.5 points", (high - low) / 2 < 0.25, row)
    if (name, delta) in MODEL_ROWS:
        continue  # checked against the model in part 2
    check(f"{name} at {delta}: within 0.5 points of the paper's {paper}%", abs(p - paper) <= 0.5,
          f"kvsim {p:.3f}%")


# --- 2. outside the paper's table: the WARS model, computed here ----------------
def expo(mean):
    return lambda rng: rng.expovariate(1.0 / mean)


def pareto(xm, alpha):
    return lambda rng: xm * (1.0 - rng.random()) ** (-1.0 / alpha)


def mixture(parts):
    def draw(rng):
        u = rng.random()
        for weight, d in parts:
            if u < weight:
                return d(rng)
            u -= weight
        return parts[-1][1](rng)
    return draw


def wars(W, A, R, S, n, r, w, delta, trials, seed):
    rng = random.Random(seed)
    consistent = 0
    for _ in range(trials):
        ws = [W(rng) for _ in range(n)]
        commit = sorted(ws[i] + A(rng) for i in range(n))[w - 1]
        reads = [(R(rng), S(rng), i) for i in range(n)]
        answers = sorted(reads, key=lambda x: x[0] + x[1])[:r]
        consistent += any(commit + delta + ri >= ws[i] for ri, _, i in answers)
    return consistent / trials


SSD = mixture([(0.9122, pareto(0.235, 10)), (0.0878, expo(1 / 1.66))])
SSD_YAML = ("{dist: mixture, of: [{weight: 0.9122, dist: pareto, xm: 235us, alpha: 10}, "
            "{weight: 0.0878, dist: exponential, mean: 602us}]}")
# (name, nodes, n, r, w, delays as YAML by role, the same for the model, delta ms)
OUTSIDE = [
    ("pbs-exponential-w0.1 (the paper's 41% row)", 3, 3, 1, 1,
     {"write": "{dist: exponential, mean: 10ms}", "write_ack": "{dist: exponential, mean: 1ms}",
      "read": "{dist: exponential, mean: 1ms}", "read_reply": "{dist: exponential, mean: 1ms}"},
     (expo(10), expo(1), expo(1), expo(1)), 0.0),
    ("exp-n5-r1-w2", 5, 5, 1, 2,
     {"write": "{dist: exponential, mean: 2ms}", "write_ack": "{dist: exponential, mean: 1ms}",
      "read": "{dist: exponential, mean: 1ms}", "read_reply": "{dist: exponential, mean: 1ms}"},
     (expo(2), expo(1), expo(1), expo(1)), 0.5),
    ("ssd-write-pareto-n3-r2-w1", 3, 3, 2, 1,
     {"write": "{dist: pareto, xm: 1ms, alpha: 1.5}", "write_ack": SSD_YAML,
      "read": SSD_YAML, "read_reply": SSD_YAML},
     (pareto(1.0, 1.5), SSD, SSD, SSD), 0.0),
]
MC_TRIALS = max(20000, TRIALS // 2)
tmp = tempfile.mkdtemp(prefix="kvsim-staleness-")
try:
    for name, nodes, n, r, w, yaml_delays, model, delta_ms in OUTSIDE:
        file_name = name.split()[0]
        path = os.path.join(tmp, file_name + ".yaml")
        with open(path, "w") as f:
            f.write(f"name: {file_name}\nnodes: {nodes}\nrun_until: 1s\n"
                    f"replication: {{n: {n}, r: {r}, w: {w}, coordinator: client}}\n"
                    "clients: {timeout: 60s, retries: 0}\nnetwork:\n  delays:\n")
            for role, d in yaml_delays.items():
                f.write(f"    {role}: {d}\n")
        got = staleness([path], f"{int(delta_ms * 1000)}us", TRIALS)
        if got is None:
            continue
        p_kvsim = got["rows"][0]["p_consistent"]
        p_model = wars(*model, n, r, w, delta_ms, MC_TRIALS, seed=11)
        se = math.sqrt(p_kvsim * (1 - p_kvsim) / TRIALS + p_model * (1 - p_model) / MC_TRIALS)
        print(f"{name:28} kvsim {100 * p_kvsim:7.3f}%  WARS Monte Carlo {100 * p_model:7.3f}%"
              f"  (difference {100 * (p_kvsim - p_model):+.3f} points, {3.5 * 100 * se:.3f} allowed)")
        check(f"{name}: kvsim agrees with the WARS model", abs(p_kvsim - p_model) <= 3.5 * se + 1e-9,
              f"{p_kvsim} vs {p_model}")

    # --- 3. errors and the plot ------------------------------------------------
    bad = subprocess.run([kvsim, "staleness", os.path.join(STALENESS, "pbs-lnkd-ssd.yaml"),
                          "--delta", "1 ms"], capture_output=True, text=True)
    check("a bad delta exits 2", bad.returncode == 2 and "--delta" in bad.stderr, bad.stderr)
    missing = subprocess.run([kvsim, "staleness", os.path.join(tmp, "none.yaml")],
                             capture_output=True, text=True)
    check("a missing scenario exits 4", missing.returncode == 4, missing.stderr)
    if shutil.which("gnuplot") is None:
        print("SKIP: the plot needs gnuplot (apt-get install gnuplot-nox)")
    else:
        out_dir = os.path.join(tmp, "plot")
        run = subprocess.run([kvsim, "staleness", os.path.join(STALENESS, "pbs-lnkd-ssd.yaml"),
                              os.path.join(STALENESS, "pbs-lnkd-disk.yaml"), "--trials", "500",
                              "--delta", "0ms,1ms,5ms,20ms", "--out", out_dir],
                             capture_output=True, text=True)
        check("--out exits 0", run.returncode == 0, run.stderr)
        for f in ("staleness.json", "staleness.svg", "staleness.png"):
            p = os.path.join(out_dir, f)
            check(f"--out writes {f}", os.path.exists(p) and os.path.getsize(p) > 100)
        if os.path.exists(os.path.join(out_dir, "staleness.json")):
            with open(os.path.join(out_dir, "staleness.json")) as f:
                both = json.load(f)
            check("two files: two configurations", len(both.get("configurations", [])) == 2)
        check("the table names each file", "pbs-lnkd-disk" in run.stdout and "pbs-lnkd-ssd" in run.stdout)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
finish()
