"""Tests for d2l_ch6.channels (Book section 6.4 and its exercises).

References: the book's printed outputs, Gluon's Conv2D with set weights, numpy
sliding windows with einsum, scipy.signal, and operations counted by explicit
Python loops. The graded cases live in d2l_ch6.cases (d2l_ch6.check runs them
on students' code); here they run on ours and their expected values are
checked against these references.
"""
import itertools

import numpy as onp
import pytest
import scipy.signal
from mxnet import autograd, np
from mxnet.gluon import nn
from numpy.testing import assert_allclose, assert_array_equal
from scipy import signal

from conftest import case_params
from d2l_ch6 import channels
from d2l_ch6.grading.cases import CASES, EXERCISES
from d2l_ch6.grading.verdict import assert_case

from d2l_ch6.channels import (
    compare_1x1, compose_kernels, conv1x1_cost, conv2d_matmul, conv_backward_cost,
    conv_cost_growth, conv_forward_cost, conv_memory, corr2d_multi_in, corr2d_multi_in_out,
    corr2d_multi_in_out_1x1, corr2d_multi_in_out_fast, draw_channels, im2col_multi,
    kernel_factor_residual)

TOL = dict(rtol=1e-5, atol=1e-5)  # float32 sums of at most a few hundred O(1) products
MULTI_FNS = [corr2d_multi_in_out, corr2d_multi_in_out_fast]


def book_X_K():
    """Fig. 6.4.1's two-channel input and kernel."""
    X = np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]],
                  [[1, 2, 3], [4, 5, 6], [7, 8, 9]]])
    K = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]])
    return X, K


def gluon_conv(X, K, padding=0, strides=1):
    """Gluon's nn.Conv2D with weight K and no bias on a (B, c_i, h, w) batch."""
    c_o, c_i, k_h, k_w = K.shape
    conv = nn.Conv2D(c_o, kernel_size=(k_h, k_w), padding=padding, strides=strides,
                     in_channels=c_i, use_bias=False)
    conv.initialize()
    conv.weight.set_data(K)
    return conv(X)


def scipy_conv(X, K, padding=(0, 0), strides=(1, 1)):
    """Cross-correlation by scipy.signal.correlate2d, summed over input channels, in float64.

    An independent reference: each (example, output channel) is the sum over
    input channels of scipy's 'valid' 2-D cross-correlation of the padded
    plane with that channel's kernel, kept at every stride-th position.
    """
    X = onp.pad(onp.asarray(X, dtype='float64'),
                ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    K = onp.asarray(K, dtype='float64')
    Y = onp.array([[sum(signal.correlate2d(X[b, i], K[o, i], mode='valid')
                        for i in range(X.shape[1]))
                    for o in range(K.shape[0])] for b in range(X.shape[0])])
    return Y[:, :, ::strides[0], ::strides[1]]


def test_the_scipy_reference_by_hand():
    """Fig. 6.4.1's two channels give [[56, 72], [104, 120]]; stride 2 with padding 1 on
    X = 0..8 (3x3) and an all-ones 2x2 kernel gives [[0, 3], [9, 24]]."""
    X = onp.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]])
    K = onp.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]])
    assert_allclose(scipy_conv(X[None], K[None])[0, 0], [[56, 72], [104, 120]])
    assert_allclose(scipy_conv(X[None, :1], onp.ones((1, 1, 2, 2)), (1, 1), (2, 2))[0, 0],
                    [[0, 3], [9, 24]])


# --- Book section 6.4 --------------------------------------------------------

@pytest.mark.parametrize('name, case', case_params('corr2d_multi_in'))
def test_corr2d_multi_in_cases(name, case):
    """Fig. 6.4.1's (1x1 + 2x2 + 4x3 + 5x4) + (0x0 + 1x1 + 3x2 + 4x3) = 56, i.e. [[56, 72],
    [104, 120]], then one channel, three channels and a 1x1 kernel."""
    assert_case(case, corr2d_multi_in)


@pytest.mark.parametrize('fn', MULTI_FNS)
@pytest.mark.parametrize('name, case', case_params('corr2d_multi_in_out',
                                                   'corr2d_multi_in_out_1x1'))
def test_corr2d_multi_in_out_cases(fn, name, case):
    """The book's K, K + 1, K + 2 gives its three channels; random and edge shapes, and the
    1x1 cases, for the loop and the im2col version."""
    assert_case(case, fn)


@pytest.mark.parametrize('name, case', case_params('corr2d_multi_in_out_1x1'))
def test_corr2d_multi_in_out_1x1_cases(name, case):
    """Section 6.4.3's 1x1 convolution as one matrix product gives the channel mixes (the
    book's np.abs(Y1 - Y2).sum() < 1e-6, here against numpy's einsum at 1e-6)."""
    assert_case(case, corr2d_multi_in_out_1x1)


