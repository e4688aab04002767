"""Companion package for Chapter 6, Convolutional Neural Networks, of Dive into Deep Learning.

Importing it switches MXNet to its NumPy interface (``npx.set_np()``), as every
section of the chapter does. MXNet's engine settings (``d2l_ch6/_env.py``)
and the numpy names mxnet 1.9.1 reads that a newer numpy removed
(``d2l_ch6_startup.py``) must be in place before mxnet loads. The startup hook
does both when Python starts, so with it a process may import anything first;
without it (an editable install made without ``make setup``) this import does
them, which is in time only when d2l_ch6 is imported before mxnet.
"""
from . import _env  # noqa: F401  (the settings, where no startup hook set them)

import d2l_ch6_startup as _startup  # noqa: E402
import numpy as _numpy  # noqa: E402

_startup.check_numpy(_numpy)
_startup.restore_numpy_names(_numpy)
_startup.provide_distutils()

try:
    from mxnet import npx as _npx
except ModuleNotFoundError as e:
    if e.name != 'mxnet':
        raise
    raise ModuleNotFoundError(
        'd2l_ch6 needs mxnet 1.9.1: pip install --no-deps mxnet==1.9.1 (CPU; mxnet-cu112==1.9.1 '
        "for CUDA 11.2). --no-deps: mxnet 1.9.1's metadata asks for numpy<2, which would "
        'replace your numpy (and has no wheel for Python 3.13); d2l_ch6 runs it on numpy 2',
        name='mxnet') from None

_npx.set_np()

# Section modules in book order; their public names are re-exported below.
# (`d2l_ch6.lenet` is then the function lenet(), as the book's readers call it, and so is
# `import d2l_ch6.lenet as m`; `from d2l_ch6.lenet import lenet_improved` still reads the module.)
from . import (convolutions, padding_stride, channels, pooling,  # noqa: E402
               lenet as _lenet_module, training, data, editions, explorer)

_MODULES = (convolutions, padding_stride, channels, pooling, _lenet_module, training, data,
            editions, explorer)

from .convolutions import *  # noqa: E402,F401,F403
from .padding_stride import *  # noqa: E402,F401,F403
from .channels import *  # noqa: E402,F401,F403
from .pooling import *  # noqa: E402,F401,F403
from .lenet import *  # noqa: E402,F401,F403
from .training import *  # noqa: E402,F401,F403
from .data import *  # noqa: E402,F401,F403
from .explorer import *  # noqa: E402,F401,F403
from .editions import *  # noqa: E402,F401,F403  (train_ch6: later editions' names)

# Students' self-check (d2l_ch6/grading/): `from d2l_ch6 import check` gives the function.
from .grading import check  # noqa: E402,F401

__version__ = '0.1.0'

__all__ = [name for module in _MODULES for name in module.__all__]
