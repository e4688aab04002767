"""MXNet's engine settings for training LeNet on CPU contexts, set before mxnet loads (the package's addition).

MXNet reads its threading settings once, when the library loads, so a
setting made after ``import mxnet`` does nothing. They reach every process in
two ways, neither of which asks anything of a reader:

* a startup hook, ``d2l_ch6_startup.pth`` in the environment's
  site-packages (a wheel ships it; ``make setup`` installs it for the editable
  install with ``install_startup_hook``): Python runs it when it starts,
  before any import (``d2l_ch6_startup.install``), so the command line, the
  notebook runner's kernels, a notebook opened by hand in Jupyter (its kernel
  is this environment's Python) and a reader's own script all start with
  them, whatever they import first;
* ``import d2l_ch6``, in a process started without the hook, sets them when
  mxnet is not loaded yet (if it is, it logs how to install the hook).

They are defaults: a value already in the environment wins, and
``D2L_CH6_ENV_DEFAULTS=0`` switches them off (the benchmark does so to run the
book's loop as a reader's MXNet has it). ``sources()`` tells where each value
came from (``d2l-ch6 doctor`` shows it). What each one does:

* OMP_NUM_THREADS=1: LeNet's operators are too small to gain from two OpenMP
  threads; one thread per operator and one operator per core is faster.
* MXNET_CPU_WORKER_NTHREADS=1: one engine worker per CPU context, so that
  train_ch5 on cpu(0) and cpu(1) runs one context per core.
* MXNET_CPU_TEMP_COPY=16: contexts that share a CPU temp-space copy are
  serialised; MXNet's 4 copies make the contexts wait on each other.
* MXNET_EXEC_BULK_EXEC_TRAIN=0: bulked segments of a hybridized training
  graph barely overlap across contexts; unbulked, each context keeps a core.

None of them changes a number: the same operators run on the same data. Their
measured effect on speed is in benchmarks/RESULTS.md.
"""
import logging
import os
import pathlib
import sys
import sysconfig
import tempfile

import d2l_ch6_startup
from d2l_ch6_startup import HOOK_FILE, MARK, SWITCH, ENGINE_DEFAULTS as DEFAULTS

OLD_HOOK_FILES = ('d2l_ch6_env.pth',)   # written by earlier versions of make setup

log = logging.getLogger(__name__)


def apply(environ=os.environ):
    """Set the defaults at import when no startup hook did; return the names set here."""
    missing = [name for name in DEFAULTS if name not in environ]
    if missing and environ.get(SWITCH, '1') != '0' and 'mxnet' in sys.modules:
        log.warning('mxnet was loaded before d2l_ch6, without d2l_ch6\'s startup hook: %s '
                    'will not take effect in this process (training is only slower). '
                    'Install the hook once with `python -c "from d2l_ch6 import _env; '
                    '_env.install_startup_hook()"` (make setup does), or set them in the shell',
                    ', '.join(f'{k}={DEFAULTS[k]}' for k in missing))
        return []
    return d2l_ch6_startup.set_engine_defaults(environ, 'import')


def hook_line():
    """Return the .pth line that prepares Python for mxnet at startup (d2l_ch6_startup.install)."""
    return d2l_ch6_startup.HOOK_LINE + '\n'


def install_startup_hook(site_dir=None):
    """Write d2l_ch6_startup.pth into site_dir (this environment's site-packages); return its path."""
    folder = pathlib.Path(site_dir or sysconfig.get_paths()['purelib'])
    path = folder / HOOK_FILE
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{HOOK_FILE}.')
    with os.fdopen(fd, 'w') as f:
        f.write(d2l_ch6_startup.HOOK_TEXT)
    os.replace(tmp, path)
    for old in OLD_HOOK_FILES:
        (folder / old).unlink(missing_ok=True)
    return path


def effective(environ=os.environ):
    """Return the values of the settings in DEFAULTS as the process has them (None: unset)."""
    return {name: environ.get(name) for name in DEFAULTS}


def sources(environ=os.environ):
    """Return {setting: (value, where it came from)}: the startup hook, d2l_ch6's import, your environment, or unset."""
    who, _, names = environ.get(MARK, '').partition(':')
    where = {'hook': "d2l_ch6's startup hook", 'import': "d2l_ch6's import"}.get(who)
    marked = set(names.split(',')) if where else set()
    return {name: (environ.get(name),
                   'unset' if name not in environ else where if name in marked
                   else 'your environment')
            for name in DEFAULTS}


def without_defaults(environ=os.environ):
    """Return a copy of environ without the values d2l_ch6 set, and with the defaults switched off."""
    env = dict(environ)
    _, _, names = env.pop(MARK, '').partition(':')
    for name in filter(None, names.split(',')):
        env.pop(name, None)
    env[SWITCH] = '0'
    return env


apply()
