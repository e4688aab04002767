"""Padding and stride (Book section 6.3).

Two conventions meet here. The book's formulas count padding in TOTAL rows
(columns): p_h rows added altogether, roughly half on top and half on the
bottom. Gluon's ``nn.Conv2D(padding=...)`` counts padding PER SIDE: padding
``(a, b)`` adds a rows on top and a on the bottom, so p_h = 2a and p_w = 2b.
"""

from mxnet import np, npx
from mxnet.gluon import nn

from ._arguments import check_fast_size, check_int, check_ndim, check_pair, checked

__all__ = ['comp_conv2d', 'conv_output_shape', 'gluon_padding_to_total',
           # Exercises 6.3
           'last_example_output_shape', 'conv1d_strided', 'conv_cost']


def _check_comp_conv2d_args(conv2d, X):
    """Raise unless conv2d is a one-channel nn.Conv2D (or a 2-D pooling layer) valid for a non-empty 2-D X."""
    check_ndim('X', X, 2)
    if not isinstance(X, np.ndarray):
        raise TypeError(f'X must be an mxnet.numpy.ndarray (a Gluon layer takes no other), got '
                        f'{type(X).__module__}.{type(X).__name__}; convert it with np.array(X)')
    pooling = isinstance(conv2d, (nn.MaxPool2D, nn.AvgPool2D))   # the same shape arithmetic (6.5)
    if not (pooling or isinstance(conv2d, nn.Conv2D)):
        raise TypeError(f'conv2d must be a Gluon layer nn.Conv2D(1, kernel_size=...) or a 2-D '
                        f'pooling layer, got {type(conv2d).__name__}')
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f'X must have at least one row and one column, got shape {tuple(X.shape)}')
    kw = conv2d._kwargs  # Gluon's own record of the layer's arguments
    built = 0 if pooling else max(conv2d.weight.shape[1], 0)  # -1 or 0 until a first call
    if not pooling and (kw['num_filter'] != 1 or conv2d._in_channels not in (0, 1)
                        or built > 1):
        raise ValueError(f'conv2d must have one input and one output channel (comp_conv2d '
                         f'returns a 2-D array), got channels={kw["num_filter"]}, '
                         f'in_channels={built if built > 1 else conv2d._in_channels}'
                         + (' (the layer was already called on that many channels: pass a '
                            'fresh one)' if built > 1 else ''))
    if pooling and X.dtype.kind != 'f':
        raise TypeError(f"X must hold floats for a pooling layer, got {X.dtype}; convert it "
                        "with X.astype('float32')")
    want = 'float32' if pooling else conv2d.weight.dtype
    want = getattr(want, '__name__', str(want))
    if not pooling and str(X.dtype) != want:
        raise TypeError(f'X must be {want}, the dtype of conv2d\'s parameters, got '
                        f"{X.dtype}; convert it with X.astype('{want}')")
    k_h, k_w = check_pair('kernel_size', kw['kernel'], 1)
    a, b = check_pair('padding', kw['pad'], 0)
    d_h, d_w = check_pair('dilation', kw.get('dilate', 1), 1)   # pooling has none
    k_h, k_w = d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1  # the window a dilated kernel spans
    n_h, n_w = X.shape
    if k_h > n_h + 2 * a or k_w > n_w + 2 * b:
        raise ValueError(f'conv2d\'s kernel must fit inside the padded X: the kernel spans '
                         f'{k_h}x{k_w} but X padded by {(a, b)} on each side is '
                         f'{n_h + 2 * a}x{n_w + 2 * b}')
    s_h, s_w = check_pair('strides', kw['stride'], 1)
    check_fast_size('comp_conv2d', ((n_h + 2 * a - k_h) // s_h + 1, (n_w + 2 * b - k_w) // s_w + 1),
                    check_pair('kernel_size', kw['kernel'], 1))


@checked(_check_comp_conv2d_args)
def comp_conv2d(conv2d, X):
    """Apply conv2d to a 2D array X, adding and removing batch and channel axes (Book section 6.3.1).

    As in the book, it initializes ``conv2d`` first, so pass a fresh layer:
    an ``nn.Conv2D`` with one output channel whose kernel fits the padded X.
    """
    conv2d.initialize(ctx=X.ctx)
    # (1, 1) indicates that the batch size and the number of channels are both 1
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    # Exclude the first two dimensions that do not interest us: batch and channel
    return Y.reshape(Y.shape[2:])


def conv_output_shape(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    """Return the output (height, width) by formula (6.3.3) (Book section 6.3.2).

    ``floor((n_h - k_h + p_h + s_h) / s_h) x floor((n_w - k_w + p_w + s_w) / s_w)``.
    p_h and p_w are the TOTAL padding, both sides together: Gluon's per-side
    ``padding=(a, b)`` is p_h = 2a, p_w = 2b (see ``gluon_padding_to_total``).
    """
    n_h, n_w = check_int('n_h', n_h, 1), check_int('n_w', n_w, 1)
    k_h, k_w = check_int('k_h', k_h, 1), check_int('k_w', k_w, 1)
    p_h, p_w = check_int('p_h', p_h, 0), check_int('p_w', p_w, 0)
    s_h, s_w = check_int('s_h', s_h, 1), check_int('s_w', s_w, 1)
    for k, n, p, axis in ((k_h, n_h, p_h, 'h'), (k_w, n_w, p_w, 'w')):
        if k > n + p:
            raise ValueError(f'k_{axis} must be at most n_{axis} + p_{axis} = {n + p} '
                             f'for the kernel to fit the padded input, got k_{axis} = {k}')
    return (n_h - k_h + p_h + s_h) // s_h, (n_w - k_w + p_w + s_w) // s_w


def gluon_padding_to_total(padding):
    """Return the book's total padding (p_h, p_w) for Gluon's per-side ``padding`` (Book section 6.3.1)."""
    a, b = check_pair('padding', padding, 0)
    return 2 * a, 2 * b


def last_example_output_shape():
    """Exercise 6.3.1: compute the shape of the book's last example by formula (6.3.3).

    8x8 input, ``nn.Conv2D(1, kernel_size=(3, 5), padding=(0, 1), strides=(3, 4))``:
    per-side padding (0, 1) is total (0, 2), so
    floor((8 - 3 + 0 + 3) / 3) = 2 and floor((8 - 5 + 2 + 4) / 4) = 2.
    """
    p_h, p_w = gluon_padding_to_total((0, 1))
    return conv_output_shape(8, 8, 3, 5, p_h, p_w, 3, 4)


def conv1d_strided(x, k, stride=1, padding=0):
    """Exercise 6.3.3: cross-correlate the signal x with k at the given stride (per-side zero padding).

    For audio sampled at rate r, stride 2 keeps every other output: the
    result is sampled at r / 2 (sample spacing doubled), after the kernel has
    filtered the signal; a kernel ``[1]`` is plain decimation.
    """
    check_ndim('x', x, 1)
    check_ndim('k', k, 1)
    stride = check_int('stride', stride, 1)
    padding = check_int('padding', padding, 0)
    if not 1 <= k.shape[0] <= x.shape[0] + 2 * padding:
        raise ValueError(f'k must have between 1 and len(x) + 2 * padding = '
                         f'{x.shape[0] + 2 * padding} taps, got {k.shape[0]}')
    k = k.astype(x.dtype).as_in_ctx(x.ctx)
    y = npx.convolution(x.reshape(1, 1, -1), k.reshape(1, 1, -1), kernel=(k.shape[0],),
                        stride=(stride,), pad=(padding,), num_filter=1, no_bias=True)  # (1, 1, n')
    return y.reshape(-1)


def conv_cost(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1, c_i=1, c_o=1):
    """Exercise 6.3.4: count a convolution's multiply-adds: output size times k_h k_w c_i c_o.

    Padding totals p_h, p_w as in ``conv_output_shape``. A stride s_h x s_w
    computes about 1 / (s_h s_w) of the stride-1 outputs, so it saves that
    share of the work (and of the memory for the output and its gradient).
    """
    c_i, c_o = check_int('c_i', c_i, 1), check_int('c_o', c_o, 1)
    h, w = conv_output_shape(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w)
    return h * w * k_h * k_w * c_i * c_o
