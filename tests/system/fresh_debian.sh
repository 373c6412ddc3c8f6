#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12, as a new user would run them:
#
#   tests/system/fresh_debian.sh [--keep] [--cache DIR] [--mirror URL] [--repo PATH] [REF]
#
# Makes a minimal Debian 12 (bookworm) with `debootstrap --variant=minbase`
# in a temporary folder, installs g++, git and python3 in it (nothing else:
# setup.sh must install the rest), makes a fresh `git clone` of REF (default
# HEAD) of the repository at PATH (default: the one holding this script) in
# /root/kvsim, and runs, as root inside the chroot,
#
#   bash setup.sh demo
#   bash setup.sh test
#
# printing each command's time, exit status and the tail of its output (the
# whole output is kept in the logs folder named at the end). The last line
# says PASSED or FAILED; exits 0 only if both commands exited 0 and the test
# command ended with "N passed, 0 failed". Exit 2: a bad argument, or the
# chroot could not be made.
#
#   --keep        keep the chroot (its path is printed) instead of removing it
#   --cache DIR   keep the minimal Debian (with g++, git, python3) as
#                 DIR/bookworm-minbase.tar and unpack it on later runs, for a
#                 week, instead of running debootstrap again (3 minutes)
#   --mirror URL  the Debian mirror; by default the one this machine's apt
#                 sources use for bookworm
#
# Needs root (debootstrap, chroot, mount). Mounts /proc, /sys (and the
# host's /sys/fs/cgroup), /dev and /dev/pts in the chroot and unmounts them
# on every exit (a trap); the chroot is removed only once nothing is
# mounted in it. KVSIM_FUZZ_SECONDS and
# KVSIM_SAN_SEEDS, if set, are passed to setup.sh (shorter runs, for trying
# the script out; the real check runs without them).
set -uo pipefail

usage() {
  sed -n '4p' "$0" | sed 's/^#  */usage: /' >&2
  exit 2
}

keep=0
cache=""
mirror=""
repo="$(cd "$(dirname "$0")/.." && pwd)"
ref=HEAD
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --cache) [ $# -ge 2 ] || usage; cache="$2"; shift ;;
    --mirror) [ $# -ge 2 ] || usage; mirror="$2"; shift ;;
    --repo) [ $# -ge 2 ] || usage; repo="$2"; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fresh_debian: unknown option $1" >&2; usage ;;
    *) ref="$1" ;;
  esac
  shift
done

fail_setup() {  # a problem before the commands ran
  echo "fresh_debian: $*" >&2
  echo "fresh_debian: FAILED: the fresh Debian could not be set up" >&2
  exit 2
}

[ "$(id -u)" -eq 0 ] || fail_setup "needs root (debootstrap, chroot, mount)"
commit="$(git -C "$repo" rev-parse --verify --quiet "$ref^{commit}")" ||
  fail_setup "$ref is not a commit of the repository at $repo"

# The URI this machine's apt uses for a suite (deb822 .sources files, then
# one-line .list files; the first entry with that suite wins).
host_uri() {  # host_uri SUITE
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$1" 'BEGIN { RS = ""; FS = "\n" }
         {
           uri = ""; suites = ""
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri); sub(/[ \t].*/, "", uri) }
             if ($i ~ /^Suites:/) { suites = $i " "; sub(/^Suites:/, "", suites) }
           }
           if (uri != "" && index(" " suites, " " suite " ")) { print uri; exit }
         }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$1" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                                     if ($(i + 1) == suite) { print $i; exit } }' "$f"
  done
}
[ -n "$mirror" ] || mirror="$(host_uri bookworm | head -n 1)"
[ -n "$mirror" ] || fail_setup "no bookworm mirror in /etc/apt/sources.list(.d); give one with --mirror URL"
security="$(host_uri bookworm-security | head -n 1)"

if ! command -v debootstrap >/dev/null; then
  echo "fresh_debian: installing debootstrap" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
    fail_setup "could not install debootstrap"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/fresh_debian.XXXXXX")"
root="$work/root"
logs="$work/logs"
mkdir -p "$root" "$logs"
mounted=()

cleanup() {
  local i still
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" 2>/dev/null ||
      echo "fresh_debian: could not unmount ${mounted[i]}" >&2
  done
  still="$(awk -v r="$root/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo)"
  if [ -n "$still" ]; then
    echo "fresh_debian: still mounted, the chroot is left in $root:" >&2
    echo "$still" | sed 's/^/  /' >&2
  elif [ "$keep" -eq 1 ]; then
    echo "fresh_debian: the chroot is kept in $root" >&2
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_in() {  # mount_in TARGET mount-arguments...
  local target="$root$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target" || fail_setup "could not mount $target"
  mounted+=("$target")
}

