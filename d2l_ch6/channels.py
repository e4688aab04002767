"""Multiple input and output channels (Book section 6.4).

The book's three functions keep their loops and names: ``corr2d_multi_in``
sums one ``corr2d`` per input channel, ``corr2d_multi_in_out`` stacks one such
sum per output channel, and ``corr2d_multi_in_out_1x1`` does the 1x1 case as a
matrix product. ``corr2d_multi_in_out_fast`` and ``conv2d_matmul`` compute the
same thing as one matrix product over im2col windows (Exercise 6.4.6).

Shapes follow the book: X is (c_i, h, w), K is (c_o, c_i, k_h, k_w). In the
cost formulas p_h and p_w are the TOTAL padding, as in section 6.3's formula
(6.3.3); ``conv2d_matmul`` takes Gluon's per-side ``padding`` instead, so that
it can be compared with ``nn.Conv2D`` argument for argument.
"""
import logging

import numpy as onp
from mxnet import np

from ._arguments import (check_array, check_int, check_kernel_fits, check_ndim, check_numbers,
                         check_pair, check_same_kind, checked)
from .convolutions import corr2d
from .padding_stride import conv_output_shape

__all__ = ['corr2d_multi_in', 'corr2d_multi_in_out', 'corr2d_multi_in_out_1x1',
           'corr2d_multi_in_out_fast', 'draw_channels',
           # Exercises 6.4
           'compose_kernels', 'kernel_factor_residual', 'conv_forward_cost',
           'conv_backward_cost', 'conv_memory', 'conv_cost_growth', 'conv1x1_cost',
           'compare_1x1', 'im2col_multi', 'conv2d_matmul']

log = logging.getLogger(__name__)


def _check_multi_args(X, K, x_ndim, k_ndim):
    """Raise unless X and K are numeric, of the given ranks, share c_i, c_o >= 1 and K fits X."""
    check_numbers('X', check_ndim('X', X, x_ndim))
    check_numbers('K', check_ndim('K', K, k_ndim))
    check_same_kind(X, K)
    _check_channels(X, K)
    if k_ndim == 4 and K.shape[0] < 1:
        raise ValueError(f'K must have at least one output channel (c_o >= 1), '
                         f'got shape {tuple(K.shape)}')
    check_kernel_fits(X, K)


def _check_channels(X, K):
    """Raise unless X (..., c_i, h, w) and K (..., c_i, k_h, k_w) agree on c_i >= 1."""
    c_x, c_k = X.shape[-3], K.shape[-3]
    if c_x != c_k:
        raise ValueError(f'K must have as many input channels as X: X has c_i = {c_x} '
                         f'(shape {tuple(X.shape)}) but K has c_i = {c_k} '
                         f'(shape {tuple(K.shape)})')
    if c_x < 1:
        raise ValueError(f'X must have at least one channel, got shape {tuple(X.shape)}')


def _check_multi_in_args(X, K):
    """Raise unless X is (c_i, h, w) and K (c_i, k_h, k_w), numeric, with K fitting X."""
    _check_multi_args(X, K, 3, 3)


def _check_multi_in_out_args(X, K):
    """Raise unless X is (c_i, h, w) and K (c_o, c_i, k_h, k_w), numeric, with K fitting X."""
    _check_multi_args(X, K, 3, 4)


def _check_1x1_args(X, K):
    """Raise unless K is a (c_o, c_i, 1, 1) kernel for X; pass mixed or integer inputs on as float32."""
    _check_multi_args(X, K, 3, 4)
    if tuple(K.shape[2:]) != (1, 1):
        raise ValueError(f'K must be a 1x1 kernel of shape (c_o, c_i, 1, 1), '
                         f'got shape {tuple(K.shape)}')
    if X.dtype != K.dtype or X.dtype.kind != 'f':  # float32, as the loop's np.zeros output
        return {'X': X.astype('float32'), 'K': K.astype('float32')}
    return None


@checked(_check_multi_in_args)
def corr2d_multi_in(X, K):
    """Cross-correlate a multi-channel X with K, summing over input channels (Book section 6.4.1).

    ``X`` is (c_i, h, w), ``K`` is (c_i, k_h, k_w); returns (h - k_h + 1, w - k_w + 1).
    """
    # First, traverse along the 0th dimension (channel dimension) of X and K.
    # Then, add them together
    return sum(corr2d(x, k) for x, k in zip(X, K))


