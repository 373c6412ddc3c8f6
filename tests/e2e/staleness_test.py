"""kvsim staleness against the PBS paper's rows and against a WARS Monte Carlo.

Usage: staleness_test.py KVSIM SCENARIOS_DIR [TRIALS]  (200,000 by default)

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
3. Beyond the paper (scenarios/staleness/beyond-*.yaml, LNKD-DISK, TRIALS/40
   trials a delta): loss, a crashed replica and two concurrent writers
   against the same Monte Carlo extended with lost messages, dead replicas
   and a second writer; read repair and its baseline against a model of the
   node coordinator's store and the repairing read; anti-entropy, read
   repair and a partition against stated invariants (never lowers p; p >=
   99.9% 22 rounds after the commit; a partition's cap at the extended
   model's value).
4. The command's errors, and its plot drawn by gnuplot (--out).
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
# 200,000 trials a row hold the paper's rows to 0.5 points; the sanitizer
# build passes fewer (tests/e2e/meson.build) and the rows are then held to
# the paper within their own, wider, standard error.
FULL = TRIALS >= 200000
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
    if (name, delta) in MODEL_ROWS:
        continue  # checked against the model in part 2
    if FULL:
        check(f"{name} at {delta}: interval well inside 0.5 points", (high - low) / 2 < 0.25, row)
        check(f"{name} at {delta}: within 0.5 points of the paper's {paper}%", abs(p - paper) <= 0.5,
              f"kvsim {p:.3f}%")
    else:
        # Fewer trials (the sanitizer build): the paper within 0.5 points
        # or 4 standard errors of kvsim's estimate, whichever is wider.
        se = 100 * math.sqrt(row["p_consistent"] * (1 - row["p_consistent"]) / row["trials"])
        check(f"{name} at {delta}: near the paper's {paper}% ({TRIALS} trials)",
              abs(p - paper) <= max(0.5, 4 * se), f"kvsim {p:.3f}%")


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
# --- 3. beyond the paper ---------------------------------------------------------
# The WARS model extended, still from the model's definition and nothing of
# kvsim's: each message (W, A, R, S) is lost with probability `loss` on its
# own; a `dead` replica takes and answers nothing; `writers` clients each send
# a write at time 0 (each its own W and A draws), and the read goes out delta
# after the last of them commits; it is consistent when the answers it takes
# hold every write. A write with no acknowledgement within `timeout`, or a
# read with fewer than r answers within it, fails the trial (not counted, as
# kvsim counts it apart). `groups`: anti-entropy among each group's replicas,
# judged at an unbounded delta only (a replica holds a write in the end when
# some replica of its group got it directly).
INF = float("inf")


def wars_beyond(W, A, R, S, n, r, w, deltas, trials, seed, loss=0.0, dead=(), writers=1,
                timeout=INF, groups=None):
    rng = random.Random(seed)
    got = [0] * len(deltas)
    ended = 0
    capped = 0  # with `groups`: consistent at an unbounded delta
    for _ in range(trials):
        lost = lambda: loss > 0 and rng.random() < loss  # noqa: E731
        arrivals, commits = [], []
        for _j in range(writers):
            ws, acks = [], []
            for i in range(n):
                wi = W(rng) if i not in dead and not lost() else INF
                ai = A(rng) if wi < INF and not lost() else INF
                ws.append(wi)
                acks.append(wi + ai)
            arrivals.append(ws)
            commits.append(sorted(acks)[w - 1])
        commit = max(commits)
        if commit > timeout:
            continue
        answers = []
        for i in range(n):
            ri = R(rng) if i not in dead and not lost() else INF
            si = S(rng) if ri < INF and not lost() else INF
            answers.append((ri + si, ri, i))
        answers.sort()
        taken = answers[:r]
        if taken[-1][0] > timeout:
            continue
        ended += 1
        for k, delta in enumerate(deltas):
            got[k] += all(any(commit + delta + ri >= ws[i] for _, ri, i in taken) for ws in arrivals)
        if groups is not None:
            holds = lambda ws, i: any(ws[m] < INF for g in groups if i in g for m in g)  # noqa: E731
            capped += all(any(holds(ws, i) for _, _, i in taken) for ws in arrivals)
    return [g / ended for g in got], (capped / ended if groups is not None else None), ended


def read_repair_model(W, R, S, deltas, trials, seed):
    """Dynamo's coordinator, R=W=1, client hops free: the write is applied by
    the key's first replica at time 0 and stored on the second after W; the
    reads go through the second, which answers from its own copy. Without
    read repair the read at delta is consistent when W <= delta. With it, the
    unmeasured read at time 0 fetches the first and third replicas (R, then
    S back) and, once both have answered, the second applies the merge, which
    holds the write (the first replica's copy): consistent also when
    max(R1 + S1, R3 + S3) <= delta."""
    rng = random.Random(seed)
    plain, repaired = [0] * len(deltas), [0] * len(deltas)
    for _ in range(trials):
        store = W(rng)
        repair = max(R(rng) + S(rng), R(rng) + S(rng))
        for k, delta in enumerate(deltas):
            plain[k] += store <= delta
            repaired[k] += min(store, repair) <= delta
    return [p / trials for p in plain], [p / trials for p in repaired]


DISK_W = mixture([(0.38, pareto(1.05, 1.51)), (0.62, expo(1 / 0.183))])
BEYOND_DELTAS = ["0ms", "1ms", "2ms", "5ms", "10ms", "45.5ms", "200ms"]
BEYOND_MS = [0, 1, 2, 5, 10, 45.5, 200]
# 5,000 trials a delta (a standard error of at most 0.7 points): the
# anti-entropy configurations cost some 350 us a trial (every exchange
# digests every trial's key so far), and 20,000 made this part 108 of the
# test's 134 s.
BEYOND_TRIALS = max(500, TRIALS // 40)
BEYOND_MC = 40000 if FULL else 10000
BEYOND = ["pbs-lnkd-disk", "beyond-lnkd-disk-loss", "beyond-lnkd-disk-loss-anti-entropy",
          "beyond-lnkd-disk-partition", "beyond-lnkd-disk-crash", "beyond-lnkd-disk-anti-entropy",
          "beyond-lnkd-disk-siblings", "beyond-lnkd-disk-no-read-repair",
          "beyond-lnkd-disk-read-repair", "beyond-lnkd-disk-node-coordinator"]
# 4 combined standard errors: some 60 comparisons, a chance failure about 1 in 250 runs.
SIGMAS = 4.0


def beyond():
    got = staleness([os.path.join(STALENESS, b + ".yaml") for b in BEYOND], ",".join(BEYOND_DELTAS),
                    BEYOND_TRIALS)
    if got is None:
        return
    p = {c["scenario"]: [row["p_consistent"] for row in c["rows"]] for c in got["configurations"]}
    n = {c["scenario"]: [row["trials"] for row in c["rows"]] for c in got["configurations"]}
    failed = {c["scenario"]: sum(row["failed"] for row in c["rows"]) for c in got["configurations"]}

    def se(name, k, q=None, m=None):
        a = p[name][k]
        out = a * (1 - a) / n[name][k]
        if q is not None:
            out += q * (1 - q) / m
        return math.sqrt(out) + 1e-9

    def against_model(name, model, m, why):
        for k, d in enumerate(BEYOND_DELTAS):
            diff = p[name][k] - model[k]
            ok = abs(diff) <= SIGMAS * se(name, k, model[k], m)
            print(f"  {name:36} delta {d:6} kvsim {100 * p[name][k]:7.3f}%  model {100 * model[k]:7.3f}%"
                  f"  ({100 * diff:+.3f})")
            check(f"{name} at {d}: agrees with {why}", ok, f"{p[name][k]} vs {model[k]}")

    def never_below(name, base, why):
        for k, d in enumerate(BEYOND_DELTAS):
            s = math.sqrt(se(name, k) ** 2 + se(base, k) ** 2)
            check(f"{name} at {d}: {why}", p[name][k] >= p[base][k] - SIGMAS * s,
                  f"{p[name][k]} vs {base}'s {p[base][k]}")

    ssd = (SSD, SSD, SSD)
    # Loss: the extended model with loss 0.05 on every message, no retries, 100ms timeout.
    loss_model, loss_cap, ended = wars_beyond(DISK_W, *ssd, 3, 1, 1, BEYOND_MS, BEYOND_MC, 21,
                                              loss=0.05, timeout=100)
    against_model("beyond-lnkd-disk-loss", loss_model, ended, "the WARS model with 5% loss")
    check("loss: some trials failed, as lost messages make them", failed["beyond-lnkd-disk-loss"] > 0)
    # A crashed replica: the model with that replica dead.
    crash_model, _, ended = wars_beyond(DISK_W, *ssd, 3, 1, 1, BEYOND_MS, BEYOND_MC, 22, dead=(2,))
    against_model("beyond-lnkd-disk-crash", crash_model, ended, "the WARS model with a dead replica")
    # Two concurrent writers: the read must hold both.
    sib_model, _, ended = wars_beyond(DISK_W, *ssd, 3, 1, 1, BEYOND_MS, BEYOND_MC, 23, writers=2)
    against_model("beyond-lnkd-disk-siblings", sib_model, ended, "the WARS model with two writers")
    check("siblings lower p: at 2ms two writers' reads are fresh less often than one writer's",
          p["beyond-lnkd-disk-siblings"][2] < p["pbs-lnkd-disk"][2] - 0.05)
    # Read repair: the node-coordinated model, with and without.
    plain, repaired = read_repair_model(DISK_W, SSD, SSD, BEYOND_MS, BEYOND_MC, 24)
    against_model("beyond-lnkd-disk-no-read-repair", plain, BEYOND_MC, "the store-delay model")
    against_model("beyond-lnkd-disk-read-repair", repaired, BEYOND_MC, "the read-repair model")
    never_below("beyond-lnkd-disk-read-repair", "beyond-lnkd-disk-no-read-repair",
                "read repair never lowers p")
    check("read repair raises p at 1ms by more than 50 points",
          p["beyond-lnkd-disk-read-repair"][1] > p["beyond-lnkd-disk-no-read-repair"][1] + 0.5)
    # Anti-entropy: never lowers p; a read long after the commit (45.5ms and
    # 200ms: 22 and 100 rounds of 2ms) sees the write, loss or not.
    never_below("beyond-lnkd-disk-anti-entropy", "pbs-lnkd-disk", "anti-entropy never lowers p")
    never_below("beyond-lnkd-disk-loss-anti-entropy", "beyond-lnkd-disk-loss",
                "anti-entropy never lowers p under loss")
    for name in ("beyond-lnkd-disk-anti-entropy", "beyond-lnkd-disk-loss-anti-entropy"):
        for k in (5, 6):
            # (no stale read at all is expected; a few allowed in small runs)
            check(f"{name} at {BEYOND_DELTAS[k]}: p >= 99.9% (anti-entropy every 2ms)",
                  p[name][k] >= 1 - max(0.001, 3 / n[name][k]), p[name][k])
    # A partition cuts n3 off from anti-entropy: at 200ms the cap is the
    # model's (a lost write to n3 stays lost), below loss with anti-entropy
    # and above loss alone.
    _, cap, ended = wars_beyond(DISK_W, *ssd, 3, 1, 1, [0], BEYOND_MC, 25, loss=0.05,
                                timeout=100, groups=[(0, 1), (2,)])
    part = p["beyond-lnkd-disk-partition"][6]
    print(f"  beyond-lnkd-disk-partition at 200ms: kvsim {100 * part:.3f}%, the model's cap {100 * cap:.3f}%")
    check("partition at 200ms: the model's cap", abs(part - cap) <= SIGMAS * se("beyond-lnkd-disk-partition", 6, cap, ended),
          f"{part} vs {cap}")
    # (about 4 standard errors apart at 2,000 trials; not checked in smaller runs)
    if BEYOND_TRIALS >= 2000:
        check("a partition caps p below loss with anti-entropy",
              part < p["beyond-lnkd-disk-loss-anti-entropy"][6] - 0.005)
    check("a partition still beats loss alone at 200ms", part > p["beyond-lnkd-disk-loss"][6] + 0.01)
    # Dynamo's coordinator with R=W=1 through the same node: always fresh.
    check("node coordinator: every read fresh", all(x == 1.0 for x in p["beyond-lnkd-disk-node-coordinator"]),
          p["beyond-lnkd-disk-node-coordinator"])


MC_TRIALS = max(20000, TRIALS // 2) if FULL else 5000
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

    beyond()

    # --- 4. errors and the plot ------------------------------------------------
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