@pytest.mark.parametrize('name, case', case_params('corr2d_multi_in', 'corr2d_multi_in_out',
                                                   'corr2d_multi_in_out_1x1'))
def test_case_references_are_gluons(name, case):
    """Every case's expected value (the book's, or numpy's einsum) is Gluon's Conv2D output."""
    X, K = case.inputs()
    if name == 'corr2d_multi_in':
        K = K[None]
    expected = gluon_conv(X[None].astype('float32'), K.astype('float32'))[0].asnumpy()
    want = case.want((X, K[0] if name == 'corr2d_multi_in' else K))
    assert_allclose(want, expected[0] if name == 'corr2d_multi_in' else expected, **TOL)


def test_corr2d_multi_in_out_fast_is_differentiable():
    """Gradients of corr2d_multi_in_out_fast equal Gluon Conv2D's for X and K."""
    X, K = np.random.normal(size=(2, 5, 5)), np.random.normal(size=(3, 2, 3, 2))
    X.attach_grad()
    K.attach_grad()
    with autograd.record():
        l = (corr2d_multi_in_out_fast(X, K) ** 2).sum()
    l.backward()
    conv = nn.Conv2D(3, kernel_size=(3, 2), in_channels=2, use_bias=False)
    conv.initialize()
    conv.weight.set_data(K)
    Xg = X.copy()
    Xg.attach_grad()
    with autograd.record():
        lg = (conv(Xg[None]) ** 2).sum()
    lg.backward()
    assert_allclose(X.grad.asnumpy(), Xg.grad.asnumpy(), **TOL)
    assert_allclose(K.grad.asnumpy(), conv.weight.grad().asnumpy(), **TOL)


BAD_INPUT = [  # (fn, X shape, K shape, message)
    (corr2d_multi_in, (2, 3, 3), (3, 2, 2), 'as many input channels'),
    (corr2d_multi_in, (3, 3), (3, 2, 2), 'X must be a 3-D array'),
    (corr2d_multi_in, (2, 3, 3), (2, 4, 2), 'no larger than X'),
    (corr2d_multi_in_out, (2, 3, 3), (1, 3, 2, 2), 'as many input channels'),
    (corr2d_multi_in_out, (2, 3, 3), (2, 2, 2), 'K must be a 4-D array'),
    (corr2d_multi_in_out, (2, 3, 3), (1, 2, 4, 4), 'no larger than X'),
    (corr2d_multi_in_out_fast, (2, 3, 3), (1, 3, 2, 2), 'as many input channels'),
    (corr2d_multi_in_out_fast, (2, 3, 3), (1, 2, 1, 4), 'no larger than X'),
    (corr2d_multi_in_out_1x1, (3, 3, 3), (2, 3, 3, 3), r'K must be a 1x1 kernel'),
    (corr2d_multi_in_out_1x1, (3, 3, 3), (2, 2, 1, 1), 'as many input channels'),
    (corr2d_multi_in_out_1x1, (0, 3, 3), (2, 0, 1, 1), 'at least one channel'),
]


@pytest.mark.parametrize('fn, x_shape, k_shape, msg', BAD_INPUT)
def test_bad_input_raises_value_error(fn, x_shape, k_shape, msg):
    """Wrong ranks, mismatched c_i, too-large or non-1x1 kernels raise ValueError."""
    with pytest.raises(ValueError, match=msg):
        fn(np.ones(x_shape), np.ones(k_shape))


def test_non_array_raises_type_error():
    with pytest.raises(TypeError, match='X must be an array'):
        corr2d_multi_in([[1, 2], [3, 4]], np.ones((1, 1, 1)))


# --- Exercise 6.4.1 ----------------------------------------------------------

@pytest.mark.parametrize('k1, k2', [((2, 2), (2, 2)), ((3, 1), (2, 3)), ((1, 1), (3, 2))])
def test_exercise_6_4_1_two_convolutions_are_one(k1, k2):
    """Exercise 6.4.1: "Assume that we have two convolutional kernels of size k1 and k2
    respectively (with no non-linearity in between). Prove that the result of the operation can
    be expressed by a single convolution. What is the dimensionality of the equivalent single
    convolution?"

    corr(corr(X, K1), K2) = corr(X, K1 * K2), K1 * K2 the full convolution (scipy's
    convolve2d 'full'), of size (k1 + k2 - 1); with channels, summed over the middle channel.
    """
    K1, K2 = np.random.normal(size=k1), np.random.normal(size=k2)
    K = compose_kernels(K1, K2)
    assert K.shape == (k1[0] + k2[0] - 1, k1[1] + k2[1] - 1)
    assert_allclose(K.asnumpy(), scipy.signal.convolve2d(K1.asnumpy(), K2.asnumpy(), 'full'),
                    **TOL)
    # multi-channel: two stacked Gluon layers (c_i = 2 -> c_m = 3 -> c_o = 2) equal one
    X = np.random.normal(size=(2, 2, 7, 8))
    K1, K2 = np.random.normal(size=(3, 2, *k1)), np.random.normal(size=(2, 3, *k2))
    K = compose_kernels(K1, K2)
    assert K.shape == (2, 2, k1[0] + k2[0] - 1, k1[1] + k2[1] - 1)
    stacked = gluon_conv(gluon_conv(X, K1), K2)
    assert_allclose(gluon_conv(X, K).asnumpy(), stacked.asnumpy(), rtol=1e-4, atol=1e-4)


