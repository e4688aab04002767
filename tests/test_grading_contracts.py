"""Return contracts, open questions judged by their property, and the hints for the issue's mistakes.

Answers here are written the way a student writes them: from the notebook's
question and the stub's docstring alone (the book's loops, MXNet's np), never
from the package's answers. Each one must pass, or fail with the words the
stub uses and the hint for its mistake.
"""
import numpy as onp
import pytest
from mxnet import autograd, np
from mxnet.gluon import nn

from d2l_ch6.grading.cases import REGISTRY
from d2l_ch6.grading.contracts import Returns, describe
from d2l_ch6.grading.hints import (H_AUTOGRAD, H_DERIVATIVE_SIGN, H_ENDLESS, H_LAST_ROW, H_OFF_BY_ONE, H_OVERFLOW,
                                   H_POOL_PADDING, H_TIMEOUT, H_WINDOW)
from d2l_ch6.grading.student import stub_source
from d2l_ch6.grading.verdict import check
from grading_sources import BOOK_LISTINGS


def _book(*names):
    """The book's listings as a student has them from the section (section 6.2), one namespace."""
    namespace = {'np': np, 'nn': nn, '__name__': 'student'}
    for name in names:
        exec(compile(BOOK_LISTINGS[name], f'{name}.py', 'exec'), namespace)
    return [namespace[name] for name in names]


corr2d, Conv2D = _book('corr2d', 'Conv2D')


# --- answers written from the question and the stub ---------------------------------------------

def diagonal_edge_maps(X, K):
    return {'X': corr2d(X, K), 'X.T': corr2d(X.T, K), 'K.T': corr2d(X, K.T)}


def conv2d_autograd_error(X=None, kernel_size=(1, 2)):
    X = np.ones((6, 8)) if X is None else X
    conv = Conv2D(kernel_size)
    conv.initialize()
    try:
        with autograd.record():
            Y = conv(X)
        Y.backward()
    except Exception as e:
        return e


def im2col(X, kernel_shape):
    k_h, k_w = kernel_shape
    return np.stack([X[i:i + k_h, j:j + k_w].reshape(-1) for i in range(X.shape[0] - k_h + 1)
                     for j in range(X.shape[1] - k_w + 1)])


def pool_cost(c, h, w, p_h, p_w, pad_h=0, pad_w=0, s_h=1, s_w=1, mode='max'):
    h_out = (h - p_h + 2 * pad_h + s_h) // s_h
    w_out = (w - p_w + 2 * pad_w + s_w) // s_w
    windows, m = c * h_out * w_out, p_h * p_w
    if mode == 'max':
        return {'compare': windows * (m - 1), 'add': 0, 'div': 0}
    return {'compare': 0, 'add': windows * (m - 1), 'div': windows}


def max_vs_avg_pooling(X, pool_size):
    out = {}
    for mode, layer in (('max', nn.MaxPool2D(pool_size)), ('avg', nn.AvgPool2D(pool_size))):
        X = X.copy()
        X.attach_grad()
        with autograd.record():
            Y = layer(X)
        Y.backward()
        out[mode] = (Y, X.grad)
    return out


def derivative_kernel(d):
    k = [1.]
    for _ in range(d):  # one more forward difference f(x + 1) - f(x)
        k = [b - a for a, b in zip(k + [0.], [0.] + k)]
    return np.array([k])


def integral_kernel(n):
    return np.ones((1, n))


