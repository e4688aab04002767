"""From dense layers to convolutions, and convolutions for images (Book sections 6.1 and 6.2).

``corr2d`` is the book's loop, kept as the teaching version; ``corr2d_fast``
computes the same thing with one MXNet convolution op. The exercise answers of
6.1 and 6.2 follow the section's own code.
"""
import math

import numpy as onp
from mxnet import autograd, np, npx
from mxnet.base import MXNetError
from mxnet.gluon import nn

from ._arguments import (check_2d, check_fast_size, check_int, check_kernel_fits,
                         check_loop_size, check_ndim, check_numbers, check_pair, check_same_kind,
                         checked, summing_dtype)

__all__ = ['corr2d', 'corr2d_fast', 'Conv2D', 'edge_image', 'edge_kernel', 'learn_kernel',
           # Exercises 6.1
           'conv1x1_as_dense', 'translate', 'pad_zeros', 'corr2d_same', 'corr1d', 'Conv1D',
           'receptive_field', 'conv2d_full',
           # Exercises 6.2
           'diagonal_image', 'diagonal_edge_maps', 'conv2d_autograd_error', 'im2col',
           'corr2d_matmul', 'kernel_matrix', 'second_derivative_kernel', 'laplacian_kernel',
           'integral_kernel', 'running_integral', 'derivative_kernel',
           'min_derivative_kernel_size']

def _check_corr2d_args(X, K):
    """Raise unless X and K are 2-D arrays of real numbers and K fits inside X."""
    check_numbers('X', check_2d('X', X))
    check_numbers('K', check_2d('K', K))
    check_kernel_fits(X, K)


def _check_corr2d_loop_args(X, K):
    """Raise as ``_check_corr2d_args`` does, if X and K mix numpy and mxnet, or if the output is too large for the book's loop.

    Pass X and K on in the dtype whose sums are exact: int64 for integers
    (the loop summed int8 in int8), float32 for float16.
    """
    _check_corr2d_args(X, K)
    check_same_kind(X, K)
    check_loop_size('corr2d', 'corr2d_fast(X, K)',
                    (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))
    dtype = summing_dtype('corr2d', X, K)
    return {'X': X.astype(dtype), 'K': K.astype(dtype)}


@checked(_check_corr2d_loop_args)
def corr2d(X, K):
    """Compute 2D cross-correlation (Book section 6.2.1).

    The book's loop, one output element at a time: for small inputs only
    (a large one is refused with a pointer to ``corr2d_fast``).
    ``X`` is (n_h, n_w), ``K`` is (k_h, k_w); returns (n_h - k_h + 1, n_w - k_w + 1),
    in the inputs' dtype, with integers summed exactly in int64 and float16 in float32.
    """
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_fast(X, K):
    """Compute 2D cross-correlation with one MXNet op (vectorised Book section 6.2.1).

    Same result as ``corr2d``, on ``X``'s device and differentiable. Integer
    inputs are computed in float32 (exact while the sums stay below 2**24),
    float16 in float32 too (MXNet has no float16 convolution on the CPU);
    host numpy arrays are accepted and an mxnet array is returned. A size that
    would take more than about a minute is refused (one MXNet op cannot be
    interrupted).
    """
    _check_corr2d_args(X, K)
    check_fast_size('corr2d_fast', (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1),
                    K.shape)
    X, K = (A if isinstance(A, np.ndarray) else np.array(A) for A in (X, K))
    dtype = X.dtype if X.dtype.kind == 'f' and X.dtype != onp.float16 else 'float32'
    X = X.astype(dtype, copy=False)
    K = K.astype(dtype, copy=False).as_in_ctx(X.ctx)
    Y = npx.convolution(X.reshape(1, 1, *X.shape), K.reshape(1, 1, *K.shape),
                        kernel=K.shape, num_filter=1, no_bias=True)  # (1, 1, h', w')
    return Y.reshape(Y.shape[2:])


def _check_kernel_size(kernel_size):
    """Raise unless kernel_size is a positive integer or pair of them; pass it on as a pair."""
    return {'kernel_size': check_pair('kernel_size', kernel_size, 1)}


class Conv2D(nn.Block):
    """Two-dimensional convolutional layer built on ``corr2d`` (Book section 6.2.2).

    ``kernel_size`` is an (h, w) pair of positive integers, or one integer for both.
    """

    @checked(_check_kernel_size)
    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.weight = self.params.get('weight', shape=kernel_size)
        self.bias = self.params.get('bias', shape=(1,))

    def forward(self, x):
        """Cross-correlate ``x`` with the weight and add the scalar bias."""
        return corr2d(x, self.weight.data()) + self.bias.data()


