#!/bin/sh
# The quick suite (pytest -m "not slow and not once": the browser's pages, the same on
# every Python, run with .venv's) on every supported Python that make setup's
# search finds other than DEFAULT (the version .venv has), each in its own .venv-3.X:
# the oldest of them with the newest numpy the package accepts, the others with their
# default numpy (1.26.4 before 3.13). With .venv's numpy 2.1.3 on 3.13, three Pythons
# cover numpy 1.26, 2.1 and 2.4. With fewer Pythons found, the last one found also
# runs with the newest numpy, so that it is tested all the same.
#
#   scripts/test-range.sh DEFAULT      e.g. 3.13
#
# Each run prints its pytest summary; the script stops at the first failure, naming it.
set -eu
default=$1
newest_numpy=2.4.6   # the top of d2l_ch6_startup.NUMPY_TESTED and setup.cfg's numpy
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

run() {   # run LABEL VENV PYTHON NUMPY
  echo "== make test-range: $1 ($2)"
  start=$(date +%s)
  if ! make --no-print-directory test-quick VENV="$2" PYTHON="$3" NUMPY="$4" QUICK="not slow and not once"; then
    echo "make test-range: the quick suite failed on $1" >&2
    exit 1
  fi
  echo "== make test-range: $1 passed in $(( $(date +%s) - start )) s"
}

others=$(sh scripts/find-python.sh --all | while read -r version path; do
  [ "$version" = "$default" ] || echo "$version $path"
done)
count=$(printf '%s\n' "$others" | grep -c . || true)
i=0
printf '%s\n' "$others" | while read -r version path; do
  [ -n "$version" ] || continue
  i=$((i + 1))
  if [ "$i" -eq "$count" ] && [ "$count" -ge 2 ]; then
    run "Python $version, numpy $newest_numpy" ".venv-$version" "$path" "$newest_numpy"
  else
    run "Python $version" ".venv-$version" "$path" ''
  fi
done

if [ "$count" -lt 2 ]; then
  # shellcheck disable=SC2046  # VERSION PATH, split on purpose
  set -- $(sh scripts/find-python.sh --all | tail -n 1)
  run "Python $1, numpy $newest_numpy" ".venv-$1-numpy$newest_numpy" "$2" "$newest_numpy"
fi
