"""Tests for d2l_ch6.pooling (Book section 6.5 and its exercises).

References: the book's printed outputs, Gluon's MaxPool2D and AvgPool2D, numpy
sliding windows, and operations counted by an explicit Python loop. The
graded cases live in d2l_ch6.cases (d2l_ch6.check runs them on students'
code); here they run on ours and their expected values are checked against
these references.
"""
import itertools

import numpy as onp
import pytest
from mxnet import np
from mxnet.gluon import nn
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage

from conftest import case_params
from d2l_ch6 import pooling
from d2l_ch6.grading.cases import CASES, EXERCISES
from d2l_ch6.grading.verdict import assert_case

from d2l_ch6.pooling import (
    avg_pool_as_conv, lse_pool2d, max_pool_from_conv_relu, max_vs_avg_pooling, min_pool2d,
    pool2d, pool2d_fast, pool_cost)

TOL = dict(rtol=1e-5, atol=1e-5)
POOL_FNS = [pool2d, pool2d_fast]


def scipy_pool(X, pool_size, reduce, strides=(1, 1), padding=(0, 0), fill=0.0):
    """Pool the last two axes with scipy.ndimage.generic_filter (padding filled with ``fill``).

    An independent reference: scipy slides a centred window over each (h, w)
    plane, whose output at i + size // 2 is the window that starts at i; the
    strides then keep every s-th start.
    """
    (p_h, p_w), (s_h, s_w), (a, b) = pool_size, strides, padding
    X = onp.asarray(X, dtype='float64')
    planes = X.reshape(-1, *X.shape[-2:])
    out = []
    for plane in planes:
        plane = onp.pad(plane, ((a, a), (b, b)), constant_values=fill)
        Y = ndimage.generic_filter(plane, reduce, size=(p_h, p_w), mode='constant', cval=fill)
        starts = Y[p_h // 2:plane.shape[0] - p_h + 1 + p_h // 2,
                   p_w // 2:plane.shape[1] - p_w + 1 + p_w // 2]
        out.append(starts[::s_h, ::s_w])
    return onp.stack(out).reshape(*X.shape[:-2], *out[0].shape)


def test_the_scipy_reference_by_hand():
    """X = 0..15 as 4x4: 2x2 max at stride 2 is [[5, 7], [13, 15]]; 3x3 mean at stride 1 is
    [[5, 6], [9, 10]]; 2x2 min with one row and column of padding 100, stride 2, is
    [[0, 1, 3], [4, 5, 7], [12, 13, 15]]."""
    X = onp.arange(16.).reshape(4, 4)
    assert_allclose(scipy_pool(X, (2, 2), onp.max, (2, 2)), [[5, 7], [13, 15]])
    assert_allclose(scipy_pool(X, (3, 3), onp.mean), [[5, 6], [9, 10]])
    assert_allclose(scipy_pool(X, (2, 2), onp.min, (2, 2), (1, 1), fill=100),
                    [[0, 1, 3], [4, 5, 7], [12, 13, 15]])


def book_X16():
    """The book's X = arange(16) as (1, 1, 4, 4)."""
    return np.arange(16).reshape(1, 1, 4, 4)


# --- Book section 6.5 --------------------------------------------------------

@pytest.mark.parametrize('fn', POOL_FNS)
@pytest.mark.parametrize('name, case', case_params('pool2d'))
def test_pool2d_cases(fn, name, case):
    """Fig. 6.5.1: X = 0..8 (3x3), 2x2 windows: max [[4, 5], [7, 8]], average [[2, 3], [5, 6]];
    non-square windows, integer input averaged to fractions, an unknown mode refused."""
    assert_case(case, fn)


@pytest.mark.parametrize('fn', POOL_FNS)
def test_pool2d_book_dtype(fn):
    """The book's integer input gives float32, as the loop's np.zeros output is."""
    X = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    assert fn(X, (2, 2)).dtype == onp.float32


@pytest.mark.parametrize('name, case', [p for p in case_params('pool2d') if not p.values[1].raises])
def test_pool2d_case_references_are_gluons(name, case):
    """Every pool2d case's expected value is Gluon's Max/AvgPool2D output at stride 1."""
    X, pool_size = case.inputs()
    mode = case.kwargs.get('mode', 'max')
    layer = (nn.MaxPool2D if mode == 'max' else nn.AvgPool2D)(pool_size, strides=1)
    expected = layer(X.astype('float32').reshape(1, 1, *X.shape))[0, 0].asnumpy()
    assert_allclose(case.want((X, pool_size)), expected, **TOL)


BOOK_MAXPOOL = [  # (pool_size, padding, strides, printed)
    (3, 0, None, [[[[10]]]]),
    (3, 1, 2, [[[[5, 7], [13, 15]]]]),
    ((2, 3), (1, 2), (2, 3), [[[[0, 3], [8, 11], [12, 15]]]]),
]


@pytest.mark.parametrize('pool_size, padding, strides, printed', BOOK_MAXPOOL)
def test_maxpool2d_book(pool_size, padding, strides, printed):
    """Section 6.5.2 on X = 0..15: [[10]], [[5, 7], [13, 15]], [[0, 3], [8, 11], [12, 15]],
    from Gluon's MaxPool2D and from max pooling built of convolutions and ReLU (Exercise 6.5.2)."""
    X = book_X16()
    layer = nn.MaxPool2D(pool_size, padding=padding, strides=strides)
    assert_allclose(layer(X).asnumpy(), printed, rtol=0, atol=1e-6)
    assert_allclose(max_pool_from_conv_relu(X, pool_size, strides, padding).asnumpy(), printed,
                    rtol=0, atol=1e-5)


def test_maxpool2d_two_channels_book():
    """Section 6.5.3: channels X and X + 1 give [[5, 7], [13, 15]] and [[6, 8], [14, 16]]."""
    X = book_X16()
    X = np.concatenate((X, X + 1), axis=1)
    expected = [[[[5, 7], [13, 15]], [[6, 8], [14, 16]]]]
    assert_allclose(nn.MaxPool2D(3, padding=1, strides=2)(X).asnumpy(), expected, atol=1e-6)
    assert_allclose(max_pool_from_conv_relu(X, 3, 2, 1).asnumpy(), expected, atol=1e-5)


BAD_POOL = [  # (X shape, pool_size, mode, error, message)
    ((3, 3), (2, 2), 'min', ValueError, "mode must be 'max' or 'avg', got 'min'"),
    ((3, 3), (2, 2), 'Max', ValueError, "mode must be 'max' or 'avg'"),
    ((2, 2), (3, 3), 'max', ValueError, 'pool_size must be no larger than X'),
    ((3, 3), (0, 2), 'max', ValueError, r'pool_size\[0\] must be an integer >= 1, got 0'),
    ((3, 3), (2, -1), 'avg', ValueError, r'pool_size\[1\] must be an integer >= 1, got -1'),
    ((3, 3), 0, 'max', ValueError, 'pool_size must be an integer >= 1, got 0'),
    ((3, 3), (2, 2, 2), 'max', ValueError, 'pool_size must be an integer or an'),
    ((3, 3), (1.5, 2), 'max', TypeError, r'pool_size\[0\] must be an integer'),
    ((1, 3, 3), (2, 2), 'max', ValueError, 'X must be a 2-D array'),
]


@pytest.mark.parametrize('fn', POOL_FNS)
@pytest.mark.parametrize('x_shape, pool_size, mode, err, msg', BAD_POOL)
def test_pool2d_bad_input(fn, x_shape, pool_size, mode, err, msg):
    """Unknown modes raise (the book's loop returns zeros); bad windows name pool_size."""
    with pytest.raises(err, match=msg):
        fn(np.ones(x_shape), pool_size, mode)


def test_pool2d_fast_is_differentiable():
    """The gradient of sum(max pool) counts how many windows each input wins, like Gluon's."""
    from mxnet import autograd
    X = np.random.normal(size=(5, 6))
    X.attach_grad()
    with autograd.record():
        Y = pool2d_fast(X, (2, 3))
    Y.backward()
    Xg = X.reshape(1, 1, 5, 6).copy()
    Xg.attach_grad()
    with autograd.record():
        Yg = nn.MaxPool2D((2, 3), strides=1)(Xg)
    Yg.backward()
    assert_allclose(X.grad.asnumpy(), Xg.grad[0, 0].asnumpy(), **TOL)


# --- Exercises 6.5 -----------------------------------------------------------

@pytest.mark.parametrize('name, case', case_params(
    *[n for number, names in EXERCISES.items() if number.startswith('6.5') for n in names]))
def test_exercise_cases(name, case):
    """Each exercise answer passes the cases d2l_ch6.check grades students' answers with."""
    assert_case(case, getattr(pooling, name))


@pytest.mark.parametrize('case', CASES['pool_cost'])
def test_pool_cost_cases_are_counted(case):
    """The pool_cost cases' numbers are those the explicit loop counts."""
    c, h, w, p_h, p_w, pad_h, pad_w, s_h, s_w = args = case.inputs()
    n = counted_pool(onp.ones((c, h, w)), p_h, p_w, pad_h, pad_w, s_h, s_w, case.kwargs['mode'])[1]
    assert case.want(args) == n


LAYER_CASES = [  # (B, c, h, w), pool_size, strides, padding
    ((1, 1, 4, 4), 2, None, 0),
    ((2, 3, 6, 7), (2, 3), None, 0),
    ((2, 2, 7, 7), 3, 2, 1),
    ((1, 3, 5, 8), (3, 2), (1, 2), (1, 0)),
]


@pytest.mark.parametrize('shape, pool_size, strides, padding', LAYER_CASES)
def test_exercise_6_5_1_avg_pool_as_conv(shape, pool_size, strides, padding):
    """Exercise 6.5.1: "Can you implement average pooling as a special case of a convolution layer?
    If so, do it."

    Yes: an nn.Conv2D with kernel delta_oi / (p_h p_w), stride = window, equals nn.AvgPool2D
    (padded zeros counted, as AvgPool2D's default count_include_pad=True does).
    """
    X = np.random.normal(size=shape)
    conv = avg_pool_as_conv(shape[1], pool_size, strides, padding)
    expected = nn.AvgPool2D(pool_size, strides=strides, padding=padding)(X)
    assert_allclose(conv(X).asnumpy(), expected.asnumpy(), **TOL)
    assert conv.weight.grad_req == 'null'


@pytest.mark.parametrize('shape, pool_size, strides, padding', LAYER_CASES)
def test_exercise_6_5_2_max_pool_from_conv_relu(shape, pool_size, strides, padding):
    """Exercise 6.5.2: "Can you implement max pooling as a special case of a convolution layer? If
    so, do it."

    Not as one linear convolution (max is not linear), but from fixed convolutions and ReLU:
    max(a, b) = a + relu(b - a). Equal to nn.MaxPool2D, negative inputs and padding included.
    """
    X = np.random.normal(size=shape) - 3  # mostly negative: zero padding must not win
    expected = nn.MaxPool2D(pool_size, strides=strides, padding=padding)(X).asnumpy()
    assert_allclose(max_pool_from_conv_relu(X, pool_size, strides, padding).asnumpy(), expected,
                    **TOL)


def counted_pool(X, p_h, p_w, pad_h, pad_w, s_h, s_w, mode):
    """Pool (c, h, w) by explicit loops, counting comparisons, additions and divisions.

    pad_h rows of zeros on the top and on the bottom, pad_w columns on each side.
    """
    n = {'compare': 0, 'add': 0, 'div': 0}
    Xp = onp.pad(X, ((0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    c = X.shape[0]
    h_o, w_o = (Xp.shape[1] - p_h) // s_h + 1, (Xp.shape[2] - p_w) // s_w + 1
    Y = onp.zeros((c, h_o, w_o))
    for k, i, j in itertools.product(range(c), range(h_o), range(w_o)):
        acc = None
        for a, b in itertools.product(range(p_h), range(p_w)):
            v = Xp[k, i * s_h + a, j * s_w + b]
            if acc is None:
                acc = v
            elif mode == 'max':
                n['compare'] += 1
                acc = v if v > acc else acc
            else:
                n['add'] += 1
                acc = acc + v
        if mode == 'avg':
            n['div'] += 1
            acc = acc / (p_h * p_w)
        Y[k, i, j] = acc
    return Y, n


@pytest.mark.parametrize('mode', ['max', 'avg'])
@pytest.mark.parametrize('case', [(2, 4, 5, 2, 2, 0, 0, 1, 1), (3, 6, 6, 3, 2, 1, 0, 2, 2),
                                  (1, 5, 7, 2, 3, 1, 1, 3, 1),
                                  # the exercise's padding of (p_h, p_w): as large as the window
                                  (2, 4, 5, 2, 2, 2, 2, 1, 1), (1, 5, 7, 2, 3, 2, 3, 3, 1),
                                  (3, 6, 6, 3, 3, 3, 3, 2, 2)])
def test_exercise_6_5_3_pool_cost(mode, case):
    """Exercise 6.5.3: "What is the computational cost of the pooling layer? Assume that the input
    to the pooling layer is of size c x h x w, the pooling window has a shape of p_h x p_w with a
    padding of (p_h, p_w) and a stride of (s_h, s_w)."

    A padding of (p_h, p_w) is p_h rows on each side, as section 6.3 defines it. c h' w'
    (p_h p_w - 1) comparisons (max) or additions plus c h' w' divisions (average), as an
    explicit loop over the padded input counts; the loop's values match Gluon's pooling where
    Gluon takes the padding (MXNet refuses padding >= the window); with the exercise's padding,
    h' = floor((h + p_h + s_h) / s_h).
    """
    c, h, w, p_h, p_w, pad_h, pad_w, s_h, s_w = case
    X = onp.random.uniform(size=(c, h, w))
    Y, n = counted_pool(X, p_h, p_w, pad_h, pad_w, s_h, s_w, mode)
    assert pool_cost(c, h, w, p_h, p_w, pad_h, pad_w, s_h, s_w, mode) == n
    if (pad_h, pad_w) == (p_h, p_w):
        assert Y.shape == (c, (h + p_h + s_h) // s_h, (w + p_w + s_w) // s_w)
    else:
        layer = (nn.MaxPool2D if mode == 'max' else nn.AvgPool2D)(
            (p_h, p_w), strides=(s_h, s_w), padding=(pad_h, pad_w))
        # X >= 0, so zero padding never changes the max
        assert_allclose(Y, layer(np.array(X[None], dtype='float32'))[0].asnumpy(), **TOL)


def test_exercise_6_5_4_max_and_avg_differ():
    """Exercise 6.5.4: "Why do you expect maximum pooling and average pooling to work differently?"

    On one bright pixel (a detected feature) per 2x2 window: max pooling keeps it at full
    strength and sends gradient to that pixel only; average pooling divides it by 4 and
    spreads gradient 1/4 over the window, so background dilutes the feature.
    """
    X = onp.zeros((1, 1, 4, 4), dtype='float32')
    X[0, 0, 0, 1] = X[0, 0, 3, 3] = 1.0  # a spike in the top-left and bottom-right windows
    out = max_vs_avg_pooling(np.array(X), 2)
    (Y_max, dX_max), (Y_avg, dX_avg) = out['max'], out['avg']
    assert_array_equal(Y_max.asnumpy()[0, 0], [[1, 0], [0, 1]])
    assert_allclose(Y_avg.asnumpy()[0, 0], [[0.25, 0], [0, 0.25]], rtol=0, atol=1e-7)
    # avg: uniform 1/4; max: one input per window (the spike where there is one)
    assert_allclose(dX_avg.asnumpy(), onp.full((1, 1, 4, 4), 0.25), rtol=0, atol=1e-7)
    blocks = dX_max.asnumpy()[0, 0].reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
    assert_array_equal(blocks.sum(axis=1), [1, 1, 1, 1])
    assert_array_equal((blocks != 0).sum(axis=1), [1, 1, 1, 1])
    assert dX_max.asnumpy()[0, 0, 0, 1] == 1 and dX_max.asnumpy()[0, 0, 3, 3] == 1


@pytest.mark.parametrize('shape, pool_size, strides, padding', LAYER_CASES)
def test_exercise_6_5_5_min_pool(shape, pool_size, strides, padding):
    """Exercise 6.5.5: "Do we need a separate minimum pooling layer? Can you replace it with
    another operation?"

    No: min pooling is -MaxPool2D(-X); padding never wins, as numpy's +inf-padded windows show.
    """
    X = np.random.normal(size=shape) + 3  # mostly positive: zero padding must not win
    pair = lambda v, d: d if v is None else (v if isinstance(v, tuple) else (v, v))  # noqa: E731
    ps = pair(pool_size, None)
    expected = scipy_pool(X.asnumpy(), ps, onp.min, pair(strides, ps), pair(padding, None),
                          fill=onp.inf)
    assert_allclose(min_pool2d(X, pool_size, strides, padding).asnumpy(), expected, **TOL)


def test_exercise_6_5_6_lse_pool_limits_and_monotone():
    """Exercise 6.5.6: "Is there another operation between average and maximum pooling that you
    could consider (hint: recall the softmax)? Why might it not be so popular?"

    tau log mean exp(x / tau): tau -> 0 gives max pooling (within tau log(p_h p_w)), tau -> inf
    average pooling, and it decreases monotonically in tau in between. It costs an exp and a
    log per element and a temperature to tune.
    """
    X = np.random.normal(size=(2, 3, 6, 6))
    Xn = X.asnumpy()
    max_ref = scipy_pool(Xn, (2, 2), onp.max, (2, 2))
    avg_ref = scipy_pool(Xn, (2, 2), onp.mean, (2, 2))
    assert_allclose(lse_pool2d(X, 2, 1e-3).asnumpy(), max_ref,
                    rtol=0, atol=1e-3 * onp.log(4) + 1e-6)
    assert_allclose(lse_pool2d(X, 2, 1e3).asnumpy(), avg_ref, rtol=0, atol=2e-3)
    # monotone in tau (float64 to keep rounding out of the comparison), strictly between the two
    X64 = X.astype('float64')
    taus = onp.logspace(-2, 2, 9)
    Ys = onp.stack([lse_pool2d(X64, 2, float(t)).asnumpy() for t in taus])
    assert (onp.diff(Ys, axis=0) <= 1e-12).all()
    assert (Ys <= max_ref + 1e-12).all() and (Ys >= avg_ref - 1e-12).all()
    # overlapping windows (stride 1) and a rectangular window, against numpy in float64
    tau = 0.5
    ref = tau * onp.log(scipy_pool(onp.exp(Xn.astype('float64') / tau), (3, 2), onp.mean))
    assert_allclose(lse_pool2d(X, (3, 2), tau, strides=1).asnumpy(), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('fn, args, err, msg', [
    (min_pool2d, (2, 0), ValueError, 'strides must be an integer >= 1, got 0'),
    (min_pool2d, (2, 1, -1), ValueError, 'padding must be an integer >= 0, got -1'),
    (min_pool2d, (5,), ValueError, 'pool_size must fit inside the padded X'),
    (max_pool_from_conv_relu, ((0, 2),), ValueError, r'pool_size\[0\] must be an integer >= 1'),
    (max_pool_from_conv_relu, (2, (1, 0)), ValueError, r'strides\[1\] must be an integer >= 1'),
    (lse_pool2d, (2, 0.0), ValueError, 'temperature must be a finite number > 0, got 0.0'),
    (lse_pool2d, (2, -1.0), ValueError, 'temperature must be a finite number > 0, got -1.0'),
    (lse_pool2d, (2, float('inf')), ValueError, 'temperature must be a finite number > 0, got inf'),
    (lse_pool2d, (2, '1'), TypeError, "temperature must be a finite number > 0, got str '1'"),
    (max_vs_avg_pooling, (5,), ValueError, 'pool_size must fit inside the padded X'),
])
def test_exercise_functions_bad_input(fn, args, err, msg):
    with pytest.raises(err, match=msg):
        fn(np.ones((1, 2, 4, 4)), *args)


def test_exercise_functions_need_batched_input():
    with pytest.raises(ValueError, match='X must be a 4-D array'):
        min_pool2d(np.ones((4, 4)), 2)
    with pytest.raises(ValueError, match='channels must be an integer >= 1'):
        avg_pool_as_conv(0, 2)
    with pytest.raises(ValueError, match="mode must be 'max' or 'avg'"):
        pool_cost(1, 4, 4, 2, 2, mode='sum')
    with pytest.raises(ValueError, match='p_h x p_w must fit inside the padded input 4x4'):
        pool_cost(1, 4, 4, 5, 2)
    with pytest.raises(ValueError, match='pad_w must be an integer >= 0'):
        pool_cost(1, 4, 4, 2, 2, 0, -2)


def test_pool2d_loop_on_a_large_input_answers_at_once_naming_the_fast_version():
    import time
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"pool2d is the book's loop.*599x599 = 358,801 "
                                         r"outputs, above its limit of 10,000.*use pool2d_fast"):
        pool2d(np.ones((600, 600)), (2, 2), 'avg')
    assert time.perf_counter() - start < 2


def test_pool2d_loop_limit_is_on_the_number_of_outputs(monkeypatch):
    from d2l_ch6 import _arguments
    monkeypatch.setattr(_arguments, 'LOOP_MAX_OUTPUTS', 4)
    X = np.arange(12.0).reshape(3, 4)
    assert_array_equal(pool2d(X[:, :3], 2).asnumpy(), [[5, 6], [9, 10]])
    with pytest.raises(ValueError, match='2x3 = 6 outputs, above its limit of 4'):
        pool2d(X, 2)


# --- hostile input: float16 means, huge windows and sizes (issue 29) -----------------------

@pytest.mark.parametrize('fn', [pool2d, pool2d_fast])
def test_average_pooling_of_float16_is_computed_in_float32(fn):
    """Four 60000s average to 60000; summed in float16 (largest 65504) they gave inf."""
    X = onp.array([[60000, 48000, 60000], [60000, 40000, 20000]], 'float16')  # all exact
    Y = fn(np.array(X), (2, 2), 'avg').asnumpy()
    expected = [[(60000 + 48000 + 60000 + 40000) / 4, (48000 + 60000 + 40000 + 20000) / 4]]
    assert_allclose(Y, expected, rtol=1e-7)                     # by hand
    windows = onp.lib.stride_tricks.sliding_window_view(X.astype('float64'), (2, 2))
    assert_allclose(Y, windows.mean(axis=(-2, -1)), rtol=1e-7)  # numpy in float64
    assert_allclose(fn(np.array(X), (1, 2), 'max').asnumpy(), [[60000, 60000], [60000, 40000]])


@pytest.mark.parametrize('fn', [pool2d, pool2d_fast])
def test_a_huge_pool_size_is_refused_without_allocating_it(fn):
    """pool_size=10**6 asked numpy for a 10**6 x 10**6 array (7.28 TiB) in the check itself."""
    with pytest.raises(ValueError, match='pool_size must be no larger than X in height and '
                                         'width: pool_size is 1000000x1000000 but X is only 3x3'):
        fn(np.ones((3, 3)), 10**6)


def test_the_fast_path_refuses_a_size_it_cannot_finish_in_reasonable_time():
    X = onp.broadcast_to(onp.zeros((), 'float32'), (20000, 20000))    # a view of one number
    with pytest.raises(ValueError, match=r'pool2d_fast would compute 19998x19998 outputs with '
                                         r'a 3x3 window, 3,599,280,036 multiply-adds'):
        pool2d_fast(X, 3)
