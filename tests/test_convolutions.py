"""Tests for d2l_ch6.convolutions (Book sections 6.1 and 6.2, and their exercises).

References: the book's printed outputs, scipy.signal, numpy and Gluon layers.
The graded cases (the book's outputs, edge cases, bad input) live in
d2l_ch6.cases, where d2l_ch6.check runs them on students' code; here they run
on ours, and their references are checked against scipy.
"""
import math

import mxnet as mx
import numpy as onp
import pytest
import scipy.signal
from mxnet import autograd, np
from mxnet.base import MXNetError
from mxnet.gluon import nn
from numpy.testing import assert_allclose, assert_array_equal

from conftest import case_params
from d2l_ch6 import convolutions
from d2l_ch6.grading.cases import CASES, EXERCISES
from d2l_ch6.grading.verdict import assert_case

from d2l_ch6.convolutions import (
    Conv1D, Conv2D, conv1x1_as_dense, conv2d_autograd_error, conv2d_full, corr1d, corr2d,
    corr2d_fast, corr2d_matmul, corr2d_same, derivative_kernel, diagonal_edge_maps,
    diagonal_image, edge_image, edge_kernel, im2col, integral_kernel, kernel_matrix,
    laplacian_kernel, learn_kernel, min_derivative_kernel_size, pad_zeros, receptive_field,
    running_integral, second_derivative_kernel, translate)

CORR2D_FNS = [corr2d, corr2d_fast, corr2d_matmul]
TOL = dict(rtol=1e-5, atol=1e-5)  # float32 sums of a few dozen O(1) products


# --- Book section 6.2 --------------------------------------------------------

def test_edge_image_is_the_books():
    """The 6x8 image: ones with columns 2..5 set to zero."""
    expected = onp.ones((6, 8))
    expected[:, 2:6] = 0
    assert_array_equal(edge_image().asnumpy(), expected)
    assert_array_equal(edge_kernel().asnumpy(), [[1, -1]])


@pytest.mark.parametrize('fn', CORR2D_FNS)
@pytest.mark.parametrize('name, case', case_params('corr2d'))
def test_corr2d_cases(fn, name, case):
    """The graded cases: Fig. 6.2.1 gives [[19, 25], [37, 43]], the edge image 1 and -1 at its
    edges and zeros transposed, non-square and 1 x N kernels, integer input, and a kernel
    larger than X refused with ValueError; for the loop and both vectorised versions."""
    assert_case(case, fn)


@pytest.mark.parametrize('name, case', [p for p in case_params('corr2d', 'corr2d_matmul')
                                         if not (p.values[1].raises or p.values[1].call)])
def test_corr2d_case_references_are_scipys(name, case):
    """Every expected value of a corr2d case (printed by the book, or numpy's sliding windows)
    equals scipy.signal.correlate2d(mode='valid') on the case's inputs."""
    args = case.inputs()
    X, K = (A.asnumpy().astype('float64') for A in args)
    assert_allclose(case.want(args), scipy.signal.correlate2d(X, K, mode='valid'),
                    rtol=0, atol=1e-12)


@pytest.mark.parametrize('name, case', case_params('Conv2D'))
def test_conv2d_block_cases(name, case):
    """The book's Conv2D: weight of shape kernel_size, bias (1,); output corr2d + bias."""
    assert_case(case, Conv2D)


def test_edge_map_case_is_the_books():
    """The edge case's expected map: 1 in column 1, -1 in column 5, zeros elsewhere, (6, 7)."""
    Y = onp.zeros((6, 7))
    Y[:, 1], Y[:, 5] = 1, -1
    edge = CASES['corr2d'][1]
    assert_array_equal(edge.want(edge.inputs()), Y)


@pytest.mark.parametrize('fn', CORR2D_FNS)
def test_edge_detection_book(fn):
    """corr2d(X, K) marks 1 at white-to-black and -1 at black-to-white edges."""
    Y = onp.zeros((6, 7))
    Y[:, 1], Y[:, 5] = 1, -1
    assert_allclose(fn(edge_image(), edge_kernel()).asnumpy(), Y, atol=1e-6)


@pytest.mark.parametrize('x_shape, k_shape', [((64, 64), (3, 3)), ((30, 17), (5, 4)),
                                              ((1, 40), (1, 40))])