def edge_image():
    """Return the book's 6x8 image: white (1) with black (0) middle columns (Book section 6.2.3)."""
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    return X


def edge_kernel():
    """Return the vertical-edge kernel ``K = [[1, -1]]`` (Book section 6.2.3)."""
    return np.array([[1, -1]])


def _check_learn_kernel_args(X, Y, num_steps):
    """Raise unless X and Y are 2-D arrays, Y no larger than X, and num_steps a positive integer."""
    check_2d('X', X)
    check_2d('Y', Y)
    check_kernel_fits(X, Y, 'X', 'Y')
    check_int('num_steps', num_steps, 1)


@checked(_check_learn_kernel_args)
def learn_kernel(X, Y, num_steps=10, lr=3e-2):
    """Learn the kernel that maps X to Y with Gluon's ``nn.Conv2D`` (Book section 6.2.4).

    The book's loop: squared error, plain gradient steps on the weight only
    (the bias stays at its initial zero). The kernel shape is read off the
    shapes, ``k = n - y + 1``. Seed ``mxnet.random`` first for repeatable runs.
    Returns the learned (k_h, k_w) kernel and the summed loss of every step,
    which the caller prints (the book prints every second one).
    """
    k_h, k_w = X.shape[0] - Y.shape[0] + 1, X.shape[1] - Y.shape[1] + 1
    # One output channel; Gluon takes (example, channel, height, width)
    conv2d = nn.Conv2D(1, kernel_size=(k_h, k_w))
    conv2d.initialize(ctx=X.ctx)
    X = X.reshape(1, 1, *X.shape)
    Y = Y.reshape(1, 1, *Y.shape).as_in_ctx(X.ctx)
    losses = []
    for i in range(num_steps):
        with autograd.record():
            Y_hat = conv2d(X)
            l = (Y_hat - Y) ** 2
        l.backward()
        # For the sake of simplicity, we ignore the bias here
        conv2d.weight.data()[:] -= lr * conv2d.weight.grad()
        losses.append(float(l.sum()))
    return conv2d.weight.data().reshape(k_h, k_w), losses


# --- Exercises 6.1 -----------------------------------------------------------

def conv1x1_as_dense(conv, X):
    """Exercise 6.1.1: apply a 1x1 (Delta = 0) Conv2D's weights as a Dense layer at every pixel.

    ``conv`` is an initialized ``nn.Conv2D(c_o, kernel_size=1)``; ``X`` is
    (n, c_i, h, w). The same weights, reshaped to (c_o, c_i), act as an MLP
    layer on each pixel's channel vector, so the result equals ``conv(X)``.
    """
    check_ndim('X', X, 4)
    c_o, c_i, k_h, k_w = conv.weight.shape
    if (k_h, k_w) != (1, 1):
        raise ValueError(f'conv must have kernel_size 1, got {(k_h, k_w)}')
    if c_i == 0:
        raise ValueError('conv must know its input channels: pass in_channels= '
                         'or call it once before, got a deferred weight shape')
    dense = nn.Dense(c_o, in_units=c_i, flatten=False)
    dense.initialize(ctx=X.ctx)
    dense.weight.set_data(conv.weight.data().reshape(c_o, c_i))
    if conv.bias is not None:
        dense.bias.set_data(conv.bias.data())
    else:
        dense.bias.set_data(np.zeros(c_o, ctx=X.ctx))
    Y = dense(X.transpose(0, 2, 3, 1))  # (n, h, w, c_i) -> (n, h, w, c_o)
    return Y.transpose(0, 3, 1, 2)  # (n, c_o, h, w)


def translate(X, d_h, d_w):
    """Exercise 6.1.2: shift image X down by d_h and right by d_w, filling with zeros."""
    check_2d('X', X)
    n_h, n_w = X.shape
    Y = np.zeros_like(X)
    if abs(d_h) >= n_h or abs(d_w) >= n_w:
        return Y
    src_h, dst_h = slice(max(-d_h, 0), n_h - max(d_h, 0)), slice(max(d_h, 0), n_h - max(-d_h, 0))
    src_w, dst_w = slice(max(-d_w, 0), n_w - max(d_w, 0)), slice(max(d_w, 0), n_w - max(-d_w, 0))
    Y[dst_h, dst_w] = X[src_h, src_w]
    return Y