@checked(_check_multi_in_out_args)
def corr2d_multi_in_out(X, K):
    """Cross-correlate X with K, one output channel per K[o] (Book section 6.4.2).

    ``X`` is (c_i, h, w), ``K`` is (c_o, c_i, k_h, k_w); returns (c_o, h', w').
    """
    # Traverse along the 0th dimension of K, and each time, perform
    # cross-correlation operations with input X. All of the results are merged
    # together using the stack function
    return np.stack([corr2d_multi_in(X, k) for k in K])


@checked(_check_1x1_args)
def corr2d_multi_in_out_1x1(X, K):
    """Compute a 1x1 convolution as one matrix product (Book section 6.4.3).

    ``X`` is (c_i, h, w), ``K`` is (c_o, c_i, 1, 1); returns (c_o, h, w). Integer
    or mixed-type inputs are computed in float32, as ``corr2d_multi_in_out``'s are.
    """
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape(c_i, h * w)
    K = K.reshape(c_o, c_i)
    Y = np.dot(K, X)  # Matrix multiplication in the fully connected layer
    return Y.reshape(c_o, h, w)


def corr2d_multi_in_out_fast(X, K):
    """Compute ``corr2d_multi_in_out`` as one im2col matrix product (fast Book section 6.4.2).

    Same contract and result as the loop; differentiable in X and K.
    """
    _check_multi_args(X, K, 3, 4)
    return conv2d_matmul(X.reshape(1, *X.shape), K)[0]