def test_corr2d_fast_matches_scipy_larger(x_shape, k_shape):
    """corr2d_fast on inputs too large for the loop agrees with scipy."""
    rng = onp.random.default_rng(7)
    X, K = rng.normal(size=x_shape), rng.normal(size=k_shape)
    expected = scipy.signal.correlate2d(X, K, mode='valid')
    assert_allclose(corr2d_fast(np.array(X), np.array(K)).asnumpy(), expected,
                    rtol=1e-4, atol=1e-4)


def test_corr2d_fast_agrees_with_corr2d_and_dtypes():
    """corr2d_fast returns mxnet arrays equal to corr2d's; ints computed in float32, float64 kept."""
    rng = onp.random.default_rng(3)
    X, K = np.array(rng.normal(size=(9, 11))), np.array(rng.normal(size=(3, 2)))
    Y = corr2d_fast(X, K)
    assert isinstance(Y, np.ndarray)
    assert_allclose(Y.asnumpy(), corr2d(X, K).asnumpy(), **TOL)
    Xi = np.array(onp.arange(12).reshape(3, 4), dtype='int32')
    Ki = np.array([[1, 2], [3, 4]], dtype='int32')
    assert corr2d_fast(Xi, Ki).dtype == onp.float32
    assert_array_equal(corr2d_fast(Xi, Ki).asnumpy(), corr2d(Xi, Ki).asnumpy())
    assert corr2d_fast(X.astype('float64'), K.astype('float64')).dtype == onp.float64
    assert_allclose(corr2d_fast(X.asnumpy(), K.asnumpy()).asnumpy(), Y.asnumpy(), **TOL)


def test_corr2d_fast_is_differentiable():
    """d sum(corr2d_fast(X, K)) / d K[a, b] is the sum of X over the window's shifted block."""
    rng = onp.random.default_rng(4)
    X, K = np.array(rng.normal(size=(6, 7))), np.array(rng.normal(size=(2, 3)))
    K.attach_grad()
    with autograd.record():
        s = corr2d_fast(X, K).sum()
    s.backward()
    x = X.asnumpy()
    expected = [[x[a:a + 5, b:b + 5].sum() for b in range(3)] for a in range(2)]
    assert_allclose(K.grad.asnumpy(), expected, **TOL)


def test_learn_kernel_reproduces_book_with_seed_0(capsys):
    """With mxnet.random.seed(0) on CPU, the book's printed run: losses 4.949 ... 0.004, K ~ [0.9895, -0.9874].

    The function prints nothing; the 6.2 notebook's lines come from the returned losses.
    """
    X = edge_image()
    mx.random.seed(0)
    K, losses = learn_kernel(X, corr2d(X, edge_kernel()))
    assert capsys.readouterr() == ('', '')
    assert len(losses) == 10
    assert_allclose(losses[1::2], [4.949, 0.831, 0.140, 0.024, 0.004], atol=6e-4)
    assert_allclose(K.asnumpy(), [[0.9895, -0.9873705]], atol=1e-3)
    assert 'batch %d, loss %.3f' % (2, losses[1]) == 'batch 2, loss 4.949'


@pytest.mark.parametrize('seed', [1, 2, 3])
def test_learn_kernel_converges(seed):
    """From any seeded start the loss falls at every step and K approaches [1, -1]."""
    X = edge_image()
    mx.random.seed(seed)
    K, losses = learn_kernel(X, corr2d(X, edge_kernel()))
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.02
    assert_allclose(K.asnumpy(), [[1, -1]], atol=0.05)


# --- Bad input ---------------------------------------------------------------

