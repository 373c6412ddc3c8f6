#!/usr/bin/env python3
"""contrib/slurm's sharded `kvsim sweep` on a real one-machine Slurm cluster (issue 12).

Usage: slurm_test.py KVSIM REPO_ROOT RECORD_FILE

Brings up munged, slurmctld and slurmd on this machine with their keys,
configuration, state and logs in a temporary folder, submits three sweeps
through contrib/slurm/sweep.sh at once, waits for them, and checks:

- partition-heal, 4 shards: every array task and the merge job COMPLETED,
  each task's log names its array task and job id as slurmctld's job
  completion log has them, each shard holds its slice of the seeds, and the
  merged sweep.jsonl and summary.json are the local unsharded sweep's, byte
  for byte;
- a sweep with failing seeds, 3 shards: the tasks still succeed (a failing
  seed is a result), the merge job runs, ends FAILED with exit code 1, and
  its files are the local sweep's;
- a bad seed range, 2 shards: the tasks fail with exit code 2 and the merge
  job is cancelled without running.

The squeue lines seen while the jobs ran, each job's state from `scontrol
show job` (its whole text in RECORD_FILE only), the job completion log and
what sacct says (accounting is off, so sacct has nothing to show) go to
stdout and to RECORD_FILE. Every daemon started here is stopped, and the
folder removed, whatever happens. Where the cluster cannot run (not root,
Slurm or munge not installed, munged refusing to start) it prints SKIP and
why and exits 77, which meson counts as skipped and tests/lib/totals.py as a
failure (`setup.sh test` installs what it needs).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

KVSIM, REPO = (os.path.abspath(a) for a in sys.argv[1:3])
RECORD = os.path.abspath(sys.argv[3])
SWEEP_SH = os.path.join(REPO, "contrib", "slurm", "sweep.sh")
TOOLS = ("munged", "mungekey", "munge", "unmunge", "slurmctld", "slurmd", "sbatch", "squeue",
         "sinfo", "scontrol", "scancel")
SKIP = 77
JOBS_TIMEOUT_S = 180

passed = failed = 0
record = []


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name} {str(detail)[:1500]}")


def note(text, echo=True):
    """Into the record of the run: RECORD_FILE, and stdout if echo."""
    if echo:
        print(text)
    record.append(text)


def skip(why):
    print(f"SKIP: {why}; the Slurm job array test did not run")
    sys.exit(SKIP)


def free_ports(n):
    """n distinct ports free on this machine just now."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


if os.geteuid() != 0:
    skip("not root (munged, slurmctld and slurmd run here as root, SlurmUser=root)")
missing = [t for t in TOOLS if shutil.which(t) is None]
if missing:
    skip(f"{', '.join(missing)} not installed (Debian: slurm-wlm munge)")
if not os.path.ismount("/sys/fs/cgroup"):
    skip("no cgroup filesystem on /sys/fs/cgroup (a chroot or container without one):"
         " Debian 12's slurmd (Slurm 22.05) does not start without it")

tmp = tempfile.mkdtemp(prefix="kvsim-slurm-test-")
# munged wants every folder on its socket's path searchable by all.
os.chmod(tmp, 0o755)
env = dict(os.environ, SLURM_CONF=os.path.join(tmp, "slurm.conf"))
for k in list(env):
    if k.startswith(("SBATCH_", "SQUEUE_", "SLURM_")) and k != "SLURM_CONF":
        del env[k]
daemons = []  # Popen objects, each the leader of its own process group


def start(name, args):
    log = open(os.path.join(tmp, "log", name + ".out"), "w")
    # In the folder: slurmstepd and the jobs, which leave slurmd's session,
    # work there too, so that stop_everything finds them.
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env, cwd=tmp, start_new_session=True)
    log.close()
    daemons.append(p)
    return p


def slurm(args, timeout=30):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                          timeout=timeout, cwd=tmp).stdout.decode(errors="replace")