def draw_channels(arrays, titles, ops, windows=None, cell=0.42):
    """Draw arrays as number grids, one per channel, like Figs. 6.4.1 and 6.4.2 (the package's addition, section 6.4).

    ``arrays`` are 2-D (h, w), 3-D (c, h, w) or 4-D (c_o, c_i, h, w) arrays,
    drawn left to right with the strings ``ops`` (such as ``'*'`` and ``'='``)
    between them; a 3-D array is a column of channels, a 4-D one a column per
    output channel. ``windows`` gives, per array, an ``(i, j, h, w)`` block to
    shade in every channel (or None). ``cell`` is a grid cell's size in inches.
    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle
    grids = [_as_channel_columns(A) for A in arrays]
    if not len(titles) == len(arrays) == len(ops) + 1:
        raise ValueError(f'need one title per array and one op between two arrays: got '
                         f'{len(arrays)} arrays, {len(titles)} titles and {len(ops)} ops')
    windows = [None] * len(arrays) if windows is None else list(windows)
    gap, op_w, top, bottom, side = 0.22, 0.6, 0.55, 0.4, 0.45  # inches
    sizes = [(len(cols) * cols[0][0].shape[1] * cell + (len(cols) - 1) * gap,
              len(cols[0]) * cols[0][0].shape[0] * cell + (len(cols[0]) - 1) * gap)
             for cols in grids]
    width = 2 * side + sum(w for w, _ in sizes) + op_w * len(ops)
    height = max(h for _, h in sizes) + top + bottom
    fig = plt.figure(figsize=(width, height))
    x = side
    for k, (cols, (w_k, h_k)) in enumerate(zip(grids, sizes)):
        y0 = bottom + (height - top - bottom - h_k) / 2  # centred vertically
        for o, col in enumerate(cols):
            for c, A in enumerate(col):
                h, w = A.shape
                ax = fig.add_axes([(x + o * (w * cell + gap)) / width,
                                   (y0 + (len(col) - 1 - c) * (h * cell + gap)) / height,
                                   w * cell / width, h * cell / height])
                _draw_number_grid(ax, A, windows[k], Rectangle)
            if len(cols) > 1:  # a 4-D kernel: name each column's output channel
                fig.text((x + o * (w * cell + gap) + w * cell / 2) / width, (y0 - 0.08) / height,
                         f'out {o}', ha='center', va='top', fontsize=9)
        fig.text((x + w_k / 2) / width, (y0 + h_k + 0.12) / height, titles[k],
                 ha='center', va='bottom', fontsize=10)
        x += w_k
        if k < len(ops):
            fig.text((x + op_w / 2) / width, (y0 + h_k / 2) / height, ops[k],
                     ha='center', va='center', fontsize=22)
            x += op_w
    return fig


def _as_channel_columns(A):
    """Return A as columns of 2-D host arrays: [[A]], [channels] or one column per output channel."""
    A = onp.asarray(A.asnumpy() if hasattr(A, 'asnumpy') else A)
    if A.ndim not in (2, 3, 4) or 0 in A.shape:
        raise ValueError(f'arrays must be non-empty 2-D, 3-D or 4-D, got shape {A.shape}')
    A = A.reshape((1, 1) + A.shape[-2:]) if A.ndim == 2 else A
    A = A[None] if A.ndim == 3 else A  # (columns, channels, h, w)
    return [list(col) for col in A]


def _draw_number_grid(ax, A, window, Rectangle):
    """Draw one channel: a ruled grid with each value written in its cell, the window shaded."""
    h, w = A.shape
    for (i, j), v in onp.ndenumerate(A):
        shaded = window is not None and (window[0] <= i < window[0] + window[2]
                                         and window[1] <= j < window[1] + window[3])
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor='#9ecae1' if shaded else 'white',
                               edgecolor='black', lw=1, clip_on=False))
        ax.text(j, i, f'{v:g}', ha='center', va='center', fontsize=9)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.axis('off')


# --- Exercises 6.4 -----------------------------------------------------------

def _as_4d_kernel(name, K):
    """Return K as (c_o, c_i, k_h, k_w): a 2-D kernel is one input and one output channel."""
    check_array(name, K)
    if K.ndim not in (2, 4):
        raise ValueError(f'{name} must be a 2-D (k_h, k_w) or 4-D (c_o, c_i, k_h, k_w) array, '
                         f'got {K.ndim}-D with shape {tuple(K.shape)}')
    return K.reshape(1, 1, *K.shape) if K.ndim == 2 else K


def compose_kernels(K1, K2):
    """Exercise 6.4.1: return the one kernel equal to cross-correlating with K1 and then K2.

    ``Y2 = corr(corr(X, K1), K2)`` gives ``Y2[i, j] = sum X[i+a+c, j+b+d] K1[a, b] K2[c, d]``,
    so ``Y2 = corr(X, K)`` with ``K[u, v] = sum_{a+c=u, b+d=v} K1[a, b] K2[c, d]``: the
    full (true) convolution K1 * K2, of size (k1_h + k2_h - 1) x (k1_w + k2_w - 1).
    With channels, K1 is (c_m, c_i, ...), K2 is (c_o, c_m, ...) and
    ``K[o, i] = sum_m K1[m, i] * K2[o, m]``. 2-D kernels give a 2-D result.
    """
    squeeze = K1.ndim == 2 and K2.ndim == 2
    K1, K2 = _as_4d_kernel('K1', K1), _as_4d_kernel('K2', K2)
    if K1.shape[0] != K2.shape[1]:
        raise ValueError(f'K2 must take as many input channels as K1 gives out: K1 has '
                         f'c_o = {K1.shape[0]} but K2 has c_i = {K2.shape[1]}')
    k2_h, k2_w = K2.shape[2:]
    # Full convolution = correlation of the zero-padded K1 with the flipped K2.
    # Batch over K1's input channels: (c_i, c_m, k1_h, k1_w) against (c_o, c_m, k2_h, k2_w)
    K2 = K2.astype(K1.dtype).as_in_ctx(K1.ctx)
    K = conv2d_matmul(K1.transpose(1, 0, 2, 3), np.flip(K2, (2, 3)),
                      padding=(k2_h - 1, k2_w - 1))  # (c_i, c_o, k_h, k_w)
    K = K.transpose(1, 0, 2, 3)  # (c_o, c_i, k1_h + k2_h - 1, k1_w + k2_w - 1)
    return K.reshape(K.shape[2:]) if squeeze else K


def _full_conv_matrix(A, k2_shape):
    """Return the matrix M with vec(full_conv(A, B)) = M vec(B) for B of shape k2_shape (numpy)."""
    (a_h, a_w), (b_h, b_w) = A.shape, k2_shape
    M = onp.zeros((a_h + b_h - 1, a_w + b_w - 1, b_h, b_w))
    for c in range(b_h):
        for d in range(b_w):
            M[c:c + a_h, d:d + a_w, c, d] = A
    return M.reshape(-1, b_h * b_w)


def kernel_factor_residual(K, k1_shape, num_starts=5, num_iters=200, seed=0):
    """Exercise 6.4.1: return the relative residual of the best fit K ~ K1 * K2 (K1 of k1_shape).

    The converse is false: not every kernel is two stacked smaller ones. Two
    k1 x k1 and k2 x k2 kernels have k1^2 + k2^2 - 1 free numbers (scale one up,
    the other down), fewer than the (k1 + k2 - 1)^2 of K, so almost no kernel
    factors (two 2x2 give a 7-dimensional set inside the 9 numbers of a 3x3). Even
    in 1-D, where the counts match, ``[1, 0, 1]`` (the polynomial 1 + z^2) has no
    real roots, so it is no product (a0 + a1 z)(b0 + b1 z) of two 2-tap kernels.
    Fits by alternating least squares (each step is linear) from several random
    starts; returns ``||K - K1 * K2|| / ||K||`` for the best start, ~0 when K factors.
    """
    check_ndim('K', K, 2)
    k_h, k_w = K.shape
    k1_h, k1_w = check_pair('k1_shape', k1_shape, 1)
    k2_shape = (k_h - k1_h + 1, k_w - k1_w + 1)
    if min(k2_shape) < 1:
        raise ValueError(f'k1_shape must be no larger than K, got {(k1_h, k1_w)} for K of '
                         f'shape {(k_h, k_w)}')
    check_int('num_starts', num_starts, 1)
    check_int('num_iters', num_iters, 1)
    target = K.asnumpy().astype('float64').reshape(-1)
    rng = onp.random.default_rng(seed)
    best = onp.inf
    for _ in range(num_starts):
        K1 = rng.normal(size=(k1_h, k1_w))
        for _ in range(num_iters):
            # K1 * K2 is linear in K2 for fixed K1, and (by symmetry of *) in K1 for fixed K2
            K2 = onp.linalg.lstsq(_full_conv_matrix(K1, k2_shape), target, rcond=None)[0]
            K2 = K2.reshape(k2_shape)
            K1 = onp.linalg.lstsq(_full_conv_matrix(K2, (k1_h, k1_w)), target, rcond=None)[0]
            K1 = K1.reshape(k1_h, k1_w)
        residual = onp.linalg.norm(_full_conv_matrix(K1, k2_shape) @ K2.reshape(-1) - target)
        best = min(best, residual / onp.linalg.norm(target))
    log.debug('best relative residual %.3e over %d starts', best, num_starts)
    return float(best)


def _output_shape(h, w, k_h, k_w, p_h, p_w, s_h, s_w):
    """Return (h', w') by formula (6.3.3), with total padding p_h, p_w."""
    return conv_output_shape(h, w, k_h, k_w, p_h, p_w, s_h, s_w)


def conv_forward_cost(c_i, c_o, h, w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    """Exercise 6.4.2: count the forward pass's multiplications and additions.

    Each of the c_o h' w' outputs sums c_i k_h k_w products: c_o c_i k_h k_w h' w'
    multiplications and c_o (c_i k_h k_w - 1) h' w' additions (a bias would add
    c_o h' w' more). Products with padded zeros are counted, as a plain loop over
    the padded input does them. Returns ``{'mul': ..., 'add': ...}``.
    """
    c_i, c_o = check_int('c_i', c_i, 1), check_int('c_o', c_o, 1)
    h_o, w_o = _output_shape(h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    outputs = c_o * h_o * w_o
    return {'mul': outputs * c_i * k_h * k_w, 'add': outputs * (c_i * k_h * k_w - 1)}


def _covered(n_out, k, s):
    """Return how many padded-input positions along one axis some window touches."""
    return n_out * k - (n_out - 1) * max(0, k - s)


def conv_backward_cost(c_i, c_o, h, w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    """Exercise 6.4.2: count the backward pass's multiplications and additions.

    Every forward product X[.] K[.] gives two backward products, dY K into dX and
    dY X into dK: 2 c_o c_i k_h k_w h' w' multiplications, twice the forward.
    Each dK entry sums h' w' terms; each padded-input position that some window
    touches sums its terms into dX (the first term is a copy, not an addition).
    Returns ``{'mul': ..., 'add': ...}``.
    """
    fwd = conv_forward_cost(c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    h_o, w_o = _output_shape(h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    terms = fwd['mul']
    add_dK = c_o * c_i * k_h * k_w * (h_o * w_o - 1)
    add_dX = terms - c_i * _covered(h_o, k_h, s_h) * _covered(w_o, k_w, s_w)
    return {'mul': 2 * terms, 'add': add_dK + add_dX}


def conv_memory(c_i, c_o, h, w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    """Exercise 6.4.2: count the numbers (array elements) held in the forward and backward passes.

    Forward: input c_i h w, kernel c_o c_i k_h k_w, output c_o h' w'. Backward keeps
    the input (for dK) and the kernel (for dX), and adds dY (c_o h' w'), dX
    (c_i h w) and dK (c_o c_i k_h k_w). Bytes are these times 4 in float32.
    """
    c_i, c_o = check_int('c_i', c_i, 1), check_int('c_o', c_o, 1)
    h_o, w_o = _output_shape(h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    sizes = {'input': c_i * h * w, 'kernel': c_o * c_i * k_h * k_w, 'output': c_o * h_o * w_o}
    sizes.update(grad_output=sizes['output'], grad_input=sizes['input'],
                 grad_kernel=sizes['kernel'])
    sizes['forward'] = sizes['input'] + sizes['kernel'] + sizes['output']
    sizes['backward'] = (sizes['input'] + sizes['kernel'] + sizes['grad_output']
                         + sizes['grad_input'] + sizes['grad_kernel'])
    return sizes


def conv_cost_growth(c_i, c_o, h, w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    """Exercise 6.4.3: return the cost's growth when c_i and c_o double, and when padding doubles.

    Cost is c_i c_o k_h k_w h' w', so doubling both channel counts multiplies it
    by exactly 4. Padding only enters through h' w': at stride 1, doubling the
    total padding p_h turns h - k_h + p_h + 1 rows into h - k_h + 2 p_h + 1, an
    additive growth of p_h rows (2 more when Gluon's per-side padding goes
    1 -> 2), whose products with the padded zeros are wasted work.
    Returns ``{'channels': ratio, 'padding': ratio}`` of multiplications.
    """
    base = conv_forward_cost(c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w)['mul']
    channels = conv_forward_cost(2 * c_i, 2 * c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w)['mul']
    padding = conv_forward_cost(c_i, c_o, h, w, k_h, k_w, 2 * p_h, 2 * p_w, s_h, s_w)['mul']
    return {'channels': channels / base, 'padding': padding / base}


def conv1x1_cost(c_i, c_o, h, w):
    """Exercise 6.4.4: count a 1x1 convolution's operations: a (c_o x c_i)(c_i x h w) product.

    ``{'mul': c_o c_i h w, 'add': c_o (c_i - 1) h w}``: O(c_i c_o h w), no k_h k_w factor.
    """
    return conv_forward_cost(c_i, c_o, h, w, 1, 1)


def compare_1x1(X, K):
    """Exercise 6.4.5: return max |Y1 - Y2| and whether Y1 and Y2 are bit-identical.

    Y1 is ``corr2d_multi_in_out_1x1`` (np.dot, i.e. BLAS), Y2 is
    ``corr2d_multi_in_out`` (the loop). Mathematically equal, but in float32
    they often differ in the last bit: the loop rounds each product and adds
    the channels one at a time, 0 + p_0 + p_1 + ..., while BLAS sums in its own
    order, in vector lanes, often with fused multiply-adds (one rounding for
    a * b + c). Floating-point addition is not associative, so the sums can
    differ by an ulp or so; hence the book's tolerance ``< 1e-6``.
    """
    Y1 = corr2d_multi_in_out_1x1(X, K)
    Y2 = corr2d_multi_in_out(X, K)
    diff = float(np.abs(Y1 - Y2).max())
    return diff, bool((Y1 == Y2).all())


def _window_index(n_h, n_w, k_h, k_w, s_h=1, s_w=1):
    """Return flat indices of each k_h x k_w window of an n_h x n_w plane, (h', w', k_h * k_w)."""
    idx = onp.arange(n_h * n_w).reshape(n_h, n_w)
    windows = onp.lib.stride_tricks.sliding_window_view(idx, (k_h, k_w))[::s_h, ::s_w]
    return windows.reshape(*windows.shape[:2], k_h * k_w)


def _check_padded_fit(X, kernel_size, padding, x_name='X', k_name='K'):
    """Raise unless the kernel fits inside X's plane after per-side padding."""
    (n_h, n_w), (k_h, k_w), (a, b) = X.shape[-2:], kernel_size, padding
    if k_h > n_h + 2 * a or k_w > n_w + 2 * b:
        raise ValueError(f'{k_name} must fit inside the padded {x_name}: {k_name} is '
                         f'{k_h}x{k_w} but {x_name} padded by {(a, b)} on each side is '
                         f'{n_h + 2 * a}x{n_w + 2 * b}')