def pad_zeros(X, p_h, p_w):
    """Exercise 6.1.3: pad X with p_h rows and p_w columns of zeros in total (Book section 6.3.1).

    As the book does: ceil(p/2) on top (left), floor(p/2) on the bottom (right).
    """
    check_2d('X', X)
    p_h, p_w = check_int('p_h', p_h, 0), check_int('p_w', p_w, 0)
    return np.pad(X, ((p_h - p_h // 2, p_h // 2), (p_w - p_w // 2, p_w // 2)), mode='constant')


def corr2d_same(X, K):
    """Exercise 6.1.3: cross-correlate with zero padding k - 1 so the output keeps X's shape.

    The valid output (``corr2d``) loses k_h - 1 rows and k_w - 1 columns at the
    boundary; padding brings them back, but there the kernel sees zeros in
    place of pixels, so boundary outputs are sums over fewer real pixels.
    """
    check_2d('X', X)
    check_2d('K', K)
    k_h, k_w = K.shape
    return corr2d_fast(pad_zeros(X, k_h - 1, k_w - 1), K)


def corr1d(x, k):
    """Exercise 6.1.4: compute 1D cross-correlation, the audio analogue of ``corr2d``.

    ``x`` is a signal of n samples, ``k`` a kernel of k samples; returns
    n - k + 1 samples, ``y[i] = sum_a k[a] * x[i + a]``. Built from slices
    (one per kernel tap, no in-place writes), so autograd can differentiate it.
    """
    check_ndim('x', x, 1)
    check_ndim('k', k, 1)
    if k.shape[0] < 1 or k.shape[0] > x.shape[0]:
        raise ValueError(f'k must have between 1 and len(x) = {x.shape[0]} taps, '
                         f'got {k.shape[0]}')
    n_out = x.shape[0] - k.shape[0] + 1
    return sum(k[a] * x[a:a + n_out] for a in range(k.shape[0]))


class Conv1D(nn.Block):
    """Exercise 6.1.4: one-dimensional convolutional layer for audio, built on ``corr1d``."""

    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.weight = self.params.get('weight', shape=(kernel_size,))
        self.bias = self.params.get('bias', shape=(1,))

    def forward(self, x):
        """Cross-correlate the signal ``x`` with the weight and add the scalar bias."""
        return corr1d(x, self.weight.data()) + self.bias.data()


def receptive_field(num_layers, k):
    """Exercise 6.1.5: count the inputs one output of ``num_layers`` width-k convolutions sees.

    ``num_layers * (k - 1) + 1`` tokens: a word further away than that cannot
    influence the output, while language links words across whole sentences
    ("The keys that the man left on the table *are* ..."), and a word's meaning
    depends on where it stands, which translation invariance ignores.
    """
    return check_int('num_layers', num_layers, 1) * (check_int('k', k, 1) - 1) + 1


def conv2d_full(f, g):
    """Exercise 6.1.6: compute the true (flipped) 2D convolution f * g, 'full' output.

    ``(f * g)[i, j] = sum_{a, b} f[a, b] g[i - a, j - b]``, i.e. cross-correlation
    of the zero-padded f with the flipped g. Substituting a' = i - a shows
    f * g = g * f; cross-correlation alone is not symmetric.
    """
    check_2d('f', f)
    check_2d('g', g)
    k_h, k_w = g.shape
    return corr2d_fast(pad_zeros(f, 2 * (k_h - 1), 2 * (k_w - 1)), np.flip(g, (0, 1)))


# --- Exercises 6.2 -----------------------------------------------------------

def diagonal_image(n):
    """Exercise 6.2.1: return an n x n image with a diagonal edge, ``X[i, j] = 1`` where j <= i."""
    n = check_int('n', n, 2)
    return np.array(onp.tril(onp.ones((n, n), dtype='float32')))


def diagonal_edge_maps(X, K):
    """Exercise 6.2.1: cross-correlate K with X, with X transposed and with K transposed.

    Returns a dict with keys ``'X'``, ``'X.T'`` and ``'K.T'``. For the
    lower-triangular ``diagonal_image`` and ``K = [[1, -1]]``: 1 on the main
    diagonal; -1 just below it; -1 just above it. A horizontal difference
    kernel still sees a diagonal edge, since it crosses every row.
    """
    return {'X': corr2d(X, K), 'X.T': corr2d(X.T, K), 'K.T': corr2d(X, K.T)}


def conv2d_autograd_error(X=None, kernel_size=(1, 2)):
    """Exercise 6.2.2: return the error autograd raises on the loop-based ``Conv2D``.

    ``corr2d`` writes each output element in place (``Y[i, j] = ...``), which
    MXNet's autograd refuses while recording. Returns the exception (an
    ``mxnet.base.MXNetError``, a ``RuntimeError``), or None if none was raised.
    """
    X = edge_image() if X is None else X
    net = Conv2D(kernel_size)
    net.initialize(ctx=X.ctx)
    try:
        with autograd.record():
            l = net(X).sum()
        l.backward()
    except MXNetError as e:
        return e
    return None


def im2col(X, kernel_shape):
    """Exercise 6.2.3: stack each k_h x k_w window of X as one row, (h' * w', k_h * k_w).

    Uses ``np.take`` with a fixed index table, so gradients flow back to X.
    """
    check_2d('X', X)
    k_h, k_w = kernel_shape
    check_kernel_fits(X, (k_h, k_w), 'X', 'kernel_shape')
    n_h, n_w = X.shape
    idx = onp.arange(n_h * n_w).reshape(n_h, n_w)
    windows = onp.lib.stride_tricks.sliding_window_view(idx, (k_h, k_w))  # (h', w', k_h, k_w)
    idx = np.array(windows.reshape(-1, k_h * k_w), dtype='int64', ctx=X.ctx)
    return np.take(X.reshape(-1), idx)


def corr2d_matmul(X, K):
    """Exercise 6.2.3: compute 2D cross-correlation as one matrix-vector product (im2col).

    ``Y = im2col(X) @ vec(K)``; differentiable in both X and K. Integer inputs
    are computed in float32, as ``corr2d``'s ``np.zeros`` output is.
    """
    _check_corr2d_args(X, K)
    dtype = X.dtype if X.dtype.kind == 'f' else 'float32'
    X, K = X.astype(dtype, copy=False), K.astype(dtype, copy=False)
    h, w = K.shape
    Y = np.dot(im2col(X, (h, w)), K.reshape(-1))  # (h' * w',)
    return Y.reshape(X.shape[0] - h + 1, X.shape[1] - w + 1)


def kernel_matrix(K, input_shape):
    """Exercise 6.2.3: build the (h' * w', n_h * n_w) Toeplitz-like matrix W with vec(Y) = W vec(X).

    ``W = sum_{a, b} K[a, b] E_ab`` for fixed 0/1 matrices E_ab, so it is
    differentiable in K.
    """
    check_2d('K', K)
    n_h, n_w = input_shape
    k_h, k_w = K.shape
    check_kernel_fits((n_h, n_w), K, 'input_shape', 'K')
    h, w = n_h - k_h + 1, n_w - k_w + 1
    E = onp.zeros((k_h, k_w, h, w, n_h, n_w), dtype='float32')
    for a in range(k_h):
        for b in range(k_w):
            for i in range(h):
                E[a, b, i, range(w), i + a, onp.arange(w) + b] = 1
    E = np.array(E.reshape(k_h * k_w, h * w, n_h * n_w), dtype=K.dtype, ctx=K.ctx)
    return np.tensordot(K.reshape(-1), E, axes=1)


def second_derivative_kernel():
    """Exercise 6.2.4: return ``[[1, -2, 1]]``, the central second difference along the width.

    ``f(x - 1) - 2 f(x) + f(x + 1) = f''(x)`` exactly for polynomials up to degree 3.
    """
    return np.array([[1, -2, 1]])


def laplacian_kernel():
    """Exercise 6.2.4: return the 3x3 five-point Laplacian kernel, exact for cubics."""
    return np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])


def integral_kernel(n):
    """Exercise 6.2.4: return the (1, n) box kernel of ones: a running sum, the discrete integral.

    Cross-correlated with a row padded by n - 1 zeros on the left, it gives the
    cumulative sum of the first n samples (see ``running_integral``).
    """
    return np.ones((1, check_int('n', n, 1)))


def running_integral(x):
    """Exercise 6.2.4: integrate the samples x (cumulative sum) with ``integral_kernel``."""
    check_ndim('x', x, 1)
    n = x.shape[0]
    X = np.concatenate([np.zeros(n - 1, dtype=x.dtype, ctx=x.ctx), x]).reshape(1, -1)
    return corr2d_fast(X, integral_kernel(n)).reshape(-1)


def derivative_kernel(d):
    """Exercise 6.2.4: return the (1, d + 1) forward-difference kernel for the d-th derivative.

    ``K[0, a] = (-1)^(d - a) * C(d, a)``; on a polynomial of degree d it gives
    d! times the leading coefficient, exactly.
    """
    d = check_int('d', d, 0)
    return np.array([[(-1) ** (d - a) * math.comb(d, a) for a in range(d + 1)]])


def min_derivative_kernel_size(d):
    """Exercise 6.2.4: return d + 1, the fewest taps that give a derivative of degree d.

    A kernel w of m taps takes the d-th derivative of every polynomial of
    degree <= d only if ``sum_a w_a a^j`` is 0 for j < d and d! for j = d:
    d + 1 equations. With m = d taps the first d equations form an invertible
    Vandermonde system, forcing w = 0, so the last fails.
    """
    return check_int('d', d, 0) + 1