def conv_output_shape(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    return (n_h - k_h + p_h + s_h) // s_h, (n_w - k_w + p_w + s_w) // s_w


FROM_THE_QUESTION = [diagonal_edge_maps, conv2d_autograd_error, im2col, pool_cost, max_vs_avg_pooling,
                     derivative_kernel, integral_kernel, conv_output_shape]


@pytest.mark.parametrize('fn', FROM_THE_QUESTION, ids=[f.__name__ for f in FROM_THE_QUESTION])
def test_answers_written_from_the_question_and_the_stub_pass(fn):
    assert check(fn).passed, repr(check(fn))


@pytest.mark.parametrize('name', sorted(REGISTRY))
def test_every_stub_states_its_return_contract(name):
    """Every graded function has a contract, and its stub prints it whole (kind, keys, shape)."""
    returns = REGISTRY[name].returns
    assert isinstance(returns, Returns) and returns.text
    stub = ' '.join(stub_source('lenet' if name == 'net' else name).split())
    assert ' '.join(returns.text.split()) in stub
    assert all(repr(k) in stub for k in returns.keys)


def test_the_contracts_the_issue_names():
    def words(name):
        return ' '.join(stub_source(name).split())
    assert "a dict with keys 'X', 'X.T', 'K.T'" in words('diagonal_edge_maps')
    assert 'the exception object' in words('conv2d_autograd_error') and 'do not raise it' in words(
        'conv2d_autograd_error')
    assert "a dict with keys 'compare', 'add', 'div'" in words('pool_cost')
    assert "a dict with keys 'max', 'avg', each value a tuple (Y, dX)" in words('max_vs_avg_pooling')
    assert 'one row per window' in words('im2col')
    for name in ('derivative_kernel', 'second_derivative_kernel', 'integral_kernel'):
        assert 'a 2-D (1, k)' in words(name) or 'a 2-D (1, n)' in words(name), name


# --- no internal error text in any feedback --------------------------------------------------------

INTERNAL = ('could not be read', 'Error:', 'Error(', '(True', '(False', 'Traceback', 'object has no')


def _texts(result):
    return [t for r in result.results for t in (r.expected, r.got)]


def _plain_call(name):
    return all(c.call is None and not c.raises for c in REGISTRY[name].cases)


WRONG_KINDS = [None, [1, 2, 3], 'a string', {'a': 1}, (onp.zeros(2), 1)]


@pytest.mark.parametrize('name', [n for n in sorted(REGISTRY) if _plain_call(n)])
def test_a_value_of_the_wrong_kind_is_told_in_words(name):
    """Whatever kind of value comes back where another is due, every line says what was expected in
    words (the contract), never an exception's text from inside the grader."""
    for value in WRONG_KINDS:
        if REGISTRY[name].returns.mismatch(value) is None:
            continue

        def fn(*args, **kwargs):
            return value
        result = check(fn, name=name)
        assert not result.passed
        for text in _texts(result):
            assert not any(bad in text for bad in INTERNAL), (name, value, text)
        assert {r.expected for r in result.failures} == {REGISTRY[name].returns.text}, name
        assert repr(result).count('expected: ') == 1  # the same message once, not once per case


def test_the_issue_s_messages_read_in_words():
    def max_vs_avg_pooling(X, pool_size):
        return [X, X]
    (f,) = check(max_vs_avg_pooling).failures
    assert f.expected == "a dict with keys 'max', 'avg', each value a tuple (Y, dX)"
    assert f.got == 'a list of 2 (a 4-D array of shape (1, 2, 4, 6), a 4-D array of shape (1, 2, 4, 6))'

    def conv2d_autograd_error(X=None, kernel_size=(1, 2)):
        return 'Inplace operations are not supported'
    (f,) = check(conv2d_autograd_error).failures
    assert (f.expected, f.got) == ('the exception object autograd raised', 'a string')


def test_describe_says_what_a_value_is():
    assert describe(None) == 'None'
    assert describe(onp.zeros((2, 3))) == 'a 2-D array of shape (2, 3)'
    assert describe({'a': 1, 'b': 2}) == "a dict with keys 'a', 'b'"
    assert describe((1, 2)) == 'a tuple of 2 ints'
    assert describe(True) == 'a bool (True)'
    with pytest.raises(ValueError, match="kind must be one of .*; got 'arr'"):
        Returns('an array', 'arr')


# --- open questions judged by the property they ask for ----------------------------------------

def _image(rule, n=6):
    i, j = onp.mgrid[0:n, 0:n]
    return onp.where(rule(i, j, n), 1., 0.)


DIAGONAL_IMAGES = {  # every image whose edges under K = [[1, -1]] run at 45 degrees
    'lower triangle': lambda i, j, n: j <= i,
    'upper triangle': lambda i, j, n: j >= i,
    'anti-diagonal': lambda i, j, n: i + j >= n - 1,
    'diagonal line': lambda i, j, n: i == j,
    'diagonal stripe': lambda i, j, n: abs(i - j) <= 1,
    'diamond': lambda i, j, n: abs(i - n // 2) + abs(j - n // 2) <= 2,
    'shifted triangle, values 0 and 5': lambda i, j, n: (j <= i - 2) * 5,
}
NOT_DIAGONAL = {
    'vertical edges (the book\'s X)': (lambda i, j, n: (j < 2) | (j >= n - 2), 'vertical edges'),
    'horizontal edges': (lambda i, j, n: i < 3, 'no edge that K = [[1, -1]] finds'),
    'constant': (lambda i, j, n: i >= 0, 'no edge'),
    'checkerboard': (lambda i, j, n: (i + j) % 2 == 0, 'do not run along a diagonal'),
    'slope 2': (lambda i, j, n: 2 * j <= i, 'vertical edges'),
    'slope 1/2': (lambda i, j, n: j <= 2 * i, 'do not run along a diagonal'),
}


@pytest.mark.parametrize('rule', DIAGONAL_IMAGES.values(), ids=list(DIAGONAL_IMAGES))
def test_diagonal_image_accepts_any_image_with_diagonal_edges(rule):
    def diagonal_image(n):
        return np.array(_image(rule, n))
    assert check(diagonal_image).passed, repr(check(diagonal_image))


@pytest.mark.parametrize('rule, why', NOT_DIAGONAL.values(), ids=list(NOT_DIAGONAL))
def test_diagonal_image_refuses_edges_that_are_not_diagonal(rule, why):
    def diagonal_image(n):
        return np.array(_image(rule, n))
    result = check(diagonal_image)
    assert not result.passed and any(why in f.got for f in result.failures), repr(result)
    assert all(f.expected == 'edges (as K = [[1, -1]] finds them) along a diagonal' for f in result.failures)


def test_diagonal_image_of_the_wrong_shape_says_so():
    def diagonal_image(n):
        return np.ones((n, n + 1))
    assert 'an image of shape (6, 7), not (6, 6)' in check(diagonal_image).failures[0].got


@pytest.mark.parametrize('kernel', [[[1., -2., 1.]], [[0., 1., -2., 1., 0.]], [[0.25, 0., -0.5, 0., 0.25]]],
                         ids=['3 taps', 'zero-padded', 'step 2'])
def test_any_second_derivative_kernel_passes(kernel):
    def second_derivative_kernel():
        return np.array(kernel)
    assert check(second_derivative_kernel).passed


def test_a_second_derivative_kernel_must_give_f_second():
    def second_derivative_kernel():
        return np.array([[1., -1.]])  # a first derivative
    assert not check(second_derivative_kernel).passed

    def second_derivative_kernel():
        return np.array([[1.], [-2.], [1.]])  # a column cannot be applied to a row of samples
    (f,) = check(second_derivative_kernel).failures
    assert (f.expected, f.got) == ('a 2-D (1, k) array: a row kernel', 'a 2-D array of shape (3, 1)')


@pytest.mark.parametrize('kernel, passes', [
    ([[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]], True),
    ([[1., 4., 1.], [4., -20., 4.], [1., 4., 1.]], False),  # 6 times the Laplacian
    ((onp.array([[1., 4., 1.], [4., -20., 4.], [1., 4., 1.]]) / 6).tolist(), True),  # nine points
    ((onp.pad([[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]], 1)).tolist(), True),  # zero-padded 5x5
    ([[0., 1., 0.], [1., -2., 1.], [0., 1., 0.]], False)])
def test_any_laplacian_kernel_passes(kernel, passes):
    def laplacian_kernel():
        return np.array(kernel)
    assert check(laplacian_kernel).passed is passes


def test_a_centred_first_derivative_kernel_passes():
    def derivative_kernel(d):
        return np.array([[-0.5, 0., 0.5]]) if d == 1 else globals()['derivative_kernel'](d)
    assert check(derivative_kernel).passed


# --- the hints the issue lists: a wrong answer gets it, a right one does not -----------------------

def _hints(result):
    return {f.hint for f in result.failures}


def avg_pool_as_conv(channels, pool_size, strides=None, padding=0, ctx=None, forget_padding=False):
    p_h, p_w = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    conv = nn.Conv2D(channels, (p_h, p_w), strides=strides or (p_h, p_w),
                     padding=0 if forget_padding else padding, in_channels=channels, use_bias=False)
    conv.initialize()
    W = np.zeros((channels, channels, p_h, p_w))
    for i in range(channels):
        W[i, i] = 1 / (p_h * p_w)
    conv.weight.set_data(W)
    return conv


def test_forgetting_the_padding_in_6_5_1_gets_the_padding_hint():
    def avg_pool_no_padding(channels, pool_size, strides=None, padding=0, ctx=None):
        return avg_pool_as_conv(channels, pool_size, strides, padding, forget_padding=True)
    result = check(avg_pool_no_padding, name='avg_pool_as_conv')
    assert _hints(result) == {H_POOL_PADDING} and H_OFF_BY_ONE not in _hints(result)
    assert check(avg_pool_as_conv).passed


def corr2d_last_row_unfilled(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0] - 1):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def pool2d(X, pool_size, mode='max', short=0):
    p_h, p_w = pool_size
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h - short, j:j + p_w - short]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y