@pytest.mark.parametrize('fn', CORR2D_FNS)
@pytest.mark.parametrize('X, K, err, msg', [
    (lambda: np.ones((2, 2)), lambda: np.ones((3, 1)), ValueError,
     r'K must be no larger than X .* K is 3x1 but X is only 2x2'),
    (lambda: np.ones(5), lambda: np.ones((1, 2)), ValueError,
     r'X must be a 2-D array, got 1-D with shape \(5,\)'),
    (lambda: np.ones((4, 4)), lambda: np.ones((1, 2, 2)), ValueError,
     r'K must be a 2-D array, got 3-D'),
    (lambda: [[1, 2], [3, 4]], lambda: np.ones((1, 1)), TypeError,
     r'X must be an array .*got list'),
    (lambda: np.ones((4, 4)), lambda: np.ones((0, 2)), ValueError,
     r'K must have at least one row and one column'),
])
def test_corr2d_bad_input(fn, X, K, err, msg):
    """Bad shapes raise ValueError/TypeError naming the argument, not IndexError or MXNetError."""
    with pytest.raises(err, match=msg):
        fn(X(), K())


def test_learn_kernel_bad_input():
    """Y larger than X, or zero steps, is refused by name."""
    with pytest.raises(ValueError, match='Y must be no larger than X'):
        learn_kernel(np.ones((2, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match='num_steps must be an integer >= 1, got 0'):
        learn_kernel(np.ones((2, 2)), np.ones((2, 2)), num_steps=0)


# --- Exercises 6.1 and 6.2: the graded cases ---------------------------------

EXERCISE_NAMES = [n for number, names in EXERCISES.items() if number[:3] in ('6.1', '6.2')
                  for n in names]


@pytest.mark.parametrize('name, case', case_params(*EXERCISE_NAMES))
def test_exercise_cases(name, case):
    """Each exercise answer passes the cases d2l_ch6.check grades students' answers with."""
    assert_case(case, getattr(convolutions, name))


@pytest.mark.parametrize('name, case', case_params('conv2d_full', 'corr2d_same'))
def test_exercise_case_references_are_scipys(name, case):
    """The full convolution's and the 'same' correlation's references equal scipy's."""
    args = case.inputs()
    f, g = (A.asnumpy().astype('float64') for A in args)
    expected = (scipy.signal.convolve2d(f, g, mode='full') if name == 'conv2d_full'
                else scipy.signal.correlate2d(f, g, mode='same', boundary='fill'))
    assert_allclose(case.want(args), expected, rtol=0, atol=1e-12)


# --- Exercises 6.1 -----------------------------------------------------------

def test_exercise_6_1_1_delta0_conv_is_dense_per_pixel():
    """Exercise 6.1.1: "Assume that the size of the convolution mask is Delta = 0. Show that in
    this case the convolutional mask implements an MLP independently for each set of channels."

    Gluon Conv2D(kernel_size=1) equals Dense applied per pixel with the same weights, and
    the numpy einsum W[o, c] X[n, c, h, w] + b[o].
    """
    mx.random.seed(11)
    conv = nn.Conv2D(4, kernel_size=1, in_channels=3)
    conv.initialize(mx.init.Normal(1.0))
    conv.bias.set_data(np.array([0.1, -0.2, 0.3, 0.4]))
    X = np.random.normal(size=(2, 3, 5, 6))
    expected = conv(X).asnumpy()
    assert_allclose(conv1x1_as_dense(conv, X).asnumpy(), expected, **TOL)
    W, b = conv.weight.data().asnumpy().reshape(4, 3), conv.bias.data().asnumpy()
    by_hand = onp.einsum('oc,nchw->nohw', W, X.asnumpy()) + b[:, None, None]
    assert_allclose(expected, by_hand, **TOL)
    with pytest.raises(ValueError, match='conv must have kernel_size 1'):
        wide = nn.Conv2D(4, kernel_size=3, in_channels=3)
        wide.initialize()
        conv1x1_as_dense(wide, X)


@pytest.mark.parametrize('d_h, d_w', [(2, 3), (-1, 2), (0, -3), (3, 0)])
def test_exercise_6_1_2_translation_equivariance(d_h, d_w):
    """Exercise 6.1.2: "Why might translation invariance not be a good idea after all? Does it
    make sense for pigs to fly?"

    Convolution is equivariant: shifting X shifts Y by the same amount, wherever the
    window lies wholly inside the shifted image. So the layer cannot tell where
    something is (a pig in the sky scores like a pig on the ground); the output
    does move, so it is not invariant either.
    """
    rng = onp.random.default_rng(5)
    X, K = np.array(rng.normal(size=(10, 12))), np.array(rng.normal(size=(3, 3)))
    Y, Y_shifted = corr2d_fast(X, K), corr2d_fast(translate(X, d_h, d_w), K)
    h, w = Y.shape
    rows = slice(max(d_h, 0), h + min(d_h, 0))
    cols = slice(max(d_w, 0), w + min(d_w, 0))
    assert Y_shifted[rows, cols].size > 0
    assert_allclose(Y_shifted[rows, cols].asnumpy(), translate(Y, d_h, d_w)[rows, cols].asnumpy(),
                    **TOL)
    assert not onp.allclose(Y_shifted.asnumpy(), Y.asnumpy())


def test_exercise_6_1_3_boundary():
    """Exercise 6.1.3: "What happens at the boundary of an image?"

    The valid output loses k - 1 rows and columns; zero padding keeps X's shape, its
    interior equals the valid output and its border sums fewer real pixels: a 3x3 box
    of ones on a 4x4 image of ones gives 9 inside, 6 on edges, 4 in corners.
    """
    box = corr2d_same(np.ones((4, 4)), np.ones((3, 3))).asnumpy()
    assert_array_equal(box, [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]])
    assert corr2d(np.ones((4, 4)), np.ones((3, 3))).shape == (2, 2)
    rng = onp.random.default_rng(2)
    X, K = rng.normal(size=(7, 9)), rng.normal(size=(3, 5))
    same = corr2d_same(np.array(X), np.array(K)).asnumpy()
    assert_allclose(same, scipy.signal.correlate2d(X, K, mode='same', boundary='fill'), **TOL)
    assert_allclose(same[1:-1, 2:-2], scipy.signal.correlate2d(X, K, mode='valid'), **TOL)
    padded = pad_zeros(np.ones((2, 3)), 3, 2).asnumpy()  # ceil(3/2) = 2 rows on top
    expected = onp.zeros((5, 5))
    expected[2:4, 1:4] = 1
    assert_array_equal(padded, expected)


def test_exercise_6_1_4_corr1d_equals_gluon_conv1d():
    """Exercise 6.1.4: "Derive an analogous convolutional layer for audio."

    corr1d plus a bias equals Gluon's Conv1D with the same weights, and numpy.correlate;
    the Conv1D block built on it is differentiable: d sum(y) / d k[a] = sum_i x[i + a].
    """
    mx.random.seed(4)
    x = np.random.normal(size=50)
    conv = nn.Conv1D(1, kernel_size=5, in_channels=1)
    conv.initialize(mx.init.Normal(1.0))
    conv.bias.set_data(np.array([0.25]))
    k, b = conv.weight.data().reshape(-1), conv.bias.data()
    expected = conv(x.reshape(1, 1, -1)).reshape(-1).asnumpy()
    assert_allclose((corr1d(x, k) + b).asnumpy(), expected, **TOL)
    assert_allclose(corr1d(x, k).asnumpy(),
                    onp.correlate(x.asnumpy(), k.asnumpy(), mode='valid'), **TOL)

    layer = Conv1D(kernel_size=5)
    layer.initialize()
    with autograd.record():
        y = layer(x).sum()
    y.backward()
    xs = x.asnumpy()
    assert_allclose(layer.weight.grad().asnumpy(), [xs[a:a + 46].sum() for a in range(5)], **TOL)
    with pytest.raises(ValueError, match='k must have between 1 and len'):
        corr1d(np.ones(3), np.ones(4))


def test_exercise_6_1_5_receptive_field_of_text():
    """Exercise 6.1.5: "What goes wrong when you apply the above reasoning to text? Hint: what is
    the structure of language?"

    Locality: after 3 width-3 layers an output depends on exactly 3 * 2 + 1 = 7 tokens;
    the gradient with respect to any token further away is exactly zero.
    """
    rng = onp.random.default_rng(0)
    x = np.array(rng.normal(size=20))
    kernels = [np.array(rng.uniform(0.5, 1.5, size=3)) for _ in range(3)]
    x.attach_grad()
    with autograd.record():
        h = x
        for k in kernels:
            h = corr1d(h, k)
        h[0].backward()
    grad = x.grad.asnumpy()
    assert receptive_field(3, 3) == 7
    assert (grad[:7] > 0).all() and (grad[7:] == 0).all()


@pytest.mark.parametrize('f_shape, g_shape', [((4, 5), (2, 3)), ((3, 3), (3, 3)),
                                              ((1, 4), (3, 2)), ((6, 2), (2, 5))])
def test_exercise_6_1_6_convolution_commutes(f_shape, g_shape):
    """Exercise 6.1.6: "Prove that f * g = g * f."

    True (flipped) convolution, full output: conv2d_full(f, g) == conv2d_full(g, f)
    == scipy.signal.convolve2d(f, g); cross-correlation (no flip) is not symmetric.
    """
    rng = onp.random.default_rng(sum(f_shape) + 3 * sum(g_shape))
    f, g = rng.normal(size=f_shape), rng.normal(size=g_shape)
    fg = conv2d_full(np.array(f), np.array(g)).asnumpy()
    assert_allclose(fg, conv2d_full(np.array(g), np.array(f)).asnumpy(), **TOL)
    assert_allclose(fg, scipy.signal.convolve2d(f, g, mode='full'), **TOL)
    corr_fg = scipy.signal.correlate2d(f, g, mode='full')
    assert not onp.allclose(corr_fg, scipy.signal.correlate2d(g, f, mode='full'))


# --- Exercises 6.2 -----------------------------------------------------------

def test_exercise_6_2_1_diagonal_edges():
    """Exercise 6.2.1: "Construct an image X with diagonal edges. What happens if you apply the
    kernel K to it? What happens if you transpose X? What happens if you transpose K?"

    X lower-triangular ones (n = 6), K = [[1, -1]]: K finds the diagonal (1 on it);
    X.T gives -1 just below it; K.T gives -1 just above it.
    """
    n = 6
    X = diagonal_image(n)
    assert_array_equal(X.asnumpy(), onp.tril(onp.ones((n, n))))
    maps = {key: Y.asnumpy() for key, Y in diagonal_edge_maps(X, edge_kernel()).items()}
    assert_array_equal(maps['X'], onp.eye(n, n - 1))
    assert_array_equal(maps['X.T'], -onp.eye(n, n - 1, k=-1))
    assert_array_equal(maps['K.T'], -onp.eye(n - 1, n, k=1))


def test_exercise_6_2_2_autograd_error():
    """Exercise 6.2.2: "When you try to automatically find the gradient for the Conv2D class we
    created, what kind of error message do you see?"

    MXNet 1.9.1 raises MXNetError (a RuntimeError): in-place writes are not supported
    while recording, because corr2d assigns Y[i, j] element by element.
    """
    err = conv2d_autograd_error()
    assert isinstance(err, MXNetError) and isinstance(err, RuntimeError)
    assert ('Inplace operations (+=, -=, x[:]=, etc) are not supported when recording '
            'with autograd') in str(err)
    net = Conv2D((1, 2))
    net.initialize()
    with pytest.raises(MXNetError, match='Inplace operations'):
        with autograd.record():
            net(edge_image())


@pytest.mark.parametrize('how', ['im2col', 'kernel_matrix'])
def test_exercise_6_2_3_corr2d_as_matmul(how):
    """Exercise 6.2.3: "How do you represent a cross-correlation operation as a matrix
    multiplication by changing the input and kernel arrays?"

    im2col(X) @ vec(K), or W(K) @ vec(X), equals corr2d; both are differentiable, so
    K = [[1, -1]] is learned from the edge image with autograd.
    """
    rng = onp.random.default_rng(9)
    X, K = np.array(rng.normal(size=(5, 6))), np.array(rng.normal(size=(2, 3)))
    if how == 'im2col':
        assert im2col(X, (2, 3)).shape == (4 * 4, 6)
        Y = corr2d_matmul(X, K)
    else:
        assert kernel_matrix(K, (5, 6)).shape == (4 * 4, 5 * 6)
        Y = np.dot(kernel_matrix(K, (5, 6)), X.reshape(-1)).reshape(4, 4)
    assert_allclose(Y.asnumpy(), corr2d(X, K).asnumpy(), **TOL)

    X = edge_image()
    Y = corr2d(X, edge_kernel())
    K = np.zeros((1, 2))
    K.attach_grad()
    for _ in range(20):
        with autograd.record():
            if how == 'im2col':
                Y_hat = corr2d_matmul(X, K)
            else:
                Y_hat = np.dot(kernel_matrix(K, X.shape), X.reshape(-1)).reshape(Y.shape)
            l = ((Y_hat - Y) ** 2).sum()
        l.backward()
        K -= 3e-2 * K.grad
    assert_allclose(K.asnumpy(), [[1, -1]], atol=0.02)


def test_exercise_6_2_4_derivative_and_laplacian_kernels():
    """Exercise 6.2.4: "Design some kernels manually. What is the form of a kernel for the second
    derivative? What is the kernel for the Laplace operator?"

    On cubics these kernels are exact: [[1, -2, 1]] on f = x^3 - 2x^2 + x gives
    f'' = 6x - 4; the five-point Laplacian on f = x^3 + xy^2 - 2y^3 + x^2 gives
    8x - 12y + 2 at every interior point.
    """
    x = onp.arange(10.)
    f = x ** 3 - 2 * x ** 2 + x
    d2 = corr2d_fast(np.array(f[None, :]), second_derivative_kernel().astype('float64'))
    assert_allclose(d2.asnumpy()[0], 6 * x[1:-1] - 4, rtol=0, atol=1e-9)

    i, j = onp.mgrid[0:7, 0:8].astype('float64')
    F = i ** 3 + i * j ** 2 - 2 * j ** 3 + i ** 2
    lap = corr2d_fast(np.array(F), laplacian_kernel().astype('float64')).asnumpy()
    assert_allclose(lap, (8 * i - 12 * j + 2)[1:-1, 1:-1], rtol=0, atol=1e-9)


def test_exercise_6_2_4_integral_kernel():
    """Exercise 6.2.4: "What is the kernel for an integral?"

    A box of ones over a left-padded row is the running sum: for x_i = i^2,
    sum_{i <= m} i^2 = m (m + 1) (2m + 1) / 6 exactly.
    """
    assert_array_equal(integral_kernel(4).asnumpy(), [[1, 1, 1, 1]])
    m = onp.arange(11.)
    integral = running_integral(np.array(m ** 2)).asnumpy()
    assert_allclose(integral, m * (m + 1) * (2 * m + 1) / 6, rtol=0, atol=1e-4)


@pytest.mark.parametrize('d', [1, 2, 3, 4])
def test_exercise_6_2_4_minimum_size_for_degree_d(d):
    """Exercise 6.2.4: "What is the minimum size of a kernel to obtain a derivative of degree d?"

    d + 1: the (d + 1)-tap forward difference gives d! on x^d (plus lower terms) and 0
    on degree d - 1; with d taps the moment equations sum_a w_a a^j = d! [j = d],
    j = 0..d, have no solution (least-squares residual > 0).
    """
    assert min_derivative_kernel_size(d) == d + 1
    K = derivative_kernel(d).astype('float64')
    x = onp.arange(12.)
    for p, expected in ((x ** d + 3 * x ** (d - 1) - 1, math.factorial(d)),
                        (2 * x ** (d - 1) - 5, 0)):
        out = corr2d_fast(np.array(p[None, :]), K).asnumpy()
        assert_allclose(out, expected, rtol=0, atol=1e-6)
    target = onp.zeros(d + 1)
    target[d] = math.factorial(d)
    for m in (d, d + 1):
        V = onp.vander(onp.arange(m, dtype=float), d + 1, increasing=True).T  # (d + 1, m)
        w, *_ = onp.linalg.lstsq(V, target, rcond=None)
        residual = onp.linalg.norm(V @ w - target)
        if m == d:
            assert residual > 0.5
        else:
            assert residual < 1e-9
            assert_allclose(w, K.asnumpy()[0], atol=1e-9)


# -- bad input: the layer's kernel size, and the loop on large inputs --------------

@pytest.mark.parametrize('kernel_size, err, msg', [
    ((0, 2), ValueError, r'kernel_size\[0\] must be an integer >= 1, got 0'),
    ((-1, 2), ValueError, r'kernel_size\[0\] must be an integer >= 1, got -1'),
    ((1.5, 2), TypeError, r'kernel_size\[0\] must be an integer >= 1, got float 1.5'),
    ('ab', TypeError, "kernel_size must be an integer >= 1, got str 'ab'"),
    ((1, 2, 3), ValueError, 'kernel_size must be an integer or an'),
])
def test_conv2d_layer_bad_kernel_size(kernel_size, err, msg):
    with pytest.raises(err, match=msg):
        Conv2D(kernel_size)


def test_conv2d_layer_int_kernel_size_is_square():
    net = Conv2D(2)
    net.initialize()
    assert net.weight.shape == (2, 2)
    assert net(edge_image()).shape == (5, 7)


@pytest.mark.parametrize('loop, fast', [(corr2d, 'corr2d_fast')])
def test_loop_on_a_large_input_answers_at_once_naming_the_fast_version(loop, fast):
    """600x600 took about 6 minutes in the loop; now it raises before the first step."""
    import time
    X, K = np.ones((600, 600)), np.ones((3, 3))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"corr2d is the book's loop.*598x598 = 357,604 "
                                         rf"outputs, above its limit of 10,000.*use {fast}"):
        loop(X, K)
    assert time.perf_counter() - start < 2


