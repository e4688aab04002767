"""Tests for d2l_ch6.padding_stride (Book section 6.3 and its exercises).

References: the book's printed shapes, Gluon's Conv2D/Conv1D, closed forms and
operation counts by explicit loops. The graded cases live in d2l_ch6.cases
(d2l_ch6.check runs them on students' code); here they run on ours and their
expected values are checked against these references.
"""
import itertools

import mxnet as mx
import numpy as onp
import pytest
from mxnet import np
from mxnet.gluon import nn
from numpy.testing import assert_allclose

from conftest import case_params
from d2l_ch6 import padding_stride
from d2l_ch6.grading.cases import CASES
from d2l_ch6.grading.verdict import assert_case

from d2l_ch6.padding_stride import (
    comp_conv2d, conv1d_strided, conv_cost, conv_output_shape, gluon_padding_to_total,
    last_example_output_shape)


def gluon_shape(n_h, n_w, kernel_size, padding, strides):
    """Output shape of a fresh Gluon Conv2D on an n_h x n_w input."""
    conv2d = nn.Conv2D(1, kernel_size=kernel_size, padding=padding, strides=strides)
    return comp_conv2d(conv2d, np.random.uniform(size=(n_h, n_w))).shape


def formula_shape(n_h, n_w, kernel_size, padding, strides):
    """Output shape by formula (6.3.3), converting Gluon's per-side arguments."""
    pair = lambda v: tuple(v) if isinstance(v, tuple) else (v, v)  # noqa: E731
    (k_h, k_w), (s_h, s_w) = pair(kernel_size), pair(strides)
    p_h, p_w = gluon_padding_to_total(padding)
    return conv_output_shape(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w)


BOOK_EXAMPLES = [  # (kernel_size, padding, strides, printed shape)
    (3, 1, 1, (8, 8)),
    ((5, 3), (2, 1), 1, (8, 8)),
    (3, 1, 2, (4, 4)),
    ((3, 5), (0, 1), (3, 4), (2, 2)),
]


@pytest.mark.parametrize('name, case', case_params(
    'comp_conv2d', 'conv_output_shape', 'last_example_output_shape', 'conv1d_strided', 'conv_cost'))
def test_graded_cases(name, case):
    """The cases d2l_ch6.check grades students with: comp_conv2d on the book's four layers and
    the exercise answers (formula 6.3.3 against Gluon, strided 1-D correlation, costs)."""
    assert_case(case, getattr(padding_stride, name))


@pytest.mark.parametrize('i, book', enumerate(BOOK_EXAMPLES))
def test_book_shapes_in_the_cases(i, book):
    """Section 6.3 on an 8x8 input prints (8, 8), (8, 8), (4, 4) and (2, 2): the comp_conv2d
    cases expect these shapes, and the formula cases' Gluon references give them."""
    kernel_size, padding, strides, printed = book
    comp, formula = CASES['comp_conv2d'][i], CASES['conv_output_shape'][i]
    assert comp.kind == formula.kind == 'book'
    assert comp.expected == (printed, True)
    args = formula.inputs()
    assert formula.want(args) == printed
    k_h, k_w = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
    assert args[2:4] == (k_h, k_w) and args[4:6] == gluon_padding_to_total(padding)
    assert formula_shape(8, 8, kernel_size, padding, strides) == printed


@pytest.mark.parametrize('case', CASES['conv_cost'])
def test_cost_cases_are_counted(case):
    """The conv_cost cases' numbers are the multiply-adds counted window by window."""
    assert case.want(case.inputs()) == count_mult_adds(*case.inputs())


def test_gluon_padding_is_per_side():
    """Gluon's padding a adds a rows on each side: the book's total p = 2a."""
    assert gluon_padding_to_total(1) == (2, 2)
    assert gluon_padding_to_total((0, 1)) == (0, 2)
    assert conv_output_shape(8, 8, 3, 3, 2, 2) == (8, 8)  # p = k - 1 keeps the shape


