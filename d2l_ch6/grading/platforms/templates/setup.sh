#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (written by `d2l-ch6 autograder gradescope`). It installs a Python 3.11-3.13
# when the image has none (Gradescope's default Ubuntu 22.04 has 3.10: the
# deadsnakes PPA's python3.11), then a virtual environment at $ROOT/venv with
# numpy, mxnet 1.9.1 (without its numpy<2 pin) and this package's wheel.
# Any failing step stops the build with its message (set -e).
set -euo pipefail

ROOT="${D2L_CH6_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
WHEEL="$SOURCE/@WHEEL@"

die() {
  echo "setup.sh: $*" >&2
  exit 1
}

supported() {
  "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' 2>/dev/null
}

find_python() {
  local p
  for p in ${D2L_CH6_PYTHON:-} python3.13 python3.12 python3.11 python3; do
    if command -v "$p" >/dev/null 2>&1 && supported "$(command -v "$p")"; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}

install_python() {
  [ -r /etc/os-release ] || die "no Python 3.11-3.13 found, and no /etc/os-release to tell the system"
  # shellcheck disable=SC1091
  . /etc/os-release
  [ "${ID:-}" = ubuntu ] || die "no Python 3.11-3.13 found on ${PRETTY_NAME:-this system}: install one, or choose an Ubuntu base image"
  [ "$(id -u)" = 0 ] || die "no Python 3.11-3.13 found, and installing one needs root"
  echo "setup.sh: installing Python 3.11 from the deadsnakes PPA (${PRETTY_NAME:-Ubuntu} has $(python3 --version 2>&1))"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq software-properties-common gpg-agent >/dev/null
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update -qq
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null
}

[ -f "$WHEEL" ] || die "the wheel $WHEEL is missing: upload the zip that d2l-ch6 autograder wrote"
PY="$(find_python)" || { install_python; PY="$(find_python)" || die "Python 3.11 was installed but is not found"; }
echo "setup.sh: $("$PY" --version) at $PY"

if ! "$PY" -m venv "$VENV"; then
  # Debian and Ubuntu ship venv apart (python3.X-venv)
  [ "$(id -u)" = 0 ] || die "$PY cannot create a virtual environment (install its -venv package)"
  minor="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$minor-venv" >/dev/null
  "$PY" -m venv "$VENV"
fi

VPY="$VENV/bin/python"
NUMPY="$("$VPY" -c 'import sys; print("2.1.3" if sys.version_info >= (3, 13) else "1.26.4")')"
echo "numpy==$NUMPY" >"$VENV/constraints.txt"
"$VPY" -m pip install --quiet --upgrade pip
"$VPY" -m pip install --quiet "numpy==$NUMPY"
# mxnet 1.9.1 asks for numpy<2; it runs on this numpy once d2l_ch6 restores the names it reads
"$VPY" -m pip install --quiet --no-deps mxnet==1.9.1
PIP_CONSTRAINT="$VENV/constraints.txt" "$VPY" -m pip install --quiet "$WHEEL"
"$VPY" -c 'import d2l_ch6.grading.platforms.run, d2l_ch6.grading.cases' ||
  die "the package does not import in $VENV"
echo "setup.sh: ready ($("$VPY" --version), numpy $NUMPY, mxnet 1.9.1, $(basename "$WHEEL"))"