def test_loop_limit_is_on_the_number_of_outputs(monkeypatch):
    from d2l_ch6 import _arguments
    monkeypatch.setattr(_arguments, 'LOOP_MAX_OUTPUTS', 4)
    X = np.arange(12.0).reshape(3, 4)
    assert_array_equal(corr2d(X[:, :3], np.ones((2, 2))).asnumpy(), [[10, 14], [26, 30]])
    with pytest.raises(ValueError, match='2x3 = 6 outputs, above its limit of 4'):
        corr2d(X, np.ones((2, 2)))
    monkeypatch.setattr(_arguments, 'LOOP_MAX_OUTPUTS', None)  # lifted
    assert corr2d(X, np.ones((2, 2))).shape == (2, 3)


def test_loop_limit_admits_the_benchmark_size():
    """benchmarks/bench_corr2d.py times the loop on 64x64 with a 3x3 kernel: 62x62 outputs."""
    from d2l_ch6 import _arguments
    assert corr2d(np.ones((2, 2)), np.ones((1, 1))).shape == (2, 2)
    assert 62 * 62 <= _arguments.LOOP_MAX_OUTPUTS


# --- The argument checks sit above the book's functions ----------------------

def test_checked_runs_the_check_before_the_body_and_passes_normalised_arguments():
    """A check that raises stops the call before the body runs; a dict it returns replaces
    those arguments; defaults reach the check; a wrong call gets Python's own message."""
    from d2l_ch6._arguments import checked
    seen, body_ran = [], []

    def check(size, mode):
        seen.append((size, mode))
        if isinstance(size, int) and size < 0:
            raise ValueError('size must be >= 0')
        return {'size': (size, size)} if isinstance(size, int) else None

    @checked(check)
    def f(X, size, mode='max'):
        body_ran.append(True)
        return X, size, mode

    assert f('x', 2) == ('x', (2, 2), 'max')
    assert f('x', size=(1, 3), mode='avg') == ('x', (1, 3), 'avg')
    assert seen == [(2, 'max'), ((1, 3), 'avg')]
    with pytest.raises(ValueError, match='size must be >= 0'):
        f('x', -1)
    assert len(body_ran) == 2
    with pytest.raises(TypeError, match=r"f\(\) missing 1 required positional argument: 'size'"):
        f('x')

    def g(X, size):
        return X

    with pytest.raises(TypeError, match=r"check checks \['mode'\], which g does not take"):
        checked(check)(g)