def test_a_loop_that_never_fills_the_last_row_is_named():
    result = check(corr2d_last_row_unfilled, name='corr2d')
    assert H_LAST_ROW in _hints(result), repr(result)
    assert H_LAST_ROW not in _hints(check(corr2d))
    assert check(corr2d).passed


def test_a_window_one_too_small_is_named():
    def pool2d_short(X, pool_size, mode='max'):
        return pool2d(X, pool_size, mode, short=1)
    assert H_WINDOW in _hints(check(pool2d_short, name='pool2d'))
    assert check(pool2d).passed and not _hints(check(pool2d))

    def corr2d_short_window(X, K):
        h, w = K.shape
        Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i:i + h - 1, j:j + w - 1] * K).sum()
        return Y
    assert H_WINDOW in _hints(check(corr2d_short_window, name='corr2d'))
    assert H_WINDOW not in _hints(check(corr2d))


def test_the_sign_of_a_derivative_kernel_from_the_book_s_edge_kernel():
    def derivative_kernel_book_sign(d):
        k = [1.]
        for _ in range(d):  # the book's [1, -1]: f(x) - f(x + 1)
            k = [a - b for a, b in zip(k + [0.], [0.] + k)]
        return np.array([k])
    result = check(derivative_kernel_book_sign, name='derivative_kernel')
    assert not result.passed and _hints(result) == {H_DERIVATIVE_SIGN}
    assert len(result.failures) == 2  # odd d only: for even d the two signs agree
    assert check(derivative_kernel).passed