def im2col_multi(X, kernel_size, padding=0, strides=1):
    """Exercise 6.4.6: unfold every window of a batch into columns, (B, c_i k_h k_w, h' w').

    ``X`` is (B, c_i, h, w); ``padding`` and ``strides`` are per side, as in
    Gluon. Rows are ordered (channel, row, column) to match ``K.reshape(c_o, -1)``.
    Built from ``np.pad`` and ``np.take``, so gradients flow back to X.
    """
    check_ndim('X', X, 4)
    k_h, k_w = check_pair('kernel_size', kernel_size, 1)
    a, b = check_pair('padding', padding, 0)
    s_h, s_w = check_pair('strides', strides, 1)
    _check_padded_fit(X, (k_h, k_w), (a, b), k_name='kernel_size')
    if a or b:
        X = np.pad(X, ((0, 0), (0, 0), (a, a), (b, b)))
    B, c_i, n_h, n_w = X.shape
    idx = _window_index(n_h, n_w, k_h, k_w, s_h, s_w)  # (h', w', k_h * k_w)
    h_o, w_o = idx.shape[:2]
    idx = idx.reshape(h_o * w_o, k_h * k_w).T  # (k_h * k_w, h' * w')
    idx = onp.arange(c_i)[:, None, None] * (n_h * n_w) + idx  # (c_i, k_h * k_w, h' * w')
    idx = np.array(idx.reshape(c_i * k_h * k_w, h_o * w_o), dtype='int64', ctx=X.ctx)
    return np.take(X.reshape(B, -1), idx, axis=1)  # (B, c_i * k_h * k_w, h' * w')