def test_conv2d_takes_one_integer_for_a_square_kernel():
    assert Conv2D(3).weight.shape == (3, 3)
    assert Conv2D((1, 2)).weight.shape == (1, 2)
    with pytest.raises(ValueError, match='kernel_size must be an integer >= 1, got 0'):
        Conv2D(0)


# --- hostile input: exact integer sums, float16, arrays that cannot mix (issue 29) ---------

def exact_corr2d(X, K):
    """scipy's 'valid' cross-correlation in int64 (exact), or float64 for floats."""
    wide = 'int64' if onp.asarray(X).dtype.kind in 'iu' else 'float64'
    return scipy.signal.correlate2d(onp.asarray(X, wide), onp.asarray(K, wide), mode='valid')


@pytest.mark.parametrize('X, K, dtype, expected', [
    (onp.full((3, 3), 100), [[2]], 'int8', onp.full((3, 3), 200)),            # was -56
    ([[200, 100], [50, 25]], [[1, 1]], 'uint8', [[300], [75]]),               # was 44, 75
    (onp.full((2, 3), 2**30), [[4]], 'int32', onp.full((2, 3), 2**32)),       # was 0
    ([[2**30, 1, 2**30]], [[1, 1]], 'int32', [[2**30 + 1, 2**30 + 1]]),       # not a float32
    ([[-2**40, 3, -2**40]], [[-3, 1]], 'int64', [[3 * 2**40 + 3, -9 - 2**40]]),
])
def test_corr2d_sums_integers_exactly(X, K, dtype, expected):
    """The book's loop summed in the input's dtype; the exact sums, by hand and by scipy in int64."""
    Y = corr2d(np.array(X, dtype=dtype), np.array(K, dtype=dtype))
    assert Y.dtype == onp.int64
    assert_array_equal(Y.asnumpy(), expected)
    assert_array_equal(Y.asnumpy(), exact_corr2d(onp.asarray(X, dtype), onp.asarray(K, dtype)))


