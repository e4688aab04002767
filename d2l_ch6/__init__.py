"""Companion package for Chapter 6, Convolutional Neural Networks, of Dive into Deep Learning.

Importing it switches MXNet to its NumPy interface (``npx.set_np()``), as every
section of the chapter does.
"""
from . import _env  # noqa: F401  (must run before mxnet loads)

from mxnet import npx as _npx

_npx.set_np()

from . import channels, convolutions, data, padding_stride, pooling  # noqa: E402
from .channels import *  # noqa: E402,F401,F403
from .convolutions import *  # noqa: E402,F401,F403
from .data import *  # noqa: E402,F401,F403
from .padding_stride import *  # noqa: E402,F401,F403
from .pooling import *  # noqa: E402,F401,F403

__version__ = '0.1.0'

__all__ = [*convolutions.__all__, *padding_stride.__all__, *channels.__all__,
           *pooling.__all__, *data.__all__]
