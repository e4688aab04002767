# The README's two commands: `make run` (the main job) and `make test` (the tests).
# Both first run `setup`, which is idempotent: a virtual environment with the
# dependencies, this package installed editable, and the Fashion-MNIST files.
#
#   make setup MXNET=mxnet-cu112   # GPU build instead of the CPU one (never both)
#   make setup PYTHON=3.12         # the interpreter for .venv (3.11-3.13, a version or a
#                                  # path); by default scripts/find-python.sh picks the
#                                  # newest it finds (make python: which)
#   make setup NUMPY=2.0.2         # the numpy (default: 2.1.3 on 3.13, 1.26.4 before)

PYTHON ?=
NUMPY ?=
FIND_PYTHON := $(SHELL) scripts/find-python.sh
MXNET ?= mxnet
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= build

ifeq ($(MXNET),mxnet)
  OTHER := mxnet-cu112
else ifeq ($(MXNET),mxnet-cu112)
  OTHER := mxnet
else
  $(error MXNET must be mxnet or mxnet-cu112, got '$(MXNET)')
endif

STAMP := $(VENV)/.installed-$(MXNET)-numpy$(or $(NUMPY),-default)

.PHONY: setup data browser run test test-here test-quick test-range clean python check-python

setup: $(STAMP) data browser

# Print the interpreter `make setup` builds .venv with, or why there is none.
python:
	@$(FIND_PYTHON) $(PYTHON)

# An explicit PYTHON must be supported even when .venv exists already.
ifneq ($(strip $(PYTHON)),)
setup: check-python
$(STAMP): check-python
endif
check-python:
	@$(FIND_PYTHON) $(PYTHON) >/dev/null

# Keep .venv if its Python is supported (and is PYTHON's version, when PYTHON is given);
# otherwise (a 3.10 one, say) build it anew. mxnet and d2l are installed without their
# metadata's pins (mxnet: numpy<2; d2l: numpy 1.23.5 and friends, none built for 3.12+);
# setup.cfg declares what they need instead, and the numpy is held by a constraint.
$(STAMP): setup.cfg setup.py pyproject.toml Makefile scripts/find-python.sh
	@want=$$($(FIND_PYTHON) $(PYTHON)) || exit 1; \
	if ! { [ -x $(PY) ] && $(FIND_PYTHON) $(PY) >/dev/null 2>&1 && \
	       { [ -z "$(PYTHON)" ] || [ "$$($(PY) -c 'import sys; print(sys.version_info[:2])')" = \
	         "$$("$$want" -c 'import sys; print(sys.version_info[:2])')" ]; }; }; then \
	  if [ -e $(VENV) ]; then echo "make setup: $(VENV) is not a venv of $$want; rebuilding it"; \
	    rm -rf $(VENV); fi; \
	  echo "make setup: creating $(VENV) with $$want"; \
	  "$$want" -m venv $(VENV) || exit 1; \
	fi
	@np='$(NUMPY)'; [ -n "$$np" ] || np=$$($(PY) -c \
	  'import sys; print("2.1.3" if sys.version_info >= (3, 13) else "1.26.4")'); \
	echo "make setup: $$($(PY) --version), numpy $$np, $(MXNET) 1.9.1"; \
	echo "numpy==$$np" > $(VENV)/constraints.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip uninstall --quiet --yes $(OTHER) 2>/dev/null || true
	PIP_CONSTRAINT=$(VENV)/constraints.txt $(PY) -m pip install --quiet numpy
	$(PY) -m pip install --quiet --no-deps $(MXNET)==1.9.1 d2l==1.0.3
	PIP_CONSTRAINT=$(VENV)/constraints.txt $(PY) -m pip install --quiet -e '.[test]'
	$(PY) -c 'from d2l_ch6 import _env; _env.install_startup_hook()'
	rm -f $(VENV)/.installed-*
	touch $@

# Find Fashion-MNIST; install Debian's package when it is missing and we can
# (not when D2L_CH6_DATA is set: then that folder is wrong, and the error says so).
data: $(STAMP)
	@$(PY) -m d2l_ch6 data --find >/dev/null 2>&1 || { \
	  if [ -z "$$D2L_CH6_DATA" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Fashion-MNIST not found: installing Debian's dataset-fashion-mnist"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; \
	  fi; \
	  $(PY) -m d2l_ch6 data --find >/dev/null || { \
	    echo "Install Debian's package as root (apt-get install dataset-fashion-mnist)," \
	         "or set D2L_CH6_DATA to a folder holding the four Fashion-MNIST IDX .gz files."; \
	    exit 1; }; }

# Debian's chromium for the site's browser tests; they are skipped, saying why, without it.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "chromium not found: installing Debian's chromium (for the site's browser tests)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	      echo "could not install chromium: the browser tests will be skipped"; \
	  else \
	    echo "chromium not found (install Debian's chromium as root): the browser tests will be skipped"; \
	  fi; }

run: setup
	$(VENV)/bin/d2l-ch6 data --out $(OUT)
	$(VENV)/bin/d2l-ch6 notebooks --out $(OUT)
	$(VENV)/bin/d2l-ch6 site --out $(OUT)

# What CI runs: the whole suite on .venv (the newest supported Python found), then
# the quick suite on each other supported Python found and on the newest numpy; the
# seeded LeNet's numbers, recorded by the first run, must be the same in every one.
SEEDED := $(abspath $(OUT))/seeded-lenet.json
test:
	@rm -f $(SEEDED)
	D2L_CH6_SEEDED=$(SEEDED) $(MAKE) --no-print-directory test-here
	D2L_CH6_SEEDED=$(SEEDED) $(MAKE) --no-print-directory test-range

# The whole suite on .venv only.
test-here: setup
	$(PY) -m pytest

# Everything but the slow tests (full-size training: the chapter's headline numbers).
# QUICK: the marker expression (test-range adds "not once": browser pages, the same everywhere).
QUICK ?= not slow
test-quick: setup
	$(PY) -m pytest -m "$(QUICK)"

# The quick suite on every other supported Python (.venv-3.12, ...) and numpy.
test-range: setup
	@$(SHELL) scripts/test-range.sh "$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

clean:
	rm -rf $(OUT) .pytest_cache .venv-3.*
