#!/bin/sh
# Print the path of a Python that d2l-ch6 supports, for `make setup` to build .venv with,
# or say what was tried and how to get one, and exit 1.
#
#   scripts/find-python.sh          python3, then python3.11 ... python3.8 on PATH, then
#                                   pyenv's $PYENV_ROOT/versions/3.11* ... 3.8* (~/.pyenv)
#   scripts/find-python.sh PYTHON   only PYTHON (make setup PYTHON=...)
#
# Supported: 3.8-3.11, as setup.cfg's python_requires. mxnet 1.9.1 breaks on
# numpy >= 1.24, and numpy 1.23.5 has no build for Python 3.12 or later (pip
# then fails after minutes with "No module named 'distutils'"). The interpreter
# must also have venv and ensurepip (Debian splits them into python3.X-venv).
# Only shell builtins are used, so that a test can run it with a PATH of fakes.
MIN=8
MAX=11
NL='
'
tried=''

# Succeed when "$1" runs, is 3.MIN-3.MAX and can create a virtual environment.
usable() {
  version=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || version=''
  case "$version" in
    3.[0-9]|3.[0-9][0-9]) minor=${version#3.} ;;
    *) tried="$tried$NL  $2: does not run"; return 1 ;;
  esac
  if [ "$minor" -lt "$MIN" ] || [ "$minor" -gt "$MAX" ]; then
    tried="$tried$NL  $2: Python $version"
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
    echo "d2l-ch6 needs Python 3.$MIN-3.$MAX: mxnet 1.9.1 needs numpy 1.23.5, which has no build"
    echo "for Python 3.12 or later. Tried:${tried:-$NL  nothing}"
    echo "Install one and run make setup again (it finds it), or name it with"
    echo "make setup PYTHON=/path/to/python3.11:"
    echo "  Debian/Ubuntu: apt-get install python3.11 python3.11-venv (Ubuntu: the deadsnakes PPA)"
    echo "  pyenv:         pyenv install 3.11   (found in \${PYENV_ROOT:-~/.pyenv}/versions)"
    echo "  conda:         conda create -n py311 python=3.11, then PYTHON=<env>/bin/python"
  } >&2
  exit 1
}

if [ $# -gt 0 ] && [ -n "$1" ]; then
  path=$(command -v "$1") || { tried="$NL  $1: not found"; explain "PYTHON=$1 is not usable."; }
  label="$1 ($path)"
  [ "$path" = "$1" ] && label=$1
  usable "$path" "$label" && { echo "$path"; exit 0; }
  explain "PYTHON=$1 is not usable."
fi

for name in python3 python3.11 python3.10 python3.9 python3.8; do
  path=$(command -v "$name") || continue
  usable "$path" "$name ($path)" && { echo "$path"; exit 0; }
done

root=${PYENV_ROOT:-$HOME/.pyenv}
for minor in 11 10 9 8; do
  for path in "$root"/versions/3."$minor".*/bin/python; do
    [ -x "$path" ] || continue
    usable "$path" "$path" && { echo "$path"; exit 0; }
  done
done

explain 'no supported Python found.'