@pytest.mark.parametrize('n, s', [(8, 2), (7, 2), (9, 3), (10, 4)])
def test_formula_with_p_equal_k_minus_1(n, s):
    """With p = k - 1 the shape is Gluon's, and n / s when s divides n."""
    assert conv_output_shape(n, n, 3, 3, 2, 2, s, s) == gluon_shape(n, n, 3, 1, s)
    if n % s == 0:
        assert conv_output_shape(n, n, 3, 3, 2, 2, s, s) == (n // s, n // s)


def test_exercise_6_3_1_last_example():
    """Exercise 6.3.1: "For the last example in this section, use the shape calculation formula to
    calculate the output shape to see if it is consistent with the experimental results."

    floor((8 - 3 + 0 + 3) / 3) x floor((8 - 5 + 2 + 4) / 4) = 2 x 2, as Gluon gives.
    """
    assert last_example_output_shape() == (2, 2)
    assert gluon_shape(8, 8, (3, 5), (0, 1), (3, 4)) == last_example_output_shape()


SWEEP = list(itertools.product([1, 2, 3, (3, 5), (4, 2)], [0, 1, (2, 0)], [1, 2, (3, 2)]))


@pytest.mark.parametrize('kernel_size, padding, strides', SWEEP)
def test_exercise_6_3_2_sweep_against_gluon(kernel_size, padding, strides):
    """Exercise 6.3.2: "Try other padding and stride combinations on the experiments in this
    section."

    Formula (6.3.3) matches Gluon on a 7x9 input for each combination.
    """
    assert formula_shape(7, 9, kernel_size, padding, strides) == \
        gluon_shape(7, 9, kernel_size, padding, strides)


def test_exercise_6_3_3_stride_2_halves_the_sample_rate():
    """Exercise 6.3.3: "For audio signals, what does a stride of 2 correspond to?"

    Downsampling by 2: a sine sampled at rate r, correlated with [1] at stride 2, is
    the same sine sampled at r / 2. With the averaging kernel [1/2, 1/2] it is first
    low-passed: y[m] = cos(pi f / r) sin(2 pi f (2m + 1/2) / r). Gluon's Conv1D agrees.
    """
    r, f, N = 16000.0, 440.0, 400
    t = onp.arange(N) / r
    x = np.array(onp.sin(2 * onp.pi * f * t), dtype='float64')
    t2 = onp.arange(N // 2) * 2 / r  # sample spacing doubled
    y = conv1d_strided(x, np.array([1.0]), stride=2).asnumpy()
    assert_allclose(y, onp.sin(2 * onp.pi * f * t2), rtol=0, atol=1e-12)
    y_avg = conv1d_strided(x, np.array([0.5, 0.5]), stride=2).asnumpy()
    expected = onp.cos(onp.pi * f / r) * onp.sin(2 * onp.pi * f * (t2 + 0.5 / r))
    assert_allclose(y_avg, expected, rtol=0, atol=1e-12)

    conv = nn.Conv1D(1, kernel_size=3, strides=2, padding=1, in_channels=1, use_bias=False)
    conv.initialize(mx.init.Normal(1.0))
    x32 = x.astype('float32')
    gluon = conv(x32.reshape(1, 1, -1)).reshape(-1).asnumpy()
    ours = conv1d_strided(x32, conv.weight.data().reshape(-1), stride=2, padding=1).asnumpy()
    assert_allclose(ours, gluon, rtol=1e-5, atol=1e-6)


def count_mult_adds(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w, c_i, c_o):
    """Count multiply-adds by visiting every window position of the padded input."""
    count = 0
    for _ in range(c_o):
        for i in range(0, n_h + p_h - k_h + 1, s_h):
            for j in range(0, n_w + p_w - k_w + 1, s_w):
                for _ in range(c_i):
                    count += k_h * k_w
    return count


@pytest.mark.parametrize('args', [(8, 8, 3, 3, 2, 2, 1, 1, 1, 1), (8, 8, 3, 3, 2, 2, 2, 2, 1, 1),
                                  (7, 9, 3, 5, 0, 2, 3, 4, 2, 3), (12, 10, 1, 1, 0, 0, 3, 2, 4, 2),
                                  (6, 6, 6, 6, 0, 0, 5, 5, 1, 1)])
def test_exercise_6_3_4_cost_of_stride(args):
    """Exercise 6.3.4: "What are the computational benefits of a stride larger than 1."

    conv_cost equals the multiply-adds counted window by window.
    """
    n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w, c_i, c_o = args
    assert conv_cost(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w, c_i, c_o) == count_mult_adds(*args)


def test_exercise_6_3_4_stride_saves_s_squared():
    """Exercise 6.3.4: "What are the computational benefits of a stride larger than 1."

    With p = k - 1 and s dividing n the cost falls exactly by s_h * s_w; the output
    (and its memory) shrinks as Gluon's output shape shows.
    """
    full = conv_cost(256, 256, 3, 3, 2, 2, 1, 1)
    for s in (2, 4):
        assert conv_cost(256, 256, 3, 3, 2, 2, s, s) * s * s == full
    h, w = gluon_shape(8, 8, 3, 1, 2)
    assert conv_cost(8, 8, 3, 3, 2, 2, 2, 2) == h * w * 9


@pytest.mark.parametrize('kwargs, err, msg', [
    (dict(s_h=0), ValueError, r's_h must be an integer >= 1, got 0'),
    (dict(s_w=-2), ValueError, r's_w must be an integer >= 1, got -2'),
    (dict(p_h=-1), ValueError, r'p_h must be an integer >= 0, got -1'),
    (dict(k_w=0), ValueError, r'k_w must be an integer >= 1, got 0'),
    (dict(n_h=-3), ValueError, r'n_h must be an integer >= 1, got -3'),
    (dict(k_h=11), ValueError, r'k_h must be at most n_h \+ p_h = 10'),
    (dict(s_h=1.5), TypeError, r's_h must be an integer >= 1, got float 1.5'),
])
def test_conv_output_shape_bad_input(kwargs, err, msg):
    """Zero or negative stride, padding, kernel or size is refused by name."""
    args = dict(n_h=8, n_w=8, k_h=3, k_w=3, p_h=2, p_w=2, s_h=1, s_w=1)
    args.update(kwargs)
    with pytest.raises(err, match=msg):
        conv_output_shape(**args)


def test_other_bad_input():
    """comp_conv2d wants a 2-D X; conv1d_strided a positive stride and a fitting kernel."""
    with pytest.raises(ValueError, match='X must be a 2-D array, got 3-D'):
        comp_conv2d(nn.Conv2D(1, kernel_size=3), np.ones((1, 8, 8)))
    with pytest.raises(ValueError, match='stride must be an integer >= 1, got 0'):
        conv1d_strided(np.ones(8), np.ones(2), stride=0)
    with pytest.raises(ValueError, match=r'k must have between 1 and len\(x\) \+ 2 \* padding = 3 taps, got 5'):
        conv1d_strided(np.ones(3), np.ones(5))
    with pytest.raises(ValueError, match=r'padding must be an integer or an \(h, w\) pair'):
        gluon_padding_to_total((1, 2, 3))
    with pytest.raises(ValueError, match=r'c_i must be an integer >= 1, got 0'):
        conv_cost(8, 8, 3, 3, c_i=0)


# -- comp_conv2d: bad layers and inputs -------------------------------------------

@pytest.mark.parametrize('make, X_shape, err, msg', [
    (lambda: nn.Conv2D(1, kernel_size=9), (8, 8), ValueError,
     r"conv2d's kernel must fit inside the padded X: the kernel spans 9x9 but X padded "
     r'by \(0, 0\) on each side is 8x8'),
    (lambda: nn.Conv2D(1, kernel_size=3, dilation=4), (8, 8), ValueError,
     'the kernel spans 9x9'),
    (lambda: nn.Conv2D(1, kernel_size=3, padding=-1), (8, 8), ValueError,
     r'padding\[0\] must be an integer >= 0, got -1'),
    (lambda: nn.Conv2D(2, kernel_size=3), (8, 8), ValueError,
     'conv2d must have one input and one output channel .* got channels=2'),
    (lambda: nn.Conv2D(1, kernel_size=3, in_channels=3), (8, 8), ValueError,
     'in_channels=3'),
    (lambda: nn.Conv2D(1, kernel_size=3), (0, 8), ValueError,
     r'X must have at least one row and one column, got shape \(0, 8\)'),
    (lambda: nn.Dense(1), (8, 8), TypeError,
     r'conv2d must be a Gluon layer nn.Conv2D\(1, kernel_size=...\) or a 2-D pooling layer, '
     r'got Dense'),
    (lambda: nn.MaxPool2D(pool_size=5), (3, 3), ValueError, 'the kernel spans 5x5'),
    (lambda: (lambda X: X), (8, 8), TypeError, 'got function'),
])
def test_comp_conv2d_bad_input(make, X_shape, err, msg):
    with pytest.raises(err, match=msg):
        comp_conv2d(make(), np.ones(X_shape))


def test_comp_conv2d_takes_pooling_layers_too():
    """Section 6.5 applies the same shape arithmetic: 4x4 max-pooled by 3x3, padding 1, stride 2."""
    X = np.arange(16, dtype='float32').reshape(4, 4)
    Y = comp_conv2d(nn.MaxPool2D(pool_size=3, padding=1, strides=2), X)
    assert Y.asnumpy().tolist() == [[5, 7], [13, 15]]


def test_comp_conv2d_padding_lets_a_larger_kernel_fit():
    """A 9x9 kernel fits 8x8 padded by 1 on each side (10x10): output 2x2, the formula's."""
    assert comp_conv2d(nn.Conv2D(1, kernel_size=9, padding=1), np.ones((8, 8))).shape == (2, 2)
    assert conv_output_shape(8, 8, 9, 9, 2, 2) == (2, 2)


# --- hostile input to comp_conv2d (issue 29) -------------------------------------------------

def layer_built_for(c_i):
    conv2d = nn.Conv2D(1, kernel_size=3)
    conv2d.initialize()
    conv2d(np.ones((1, c_i, 8, 8)))           # the first call fills in c_i
    return conv2d


@pytest.mark.parametrize('make, X, kind, message', [
    (lambda: nn.Conv2D(1, kernel_size=3), np.ones((8, 8), dtype='float64'), TypeError,
     r"X must be float32, the dtype of conv2d's parameters, got float64; convert it with "
     r"X.astype\('float32'\)"),
    (lambda: nn.Conv2D(1, kernel_size=3), np.ones((8, 8), dtype='int32'), TypeError,
     r"X must be float32, the dtype of conv2d's parameters, got int32"),
    (lambda: nn.Conv2D(1, kernel_size=3), onp.ones((8, 8), 'float32'), TypeError,
     r'X must be an mxnet.numpy.ndarray \(a Gluon layer takes no other\), got numpy.ndarray'),
    (lambda: layer_built_for(3), np.ones((8, 8)), ValueError,
     r'conv2d must have one input and one output channel .*in_channels=3 \(the layer was '
     r'already called on that many channels: pass a fresh one\)'),
    (lambda: nn.MaxPool2D(2), np.ones((8, 8), dtype='int32'), TypeError,
     r'X must hold floats for a pooling layer, got int32'),
    (lambda: nn.Conv2D(1, kernel_size=1000), np.zeros((2000, 2000)), ValueError,
     r'comp_conv2d would compute 1001x1001 outputs with a 1000x1000 window, '
     r'1,002,001,000,000 multiply-adds, above its limit of 1,000,000,000'),
])
def test_comp_conv2d_names_what_a_gluon_layer_would_fail_on(make, X, kind, message):
    with pytest.raises(kind, match=message):
        comp_conv2d(make(), X)


def test_comp_conv2d_still_takes_a_layer_built_for_one_channel_and_float_pooling():
    Y = comp_conv2d(layer_built_for(1), np.ones((8, 8)))
    assert Y.shape == (6, 6)
    assert_allclose(comp_conv2d(nn.AvgPool2D(2), np.array(onp.arange(16.).reshape(4, 4),
                                                          dtype='float64')).asnumpy(),
                    [[2.5, 4.5], [10.5, 12.5]])     # by hand: the means of the 2x2 blocks


# --- explorer_view: bounded settings and a bounded student function (issue 29) ---------------
# (here beside comp_conv2d, which explorer_view runs; tests/test_explorer.py holds the rest)

def test_explorer_view_refuses_settings_beyond_its_sliders():
    from d2l_ch6.explorer import explorer_view
    with pytest.raises(ValueError, match='n must be an integer >= 1 and <= 28, got 1000000'):
        explorer_view(n=10**6)
    with pytest.raises(ValueError, match='k must be an integer >= 1 and <= 7, got 3000'):
        explorer_view(k=3000)


def test_explorer_view_stops_a_student_function_that_ignores_sigalrm():
    """A fn that ignores SIGALRM and never returns: stopped after time_limit, this process untouched."""
    import signal
    import time
    from d2l_ch6.explorer import explorer_view

    def stubborn(X, K):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.alarm(0)
        while True:
            pass

    handler = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    view = explorer_view(n=4, k=2, fn=stubborn, time_limit=1)
    assert time.monotonic() - start < 10
    assert view.message == 'your fn did not finish within 1 s and was stopped.'
    assert view.ok and view.student is None
    assert signal.getsignal(signal.SIGALRM) == handler
    right = explorer_view(n=4, k=2, fn=corr)     # the child's answer still comes back
    assert right.message == 'your function agrees with Gluon in all 9 cells.'


def corr(X, K):
    """A student's vectorised cross-correlation (numpy, from mxnet arrays)."""
    from numpy.lib.stride_tricks import sliding_window_view
    X, K = X.asnumpy(), K.asnumpy()
    return (sliding_window_view(X, K.shape) * K).sum(axis=(-2, -1))
