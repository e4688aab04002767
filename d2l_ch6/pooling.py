"""Pooling (Book section 6.5).

``pool2d`` is the book's loop, kept as the teaching version, except that a
``mode`` other than ``'max'`` or ``'avg'`` raises instead of returning zeros;
``pool2d_fast`` computes the same thing from one gather of all windows. The
exercise answers build pooling from convolutions, count its cost, and add
minimum and log-sum-exp (softmax) pooling.

``pool2d`` works on one 2-D plane, stride 1, no padding, as the book's does;
the exercise functions take Gluon's batched (B, c, h, w) input and its
per-side ``padding`` and ``strides`` (``strides=None`` means the window, as
in ``nn.MaxPool2D``).
"""

import numpy as onp
from mxnet import autograd, np, npx
from mxnet.gluon import nn

from ._arguments import (check_fast_size, check_int, check_kernel_fits, check_loop_size,
                         check_ndim, check_numbers, check_pair, check_real, checked)
from .channels import _check_padded_fit, _window_index
from .padding_stride import conv_output_shape

__all__ = ['pool2d', 'pool2d_fast',
           # Exercises 6.5
           'avg_pool_as_conv', 'max_pool_from_conv_relu', 'pool_cost', 'max_vs_avg_pooling',
           'min_pool2d', 'lse_pool2d']


MODES = ('max', 'avg')


def _check_pool_args(X, pool_size, mode):
    """Raise unless X is 2-D, pool_size a pair of positive ints that fits X, and mode is known."""
    check_numbers('X', check_ndim('X', X, 2))
    p_h, p_w = check_pair('pool_size', pool_size, 1)
    check_kernel_fits(X, (p_h, p_w), 'X', 'pool_size')
    if mode not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    return p_h, p_w


