"""Companion package for Chapter 6, Convolutional Neural Networks, of Dive into Deep Learning.

Importing it switches MXNet to its NumPy interface (``npx.set_np()``), as every
section of the chapter does. MXNet's engine settings for training reach the
process before mxnet loads, whatever is imported first (``d2l_ch6/_env.py``).
"""
from . import _env  # noqa: F401  (the settings, where no startup hook set them)

from mxnet import npx as _npx

_npx.set_np()

# Section modules in book order; their public names are re-exported below.
# (`lenet` is then the function lenet(), as the book's readers call it; the
# module stays importable as d2l_ch6.lenet.)
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
