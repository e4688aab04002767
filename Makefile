# The README's two commands: `make run` (the main job) and `make test` (the tests).
# Both first run `setup`, which is idempotent: a virtual environment with pinned
# dependencies, this package installed editable, and the Fashion-MNIST files.
#
#   make setup MXNET=mxnet-cu112   # GPU build instead of the CPU one (never both)

PYTHON ?= python3
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

.PHONY: setup data browser run test clean

setup: $(STAMP) data browser

$(STAMP): setup.cfg pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip uninstall --quiet --yes $(OTHER) 2>/dev/null || true
	$(PY) -m pip install --quiet -e '.[$(EXTRA),test]'
	rm -f $(VENV)/.installed-*
	touch $@

# Find Fashion-MNIST; install Debian's package when it is missing and we can.
data: $(STAMP)
	@$(PY) -m d2l_ch6 data --find >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
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

clean:
	rm -rf $(OUT) .pytest_cache