def processes_of_this_test():
    """Pids of processes (not ours) working in the temporary folder or named
    after it: the daemons, slurmstepd and the jobs."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            cmdline = read(f"/proc/{pid}/cmdline", "rb").decode(errors="replace")
        except OSError:
            continue
        if cwd == tmp or cwd.startswith(tmp + "/") or tmp in cmdline:
            found.append(int(pid))
    return found


def stop_everything():
    # Jobs still there (a failure, a timeout): cancel them while slurmctld
    # and slurmd run, so that their slurmstepd end too.
    if len(daemons) == 3 and all(p.poll() is None for p in daemons):
        try:
            slurm(["scancel", "--partition=test"], timeout=10)
            deadline = time.monotonic() + 10
            while slurm(["squeue", "--noheader"], timeout=10).strip() and \
                    time.monotonic() < deadline:
                time.sleep(0.3)
        except (subprocess.SubprocessError, OSError):
            pass
    for p in reversed(daemons):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 15
    for p in daemons:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for p in daemons:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # what is left of each group
        except ProcessLookupError:
            pass
        p.wait()
    for pid in processes_of_this_test():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.2)
    left = processes_of_this_test()
    check("no process of the test is left", not left, left)


def show_logs():
    for name in sorted(os.listdir(os.path.join(tmp, "log"))):
        print(f"--- the end of {name}:")
        print("\n".join(read(os.path.join(tmp, "log", name), "rb").decode(
            errors="replace").splitlines()[-25:]))


def start_munge():
    os.makedirs(os.path.join(tmp, "munge"), mode=0o700)
    os.makedirs(os.path.join(tmp, "run"), mode=0o755)
    key = os.path.join(tmp, "munge", "munge.key")
    sock = os.path.join(tmp, "run", "munge.socket")
    out = slurm(["mungekey", "--create", "--keyfile", key])
    if not os.path.exists(key):
        skip(f"mungekey could not make a key: {out.strip()}")
    start("munged", ["munged", "--foreground", "--socket", sock, "--key-file", key,
                     "--pid-file", os.path.join(tmp, "run", "munged.pid"),
                     "--log-file", os.path.join(tmp, "log", "munged.log"),
                     "--seed-file", os.path.join(tmp, "munge", "munged.seed")])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if daemons[0].poll() is not None:
            break
        if os.path.exists(sock):
            cred = subprocess.run(["munge", "--no-input", "--socket", sock],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            ok = subprocess.run(["unmunge", "--socket", sock], input=cred.stdout,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if cred.returncode == 0 and ok.returncode == 0:
                return sock
        time.sleep(0.2)
    why = read(os.path.join(tmp, "log", "munged.out")).strip().splitlines()[-3:]
    skip(f"munged did not start: {' / '.join(why)}")


def write_slurm_conf(sock):
    host = socket.gethostname().split(".")[0]
    for d in ("state", "spool"):
        os.makedirs(os.path.join(tmp, d), mode=0o755)
    ctld_port, slurmd_port = free_ports(2)
    conf = f"""\
ClusterName=kvsimtest
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={sock}
StateSaveLocation={tmp}/state
SlurmdSpoolDir={tmp}/spool
SlurmctldPidFile={tmp}/run/slurmctld.pid
SlurmdPidFile={tmp}/run/slurmd.pid
SlurmctldLogFile={tmp}/log/slurmctld.log
SlurmdLogFile={tmp}/log/slurmd.log
# No systemd or cgroups here: processes tracked by their parents, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# No accounting database: sacct has nothing; slurmctld writes each job's end
# in a text file instead.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc={tmp}/log/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# The node's CPUs as written here, whatever the machine has; idle on start.
SlurmdParameters=config_overrides
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=256 State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""
    with open(env["SLURM_CONF"], "w") as f:
        f.write(conf)
    return host


def wait_for_idle_node():
    deadline = time.monotonic() + 60
    state = ""
    while time.monotonic() < deadline:
        for p in daemons:
            if p.poll() is not None:
                return f"{p.args[0]} exited with status {p.returncode}"
        state = slurm(["sinfo", "--noheader", "--format=%T"], timeout=10).strip()
        if state == "idle":
            return None
        time.sleep(0.5)
    return f"the node is not idle after 60 s: sinfo says {state!r}"


def submit(name, scenario, seeds, shards, extra=()):
    """contrib/slurm/sweep.sh from the temporary folder: (array job, merge job)."""
    p = subprocess.run(["bash", SWEEP_SH, scenario, seeds, str(shards), name] + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp,
                       env=dict(env, KVSIM=KVSIM), timeout=60)
    out = p.stdout.decode(errors="replace")
    note(f"$ contrib/slurm/sweep.sh {os.path.relpath(scenario, REPO)} {seeds} {shards} {name}"
         f" {' '.join(extra)}\n{out.rstrip()}")
    array = re.search(r"^array job (\d+):", out, re.M)
    merge = re.search(r"^merge job (\d+):", out, re.M)
    check(f"{name}: sweep.sh submits the array and the merge", p.returncode == 0 and array
          and merge, out)
    if not (array and merge):
        raise RuntimeError(f"{name}: not submitted")
    return array.group(1), merge.group(1)


