#!/usr/bin/env bash
# One-step set-up for kvsim on a fresh Debian machine (run as root, or with sudo).
#
#   bash setup.sh demo   install what is missing, build, run the default scenario
#                        (scenarios/partition-heal.yaml, output in out/partition-heal/)
#   bash setup.sh test   install what is missing, build, run every test and print
#                        the totals as one line: "N passed, N failed"
#
# Everything comes from Debian's packages; nothing is downloaded otherwise.
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-demo}"
packages=(g++ meson ninja-build pkg-config python3 nlohmann-json3-dev libcli11-dev doctest-dev
          libyaml-cpp-dev graphviz libgraphviz-dev gnuplot-nox)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

quiet() {  # quiet LOG COMMAND...: runs COMMAND into LOG; on failure shows LOG's end
  local log="$1"
  shift
  "$@" >"$log" 2>&1 && return 0
  echo "setup: failed: $* (the end of $log:)" >&2
  tail -n 25 "$log" >&2
  return 1
}

build() {  # build DIR [meson options...]
  local dir="$1"
  shift
  mkdir -p "$dir"
  if [ -f "$dir/build.ninja" ]; then
    # A folder set up before keeps its options unless given again: a build
    # set up by `demo`, or with tests off, gets -Dtests=enabled for `test`.
    if (($#)); then quiet "$dir/setup.log" meson configure "$dir" "$@"; fi
  else
    quiet "$dir/setup.log" meson setup "$dir" "$@"
  fi
  quiet "$dir/compile.log" meson compile -C "$dir"
}

suite() {  # suite DIR [meson test options...]: runs DIR's tests, sets status=1 on failure
  local dir="$1"
  shift
  # A build with no tests writes no testlog.txt: never count an old one.
  rm -f "$dir/meson-logs/testlog.txt"
  meson test -C "$dir" --print-errorlogs "$@" >"$dir/test.log" 2>&1 ||
    { echo "setup: tests failed in $dir (see $dir/test.log)" >&2; status=1; }
  if grep -qE "No (suitable )?tests defined" "$dir/test.log"; then
    echo "setup: no tests are defined in $dir: it must be set up with -Dtests=enabled" >&2
    status=1
  fi
}

# The tests also need Graphviz's dot (graphviz, above); the test command also
# builds with clang for the sanitizers and the fuzz targets, which need
# libFuzzer (libclang-rt); the
# sweep tests run shards through GNU parallel and through a Slurm job array
# on a one-machine cluster the test starts (slurm-wlm, munge); the shrink
# test edits scenario files with PyYAML (python3-yaml); the explorer page is
# tested in headless Chromium through Selenium (chromium, chromium-driver,
# python3-selenium, run with Debian's /usr/bin/python3).
[ "$mode" = test ] && packages+=(clang libclang-rt-14-dev parallel slurm-wlm munge python3-yaml
                                 chromium chromium-driver python3-selenium)

install_missing
if [ "$mode" = test ]; then
  # Tests enabled: a missing test dependency stops the build with a message
  # instead of silently leaving the suite empty.
  # The unit tests are built and run in build-san only (below), with every
  # check on; here they would cost a minute of compiling for the same verdicts.
  build build -Dunity=on -Dtests=enabled -Dunit_tests=false
else
  build build -Dunity=on
fi

case "$mode" in
  demo)
    # The default scenario: two writes on opposite sides of a partition become
    # siblings after the heal, and a client resolves them.
    ./build/cli/kvsim run scenarios/partition-heal.yaml --out out/partition-heal
    echo "demo: the history, summary, pictures and report are in out/partition-heal/"
    ;;
  test)
    # The same suite twice: a release build (g++), and a build with clang,
    # AddressSanitizer and UndefinedBehaviorSanitizer at -O1 (fast enough to
    # run every test again, still exact in its reports), whose suite also
    # checks that the two builds write byte-identical histories (determinism
    # across compilers and build types: -Dcompare_with). The same build
    # holds the fuzz targets (-Dfuzz=true: libFuzzer's coverage on every
    # library), so the sanitizers cost one build, not two. A build-san left
    # by an older setup.sh with g++ is set up afresh.
    if [ -f build-san/build.ninja ] && ! grep -q 'clang++' build-san/build.ninja; then
      rm -rf build-san
    fi
    # Line tables only (-gline-tables-only): a sanitizer's report names file
    # and line as with -g, for a fifth less compile time.
    CXX=clang++ build build-san -Dunity=on -Dtests=enabled -Dfuzz=true -Ddebug=true -Doptimization=1 \
      -Dcpp_args=-gline-tables-only -Db_sanitize=address,undefined -Db_lundef=false \
      -Dcompare_with="$PWD/build/cli/kvsim"
    status=0
    suite build --num-processes 2
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      KVSIM_SEEDS=${KVSIM_SAN_SEEDS:-25} suite build-san --num-processes 2
    # The fuzz targets' replays of the committed corpora and past findings ran
    # in that suite (suite fuzz); now each target fuzzes for a while.
    bash tests/fuzz/smoke.sh build-san "${KVSIM_FUZZ_SECONDS:-20}" >build-san/smoke.log 2>&1 ||
      status=1
    python3 tests/lib/totals.py build/meson-logs/testlog.txt build-san/meson-logs/testlog.txt \
      build-san/smoke.log || status=1
    exit $status
    ;;
  *)
    echo "usage: bash setup.sh [demo|test]" >&2
    exit 2
    ;;
esac
