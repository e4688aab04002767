"""Independent references: what a graded function must give (the package's addition).

Never the package function being graded: plain numpy (float64) with
sliding windows, loops and explicit sums, or a Gluon layer
(``ref_gluon_pool``, ``ref_conv_shape``); and the values the book prints
(``edge_map``). The cases (``cases``) use them as expected values and the
hints (``hints``) as the right answer that a known wrong variant differs
from. Like the cases, they never enter the grader's child.
"""
import numpy as onp

from .calls import _np, as_numpy, conv1x1_layer

__all__ = ['ref_corr2d', 'ref_conv_batch', 'ref_pool', 'ref_full_conv', 'ref_lenet', 'ref_translate',
           'ref_pad_zeros', 'ref_corr2d_same', 'ref_conv1d', 'ref_lse', 'ref_grad_corr', 'edge_map',
           'ref_multi_in_out', 'ref_conv1x1', 'ref_corr1d_grad', 'ref_diagonal_edge_maps', 'ref_im2col',
           'ref_kernel_matrix', 'ref_laplacian', 'ref_conv_shape', 'ref_compose', 'ref_gluon_pool',
           'ref_max_vs_avg', 'ref_conv_and_grad', 'ref_corr1d', 'ref_conv_pair', 'ref_gluon_max_pool',
           'ref_min_pool']


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


def ref_grad_corr(X, K):
    """d sum(corr2d(X, K)) / d K[a, b]: the sum of X's block each kernel tap sees."""
    X, K = _n(X), _n(K)
    h, w = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return onp.array([[X[a:a + h, b:b + w].sum() for b in range(K.shape[1])]
                      for a in range(K.shape[0])])


def ref_translate(X, d_h, d_w):
    """Shift X down by d_h rows and right by d_w columns, zeros where nothing comes in."""
    X = _n(X)
    Y = onp.zeros_like(X)
    n_h, n_w = X.shape
    for i in range(n_h):
        for j in range(n_w):
            if 0 <= i - d_h < n_h and 0 <= j - d_w < n_w:
                Y[i, j] = X[i - d_h, j - d_w]
    return Y


