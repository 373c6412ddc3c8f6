#!/usr/bin/env bash
# Submits a `kvsim sweep` to Slurm, sharded: a job array of SHARDS tasks
# (sweep-shard.sbatch, task I runs `--shard I/SHARDS` into OUT/shard-I) and
# a job that starts once they all succeeded and merges them into
# OUT/sweep.jsonl and OUT/summary.json (sweep-merge.sbatch). Prints the two
# job ids; Slurm's logs go to OUT/logs/.
#
#   contrib/slurm/sweep.sh FILE SEEDS SHARDS OUT [kvsim sweep options...]
#   e.g. contrib/slurm/sweep.sh scenarios/partition-heal.yaml 1..1000000 64 out/heal \
#          --keep-failures 1
#
# Run it from a folder on the filesystem the compute nodes share: the jobs
# run there, and FILE and OUT are taken relative to it (FILE is recorded in
# summary.json as given). The kvsim binary is $KVSIM, else `kvsim` on the
# PATH, else this repository's build/cli/kvsim; it must be at the same path
# on the compute nodes. Each task gets $CPUS_PER_TASK CPUs (default 1) and as
# many sweep threads. Other sbatch options come from sbatch's environment
# variables: SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, ...
set -euo pipefail

usage="usage: $0 FILE SEEDS SHARDS OUT [kvsim sweep options...]"
if (($# < 4)); then
  echo "$usage" >&2
  exit 2
fi
file=$1 seeds=$2 shards=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
  echo "sweep.sh: SHARDS must be a positive whole number, not '$shards'" >&2
  exit 2
fi
if ! [ -f "$file" ]; then
  echo "sweep.sh: no scenario file $file" >&2
  exit 2
fi
kvsim=${KVSIM:-$(command -v kvsim || echo "$here/../../build/cli/kvsim")}
if ! [ -x "$kvsim" ]; then
  echo "sweep.sh: no kvsim binary at $kvsim (set KVSIM, or build: meson compile -C build)" >&2
  exit 2
fi
kvsim=$(realpath "$kvsim")
if ! command -v sbatch >/dev/null; then
  echo "sweep.sh: no sbatch here: run it where Slurm jobs are submitted (Debian: slurm-client)" >&2
  exit 2
fi
mkdir -p "$out/logs"

# --parsable prints "JOBID" (or "JOBID;CLUSTER").
array=$(sbatch --parsable --array="1-$shards" --cpus-per-task="${CPUS_PER_TASK:-1}" \
  --output="$out/logs/shard-%A_%a.out" \
  "$here/sweep-shard.sbatch" "$kvsim" "$file" "$seeds" "$shards" "$out" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/logs/merge-%j.out" \
  "$here/sweep-merge.sbatch" "$kvsim" "$shards" "$out")
merge=${merge%%;*}
echo "array job $array: $shards shards into $out/shard-1..$shards"
echo "merge job $merge: into $out/sweep.jsonl and $out/summary.json, once every shard succeeded"