def test_exercise_6_4_1_converse_is_false():
    """Exercise 6.4.1: "Is the converse true?"

    No. [[1, 0, 1]] is no product of two 1x2 kernels: (a0 + a1 z)(b0 + b1 z) has real roots,
    1 + z^2 has none. Its best fit is (x, m, y) = (a0 b0, a0 b1 + a1 b0, a1 b1) with
    m^2 >= 4 x y; minimising (x-1)^2 + m^2 + (y-1)^2 under that gives exactly 1 (at y = 0,
    m = 0, x = 1), so the relative residual is 1 / sqrt(2). A random 3x3 kernel is not
    two 2x2 ones either (7 free numbers < 9), while a composed kernel factors exactly.
    """
    assert_allclose(kernel_factor_residual(np.array([[1., 0., 1.]]), (1, 2)),
                    1 / onp.sqrt(2), rtol=1e-3)
    assert kernel_factor_residual(np.random.normal(size=(3, 3)), (2, 2)) > 0.05
    K = compose_kernels(np.random.normal(size=(2, 2)), np.random.normal(size=(2, 2)))
    assert kernel_factor_residual(K, (2, 2)) < 1e-4


def test_exercise_6_4_1_bad_input():
    with pytest.raises(ValueError, match='K2 must take as many input channels'):
        compose_kernels(np.ones((3, 2, 2, 2)), np.ones((2, 2, 2, 2)))
    with pytest.raises(ValueError, match='K1 must be a 2-D .* or 4-D'):
        compose_kernels(np.ones((2, 2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match='k1_shape must be no larger than K'):
        kernel_factor_residual(np.ones((3, 3)), (4, 2))
    with pytest.raises(ValueError, match=r'k1_shape\[0\] must be an integer >= 1'):
        kernel_factor_residual(np.ones((3, 3)), (0, 2))


# --- Exercises 6.4.2 - 6.4.4: an instrumented loop counts the operations ------

def counted_conv(X, K, p_h, p_w, s_h, s_w):
    """Forward and backward convolution by explicit loops, counting every * and +.

    X is (c_i, h, w), K (c_o, c_i, k_h, k_w), total padding p_h, p_w (split as evenly
    as Gluon does when even). The first term of a sum is a copy, not an addition.
    Returns Y, dX, dK (for dY = 1) and {'fwd_mul', 'fwd_add', 'bwd_mul', 'bwd_add'}.
    """
    n = dict.fromkeys(['fwd_mul', 'fwd_add', 'bwd_mul', 'bwd_add'], 0)
    Xp = onp.pad(X, ((0, 0), (p_h // 2, p_h - p_h // 2), (p_w // 2, p_w - p_w // 2)))
    c_o, c_i, k_h, k_w = K.shape
    h_o = (Xp.shape[1] - k_h) // s_h + 1
    w_o = (Xp.shape[2] - k_w) // s_w + 1
    Y = onp.zeros((c_o, h_o, w_o))
    terms = [(i, a, b) for i in range(c_i) for a in range(k_h) for b in range(k_w)]
    for o, r, c in itertools.product(range(c_o), range(h_o), range(w_o)):
        acc = None
        for i, a, b in terms:
            prod = Xp[i, r * s_h + a, c * s_w + b] * K[o, i, a, b]
            n['fwd_mul'] += 1
            if acc is None:
                acc = prod
            else:
                acc, n['fwd_add'] = acc + prod, n['fwd_add'] + 1
        Y[o, r, c] = acc
    dY = onp.ones_like(Y)
    dXp, dK = {}, onp.zeros_like(K)
    for o, i, a, b in itertools.product(range(c_o), range(c_i), range(k_h), range(k_w)):
        acc = None
        for r, c in itertools.product(range(h_o), range(w_o)):
            pos = (i, r * s_h + a, c * s_w + b)
            prod_k = dY[o, r, c] * Xp[pos]  # into dK
            prod_x = dY[o, r, c] * K[o, i, a, b]  # into dX
            n['bwd_mul'] += 2
            if acc is None:
                acc = prod_k
            else:
                acc, n['bwd_add'] = acc + prod_k, n['bwd_add'] + 1
            if pos in dXp:
                dXp[pos], n['bwd_add'] = dXp[pos] + prod_x, n['bwd_add'] + 1
            else:
                dXp[pos] = prod_x
        dK[o, i, a, b] = acc
    dX = onp.zeros(Xp.shape)
    for pos, v in dXp.items():
        dX[pos] = v
    dX = dX[:, p_h // 2:p_h // 2 + X.shape[1], p_w // 2:p_w // 2 + X.shape[2]]
    return Y, dX, dK, n


COST_CASES = [  # c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w
    (1, 1, 4, 4, 2, 2, 0, 0, 1, 1),
    (2, 3, 5, 4, 3, 2, 2, 0, 1, 1),
    (3, 2, 6, 5, 2, 3, 2, 2, 2, 3),
    (2, 2, 7, 7, 2, 2, 0, 2, 3, 3),  # stride > kernel: some inputs get no gradient
    (2, 1, 5, 5, 1, 1, 0, 0, 1, 1),
]


@pytest.mark.parametrize('case', COST_CASES)
def test_counted_loop_is_a_convolution(case):
    """The counting loop itself matches Gluon's Conv2D forward and its autograd gradients."""
    c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w = case
    X, K = onp.random.normal(size=(c_i, h, w)), onp.random.normal(size=(c_o, c_i, k_h, k_w))
    Y, dX, dK, _ = counted_conv(X, K, p_h, p_w, s_h, s_w)
    conv = nn.Conv2D(c_o, (k_h, k_w), strides=(s_h, s_w), padding=(p_h // 2, p_w // 2),
                     in_channels=c_i, use_bias=False)
    conv.initialize()
    conv.weight.set_data(np.array(K, dtype='float32'))
    Xm = np.array(X[None], dtype='float32')
    Xm.attach_grad()
    with autograd.record():
        Ym = conv(Xm)
    Ym.backward()
    assert_allclose(Y, Ym[0].asnumpy(), **TOL)
    assert_allclose(dX, Xm.grad[0].asnumpy(), **TOL)
    assert_allclose(dK, conv.weight.grad().asnumpy(), **TOL)


@pytest.mark.parametrize('case', COST_CASES)
def test_exercise_6_4_2_cost_matches_counted_loop(case):
    """Exercise 6.4.2: "Assume an input shape of c_i x h x w and a convolution kernel with the
    shape c_o x c_i x k_h x k_w, padding of (p_h, p_w), and stride of (s_h, s_w). What is the
    computational cost (multiplications and additions) for the forward computation? [...] What
    is the computational cost for the backward computation?"

    Forward: c_o c_i k_h k_w h' w' multiplications; backward twice as many. Additions as counted.
    """
    c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w = case
    X, K = onp.random.normal(size=(c_i, h, w)), onp.random.normal(size=(c_o, c_i, k_h, k_w))
    n = counted_conv(X, K, p_h, p_w, s_h, s_w)[3]
    fwd = conv_forward_cost(c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    bwd = conv_backward_cost(c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    assert (fwd['mul'], fwd['add']) == (n['fwd_mul'], n['fwd_add'])
    assert (bwd['mul'], bwd['add']) == (n['bwd_mul'], n['bwd_add'])
    assert bwd['mul'] == 2 * fwd['mul']


@pytest.mark.parametrize('case', COST_CASES[1:4])
def test_exercise_6_4_2_memory_matches_gluon_arrays(case):
    """Exercise 6.4.2: "What is the memory footprint? What is the memory footprint for the
    backward computation?"

    The element counts of Gluon's input, weight, output and the three gradients.
    """
    c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w = case
    conv = nn.Conv2D(c_o, (k_h, k_w), strides=(s_h, s_w), padding=(p_h // 2, p_w // 2),
                     in_channels=c_i, use_bias=False)
    conv.initialize()
    X = np.random.normal(size=(1, c_i, h, w))
    X.attach_grad()
    with autograd.record():
        Y = conv(X)
    Y.backward()
    sizes = {'input': X.size, 'kernel': conv.weight.data().size, 'output': Y.size,
             'grad_output': Y.size, 'grad_input': X.grad.size,
             'grad_kernel': conv.weight.grad().size}
    mem = conv_memory(c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    assert {k: mem[k] for k in sizes} == sizes
    assert mem['forward'] == sizes['input'] + sizes['kernel'] + sizes['output']
    assert mem['backward'] == (sizes['input'] + sizes['kernel'] + sizes['grad_output']
                               + sizes['grad_input'] + sizes['grad_kernel'])


@pytest.mark.parametrize('case', [COST_CASES[1], COST_CASES[2]])
def test_exercise_6_4_3_doubling_channels_and_padding(case):
    """Exercise 6.4.3: "By what factor does the number of calculations increase if we double the
    number of input channels c_i and the number of output channels c_o? What happens if we double
    the padding?"

    Channels: exactly 4x. Padding: only the output grows (additively), as the loop counts.
    """
    c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w = case
    growth = conv_cost_growth(c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w)
    assert growth['channels'] == 4
    count = lambda ci, co, ph, pw: counted_conv(  # noqa: E731
        onp.ones((ci, h, w)), onp.ones((co, ci, k_h, k_w)), ph, pw, s_h, s_w)[3]['fwd_mul']
    base = count(c_i, c_o, p_h, p_w)
    assert count(2 * c_i, 2 * c_o, p_h, p_w) == 4 * base
    assert growth['padding'] == count(c_i, c_o, 2 * p_h, 2 * p_w) / base


def test_exercise_6_4_3_per_side_padding_grows_output_by_two():
    """Gluon padding 1 -> 2 per side (total 2 -> 4): output 2 rows and columns larger."""
    X = np.ones((1, 1, 8, 8))
    K = np.ones((1, 1, 3, 3))
    shapes = [gluon_conv(X, K, padding=p).shape[2:] for p in (1, 2)]
    assert shapes == [(8, 8), (10, 10)]
    growth = conv_cost_growth(1, 1, 8, 8, 3, 3, 2, 2)
    assert_allclose(growth['padding'], 100 / 64, rtol=1e-12)


@pytest.mark.parametrize('c_i, c_o, h, w', [(3, 2, 3, 3), (1, 4, 2, 5), (5, 1, 4, 1)])
def test_exercise_6_4_4_1x1_cost(c_i, c_o, h, w):
    """Exercise 6.4.4: "If the height and width of the convolution kernel is k_h = k_w = 1, what is
    the complexity of the forward computation?"

    O(c_i c_o h w): c_o c_i h w multiplications, c_o (c_i - 1) h w additions, as counted.
    """
    cost = conv1x1_cost(c_i, c_o, h, w)
    n = counted_conv(onp.ones((c_i, h, w)), onp.ones((c_o, c_i, 1, 1)), 0, 0, 1, 1)[3]
    assert cost == {'mul': n['fwd_mul'], 'add': n['fwd_add']}


@pytest.mark.parametrize('kwargs, msg', [
    (dict(c_i=0), 'c_i must be an integer >= 1'),
    (dict(c_o=-1), 'c_o must be an integer >= 1'),
    (dict(k_h=9), 'k_h must be at most'),
    (dict(p_h=-2), 'p_h must be an integer >= 0'),
    (dict(s_w=0), 's_w must be an integer >= 1'),
])
def test_cost_bad_input(kwargs, msg):
    args = dict(c_i=2, c_o=2, h=5, w=5, k_h=3, k_w=3)
    args.update(kwargs)
    for fn in (conv_forward_cost, conv_backward_cost, conv_memory, conv_cost_growth):
        with pytest.raises(ValueError, match=msg):
            fn(**args)


# --- Exercise 6.4.5 ----------------------------------------------------------

def test_exercise_6_4_5_y1_y2_summation_order():
    """Exercise 6.4.5: "Are the variables Y1 and Y2 in the last example of this section exactly
    the same? Why?"

    Equal to tolerance, not necessarily to the bit. Y2 (the loop) is exactly the float32 sum
    0 + p_0 + p_1 + p_2 of rounded products, in that order; Y1 comes from BLAS, which sums in
    its own order (vector lanes, fused multiply-adds), so bits may differ by about one ulp.
    compare_1x1 reports the difference against that sequential sum, computed here by hand.
    """
    X = np.random.uniform(size=(3, 3, 3))
    K = np.random.uniform(size=(2, 3, 1, 1))
    Xn, Kn = X.asnumpy(), K.asnumpy()[:, :, 0, 0]
    seq = onp.zeros((2, 3, 3), dtype='float32')
    for i in range(3):
        seq = seq + Kn[:, i, None, None] * Xn[None, i]  # float32 product, then float32 add
    assert_array_equal(corr2d_multi_in_out(X, K).asnumpy(), seq)  # Y2, bit for bit
    Y1 = corr2d_multi_in_out_1x1(X, K).asnumpy()
    diff, identical = compare_1x1(X, K)
    assert diff == float(onp.abs(Y1.astype('float64') - seq).max())
    assert identical is bool((Y1 == seq).all())
    assert diff < 1e-6  # the book's tolerance
    # both are within float32 rounding of the exact (float64) result
    exact = onp.einsum('oi,ihw->ohw', Kn.astype('float64'), Xn.astype('float64'))
    eps = onp.finfo('float32').eps
    assert_allclose(Y1, exact, rtol=3 * eps, atol=0)
    assert_allclose(seq, exact, rtol=3 * eps, atol=0)


def test_exercise_6_4_5_reports_a_difference(monkeypatch):
    """When Y1 is one ulp off the loop's Y2 in one element, compare_1x1 says so: the
    difference is that ulp and the two are not identical."""
    X, K = np.random.uniform(size=(3, 3, 3)), np.random.uniform(size=(2, 3, 1, 1))
    Y2 = corr2d_multi_in_out(X, K).asnumpy()
    off = Y2.copy()
    off[1, 2, 0] = onp.nextafter(off[1, 2, 0], onp.float32(2))
    monkeypatch.setattr(channels, 'corr2d_multi_in_out_1x1', lambda X, K: np.array(off))
    diff, identical = compare_1x1(X, K)
    assert diff == float(onp.spacing(Y2[1, 2, 0])) and identical is False


@pytest.mark.parametrize('name, case', case_params(
    *[n for number, names in EXERCISES.items() if number.startswith('6.4') for n in names]))
def test_exercise_cases(name, case):
    """Each exercise answer passes the cases d2l_ch6.check grades students' answers with."""
    assert_case(case, getattr(channels, name))


@pytest.mark.parametrize('name, case', case_params('conv_forward_cost', 'conv_backward_cost'))
def test_cost_cases_are_counted(name, case):
    """The cost cases' numbers are the operations counted by the instrumented loop."""
    args = case.inputs()
    c_i, c_o, h, w, k_h, k_w, p_h, p_w, s_h, s_w = args
    n = counted_conv(onp.ones((c_i, h, w)), onp.ones((c_o, c_i, k_h, k_w)), p_h, p_w, s_h, s_w)[3]
    key = 'fwd' if name == 'conv_forward_cost' else 'bwd'
    assert case.want(args) == {'mul': n[f'{key}_mul'], 'add': n[f'{key}_add']}


@pytest.mark.parametrize('case', CASES['compose_kernels'])
def test_compose_case_references_are_scipys(case):
    """The composed kernels' references equal scipy's full convolution, summed over c_m."""
    K1, K2 = (A.asnumpy().astype('float64') for A in case.inputs())
    if K1.ndim == 2:
        expected = scipy.signal.convolve2d(K1, K2, 'full')
    else:
        expected = onp.stack([onp.stack([sum(scipy.signal.convolve2d(K1[m, i], K2[o, m], 'full')
                                             for m in range(K1.shape[0]))
                                         for i in range(K1.shape[1])]) for o in range(K2.shape[0])])
    assert_allclose(case.want(case.inputs()), expected, rtol=0, atol=1e-12)


# --- Exercise 6.4.6 ----------------------------------------------------------

MATMUL_CASES = [  # B, c_i, h, w, c_o, kernel_size, padding, strides
    (1, 1, 5, 5, 1, (3, 3), 0, 1),
    (2, 3, 6, 7, 4, (3, 2), 1, 1),
    (3, 2, 8, 8, 3, (3, 3), (1, 2), (2, 3)),
    (2, 4, 7, 5, 2, (1, 1), 0, 2),
    (1, 2, 4, 4, 2, (5, 5), 1, 1),  # kernel larger than the unpadded input
]


@pytest.mark.parametrize('B, c_i, h, w, c_o, kernel_size, padding, strides', MATMUL_CASES)
def test_exercise_6_4_6_conv_as_matmul(B, c_i, h, w, c_o, kernel_size, padding, strides):
    """Exercise 6.4.6: "How would you implement convolutions using matrix multiplication when the
    convolution window is not 1 x 1?"

    im2col: unfold each window into a column, then one (c_o x c_i k_h k_w) matrix product;
    equal to Gluon's Conv2D and numpy's einsum, with batch, channels, padding and stride.
    """
    X = np.random.normal(size=(B, c_i, h, w))
    K = np.random.normal(size=(c_o, c_i, *kernel_size))
    Y = conv2d_matmul(X, K, padding, strides).asnumpy()
    pad = padding if isinstance(padding, tuple) else (padding, padding)
    stride = strides if isinstance(strides, tuple) else (strides, strides)
    assert_allclose(Y, gluon_conv(X, K, padding, strides).asnumpy(), **TOL)
    assert_allclose(Y, scipy_conv(X.asnumpy(), K.asnumpy(), pad, stride), **TOL)
    cols = im2col_multi(X, kernel_size, padding, strides)
    assert cols.shape == (B, c_i * kernel_size[0] * kernel_size[1], Y.shape[2] * Y.shape[3])


def test_exercise_6_4_6_im2col_columns():
    """On X = 0..15 (1, 1, 4, 4), im2col with a 2x2 window, stride 2: the four 2x2 blocks."""
    X = np.arange(16).reshape(1, 1, 4, 4)
    cols = im2col_multi(X, 2, strides=2).asnumpy()[0]
    assert_array_equal(cols.T, [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]])


@pytest.mark.parametrize('kwargs, err, msg', [
    (dict(padding=-1), ValueError, 'padding must be an integer >= 0'),
    (dict(strides=0), ValueError, 'strides must be an integer >= 1'),
    (dict(strides=(1, 2, 3)), ValueError, 'strides must be an integer or an'),
    (dict(padding=1.5), TypeError, 'padding must be an integer'),
])
def test_exercise_6_4_6_bad_arguments(kwargs, err, msg):
    X, K = np.ones((1, 2, 5, 5)), np.ones((1, 2, 3, 3))
    with pytest.raises(err, match=msg):
        conv2d_matmul(X, K, **kwargs)


def test_exercise_6_4_6_bad_shapes():
    with pytest.raises(ValueError, match='K must fit inside the padded X'):
        conv2d_matmul(np.ones((1, 1, 3, 3)), np.ones((1, 1, 6, 2)), padding=1)
    with pytest.raises(ValueError, match='as many input channels'):
        conv2d_matmul(np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match='X must be a 4-D array'):
        conv2d_matmul(np.ones((2, 5, 5)), np.ones((1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r'kernel_size\[0\] must be an integer >= 1'):
        im2col_multi(np.ones((1, 2, 5, 5)), (0, 2))


# -- bad input: zero output channels, mixed types, booleans ------------------------

@pytest.mark.parametrize('fn', [corr2d_multi_in_out, corr2d_multi_in_out_1x1,
                                corr2d_multi_in_out_fast])
def test_zero_output_channels_is_a_value_error(fn):
    """corr2d_multi_in_out_1x1 used to return an empty (0, h, w) array."""
    with pytest.raises(ValueError, match=r'K must have at least one output channel \(c_o >= 1\), '
                                         r'got shape \(0, 2, 1, 1\)'):
        fn(np.ones((2, 3, 3)), np.ones((0, 2, 1, 1)))


def test_1x1_int_X_with_float_K_equals_the_loop():
    """It failed inside MXNet's dot ('Incompatible attr'); now float32, as the loop's output."""
    X = np.arange(18, dtype='int32').reshape(2, 3, 3)
    K = np.array([[[[0.5]], [[0.25]]], [[[-1.0]], [[2.0]]]])  # (2, 2, 1, 1)
    Y = corr2d_multi_in_out_1x1(X, K)
    x = onp.arange(18).reshape(2, 3, 3)
    expected = onp.stack([0.5 * x[0] + 0.25 * x[1], -x[0] + 2 * x[1]])  # by hand
    assert str(Y.dtype) == 'float32'
    assert_allclose(Y.asnumpy(), expected, rtol=0, atol=1e-6)
    assert_allclose(corr2d_multi_in_out(X, K).asnumpy(), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize('fn', [corr2d_multi_in, corr2d_multi_in_out, corr2d_multi_in_out_1x1,
                                corr2d_multi_in_out_fast])
@pytest.mark.parametrize('which', ['X', 'K'])
def test_bool_arrays_are_a_type_error(fn, which):
    k_shape = (2, 1, 1) if fn is corr2d_multi_in else (1, 2, 1, 1)
    X, K = np.ones((2, 3, 3)), np.ones(k_shape)
    if which == 'X':
        X = X.astype(bool)
    else:
        K = K.astype(bool)
    with pytest.raises(TypeError, match=rf"{which} must hold numbers, got a bool array .*"
                                        rf"{which}.astype\('float32'\)"):
        fn(X, K)


# --- Figs. 6.4.1 and 6.4.2 redrawn ---------------------------------------------

def grid_numbers(ax):
    """The numbers written in one drawn grid, as a 2-D array by the texts' cell positions."""
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): float(t.get_text())
             for t in ax.texts}
    h, w = max(i for i, _ in cells) + 1, max(j for _, j in cells) + 1
    return onp.array([[cells[i, j] for j in range(w)] for i in range(h)])


def shaded_cells(ax):
    """(i, j) of each grid cell drawn with a coloured (not white) face."""
    import matplotlib.colors as mcolors
    return sorted((round(p.get_y() + 0.5), round(p.get_x() + 0.5)) for p in ax.patches
                  if mcolors.to_hex(p.get_facecolor()) != '#ffffff')


def test_draw_channels_writes_the_books_fig_6_4_1_numbers():
    """Fig. 6.4.1: two 3x3 input channels, two 2x2 kernel channels, output [[56, 72], [104, 120]]
    (the book's numbers), each grid's numbers in place and the first window shaded."""
    import matplotlib.pyplot as plt
    X, K = book_X_K()
    Y = corr2d_multi_in(X, K)
    fig = draw_channels([X, K, Y], ['input', 'kernel', 'output'], ['*', '='],
                        windows=[(0, 0, 2, 2), (0, 0, 2, 2), (0, 0, 1, 1)])
    try:
        axes = fig.axes
        assert len(axes) == 2 + 2 + 1  # one grid per channel
        for ax, expected in zip(axes, [*X.asnumpy(), *K.asnumpy(), [[56, 72], [104, 120]]]):
            assert_array_equal(grid_numbers(ax), expected)
        for ax in axes[:4]:
            assert shaded_cells(ax) == [(0, 0), (0, 1), (1, 0), (1, 1)]
        assert shaded_cells(axes[4]) == [(0, 0)]
        assert [t.get_text() for t in fig.texts] == ['input', '*', 'kernel', '=', 'output']
    finally:
        plt.close(fig)


def test_draw_channels_fig_6_4_2_draws_a_4d_kernel_as_one_column_per_output_channel():
    """Fig. 6.4.2: a (2, 3, 1, 1) kernel is two columns of three 1x1 grids, out 0 then out 1;
    the output's channel o is sum_i K[o, i] X[i], worked out with numpy here."""
    import matplotlib.pyplot as plt
    x = onp.arange(27.).reshape(3, 3, 3) % 5
    k = onp.array([[1., 2., 0.], [0., -1., 1.]])
    X, K = np.array(x), np.array(k.reshape(2, 3, 1, 1))
    fig = draw_channels([X, K, corr2d_multi_in_out_1x1(X, K)], ['X', 'K', 'Y'], ['*', '='])
    try:
        axes = fig.axes
        assert len(axes) == 3 + 6 + 2
        kernel = [float(grid_numbers(ax)[0, 0]) for ax in axes[3:9]]
        assert kernel == [1, 2, 0, 0, -1, 1]  # column out 0, then column out 1
        for o, ax in enumerate(axes[9:]):
            assert_array_equal(grid_numbers(ax), k[o, 0] * x[0] + k[o, 1] * x[1] + k[o, 2] * x[2])
        assert all(shaded_cells(ax) == [] for ax in axes)
        assert {'out 0', 'out 1'} <= {t.get_text() for t in fig.texts}
    finally:
        plt.close(fig)


def test_draw_channels_bad_input():
    with pytest.raises(ValueError, match='one title per array and one op between two arrays'):
        draw_channels([np.ones((2, 2)), np.ones((2, 2))], ['a', 'b'], [])
    with pytest.raises(ValueError, match='arrays must be non-empty 2-D, 3-D or 4-D'):
        draw_channels([np.ones(3)], ['a'], [])


# --- hostile input: exact integer sums, arrays that cannot mix (issue 29) ------------------

def exact_multi_in_out(X, K):
    """Sum over input channels of scipy's 'valid' cross-correlation, in int64: (c_o, h', w')."""
    X, K = onp.asarray(X, 'int64'), onp.asarray(K, 'int64')
    return onp.stack([sum(scipy.signal.correlate2d(x, k, mode='valid') for x, k in zip(X, K_o))
                      for K_o in K])


def test_multi_channel_loops_sum_int8_exactly():
    """int8 100s with 2s: 2 channels x 4 taps x 200 = 1600 per output (the loops gave -224 and the like)."""
    X = onp.full((2, 3, 3), 100, 'int8')
    K = onp.full((2, 2, 2, 2), 2, 'int8')
    K[1, 1] = -3
    got = corr2d_multi_in_out(np.array(X, dtype='int8'), np.array(K, dtype='int8')).asnumpy()
    assert_array_equal(got, exact_multi_in_out(X, K))
    assert_array_equal(got[0], onp.full((2, 2), 1600))           # by hand
    assert_array_equal(got[1], onp.full((2, 2), 800 - 1200))
    assert_array_equal(corr2d_multi_in(np.array(X, dtype='int8'),
                                       np.array(K[0], dtype='int8')).asnumpy(), got[0])


@pytest.mark.parametrize('fn, K_shape', [(corr2d_multi_in, (2, 2, 2)),
                                         (corr2d_multi_in_out, (1, 2, 2, 2)),
                                         (corr2d_multi_in_out_fast, (1, 2, 2, 2))])
def test_multi_channel_loops_refuse_mixed_or_object_arrays(fn, K_shape):
    with pytest.raises(TypeError, match='K must be the same kind of array as X: X is '
                                        'mxnet.numpy.ndarray, K is numpy.ndarray'):
        fn(np.ones((2, 3, 3)), onp.ones(K_shape))
    with pytest.raises(TypeError, match='X must hold real numbers .*got dtype object'):
        fn(onp.ones((2, 3, 3), dtype=object), onp.ones(K_shape))
