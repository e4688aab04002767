"""Independent references, in plain numpy (float64): what a graded function must give (the package's addition).

Never the package function being graded: sliding windows, loops and
explicit sums. The cases (``cases``) use them as expected values and the
hints (``hints``) as the right answer that a known wrong variant differs
from. Like the cases, they never enter the grader's child.
"""
import numpy as onp

from .calls import as_numpy

__all__ = ['ref_corr2d', 'ref_conv_batch', 'ref_pool', 'ref_full_conv', 'ref_lenet', 'ref_translate',
           'ref_pad_zeros', 'ref_corr2d_same', 'ref_conv1d', 'ref_lse']


def _n(A):
    return onp.asarray(as_numpy(A), dtype='float64')


def ref_corr2d(X, K):
    """2-D cross-correlation by sliding windows."""
    X, K = _n(X), _n(K)
    W = onp.lib.stride_tricks.sliding_window_view(X, K.shape)
    return onp.einsum('ijab,ab->ij', W, K)


def ref_conv_batch(X, K, padding=(0, 0), strides=(1, 1)):
    """(B, c_i, h, w) cross-correlated with (c_o, c_i, k_h, k_w), per-side padding."""
    X, K = _n(X), _n(K)
    X = onp.pad(X, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    W = onp.lib.stride_tricks.sliding_window_view(X, K.shape[2:], axis=(2, 3))
    W = W[:, :, ::strides[0], ::strides[1]]
    return onp.einsum('bihwkl,oikl->bohw', W, K)


def ref_pool(X, pool_size, reduce, strides=(1, 1), padding=(0, 0), fill=0.0):
    """Pool the last two axes with sliding windows; padding filled with ``fill``."""
    X = _n(X)
    pad = [(0, 0)] * (X.ndim - 2) + [(padding[0],) * 2, (padding[1],) * 2]
    X = onp.pad(X, pad, constant_values=fill)
    W = onp.lib.stride_tricks.sliding_window_view(X, pool_size, axis=(-2, -1))
    return reduce(W[..., ::strides[0], ::strides[1], :, :], axis=(-2, -1))


def ref_full_conv(f, g):
    """True 2-D convolution, 'full' output, by accumulating shifted copies."""
    f, g = _n(f), _n(g)
    out = onp.zeros((f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1))
    for a in range(g.shape[0]):
        for b in range(g.shape[1]):
            out[a:a + f.shape[0], b:b + f.shape[1]] += g[a, b] * f
    return out


def _sigmoid(x):
    return 1 / (1 + onp.exp(-x))


def ref_lenet(params, X, pool='avg', act=None):
    """LeNet's forward pass from the book's description; returns (output, H1, H2)."""
    P = [_n(p) for p in params]
    X = _n(X)
    _sigmoid = act or globals()['_sigmoid']
    H1 = _sigmoid(ref_conv_batch(X, P[0], (2, 2)) + P[1][None, :, None, None])
    reduce = onp.mean if pool == 'avg' else onp.max
    H2 = _sigmoid(ref_conv_batch(ref_pool(H1, (2, 2), reduce, (2, 2)), P[2])
                  + P[3][None, :, None, None])
    F = ref_pool(H2, (2, 2), reduce, (2, 2)).reshape(len(X), -1)
    F = _sigmoid(F @ P[4].T + P[5])
    F = _sigmoid(F @ P[6].T + P[7])
    return F @ P[8].T + P[9], H1, H2


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _ref_grad_corr(X, K):
    """d sum(corr2d(X, K)) / d K[a, b]: the sum of X's block each kernel tap sees."""
    X, K = _n(X), _n(K)
    h, w = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return onp.array([[X[a:a + h, b:b + w].sum() for b in range(K.shape[1])]
                      for a in range(K.shape[0])])


def ref_translate(X, d_h, d_w):
    X = _n(X)
    Y = onp.zeros_like(X)
    n_h, n_w = X.shape
    for i in range(n_h):
        for j in range(n_w):
            if 0 <= i - d_h < n_h and 0 <= j - d_w < n_w:
                Y[i, j] = X[i - d_h, j - d_w]
    return Y


def ref_pad_zeros(X, p_h, p_w):
    return onp.pad(_n(X), ((p_h - p_h // 2, p_h // 2), (p_w - p_w // 2, p_w // 2)))


def ref_corr2d_same(X, K):
    k_h, k_w = K.shape
    return ref_corr2d(ref_pad_zeros(X, k_h - 1, k_w - 1), K)


def ref_conv1d(x, k, stride=1, padding=0):
    x, k = _n(x), _n(k)
    x = onp.pad(x, (padding, padding))
    return onp.correlate(x, k, mode='valid')[::stride]


def ref_lse(X, pool_size, temperature, strides=None):
    p = _pair(pool_size)
    s = p if strides is None else _pair(strides)
    W = onp.lib.stride_tricks.sliding_window_view(_n(X), p, axis=(-2, -1))[..., ::s[0], ::s[1], :, :]
    M = W.max(axis=(-2, -1), keepdims=True)
    return (M + temperature * onp.log(onp.exp((W - M) / temperature).mean(axis=(-2, -1),
                                                                          keepdims=True)))[..., 0, 0]