def test_overflow_in_log_sum_exp_pooling_is_named():
    def lse_pool2d(X, pool_size, temperature, strides=None):  # straight from the formula
        return temperature * np.log(nn.AvgPool2D(pool_size, strides)(np.exp(X / temperature)))
    result = check(lse_pool2d)
    assert [f.hint for f in result.failures] == [H_OVERFLOW]

    def lse_pool2d_stable(X, pool_size, temperature, strides=None):  # each window's max first
        p_h, p_w = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
        s_h, s_w = (p_h, p_w) if strides is None else (
            strides if isinstance(strides, tuple) else (strides, strides))

        def pool(W):
            M = W.max(axis=(2, 3), keepdims=True)
            return (M + temperature * np.log(np.exp((W - M) / temperature).mean(
                axis=(2, 3), keepdims=True)))[:, :, 0, 0]
        return np.stack([np.stack([pool(X[:, :, i:i + p_h, j:j + p_w])
                                   for j in range(0, X.shape[3] - p_w + 1, s_w)], axis=-1)
                         for i in range(0, X.shape[2] - p_h + 1, s_h)], axis=-2)
    assert check(lse_pool2d_stable, name='lse_pool2d').passed
    assert H_OVERFLOW not in _hints(check(lse_pool2d_stable, name='lse_pool2d'))


def test_one_case_that_never_ends_is_an_endless_loop_not_slowness():
    def corr2d_stuck(X, K):
        h, w = K.shape
        while h == 1 and w == 4:  # never changes: only the 1x4 case loops
            pass
        return corr2d(X, K)
    result = check(corr2d_stuck, name='corr2d', case_limit=0.5)
    stuck = [r for r in result.results if r.status == 'error']
    assert len(stuck) == 1 and stuck[0].hint == H_ENDLESS, repr(result)

    def corr2d_slow(X, K):
        while True:
            pass
    result = check(corr2d_slow, name='corr2d', budget=1.0, case_limit=0.3)
    assert {r.hint for r in result.results if r.status == 'error'} == {H_TIMEOUT}