def _check_pool2d_loop_args(X, pool_size, mode):
    """Raise as ``_check_pool_args`` does, and if the output is too large for the book's loop."""
    p_h, p_w = _check_pool_args(X, pool_size, mode)
    check_loop_size('pool2d', 'pool2d_fast(X, pool_size, mode)',
                    (X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    return {'pool_size': (p_h, p_w),  # one integer means a square window
            'X': _averaged(X, mode)}


def _averaged(X, mode):
    """Return X in a dtype whose window means do not overflow: float32 for float16 (largest 65504)."""
    return X.astype('float32') if X.dtype == onp.float16 else X


@checked(_check_pool2d_loop_args)
def pool2d(X, pool_size, mode='max'):
    """Max- or average-pool X with a p_h x p_w window at stride 1 (Book section 6.5.1).

    The book's loop, one output element at a time: for small inputs only
    (a large one is refused with a pointer to ``pool2d_fast``).
    ``X`` is (h, w); returns (h - p_h + 1, w - p_w + 1).
    """
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = np.max(X[i: i + p_h, j: j + p_w])
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


def _windows(X, pool_size, strides):
    """Gather every window of X's last two axes: (..., h, w) -> (..., h', w', p_h * p_w)."""
    (n_h, n_w), (p_h, p_w) = X.shape[-2:], pool_size
    idx = _window_index(n_h, n_w, p_h, p_w, *strides)  # (h', w', p_h * p_w)
    lead = X.shape[:-2]
    W = np.take(X.reshape(-1, n_h * n_w), np.array(idx, dtype='int64', ctx=X.ctx), axis=1)
    return W.reshape(*lead, *idx.shape)


def pool2d_fast(X, pool_size, mode='max'):
    """Max- or average-pool X from one gather of all windows (vectorised Book section 6.5.1).

    Same contract and result as ``pool2d``; integer and float16 inputs give
    float32, as ``pool2d``'s ``np.zeros`` output does. Differentiable in X.
    """
    p_h, p_w = _check_pool_args(X, pool_size, mode)
    check_fast_size('pool2d_fast', (X.shape[0] - p_h + 1, X.shape[1] - p_w + 1), (p_h, p_w))
    if X.dtype.kind != 'f' or X.dtype == onp.float16:
        X = X.astype('float32')
    W = _windows(X, (p_h, p_w), (1, 1))  # (h', w', p_h * p_w)
    return W.max(axis=-1) if mode == 'max' else W.mean(axis=-1)


# --- Exercises 6.5 -----------------------------------------------------------

def _layer_args(pool_size, strides, padding):
    """Check Gluon-style pooling arguments; return them as pairs (strides default: the window)."""
    pool_size = check_pair('pool_size', pool_size, 1)
    strides = pool_size if strides is None else check_pair('strides', strides, 1)
    return pool_size, strides, check_pair('padding', padding, 0)


def _check_batch(X, pool_size, padding):
    """Raise unless X is (B, c, h, w) and the window fits the padded plane."""
    check_ndim('X', X, 4)
    _check_padded_fit(X, pool_size, padding, k_name='pool_size')


def avg_pool_as_conv(channels, pool_size, strides=None, padding=0, ctx=None):
    """Exercise 6.5.1: build average pooling as a fixed ``nn.Conv2D`` layer.

    Kernel ``K[o, i] = 1 / (p_h p_w)`` if o == i else 0, stride = the window by
    default, no bias: each output is the mean of its window in its own channel,
    padded zeros included (as ``nn.AvgPool2D``'s ``count_include_pad=True``).
    The weights are frozen (``grad_req='null'``). Returns the initialized layer,
    on ``ctx`` (default: the CPU, chosen at call time).
    """
    c = check_int('channels', channels, 1)
    (p_h, p_w), strides, padding = _layer_args(pool_size, strides, padding)
    conv = nn.Conv2D(c, kernel_size=(p_h, p_w), strides=strides, padding=padding,
                     in_channels=c, use_bias=False)
    conv.initialize(ctx=ctx)
    K = onp.eye(c, dtype='float32')[:, :, None, None] * onp.full((p_h, p_w), 1 / (p_h * p_w))
    conv.weight.set_data(np.array(K, dtype='float32'))  # (c, c, p_h, p_w)
    conv.weight.grad_req = 'null'
    return conv


def _conv_plane(Z, K, stride=(1, 1)):
    """Cross-correlate (N, 1, h, w) planes with the fixed (c_o, 1, k_h, k_w) kernels K."""
    K = np.array(K, dtype=Z.dtype, ctx=Z.ctx)
    return npx.convolution(Z, K, kernel=K.shape[2:], stride=stride, num_filter=K.shape[0],
                           no_bias=True)


def _pairwise_max(Z, axis):
    """Return max(Z[j], Z[j+1]) along axis (2 rows, 3 columns) as a + relu(b - a), by convs."""
    shape = (1, 2) if axis == 3 else (2, 1)
    K = onp.array([[1, 0], [-1, 1]], dtype='float32').reshape(2, 1, *shape)  # a, b - a
    AB = _conv_plane(Z, K)  # (N, 2, h', w')
    return AB[:, 0:1] + npx.relu(AB[:, 1:2])


def max_pool_from_conv_relu(X, pool_size, strides=None, padding=0):
    """Exercise 6.5.2: max-pool X with only fixed convolutions and ReLU, equal to ``nn.MaxPool2D``.

    ``max(a, b) = a + relu(b - a)``: a 2-filter convolution gives ``a`` and
    ``b - a`` for neighbours, a ReLU and a sum give their max. Repeating it
    p_w - 1 times along the width and p_h - 1 times down the height gives the
    stride-1 window max; a 1x1 convolution with the stride subsamples it.
    Zero padding must not win the max, so X is shifted by its minimum first
    (X - min >= 0 = the padding) and shifted back at the end, exact up to
    rounding. Channels are pooled separately. ``X`` is (B, c, h, w).
    """
    (p_h, p_w), strides, padding = _layer_args(pool_size, strides, padding)
    _check_batch(X, (p_h, p_w), padding)
    B, c, h, w = X.shape
    m = X.min()
    Z = (X - m).reshape(B * c, 1, h, w)  # each channel its own plane
    a, b = padding
    Z = np.pad(Z, ((0, 0), (0, 0), (a, a), (b, b)))
    for _ in range(p_w - 1):
        Z = _pairwise_max(Z, axis=3)
    for _ in range(p_h - 1):
        Z = _pairwise_max(Z, axis=2)
    Z = _conv_plane(Z, onp.ones((1, 1, 1, 1)), stride=strides)  # subsample
    return Z.reshape(B, c, *Z.shape[2:]) + m


def pool_cost(c, h, w, p_h, p_w, pad_h=0, pad_w=0, s_h=1, s_w=1, mode='max'):
    """Exercise 6.5.3: count a pooling layer's operations; it has no parameters.

    The padding (pad_h, pad_w) is in section 6.3's convention: pad_h rows on
    each side (top and bottom), pad_w columns on each side, as Gluon's
    ``padding=(pad_h, pad_w)``. So each of the c h' w' outputs, with
    h' = floor((h - p_h + 2 pad_h + s_h) / s_h) and w' likewise (formula
    (6.3.3) with total padding 2 pad_h, 2 pad_w), reduces p_h p_w values: max
    pooling does p_h p_w - 1 comparisons, average pooling p_h p_w - 1
    additions and one division. With the exercise's padding of (p_h, p_w),
    h' = floor((h + p_h + s_h) / s_h) (a padding Gluon's pooling refuses:
    MXNet wants it smaller than the window). So O(c h' w' p_h p_w), with no
    c_i c_o factor: far cheaper than a convolution.
    Returns ``{'compare': ..., 'add': ..., 'div': ...}``.
    """
    c, h, w = check_int('c', c, 1), check_int('h', h, 1), check_int('w', w, 1)
    p_h, p_w = check_int('p_h', p_h, 1), check_int('p_w', p_w, 1)
    pad_h, pad_w = check_int('pad_h', pad_h, 0), check_int('pad_w', pad_w, 0)
    if mode not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    if p_h > h + 2 * pad_h or p_w > w + 2 * pad_w:
        raise ValueError(f'p_h x p_w must fit inside the padded input '
                         f'{h + 2 * pad_h}x{w + 2 * pad_w}, got {p_h}x{p_w}')
    h_o, w_o = conv_output_shape(h, w, p_h, p_w, 2 * pad_h, 2 * pad_w, s_h, s_w)
    outputs, reduce = c * h_o * w_o, c * h_o * w_o * (p_h * p_w - 1)
    if mode == 'max':
        return {'compare': reduce, 'add': 0, 'div': 0}
    return {'compare': 0, 'add': reduce, 'div': outputs}


def max_vs_avg_pooling(X, pool_size):
    """Exercise 6.5.4: return max and average pooling's outputs and input gradients on X.

    Returns ``{'max': (Y, dY/dX), 'avg': (Y, dY/dX)}`` for non-overlapping
    windows (stride = window), the gradient of ``Y.sum()``. Max pooling keeps a
    strong, sparse activation (a detected feature) at full strength and passes
    gradient to one input per window; average pooling divides it by p_h p_w
    and spreads gradient evenly, blending in the background. So max pooling
    suits "is the feature anywhere here?", average pooling smooth summaries.
    ``X`` is (B, c, h, w).
    """
    pool_size, strides, padding = _layer_args(pool_size, None, 0)
    _check_batch(X, pool_size, padding)
    out = {}
    for mode, layer in (('max', nn.MaxPool2D(pool_size)), ('avg', nn.AvgPool2D(pool_size))):
        Xg = X.copy()
        Xg.attach_grad()
        with autograd.record():
            Y = layer(Xg)
        Y.backward()
        out[mode] = (Y, Xg.grad)
    return out


def min_pool2d(X, pool_size, strides=None, padding=0):
    """Exercise 6.5.5: min-pool X as ``-MaxPool2D(-X)``: no separate layer is needed.

    min(x) = -max(-x) for every window. MXNet's max pooling ignores padding,
    so padded cells never win the minimum either. ``X`` is (B, c, h, w).
    """
    pool_size, strides, padding = _layer_args(pool_size, strides, padding)
    _check_batch(X, pool_size, padding)
    return -nn.MaxPool2D(pool_size, strides=strides, padding=padding)(-X)


def lse_pool2d(X, pool_size, temperature, strides=None):
    """Exercise 6.5.6: pool by tau log(mean(exp(x / tau))), between average and max pooling.

    The log-sum-exp ("softmax") pool with temperature tau: as tau -> 0 it tends
    to the window max (it lies within tau log(p_h p_w) below it), as
    tau -> inf to the window mean (first-order expansion of exp and log), and
    it decreases monotonically in tau in between (a power mean of exp(x)).
    Computed stably by subtracting each window's max first. It is less popular
    because it costs an exp and a log per element, needs that stabilisation
    to avoid overflow, and adds a temperature to tune, for little gain over
    max pooling. ``X`` is (B, c, h, w); no padding.
    """
    pool_size, strides, padding = _layer_args(pool_size, strides, 0)
    _check_batch(X, pool_size, padding)
    temperature = check_real('temperature', temperature, 0, inclusive=False)
    W = _windows(X, pool_size, strides)  # (B, c, h', w', p_h * p_w)
    M = W.max(axis=-1, keepdims=True)
    lse = np.log(np.exp((W - M) / temperature).mean(axis=-1))
    return M[..., 0] + temperature * lse