now() { date +%s; }
took() { echo "$(($(now) - $1))s"; }

echo "fresh_debian: $repo at $commit ($ref), Debian bookworm from $mirror"
echo "fresh_debian: working in $work"

# 1. The minimal Debian with g++, git and python3.
start=$(now)
tarball="${cache:+$cache/bookworm-minbase.tar}"
# A cached Debian older than a week is made again (point releases).
if [ -n "$tarball" ] && [ -n "$(find "$tarball" -mtime -7 2>/dev/null)" ]; then
  tar -xf "$tarball" -C "$root" || fail_setup "could not unpack $tarball"
  echo "fresh_debian: unpacked $tarball in $(took "$start")"
else
  debootstrap --variant=minbase --include=g++,git,python3 bookworm "$root" "$mirror" \
    >"$logs/debootstrap.log" 2>&1 || {
    tail -n 20 "$logs/debootstrap.log" >&2
    fail_setup "debootstrap failed (log: $logs/debootstrap.log)"
  }
  {
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    [ -z "$security" ] || echo "deb $security bookworm-security main"
  } >"$root/etc/apt/sources.list"
  rm -f "$root/var/cache/apt/archives/"*.deb
  echo "fresh_debian: debootstrap (minbase + g++ git python3) in $(took "$start")"
  if [ -n "$tarball" ]; then
    mkdir -p "$cache" && tar -cf "$tarball.part" -C "$root" . && mv "$tarball.part" "$tarball" &&
      echo "fresh_debian: cached as $tarball"
  fi
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf" || fail_setup "could not copy /etc/resolv.conf"
mount_in /proc -t proc proc
mount_in /sys -t sysfs sysfs
# Debian 12's slurmd (the Slurm test) will not start without a cgroup
# filesystem: the host's, made a slave so that nothing done in the chroot
# (its unmounting included) reaches the host's own mounts.
if mountpoint -q /sys/fs/cgroup; then
  mount_in /sys/fs/cgroup --rbind /sys/fs/cgroup
  mount --make-rslave "$root/sys/fs/cgroup" || fail_setup "could not make $root/sys/fs/cgroup a slave"
fi
mount_in /dev --bind /dev
mount_in /dev/pts --bind /dev/pts

# 2. A fresh clone of the commit.
start=$(now)
git clone --quiet --no-checkout "$repo" "$root/root/kvsim" >"$logs/clone.log" 2>&1 &&
  git -C "$root/root/kvsim" checkout --quiet --detach "$commit" >>"$logs/clone.log" 2>&1 || {
  cat "$logs/clone.log" >&2
  fail_setup "could not clone $commit from $repo"
}
echo "fresh_debian: cloned in $(took "$start")"

# 3. The README's two commands, as root in the chroot, in a clean environment.
env_vars=(HOME=/root LANG=C.UTF-8 TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
for v in KVSIM_FUZZ_SECONDS KVSIM_SAN_SEEDS; do
  if [ -n "${!v:-}" ]; then
    env_vars+=("$v=${!v}")
    echo "fresh_debian: note: $v=${!v} (not the README's command as is)"
  fi
done

declare -A status
for cmd in demo test; do
  start=$(now)
  chroot "$root" /usr/bin/env -i "${env_vars[@]}" bash -c "cd /root/kvsim && bash setup.sh $cmd" \
    </dev/null >"$logs/$cmd.log" 2>&1
  status[$cmd]=$?
  echo
  echo "=== bash setup.sh $cmd: exit ${status[$cmd]}, $(took "$start") — last lines:"
  tail -n 15 "$logs/$cmd.log" | sed 's/^/  /'
done
# The test builds' own logs, so a failure can be read after the chroot is gone.
for b in build build-san; do
  for f in test.log meson-logs/testlog.txt smoke.log; do
    [ -f "$root/root/kvsim/$b/$f" ] && cp "$root/root/kvsim/$b/$f" "$logs/$b-$(basename "$f")"
  done
done
grep -h -B2 -A12 -E '^(FAIL|[0-9]+/[0-9]+ .* FAIL)' "$logs"/build*-test*.log "$logs"/build*-testlog.txt \
  2>/dev/null | head -n 60 | sed 's/^/  /'

echo
echo "fresh_debian: logs in $logs"
totals="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/test.log" | tail -n 1)"
verdict=PASSED
[ "${status[demo]}" -eq 0 ] && [ "${status[test]}" -eq 0 ] && [[ "$totals" =~ ^[0-9]+\ passed,\ 0\ failed$ ]] ||
  verdict=FAILED
echo "fresh_debian: $verdict: $commit on a fresh Debian 12: setup.sh demo exit ${status[demo]}," \
  "setup.sh test exit ${status[test]} (${totals:-no totals line})"
[ "$verdict" = PASSED ]