def test_check_without_spoilers_states_the_contract_not_the_values():
    import d2l_ch6

    def pool_cost(c, h, w, p_h, p_w, pad_h=0, pad_w=0, s_h=1, s_w=1, mode='max'):
        return {'compare': 1, 'add': 2, 'div': 3}
    hidden = d2l_ch6.check(pool_cost, spoilers=False)
    text = repr(hidden) + hidden._repr_html_() + str(hidden.to_dict())
    assert not hidden.passed and "'compare': 72" not in text and "'div': 24" not in text
    assert {f.expected for f in hidden.failures} == {REGISTRY['pool_cost'].returns.text}
    assert "['compare']: wrong value" in hidden.failures[0].got
    assert "'compare': 72" in repr(d2l_ch6.check(pool_cost))  # spoilers by default


def test_a_value_a_judge_cannot_read_is_told_in_words():
    """The right kind (a dict with the right keys) holding the wrong things: the judge cannot read
    it, and the line says what was due, not the judge's exception."""
    def max_vs_avg_pooling(X, pool_size):
        return {'max': 1, 'avg': 2}
    (f,) = check(max_vs_avg_pooling).failures
    assert f.expected == "a dict with keys 'max', 'avg', each value a tuple (Y, dX)"
    assert f.got == "a dict with keys 'max', 'avg'"


def test_an_exception_that_is_not_autograd_s_gets_a_hint():
    def conv2d_autograd_error(X=None, kernel_size=(1, 2)):
        try:
            return Conv2D(kernel_size)(np.ones((6, 8)))  # never initialized: not autograd's error
        except Exception as e:
            return e
    result = check(conv2d_autograd_error)
    assert not result.passed and _hints(result) == {H_AUTOGRAD}, repr(result)
    assert not _hints(check(globals()['conv2d_autograd_error']))


@pytest.mark.parametrize('name', ['net', 'Conv2D', 'conv_activations', 'corr2d_matmul'])
def test_a_value_the_grader_s_call_cannot_use_is_told_in_words(name):
    """Where the grader builds on what fn gives (a network, a class, a gradient), a value of
    another kind is told with the contract, not with the grader's own AttributeError."""
    def fn(*args, **kwargs):
        return None
    result = check(fn, name=name)
    lines = [t for f in result.failures for t in (f.expected, f.got)]
    assert not result.passed and not any(bad in t for bad in INTERNAL for t in lines), lines
    assert REGISTRY[name].returns.text in lines


def test_handing_back_the_layer_the_exercise_rebuilds_is_refused_in_words():
    """6.1.1 asks for conv(X) from conv's weights as a Dense layer, 6.5.1 for average pooling as a
    convolution: conv(X) itself and nn.AvgPool2D fail, saying so; the honest answers pass."""
    def conv1x1_as_dense(conv, X):
        return conv(X)

    def avg_pool_as_conv(channels, pool_size, strides=None, padding=0, ctx=None):
        return nn.AvgPool2D(pool_size, strides, padding)

    for fn, said in ((conv1x1_as_dense, 'must compute conv(X) from conv.weight and conv.bias'),
                     (avg_pool_as_conv, 'must return an nn.Conv2D layer (average pooling built as a '
                                        'convolution), got AvgPool2D')):
        result = check(fn)
        assert not result.passed and result.failures, result
        assert all(f.got.startswith('Refused: ') and said in f.got for f in result.failures), result

    def conv1x1_by_dense(conv, X):
        W, b = conv.weight.data()[:, :, 0, 0], conv.bias.data()
        Y = np.einsum('oc,nchw->nohw', W, X)
        return Y + b.reshape(1, -1, 1, 1)
    assert check(conv1x1_by_dense, name='conv1x1_as_dense').passed


@pytest.mark.parametrize('last', [(0, 84), (10, 84)])
def test_the_lenet_judge_computes_with_the_books_shapes_never_the_reported_ones(last):
    """A forged observation whose last layer is (0, 84) once made an empty output equal an empty
    reference; with the book's shapes reported, zeros are still wrong."""
    import numpy as onp
    from d2l_ch6.grading.calls import encode
    from d2l_ch6.grading.cases import CASES
    from d2l_ch6.grading.verdict import judge_case
    shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,), last, last[:1]]
    observation = {'value': encode({'output': onp.zeros((2, last[0])), 'shapes': shapes})}
    case = CASES['net'][2]
    result = judge_case('net', case, case.inputs(), observation, 0.1, True)
    assert result.status == 'fail', result
