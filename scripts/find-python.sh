#!/bin/sh
# Print the path of a Python that d2l-ch6 supports, for `make setup` to build .venv with,
# or say what was tried and how to get one, and exit 1.
#
#   scripts/find-python.sh          the newest supported Python found: python3.13, python3.12,
#                                   python3.11 and python3 on PATH, then pyenv's
#                                   $PYENV_ROOT/versions/3.13* ... 3.11* (~/.pyenv); on a tie
#                                   PATH wins
#   scripts/find-python.sh PYTHON   only PYTHON (make setup PYTHON=...); a version such as
#                                   3.12 means the first such Python of the search below
#   scripts/find-python.sh --all    one line per supported minor version found, newest
#                                   first: "3.13 /path/to/python" (make test's other Pythons)
#
# Supported: 3.11-3.13, as setup.cfg's python_requires. Older ones are past their end of
# life and no longer tested. 3.14 is refused: mxnet 1.9.1 would run there on numpy 2.3 or
# later, but no 3.14 is tested. The interpreter must also have venv and ensurepip (Debian
# splits them into python3.X-venv). Only shell builtins are used, so that a test can run it
# with a PATH of fakes.
MIN=11
MAX=13
NL='
'
tried=''

# Succeed when "$1" runs, is 3.MIN-3.MAX and can create a virtual environment; set minor.
usable() {
  version=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || version=''
  case "$version" in
    3.[0-9]|3.[0-9][0-9]) minor=${version#3.} ;;
    *) tried="$tried$NL  $2: does not run"; return 1 ;;
  esac
  if [ "$minor" -lt "$MIN" ]; then
    tried="$tried$NL  $2: Python $version (past its end of life, not tested)"
    return 1
  fi
  if [ "$minor" -gt "$MAX" ]; then
    tried="$tried$NL  $2: Python $version (not tested yet)"
    return 1
  fi
  if ! "$1" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    tried="$tried$NL  $2: Python $version without venv/ensurepip (Debian: apt-get install python$version-venv)"
    return 1
  fi
  return 0
}

explain() {
  {
    echo "make setup: $1"
    echo "d2l-ch6 needs Python 3.$MIN-3.$MAX (mxnet 1.9.1 with numpy 1.26 or 2.x; older"
    echo "Pythons are past their end of life, 3.14 is not tested yet). Tried:${tried:-$NL  nothing}"
    echo "Install one and run make setup again (it finds it), or name it with"
    echo "make setup PYTHON=/path/to/python3.13:"
    echo "  Debian 13, Ubuntu 24.04: apt-get install python3 python3-venv (3.13, 3.12)"
    echo "  pyenv:         pyenv install 3.13   (found in \${PYENV_ROOT:-~/.pyenv}/versions)"
    echo "  conda:         conda create -n py313 python=3.13, then PYTHON=<env>/bin/python"
  } >&2
  exit 1
}

if [ "$1" = --all ]; then
  minor_wanted=$MAX
  while [ "$minor_wanted" -ge "$MIN" ]; do
    for path in $(command -v "python3.$minor_wanted") $(command -v python3) \
                "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor_wanted".*/bin/python; do
      if [ -x "$path" ] && usable "$path" "$path" && [ "$minor" = "$minor_wanted" ]; then
        echo "3.$minor $path"
        break
      fi
    done
    minor_wanted=$((minor_wanted - 1))
  done
  exit 0
fi

case "$1" in
  3.[0-9]|3.[0-9][0-9])
    while read -r version path; do
      [ "$version" = "$1" ] && { echo "$path"; exit 0; }
    done <<EOF
$("$0" --all 2>/dev/null)
EOF
    tried="$NL  Python $1: none found on PATH or in pyenv"
    explain "PYTHON=$1 is not usable." ;;
esac

if [ $# -gt 0 ] && [ -n "$1" ]; then
  path=$(command -v "$1") || { tried="$NL  $1: not found"; explain "PYTHON=$1 is not usable."; }
  label="$1 ($path)"
  [ "$path" = "$1" ] && label=$1
  usable "$path" "$label" && { echo "$path"; exit 0; }
  explain "PYTHON=$1 is not usable."
fi

# Keep the newest usable candidate; a later one replaces it only when it is newer.
best=''
best_minor=0
consider() {
  if usable "$1" "$2" && [ "$minor" -gt "$best_minor" ]; then
    best=$1
    best_minor=$minor
  fi
}

for name in python3.13 python3.12 python3.11 python3; do
  path=$(command -v "$name") || continue
  consider "$path" "$name ($path)"
done

root=${PYENV_ROOT:-$HOME/.pyenv}
minor_wanted=$MAX
while [ "$minor_wanted" -ge "$MIN" ]; do
  for path in "$root"/versions/3."$minor_wanted".*/bin/python; do
    [ -x "$path" ] || continue
    consider "$path" "$path"
  done
  minor_wanted=$((minor_wanted - 1))
done

[ -n "$best" ] && { echo "$best"; exit 0; }
explain 'no supported Python found.'