def test_corr2d_on_numpy_integers_and_the_fast_path_agree():
    X, K = onp.array([[200, 100], [50, 25]], 'uint8'), onp.array([[1, 1]], 'uint8')
    assert_array_equal(corr2d(X, K).asnumpy(), [[300], [75]])
    assert_array_equal(corr2d_fast(X, K).asnumpy(), [[300], [75]])


def test_corr2d_sums_float16_in_float32():
    """Two 60000s add to 120000, past float16's largest number (65504): float16 gave inf."""
    X, K = onp.full((2, 3), 60000, 'float16'), onp.ones((1, 2), 'float16')
    for fn in (corr2d, corr2d_fast):
        Y = fn(np.array(X), np.array(K)).asnumpy()
        assert Y.dtype == onp.float32, fn.__name__
        assert_allclose(Y, exact_corr2d(X, K), rtol=0, atol=0, err_msg=fn.__name__)


def test_corr2d_says_when_even_int64_cannot_hold_the_sums():
    X = np.array([[2**62, 2**62]], dtype='int64')
    with pytest.raises(ValueError, match=r'corr2d cannot promise exact sums of these integers: '
                                         r'max\|X\| \* max\|K\| \* K.size = 9,223,372,036,854,775,808 '
                                         r'does not fit in int64'):
        corr2d(X, np.array([[1, 1]], dtype='int64'))


