#!/bin/sh
# The quick suite (pytest -m "not slow") on every supported Python that make setup's
# search finds other than DEFAULT (the version .venv has), each in .venv-3.X with its
# default numpy, then on the newest Python with the newest numpy the package accepts.
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
  if ! make --no-print-directory test-quick VENV="$2" PYTHON="$3" NUMPY="$4"; then
    echo "make test-range: the quick suite failed on $1" >&2
    exit 1
  fi
  echo "== make test-range: $1 passed in $(( $(date +%s) - start )) s"
}

newest=''
sh scripts/find-python.sh --all > .venv-range.txt
while read -r version path; do
  [ -n "$newest" ] || newest="$version $path"
  [ "$version" = "$default" ] && continue
  run "Python $version" ".venv-$version" "$path" ''
done < .venv-range.txt
rm -f .venv-range.txt

set -- $newest
run "Python $1, numpy $newest_numpy" ".venv-$1-numpy$newest_numpy" "$2" "$newest_numpy"
