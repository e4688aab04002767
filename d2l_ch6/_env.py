"""Set MXNet's environment defaults before mxnet is first imported.

MXNet reads its engine and threading settings once, when the library loads, so
they are set here, as defaults a user's own environment overrides, and
`d2l_ch6/__init__.py` imports this module before it imports mxnet. If mxnet was
imported before d2l_ch6, these defaults come too late and have no effect (a
warning is logged); set them in the shell instead. D2L_CH6_ENV_DEFAULTS=0
switches them off (the benchmark does so to run the book's loop as a reader
would).

Measured on the 2-core CPU, the book's LeNet, batch 256 (see the note and
benchmarks/bench_train.py). With train_ch5 as it is now (zero-padded
channels, d2l_ch6/_channel_pad.py), two CPU contexts, end to end: about
21,900 examples/s with these settings; 14,500 with OMP_NUM_THREADS=2, 18,400
with MXNET_EXEC_BULK_EXEC_TRAIN=1, 20,300 with MXNET_CPU_TEMP_COPY=4. The
reasons, measured before the channel padding:

* OMP_NUM_THREADS=1: LeNet's operators are too small to gain from two OpenMP
  threads; one thread per operator and one operator per core is faster.
* MXNET_CPU_WORKER_NTHREADS=1: one engine worker per CPU context, so that
  train_ch5 on cpu(0) and cpu(1) (ctx='all') runs one context per core.
* MXNET_CPU_TEMP_COPY=16: contexts that share a CPU temp-space copy are
  serialised; MXNet's 4 copies let the two contexts' operators wait on each
  other.
* MXNET_EXEC_BULK_EXEC_TRAIN=0: MXNet bulks the operators of a hybridized
  training graph into segments, and the two contexts' segments then barely
  overlap: with bulking off, cpu(0) and cpu(1) each keep a core busy and
  forward+backward on both runs at about 17,000 instead of 12,500
  examples/s (train_ch5 end to end: 14,500 instead of 11,600).

None of them changes a number: the same operators run on the same data.
"""
import logging
import os
import sys

DEFAULTS = {
    'OMP_NUM_THREADS': '1',
    'MXNET_CPU_WORKER_NTHREADS': '1',
    'MXNET_CPU_TEMP_COPY': '16',
    'MXNET_EXEC_BULK_EXEC_TRAIN': '0',
}
SWITCH = 'D2L_CH6_ENV_DEFAULTS'

log = logging.getLogger(__name__)


def apply(environ=os.environ):
    """Set each default that the environment does not already set; return the names set."""
    if environ.get(SWITCH, '1') == '0':
        return []
    set_here = [name for name in DEFAULTS if name not in environ]
    if set_here and 'mxnet' in sys.modules:
        log.warning('mxnet was imported before d2l_ch6: its environment defaults (%s) have '
                    'no effect; import d2l_ch6 first or set them in the shell',
                    ', '.join(f'{k}={DEFAULTS[k]}' for k in set_here))
    for name in set_here:
        environ[name] = DEFAULTS[name]
    return set_here


def effective(environ=os.environ):
    """Return the values of the settings in DEFAULTS as the process has them (None: unset)."""
    return {name: environ.get(name) for name in DEFAULTS}


apply()