@pytest.mark.parametrize('X, K, kind, message', [
    (onp.ones((3, 3)), np.ones((2, 2)), TypeError,
     'K must be the same kind of array as X: X is numpy.ndarray, K is mxnet.numpy.ndarray'),
    (np.ones((3, 3)), onp.ones((2, 2)), TypeError,
     'K must be the same kind of array as X: X is mxnet.numpy.ndarray, K is numpy.ndarray'),
    (onp.array([[1, 2], [3, 4]], dtype=object), onp.ones((1, 1)), TypeError,
     r'X must hold real numbers \(an int or float dtype\), got dtype object of shape \(2, 2\)'),
    (onp.ones((2, 2)), onp.array([['a']]), TypeError,
     r'K must hold real numbers \(an int or float dtype\), got dtype <U1'),
])
def test_corr2d_refuses_what_it_cannot_sum_with_a_named_error(X, K, kind, message):
    with pytest.raises(kind, match=message):
        corr2d(X, K)


def test_the_fast_path_refuses_a_size_it_cannot_finish_in_reasonable_time():
    """32000^2 with a 3x3 kernel: 9.2e9 multiply-adds, minutes in one uninterruptible op (no memory taken)."""
    X = onp.broadcast_to(onp.zeros((), 'float32'), (32000, 32000))    # a view of one number
    with pytest.raises(ValueError, match=r'corr2d_fast would compute 31998x31998 outputs with a '
                                         r'3x3 window, 9,214,848,036 multiply-adds, above its '
                                         r'limit of 1,000,000,000'):
        corr2d_fast(X, onp.ones((3, 3), 'float32'))