def ref_pad_zeros(X, p_h, p_w):
    """Pad p_h rows and p_w columns of zeros in all, the odd one on top (left)."""
    return onp.pad(_n(X), ((p_h - p_h // 2, p_h // 2), (p_w - p_w // 2, p_w // 2)))


def ref_corr2d_same(X, K):
    """Cross-correlation with the output of X's shape: X zero-padded by ref_pad_zeros first."""
    k_h, k_w = K.shape
    return ref_corr2d(ref_pad_zeros(X, k_h - 1, k_w - 1), K)


def ref_conv1d(x, k, stride=1, padding=0):
    """1-D cross-correlation with zero padding on both sides and a stride."""
    x, k = _n(x), _n(k)
    x = onp.pad(x, (padding, padding))
    return onp.correlate(x, k, mode='valid')[::stride]


def ref_lse(X, pool_size, temperature, strides=None):
    """Log-sum-exp pooling: temperature * log(mean(exp(x / temperature))) of each window, computed stably."""
    p = _pair(pool_size)
    s = p if strides is None else _pair(strides)
    W = onp.lib.stride_tricks.sliding_window_view(_n(X), p, axis=(-2, -1))[..., ::s[0], ::s[1], :, :]
    M = W.max(axis=(-2, -1), keepdims=True)
    return (M + temperature * onp.log(onp.exp((W - M) / temperature).mean(axis=(-2, -1),
                                                                          keepdims=True)))[..., 0, 0]


def edge_map():
    """The book's Y for the edge image: 1 in column 1, -1 in column 5, shape (6, 7)."""
    Y = onp.zeros((6, 7))
    Y[:, 1], Y[:, 5] = 1, -1
    return Y


def ref_multi_in_out(X, K):
    """Cross-correlate (c_i, h, w) X with (c_o, c_i, k_h, k_w) K: one example of a batch convolution."""
    return ref_conv_batch(_n(X)[None], K)[0]


def ref_conv1x1(seed, c_i, c_o):
    """The seeded 1x1 layer of calls.conv1x1_layer applied as a matrix product at every pixel, plus its bias."""
    conv, X = conv1x1_layer(seed, c_i, c_o)
    W = _n(conv.weight.data())[:, :, 0, 0]
    return onp.einsum('oc,nchw->nohw', W, _n(X)) + _n(conv.bias.data())[None, :, None, None]


def ref_corr1d_grad(x, k):
    """1-D cross-correlation of x with k, and d sum(y) / d k: the sum of the block of x each tap sees."""
    x, k = _n(x), _n(k)
    n = len(x) - len(k) + 1
    return onp.correlate(x, k, mode='valid'), onp.array([x[a:a + n].sum() for a in range(len(k))])


def ref_diagonal_edge_maps(X, K):
    """The edge maps of the n x n lower-triangle image under K = [[1, -1]], its transpose X.T and K.T."""
    n = X.shape[0]
    return {'X': onp.eye(n, n - 1), 'X.T': -onp.eye(n, n - 1, k=-1), 'K.T': -onp.eye(n - 1, n, k=1)}


def ref_im2col(X, kernel_shape):
    """Every k_h x k_w window of X flattened into a row, windows in row-major order."""
    W = onp.lib.stride_tricks.sliding_window_view(_n(X), kernel_shape)
    return W.reshape(-1, kernel_shape[0] * kernel_shape[1])


def ref_kernel_matrix(K, input_shape):
    """The matrix M with M @ X.ravel() == corr2d(X, K).ravel() for X of input_shape, filled tap by tap."""
    K = _n(K)
    n_h, n_w = input_shape
    k_h, k_w = K.shape
    h, w = n_h - k_h + 1, n_w - k_w + 1
    M = onp.zeros((h * w, n_h * n_w))
    for i in range(h):
        for j in range(w):
            for a in range(k_h):
                for b in range(k_w):
                    M[i * w + j, (i + a) * n_w + j + b] = K[a, b]
    return M


def ref_laplacian():
    """8i - 12j + 2: the Laplacian of F = i^3 + i j^2 - 2 j^3 + i^2 on the inner 5 x 6 points of a 7 x 8 grid."""
    i, j = onp.mgrid[0:7, 0:8].astype('float64')
    return (8 * i - 12 * j + 2)[1:-1, 1:-1]


def ref_conv_shape(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    """Gluon's output shape for total padding p (even: p / 2 per side)."""
    from mxnet.gluon import nn
    conv = nn.Conv2D(1, kernel_size=(k_h, k_w), padding=(p_h // 2, p_w // 2), strides=(s_h, s_w))
    conv.initialize()
    return tuple(conv(_np().zeros((1, 1, n_h, n_w))).shape[2:])


def ref_compose(K1, K2):
    """The one kernel that does corr2d with K1, then with K2: their full convolution (summed over channels)."""
    K1, K2 = _n(K1), _n(K2)
    if K1.ndim == 2:
        return ref_full_conv(K1, K2)
    return onp.stack([onp.stack([sum(ref_full_conv(K1[m, i], K2[o, m]) for m in range(K1.shape[0]))
                                 for i in range(K1.shape[1])]) for o in range(K2.shape[0])])


def ref_gluon_pool(kind, X, pool_size, strides, padding):
    """Pool X with Gluon's nn.AvgPool2D (kind 'avg') or nn.MaxPool2D; return a numpy array."""
    from mxnet.gluon import nn
    layer = (nn.AvgPool2D if kind == 'avg' else nn.MaxPool2D)(pool_size, strides=strides,
                                                              padding=padding)
    return layer(X).asnumpy()


def ref_max_vs_avg(X, pool_size):
    """{'max': (Y, dX), 'avg': (Y, dX)}: each pooling's output and the gradient of Y.sum(), by loops."""
    p = _pair(pool_size)
    Xn = _n(X)
    B, c, h, w = Xn.shape
    Y_max = ref_pool(Xn, p, onp.max, p)
    Y_avg = ref_pool(Xn, p, onp.mean, p)
    g_avg = onp.zeros_like(Xn)
    g_max = onp.zeros_like(Xn)
    h_o, w_o = Y_max.shape[2:]
    g_avg[:, :, :h_o * p[0], :w_o * p[1]] = 1 / (p[0] * p[1])
    for b in range(B):
        for k in range(c):
            for i in range(h_o):
                for j in range(w_o):
                    win = Xn[b, k, i * p[0]:(i + 1) * p[0], j * p[1]:(j + 1) * p[1]]
                    a, bb = onp.unravel_index(onp.argmax(win), win.shape)
                    g_max[b, k, i * p[0] + a, j * p[1] + bb] = 1
    return {'max': (Y_max, g_max), 'avg': (Y_avg, g_avg)}


def ref_conv_and_grad(X, K):
    """A batch convolution and d sum(Y) / d K: K[o, i, a, b] sees X[:, i] shifted by (a, b)."""
    Xn, Kn = _n(X), _n(K)
    h, w = Xn.shape[2] - Kn.shape[2] + 1, Xn.shape[3] - Kn.shape[3] + 1
    G = onp.array([[[Xn[:, i, a:a + h, b:b + w].sum() for b in range(Kn.shape[3])]
                    for a in range(Kn.shape[2])] for i in range(Kn.shape[1])])
    return ref_conv_batch(Xn, Kn), onp.broadcast_to(G, Kn.shape).copy()


def ref_corr1d(x, k):
    """1-D cross-correlation, valid part."""
    return onp.correlate(_n(x), _n(k), mode='valid')


def ref_conv_pair(X, K, padding, strides):
    """A batch convolution with padding and strides given as an int or a pair."""
    return ref_conv_batch(X, K, _pair(padding), _pair(strides))


def ref_gluon_max_pool(X, pool_size, strides, padding):
    """Max-pool X with Gluon's nn.MaxPool2D; return a numpy array."""
    return ref_gluon_pool('max', X, pool_size, strides, padding)


def ref_min_pool(X, pool_size, strides, padding):
    """Min-pool by sliding windows, padding filled with +inf (it never wins the minimum)."""
    p = _pair(pool_size)
    return ref_pool(X, p, onp.min, p if strides is None else _pair(strides), _pair(padding), fill=onp.inf)