def conv2d_matmul(X, K, padding=0, strides=1):
    """Exercise 6.4.6: convolve a batch with any kernel size as one matrix product (im2col).

    ``X`` is (B, c_i, h, w), ``K`` is (c_o, c_i, k_h, k_w); ``padding`` and
    ``strides`` are per side, as in Gluon's ``nn.Conv2D``, which it equals
    (without bias). ``Y = K.reshape(c_o, c_i k_h k_w) @ im2col(X)``; returns
    (B, c_o, h', w'). Integer inputs are computed in float32.
    """
    check_ndim('X', X, 4)
    check_ndim('K', K, 4)
    _check_channels(X, K)
    dtype = X.dtype if X.dtype.kind == 'f' else 'float32'
    X = X.astype(dtype, copy=False)
    K = K.astype(dtype, copy=False).as_in_ctx(X.ctx)
    c_o, c_i, k_h, k_w = K.shape
    a, b = check_pair('padding', padding, 0)
    s_h, s_w = check_pair('strides', strides, 1)
    _check_padded_fit(X, (k_h, k_w), (a, b))
    B, h_o, w_o = X.shape[0], *conv_output_shape(X.shape[2], X.shape[3], k_h, k_w,
                                                  2 * a, 2 * b, s_h, s_w)
    cols = im2col_multi(X, (k_h, k_w), (a, b), (s_h, s_w))  # (B, c_i k_h k_w, h' w')
    cols = cols.transpose(1, 0, 2).reshape(c_i * k_h * k_w, B * h_o * w_o)
    Y = np.dot(K.reshape(c_o, -1), cols)  # (c_o, B h' w')
    return Y.reshape(c_o, B, h_o, w_o).transpose(1, 0, 2, 3)  # (B, c_o, h', w')