def wait_for_jobs(job_ids):
    """Polls squeue until none of the jobs is queued; notes each new line."""
    seen = set()
    note("squeue lines seen while the jobs ran (first sighting, seconds after submitting):")
    start_time = time.monotonic()
    while time.monotonic() < start_time + JOBS_TIMEOUT_S:
        lines = slurm(["squeue", "--noheader", "--array",
                       "--format=%.10i %.20j %.10T %.12r %N"], timeout=10).splitlines()
        for line in lines:
            if line not in seen:
                seen.add(line)
                note(f"  {time.monotonic() - start_time:6.1f}  {line}")
        mine = [l for l in lines if l.split()[0].split("_")[0] in job_ids]
        if not mine:
            return True
        time.sleep(0.3)
    return False


def job_records(job_id):
    """`scontrol show job` of a job (an array: one record per task), as dicts."""
    text = slurm(["scontrol", "--oneliner", "show", "job", job_id])
    return text, [dict(f.split("=", 1) for f in line.split() if "=" in f)
                  for line in text.splitlines() if line.startswith("JobId=")]


def local_sweep(name, scenario, seeds):
    out = os.path.join(tmp, name)
    subprocess.run([KVSIM, "sweep", scenario, "--seeds", seeds, "--keep-failures", "0",
                    "--out", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=300)
    return read(os.path.join(out, "sweep.jsonl"), "rb"), read(os.path.join(out, "summary.json"),
                                                                 "rb")


def slice_of(first, last, i, n):
    """docs/SWEEPS.md's I-th of N slices of first..last."""
    count = last - first + 1
    return list(range(first + count * (i - 1) // n, first + count * i // n))


# meson's timeout sends SIGTERM: stop the daemons on the way out (finally).
signal.signal(signal.SIGTERM, lambda *_: sys.exit("slurm_test: terminated"))
job_ids = []
wall_start = time.monotonic()
try:
    os.makedirs(os.path.join(tmp, "log"))
    sock = start_munge()
    host = write_slurm_conf(sock)
    conf = env["SLURM_CONF"]
    start("slurmctld", ["slurmctld", "-D", "-f", conf])
    start("slurmd", ["slurmd", "-D", "-f", conf, "-N", host])
    problem = wait_for_idle_node()
    check("slurmctld and slurmd up, the node idle", problem is None, problem)
    if problem is not None:
        show_logs()
        raise RuntimeError(problem)
    note(f"a one-machine Slurm cluster up in {time.monotonic() - wall_start:.1f} s:"
         f" {slurm(['sinfo']).strip()}")

    heal = os.path.join(REPO, "scenarios", "partition-heal.yaml")
    lossy = os.path.join(REPO, "tests", "data", "sweep-lossy.yaml")
    sweeps = {  # name: scenario, seeds, shards, extra kvsim sweep options
        "heal": (heal, "1..2000", 4, []),
        "lossy": (lossy, "1..120", 3, ["--keep-failures", "1"]),
        "bad": (heal, "9..3", 2, []),
    }
    submitted = {}
    for name, (scenario, seeds, shards, extra) in sweeps.items():
        submitted[name] = submit(name, scenario, seeds, shards, extra)
        job_ids += submitted[name]
    finished = wait_for_jobs(job_ids)
    check(f"the jobs left the queue within {JOBS_TIMEOUT_S} s", finished)
    note(f"jobs done {time.monotonic() - wall_start:.1f} s after the daemons started")

    note("scontrol show job, in short (the whole text is in the record file):")
    for name, (array, merge) in submitted.items():
        for job in (array, merge):
            text, jobs = job_records(job)
            for j in sorted(jobs, key=lambda j: int(j.get("ArrayTaskId", 0))):
                task = f"{j['ArrayJobId']}_{j['ArrayTaskId']}" if "ArrayTaskId" in j else job
                note(f"  {name:<6} JobId={j.get('JobId'):<3} {task:<5} {j.get('JobName'):<18}"
                     f" {j.get('JobState'):<10} ExitCode={j.get('ExitCode')}"
                     f" Reason={j.get('Reason')} Start={j.get('StartTime')}"
                     f" End={j.get('EndTime')}")
            note(f"$ scontrol --oneliner show job {job}\n{text.rstrip()}", echo=False)
    jobs = ",".join(job_ids)
    note(f"$ sacct -j {jobs}\n{slurm(['sacct', '-j', jobs]).rstrip()}\n"
         "(accounting is off in this cluster: the job completion log stands in)")
    comp_path = os.path.join(tmp, "log", "jobcomp.txt")
    comp_text = read(comp_path) if os.path.exists(comp_path) else ""
    note("slurmctld's job completion log (JobCompType=jobcomp/filetxt):\n" + comp_text.rstrip())
    completions = [dict(f.split("=", 1) for f in line.split() if "=" in f)
                   for line in comp_text.splitlines()]

    for name, (scenario, seeds, shards, extra) in sweeps.items():
        array, merge = submitted[name]
        out = os.path.join(tmp, name)
        _, tasks = job_records(array)
        _, merges = job_records(merge)
        task_ids = sorted(int(t.get("ArrayTaskId", 0)) for t in tasks)
        check(f"{name}: scontrol shows array tasks 1..{shards}",
              task_ids == list(range(1, shards + 1)), task_ids)
        ended = {int(c["ArrayTaskId"]): c for c in completions
                 if c.get("ArrayJobId") == array and "ArrayTaskId" in c}
        check(f"{name}: the job completion log has each array task",
              sorted(ended) == list(range(1, shards + 1)), sorted(ended))
        merge_ended = [c for c in completions if c.get("JobId") == merge]
        if name == "bad":
            # Bad input: each task fails (exit 2), so the merge never starts.
            check("bad: every array task FAILED with exit code 2",
                  all(t.get("JobState") == "FAILED" and t.get("ExitCode") == "2:0"
                      for t in tasks), tasks)
            check("bad: the merge job was cancelled, never ran",
                  len(merges) == 1 and merges[0].get("JobState") == "CANCELLED"
                  and merges[0].get("Reason") == "DependencyNeverSatisfied", merges)
            check("bad: no merged files",
                  not os.path.exists(os.path.join(out, "summary.json")))
            check("bad: no merge log", not any(f.startswith("merge-")
                                               for f in os.listdir(os.path.join(out, "logs"))))
            continue
        check(f"{name}: every array task COMPLETED with exit code 0",
              all(t.get("JobState") == "COMPLETED" and t.get("ExitCode") == "0:0"
                  for t in tasks), tasks)
        for i in range(1, shards + 1):
            # The task's own log: the array task and job id Slurm gave it.
            job_id = ended[i]["JobId"] if i in ended else "?"
            log = os.path.join(out, "logs", f"shard-{array}_{i}.out")
            text = read(log) if os.path.exists(log) else ""
            check(f"{name}: shard {i}'s log names array task {array}_{i}, job {job_id}",
                  f"kvsim sweep shard {i}/{shards}: Slurm job {array}_{i} (job id {job_id})"
                  f" on {socket.gethostname()}" in text, text)
            first, last = (int(s) for s in seeds.split(".."))
            shard_seeds = [json.loads(l)["seed"] for l in
                           read(os.path.join(out, f"shard-{i}", "sweep.jsonl")).splitlines()]
            check(f"{name}: shard {i} holds the {i}-th slice of {seeds}",
                  shard_seeds == slice_of(first, last, i, shards),
                  (shard_seeds[:3], shard_seeds[-3:]))
        lines, summary = local_sweep(name + "-local", scenario, seeds)
        ok = json.loads(summary)["ok"]
        want_state, want_code = ("COMPLETED", "0:0") if ok else ("FAILED", "1:0")
        check(f"{name}: the merge job {want_state} with exit code {want_code}",
              len(merges) == 1 and merges[0].get("JobState") == want_state
              and merges[0].get("ExitCode") == want_code, merges)
        check(f"{name}: the job completion log has the merge {want_state}",
              len(merge_ended) == 1 and merge_ended[0].get("JobState") == want_state,
              merge_ended)
        check(f"{name}: merged sweep.jsonl is the local sweep's, byte for byte",
              os.path.exists(os.path.join(out, "sweep.jsonl"))
              and read(os.path.join(out, "sweep.jsonl"), "rb") == lines)
        check(f"{name}: merged summary.json is the local sweep's, byte for byte",
              os.path.exists(os.path.join(out, "summary.json"))
              and read(os.path.join(out, "summary.json"), "rb") == summary)
        merge_log = os.path.join(out, "logs", f"merge-{merge}.out")
        if os.path.exists(merge_log):
            note(f"{name}: the merge job's log ({os.path.basename(merge_log)}):\n"
                 + read(merge_log).rstrip())
        if name == "heal":
            check("heal: the sweep passes, so the sharded run is not vacuous",
                  ok and json.loads(summary)["runs"] == 2000)
        if name == "lossy":
            check("lossy: the sweep has failing seeds", not ok)
            # --keep-failures reached the tasks: each shard with a failing
            # seed keeps its first one.
            kept = [d for i in range(1, shards + 1)
                    for d in os.listdir(os.path.join(out, f"shard-{i}")) if d.startswith("seed-")]
            check("lossy: sweep options reach the tasks (--keep-failures 1)",
                  0 < len(kept) <= shards, kept)
except RuntimeError as e:
    check("the Slurm test ran to its end", False, e)
finally:
    stop_everything()
    shutil.rmtree(tmp, ignore_errors=True)
    wall = time.monotonic() - wall_start
    note(f"wall time {wall:.1f} s")
    with open(RECORD, "w") as f:
        f.write("\n".join(record) + "\n")
    print(f"record of this run: {RECORD}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
