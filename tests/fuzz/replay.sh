#!/usr/bin/env bash
# Runs a fuzz target once on every file in the given folders (a corpus, the
# past findings in regressions/): the meson tests of the fuzz build.
#   replay.sh TARGET_BINARY DIR...
set -uo pipefail
binary="$1"
shift
files=()
for dir in "$@"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -type f ! -name 'README*' -print0 | sort -z)
done
if [ ${#files[@]} -eq 0 ]; then
  echo "no inputs"
  exit 0
fi
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
exec "$binary" -timeout=10 -rss_limit_mb=2048 "${files[@]}"
