"""The cases that grade an implementation: the package's tests and ``check`` both run them (the package's addition).

Each book helper and each computable exercise has a list of ``Case``: the
book's printed examples, edge cases (non-square and 1 x N kernels, several
channels, integer inputs, stride and padding) and seeded random inputs. The
expected value of a case is the book's printed output, a value worked out by
hand, or a reference computed here with plain numpy (sliding windows, loops)
or a Gluon layer, never with the package function being graded. Tolerances are
explicit on every case.

The tables are split by section (``SECTIONS['6.2']``: the book's helpers of
6.2, then the functions of exercises 6.2.x); ``CASES`` is their union. A case's
inputs are plain data (arrays, numbers, tuples) that cross to the grader's
child as such; where a call needs objects (a Gluon layer, a network, a data
iterator) the case names the call (``calls.CALLS``) and its plain arguments.

``tests/test_*.py`` import these cases to test the package's own answers (and
check the references against scipy where they can); ``d2l_ch6.grading`` runs
the same cases on a student's code.
"""
import dataclasses
import json
import math
from typing import Any, Callable

import numpy as onp

from .targets import ALIASES, BOOK_TARGETS, EXERCISES  # noqa: F401
from .calls import (RemoteError, _np, accuracy_batches, arr, as_numpy, comp_conv2d_layer,  # noqa: F401
                    conv1x1_layer, decode, encode, lenet_weights, make_net, observe, rand)

__all__ = ['Case', 'CASES', 'EXERCISES', 'ALIASES', 'run_case', 'assert_case', 'compare',
           'as_numpy']

F32 = dict(rtol=1e-5, atol=1e-5)  # float32 sums of at most a few hundred O(1) products


@dataclasses.dataclass
class Case:
    """One graded call: inputs, what it must give, and how closely (the package's addition).

    inputs() returns fresh positional arguments on every call (arrays are
    built anew, so a function that writes into its input cannot spoil the
    next case). expected is a value or a callable of those arguments. raises
    lists the exception types bad input must raise instead; such a case is
    advice (reported on its own line, never a failure) unless ``required``
    (an exercise asks for it). call names how the grader calls fn
    (``calls.CALLS``, default ``fn(*args, **kwargs)``); it runs where the
    student's code runs and returns plain data. judge, when given, is
    ``judge(value, args, kwargs) -> (got, want, alts)``: it runs in the
    grader, for calls whose expected value depends on what the call built.
    """
    label: str
    inputs: Callable[[], tuple]
    expected: Any = None
    source: str = 'random'  # 'book', 'edge', 'random' or 'bad input'
    kwargs: dict = dataclasses.field(default_factory=dict)
    rtol: float = 1e-5
    atol: float = 1e-5
    raises: tuple = ()
    call: str = None
    judge: Callable = None
    required: bool = False

    @property
    def advice(self):
        """True for a robustness case that is reported as advice, not graded."""
        return bool(self.raises) and not self.required

    def want(self, args):
        """Return the expected value for these arguments."""
        return self.expected(*args) if callable(self.expected) else self.expected


def settle(case, args, observation):
    """Turn what a call gave (plain data) into (got, want, alts, error); runs in the grader.

    A judge that cannot read what came (a student's value of the wrong kind)
    makes it a failing case with that value as got.
    """
    if 'error' in observation:
        from .calls import error_from
        return None, None, None, error_from(observation['error'])
    got = decode(observation['value'])
    if case.judge is None:
        return got, case.want(args), None, None
    try:
        got, want, alts = case.judge(got, args, case.kwargs)
    except Exception as e:  # the value is not what the call should give
        return got, _JudgeFailed(f'{type(e).__name__}: {e}'), None, None
    return got, case.want(args) if want is None else want, alts, None


class _JudgeFailed:
    """The expected value when what came back could not be read at all."""

    def __init__(self, why):
        self.why = why

    def __repr__(self):
        return f'(could not be read: {self.why})'


def run_case(case, fn):
    """Call fn on the case's inputs as the grader does; return (args, got, want, error)."""
    args = case.inputs()
    observation = observe(fn, case.call, args, case.kwargs)
    observation = json.loads(json.dumps(observation))  # exactly what crosses from a child
    got, want, alts, error = settle(case, args, observation)
    return args, got, want, error


def assert_case(case, fn):
    """Raise AssertionError unless fn passes the case: how the package's tests use a case."""
    args, got, want, error = run_case(case, fn)
    if case.raises:
        if error is not None and error.is_a(*(t.__name__ for t in case.raises)):
            return
        raise AssertionError(f'{case.label}: expected {case.raises} to be raised')
    if error is not None:
        raise AssertionError(f'{case.label}: {error.type_name}: {error.message}{error.where}')
    why = compare(got, want, case.rtol, case.atol)
    if why:
        raise AssertionError(f'{case.label}: {why}')


def compare(got, expected, rtol, atol, path=''):
    """Return None when got matches expected, else a short reason (the package's addition)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f'{path or "result"} should be a dict with keys {sorted(expected)}, got {type(got).__name__}'
        missing = set(expected) - set(got)
        if missing:
            return f'{path or "result"} lacks the key(s) {sorted(missing)}'
        for k in expected:
            why = compare(got[k], expected[k], rtol, atol, f'{path}[{k!r}]')
            if why:
                return why
        return None
    if isinstance(expected, (tuple, list)) and any(
            isinstance(e, (onp.ndarray, dict, tuple, list, float)) for e in expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f'{path or "result"} should be a sequence of {len(expected)}, got {_short(got)}'
        for i, (g, e) in enumerate(zip(got, expected)):
            why = compare(g, e, rtol, atol, f'{path}[{i}]')
            if why:
                return why
        return None
    if isinstance(expected, onp.ndarray):
        if not hasattr(got, 'shape'):
            return f'{path or "result"} should be an array of shape {expected.shape}, got {type(got).__name__}'
        got = onp.asarray(got)
        if tuple(got.shape) != expected.shape:
            return f'{path or "shape"}: expected shape {expected.shape}, got {tuple(got.shape)}'
        if not onp.allclose(got.astype('float64'), expected, rtol=rtol, atol=atol):
            return f'{path or "values"}: differ by up to {_maxdiff(got, expected):.3g} (tolerance rtol={rtol:g}, atol={atol:g})'
        return None
    if isinstance(expected, float):
        try:
            ok = math.isclose(float(got), expected, rel_tol=rtol, abs_tol=atol)
        except (TypeError, ValueError):
            ok = False
        return None if ok else f'{path or "value"}: expected {expected:.6g}, got {_short(got)}'
    if isinstance(expected, (tuple, list)):
        try:
            same = tuple(onp.asarray(got).tolist()) == tuple(expected)
        except (TypeError, ValueError):
            same = False
    else:
        try:
            same = bool(got == expected)
        except (TypeError, ValueError):
            same = False
    return None if same else f'{path or "value"}: expected {expected!r}, got {_short(got)}'


def _maxdiff(got, expected):
    with onp.errstate(invalid='ignore'):
        d = onp.abs(got.astype('float64') - expected)
    return float(onp.nanmax(d)) if d.size else 0.0


def _short(value, limit=80):
    text = repr(value.tolist() if isinstance(value, onp.ndarray) else value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


# --- independent references, in plain numpy (float64) --------------------------

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


# --- inputs ----------------------------------------------------------------------

def book_X3():
    """Fig. 6.2.1's input, 0..8 as 3x3."""
    return arr([[0, 1, 2], [3, 4, 5], [6, 7, 8]])


def edge_image():
    """The book's 6x8 image: ones, columns 2..5 zero (Book section 6.2.3)."""
    X = onp.ones((6, 8))
    X[:, 2:6] = 0
    return arr(X)


def edge_map():
    """The book's Y for the edge image: 1 in column 1, -1 in column 5, shape (6, 7)."""
    Y = onp.zeros((6, 7))
    Y[:, 1], Y[:, 5] = 1, -1
    return Y


def book_multi_X_K():
    """Fig. 6.4.1's two-channel input and kernel."""
    X = arr([[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]])
    K = arr([[[0, 1], [2, 3]], [[1, 2], [3, 4]]])
    return X, K


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _ref_grad_corr(X, K):
    """d sum(corr2d(X, K)) / d K[a, b]: the sum of X's block each kernel tap sees."""
    X, K = _n(X), _n(K)
    h, w = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return onp.array([[X[a:a + h, b:b + w].sum() for b in range(K.shape[1])]
                      for a in range(K.shape[0])])


# --- the book's helpers ------------------------------------------------------------

def _corr2d_cases():
    K_fig = lambda: arr([[0, 1], [2, 3]])  # noqa: E731
    return [
        Case('Fig. 6.2.1: 3x3 input 0..8, kernel [[0, 1], [2, 3]]', lambda: (book_X3(), K_fig()),
             onp.array([[19., 25.], [37., 43.]]), 'book', atol=1e-6, rtol=0),
        Case('edge image (6x8) with K = [[1, -1]]', lambda: (edge_image(), arr([[1, -1]])),
             edge_map(), 'book', atol=1e-6, rtol=0),
        Case('transposed edge image (8x6): no vertical edge', lambda: (edge_image().T, arr([[1, -1]])),
             onp.zeros((8, 5)), 'book', atol=1e-6, rtol=0),
        Case('non-square kernel 2x3 on 5x7', lambda: (rand(1, 5, 7), rand(2, 2, 3)), ref_corr2d,
             'edge', **F32),
        Case('1x4 kernel on 4x9', lambda: (rand(3, 4, 9), rand(4, 1, 4)), ref_corr2d, 'edge', **F32),
        Case('5x1 kernel on 7x2', lambda: (rand(5, 7, 2), rand(6, 5, 1)), ref_corr2d, 'edge', **F32),
        Case('kernel as large as the input, 3x3', lambda: (rand(7, 3, 3), rand(8, 3, 3)), ref_corr2d,
             'edge', **F32),
        Case('integer input 0..11 (3x4), kernel [[0.5, 0.25]]',
             lambda: (arr(onp.arange(12).reshape(3, 4), 'int32'), arr([[0.5, 0.25]])),
             ref_corr2d, 'edge', atol=1e-6, rtol=0),
        Case('random 6x6 input, 3x3 kernel', lambda: (rand(9, 6, 6), rand(10, 3, 3)), ref_corr2d,
             'random', **F32),
        Case('kernel 3x1 larger than the 2x2 input', lambda: (arr(onp.ones((2, 2))), arr(onp.ones((3, 1)))),
             source='bad input', raises=(ValueError,)),
    ]


def _conv2d_cases():
    W = onp.random.default_rng(21).normal(size=(2, 3))
    return [
        Case('parameters of Conv2D(kernel_size=(2, 3)): weight (2, 3), bias (1,)', lambda: (),
             {'weight': (2, 3), 'bias': (1,)}, 'book', call='conv2d_params'),
        Case('kernel_size (1, 2), weight [[1, -1]], bias 0.5, on the edge image',
             lambda: (arr([[1., -1.]]), 0.5, edge_image()), lambda W_, b, X_: edge_map() + b,
             'book', call='conv2d_block', atol=1e-6, rtol=0),
        Case('kernel_size (2, 3), random weight, bias -0.25, on a 4x5 input',
             lambda: (arr(W), -0.25, rand(22, 4, 5)), lambda W_, b, X_: ref_corr2d(X_, W_) + b,
             'edge', call='conv2d_block', **F32),
    ]


def _judge_comp_conv2d(value, args, kwargs):
    """(shape, equals the layer's own output): the layer's weights came back with the output."""
    kernel_size, padding, strides, n = args
    Y, weight, bias = value['Y'], value['weight'], value['bias']
    X = _n(rand(31, *n, low='uniform'))[None, None]
    direct = ref_conv_batch(X, weight, _pair(padding), _pair(strides))[0, 0] + float(_n(bias).ravel()[0])
    same = (tuple(Y.shape) == direct.shape
            and bool(onp.allclose(_n(Y), direct, rtol=1e-5, atol=1e-6)))
    return (tuple(Y.shape), same), None, None


def _comp_conv2d_cases():
    book = [(3, 1, 1, (8, 8)), ((5, 3), (2, 1), 1, (8, 8)), (3, 1, 2, (4, 4)),
            ((3, 5), (0, 1), (3, 4), (2, 2))]
    cases = [Case(f'nn.Conv2D(1, kernel_size={k}, padding={p}, strides={s}) on 8x8: '
                  f'(shape, equals the layer\'s output)', (lambda k, p, s: lambda: (k, p, s, (8, 8)))(k, p, s),
                  (shape, True), 'book', call='comp_conv2d', judge=_judge_comp_conv2d)
             for k, p, s, shape in book]
    cases.append(Case('kernel_size (2, 4), no padding, on 5x9: (shape, equals the layer\'s output)',
                      lambda: ((2, 4), 0, 1, (5, 9)), ((4, 6), True), 'edge', call='comp_conv2d',
                      judge=_judge_comp_conv2d))
    for c in cases:
        c.judge = _with_want(c.expected, _judge_comp_conv2d)
    return cases


def _with_want(want, judge):
    """A judge that keeps the case's fixed expected value."""
    def run(value, args, kwargs):
        got, _, alts = judge(value, args, kwargs)
        return got, want, alts
    return run


def _multi_in_cases():
    return [
        Case('Fig. 6.4.1: two channels', book_multi_X_K, onp.array([[56., 72.], [104., 120.]]),
             'book', atol=1e-6, rtol=0),
        Case('one channel, 2x2 kernel on 4x5', lambda: (rand(41, 1, 4, 5), rand(42, 1, 2, 2)),
             lambda X, K: ref_corr2d(X[0], K[0]), 'edge', **F32),
        Case('three channels, 2x3 kernel on 4x5', lambda: (rand(43, 3, 4, 5), rand(44, 3, 2, 3)),
             lambda X, K: sum(ref_corr2d(X[i], K[i]) for i in range(3)), 'random', **F32),
        Case('four channels, 1x1 kernel on 6x3', lambda: (rand(45, 4, 6, 3), rand(46, 4, 1, 1)),
             lambda X, K: sum(ref_corr2d(X[i], K[i]) for i in range(4)), 'edge', **F32),
    ]


def _multi_in_out_ref(X, K):
    return ref_conv_batch(_n(X)[None], K)[0]


def _multi_in_out_cases():
    def book():
        X, K = book_multi_X_K()
        return X, _np().stack((K, K + 1, K + 2))
    return [
        Case('Section 6.4.2: K, K + 1, K + 2 stacked, shape (3, 2, 2, 2)', book,
             onp.array([[[56., 72.], [104., 120.]], [[76., 100.], [148., 172.]],
                        [[96., 128.], [192., 224.]]]), 'book', atol=1e-6, rtol=0),
        Case('c_i = 1, c_o = 1, 2x2 kernel on 4x5', lambda: (rand(51, 1, 4, 5), rand(52, 1, 1, 2, 2)),
             _multi_in_out_ref, 'edge', **F32),
        Case('c_i = 2, c_o = 3, 2x3 kernel on 5x6', lambda: (rand(53, 2, 5, 6), rand(54, 3, 2, 2, 3)),
             _multi_in_out_ref, 'random', **F32),
        Case('c_i = 3, c_o = 2, kernel as large as the 4x4 input',
             lambda: (rand(55, 3, 4, 4), rand(56, 2, 3, 4, 4)), _multi_in_out_ref, 'edge', **F32),
    ]


def _1x1_cases():
    return [
        Case('Section 6.4.3: X (3, 3, 3), K (2, 3, 1, 1), uniform',
             lambda: (rand(61, 3, 3, 3, low='uniform'), rand(62, 2, 3, 1, 1, low='uniform')),
             _multi_in_out_ref, 'book', atol=1e-6, rtol=1e-6),
        Case('c_i = 4, c_o = 3 on 5x6', lambda: (rand(63, 4, 5, 6), rand(64, 3, 4, 1, 1)),
             _multi_in_out_ref, 'random', **F32),
        Case('c_i = 1, c_o = 2 on 2x7', lambda: (rand(65, 1, 2, 7), rand(66, 2, 1, 1, 1)),
             _multi_in_out_ref, 'edge', **F32),
    ]


def _pool_cases():
    fig = lambda: (book_X3(), (2, 2))  # noqa: E731
    return [
        Case('Fig. 6.5.1: 2x2 max pooling of 0..8', fig, onp.array([[4., 5.], [7., 8.]]), 'book',
             atol=1e-6, rtol=0),
        Case("Section 6.5.1: 2x2 average pooling of 0..8 (mode='avg')", fig,
             onp.array([[2., 3.], [5., 6.]]), 'book', kwargs={'mode': 'avg'}, atol=1e-6, rtol=0),
        Case('3x2 max window on 6x4', lambda: (rand(71, 6, 4), (3, 2)),
             lambda X, p: ref_pool(X, p, onp.max), 'edge', **F32),
        Case("3x2 average window on 6x4 (mode='avg')", lambda: (rand(72, 6, 4), (3, 2)),
             lambda X, p: ref_pool(X, p, onp.mean), 'edge', kwargs={'mode': 'avg'}, **F32),
        Case("1x4 average window on 5x5 (mode='avg')", lambda: (rand(73, 5, 5), (1, 4)),
             lambda X, p: ref_pool(X, p, onp.mean), 'edge', kwargs={'mode': 'avg'}, **F32),
        Case("integer input 0..11 (3x4), 2x2 average (mode='avg')",
             lambda: (arr(onp.arange(12).reshape(3, 4), 'int32'), (2, 2)),
             onp.array([[2.5, 3.5, 4.5], [6.5, 7.5, 8.5]]), 'edge', kwargs={'mode': 'avg'},
             atol=1e-6, rtol=0),
        Case('random 4x5, 2x2 max', lambda: (rand(74, 4, 5), (2, 2)),
             lambda X, p: ref_pool(X, p, onp.max), 'random', **F32),
        Case("unknown mode='min' (the book's loop returns zeros)", lambda: (book_X3(), (2, 2)),
             source='bad input', kwargs={'mode': 'min'}, raises=(ValueError,)),
    ]


BOOK_TABLE = [('conv', (1, 6, 28, 28)), ('pool', (1, 6, 14, 14)), ('conv', (1, 16, 10, 10)),
              ('pool', (1, 16, 5, 5)), ('dense', (1, 120)), ('dense', (1, 84)), ('dense', (1, 10))]


def _judge_lenet(pool):
    """The net's output against the numpy LeNet with the same seeded weights."""
    def judge(value, args, kwargs):
        got, shapes = value['output'], value['shapes']
        if len(shapes) != 10:
            return got, 'a LeNet with the book\'s 10 parameter arrays (5 weights, 5 biases)', {}
        P = lenet_weights(shapes, 84)
        X = rand(83, 2, 1, 28, 28, low='uniform')
        other = 'max' if pool == 'avg' else 'avg'
        alts = {'pooling': ref_lenet(P, X, other)[0],
                'relu': ref_lenet(P, X, pool, act=lambda x: onp.maximum(x, 0))[0]}
        return got, ref_lenet(P, X, pool)[0], alts
    return judge


def _lenet_cases(pool):
    name = 'average' if pool == 'avg' else 'max'
    return [
        Case('Section 6.6.1: layer-by-layer output shapes of one 28x28 image', lambda: (),
             BOOK_TABLE, 'book', call='layer_shapes'),
        Case('Section 6.6.1: parameter count', lambda: (), 61706, 'book', call='param_count'),
        Case(f'output on two images equals the book\'s LeNet (sigmoid, {name} pooling) '
             f'with the same weights', lambda: (), None, 'random', call='lenet_forward',
             judge=_judge_lenet(pool),
             rtol=1e-4, atol=1e-5),
    ]


def _judge_accuracy(value, args, kwargs):
    """The exact fraction the tiny classifier gets right, and the wrong ways to count it."""
    sizes, seed, kind = args
    batches, pred = accuracy_batches(sizes, seed)
    y = onp.concatenate([b[1] for b in batches])
    right = pred == y
    per_batch, lo = [], 0
    for b in sizes:
        per_batch.append(right[lo:lo + b].mean())
        lo += b
    alts = {'batch mean': float(onp.mean(per_batch)), 'count': float(right.sum()),
            'last batch': float(per_batch[-1])}
    return value, float(right.sum()) / sum(sizes), alts


def _accuracy_cases():
    cases = []
    for sizes, seed, kind, source in (((4, 4, 2), 91, 'list', 'edge'), ((5, 5, 5), 92, 'list', 'random'),
                                      ((3, 3, 3, 1), 93, 'DataIter', 'edge')):
        cases.append(Case(f'tiny Dense(4) classifier, {kind} of batches of sizes {sizes}',
                          (lambda a: lambda: a)((sizes, seed, kind)), None, source, call='accuracy',
                          judge=_judge_accuracy, rtol=1e-6, atol=1e-6))
    return cases


# --- the exercises -------------------------------------------------------------------

def _conv1x1_ref(seed, c_i, c_o):
    conv, X = conv1x1_layer(seed, c_i, c_o)
    W = _n(conv.weight.data())[:, :, 0, 0]
    return onp.einsum('oc,nchw->nohw', W, _n(X)) + _n(conv.bias.data())[None, :, None, None]


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


def _ref_corr1d_grad(x, k):
    x, k = _n(x), _n(k)
    n = len(x) - len(k) + 1
    return onp.correlate(x, k, mode='valid'), onp.array([x[a:a + n].sum() for a in range(len(k))])


def _diag_maps(X, K):
    n = X.shape[0]
    return {'X': onp.eye(n, n - 1), 'X.T': -onp.eye(n, n - 1, k=-1), 'K.T': -onp.eye(n - 1, n, k=1)}


def _judge_autograd_error(value, args, kwargs):
    """(is a RuntimeError, about in-place operations) for the exception the function returned."""
    is_error = isinstance(value, RemoteError)
    return ((is_error and value.is_a('RuntimeError'),
             is_error and 'Inplace operations' in value.message), None, None)


def _ref_im2col(X, kernel_shape):
    W = onp.lib.stride_tricks.sliding_window_view(_n(X), kernel_shape)
    return W.reshape(-1, kernel_shape[0] * kernel_shape[1])


def _ref_kernel_matrix(K, input_shape):
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


def _apply_kernel(x_values):
    """Judge a kernel by its cross-correlation with the row x_values."""
    def judge(value, args, kwargs):
        K = _n(value)
        if K.ndim != 2:
            raise ValueError(f'the kernel must be a 2-D (1, k) array, got shape {K.shape}')
        return ref_corr2d(onp.asarray(x_values, dtype='float64')[None, :], K), None, None
    return judge


def _judge_laplacian(value, args, kwargs):
    i, j = onp.mgrid[0:7, 0:8].astype('float64')
    F = i ** 3 + i * j ** 2 - 2 * j ** 3 + i ** 2
    return ref_corr2d(F, _n(value)), None, None


def _laplacian_expected():
    i, j = onp.mgrid[0:7, 0:8].astype('float64')
    return (8 * i - 12 * j + 2)[1:-1, 1:-1]


def _judge_derivative(value, args, kwargs):
    (d,) = args
    x = onp.arange(12.)
    return ref_corr2d((x ** d + 3 * x ** max(d - 1, 0) - 1)[None, :], _n(value)), None, None


def _conv_shape_gluon(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    """Gluon's output shape for total padding p (even: p / 2 per side)."""
    from mxnet.gluon import nn
    conv = nn.Conv2D(1, kernel_size=(k_h, k_w), padding=(p_h // 2, p_w // 2), strides=(s_h, s_w))
    conv.initialize()
    return tuple(conv(_np().zeros((1, 1, n_h, n_w))).shape[2:])


def _ref_conv1d(x, k, stride=1, padding=0):
    x, k = _n(x), _n(k)
    x = onp.pad(x, (padding, padding))
    return onp.correlate(x, k, mode='valid')[::stride]


def _ref_compose(K1, K2):
    K1, K2 = _n(K1), _n(K2)
    if K1.ndim == 2:
        return ref_full_conv(K1, K2)
    return onp.stack([onp.stack([sum(ref_full_conv(K1[m, i], K2[o, m]) for m in range(K1.shape[0]))
                                 for i in range(K1.shape[1])]) for o in range(K2.shape[0])])


def _judge_compare_1x1(value, args, kwargs):
    diff, identical = value
    return (bool(float(diff) < 1e-6), bool(identical) == (float(diff) == 0.0)), None, None


def _judge_avg_conv(value, args, kwargs):
    c, pool_size, strides, padding, seed, shape = args
    want = _gluon_pool('avg', rand(seed, *shape), pool_size, strides, padding)
    p_h, p_w = _pair(pool_size)
    alts = {'sum': want * p_h * p_w, 'channels': onp.broadcast_to(
        want.sum(axis=1, keepdims=True), want.shape)}
    return value, want, alts


def _gluon_pool(kind, X, pool_size, strides, padding):
    from mxnet.gluon import nn
    layer = (nn.AvgPool2D if kind == 'avg' else nn.MaxPool2D)(pool_size, strides=strides,
                                                              padding=padding)
    return layer(X).asnumpy()


def _ref_max_vs_avg(X, pool_size):
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


def _ref_conv_and_grad(X, K):
    """A batch convolution and d sum(Y) / d K: K[o, i, a, b] sees X[:, i] shifted by (a, b)."""
    Xn, Kn = _n(X), _n(K)
    h, w = Xn.shape[2] - Kn.shape[2] + 1, Xn.shape[3] - Kn.shape[3] + 1
    G = onp.array([[[Xn[:, i, a:a + h, b:b + w].sum() for b in range(Kn.shape[3])]
                    for a in range(Kn.shape[2])] for i in range(Kn.shape[1])])
    return ref_conv_batch(Xn, Kn), onp.broadcast_to(G, Kn.shape).copy()


def _judge_max_vs_avg(value, args, kwargs):
    return {k: tuple(v) for k, v in value.items()}, _ref_max_vs_avg(*args), None


def _ref_lse(X, pool_size, temperature, strides=None):
    p = _pair(pool_size)
    s = p if strides is None else _pair(strides)
    W = onp.lib.stride_tricks.sliding_window_view(_n(X), p, axis=(-2, -1))[..., ::s[0], ::s[1], :, :]
    M = W.max(axis=(-2, -1), keepdims=True)
    return (M + temperature * onp.log(onp.exp((W - M) / temperature).mean(axis=(-2, -1),
                                                                          keepdims=True)))[..., 0, 0]


def _judge_activations(value, args, kwargs):
    """The two sigmoid convolution outputs of the book's LeNet with the seeded weights."""
    shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
              (10, 84), (10,)]
    _, H1, H2 = ref_lenet(lenet_weights(shapes, 102), rand(101, 2, 1, 28, 28, low='uniform'))
    return tuple(value), (H1, H2), None


def _exercises_6_1():
    """Exercises 6.1.x: the cases of their functions."""
    C = {}
    C['conv1x1_as_dense'] = [
        Case('Conv2D(4, kernel_size=1, in_channels=3) with a bias, X (2, 3, 5, 6)',
             lambda: (111, 3, 4), _conv1x1_ref, 'random', call='conv1x1', **F32),
        Case('Conv2D(2, kernel_size=1, in_channels=1), X (2, 1, 5, 6)',
             lambda: (112, 1, 2), _conv1x1_ref, 'edge', call='conv1x1', **F32)]
    C['translate'] = [
        Case(f'shift a 5x6 image by ({d_h}, {d_w})', lambda d_h=d_h, d_w=d_w: (rand(113, 5, 6), d_h, d_w),
             ref_translate, 'edge', atol=0, rtol=0)
        for d_h, d_w in ((2, 3), (-1, 2), (0, -3), (6, 0))]
    C['pad_zeros'] = [
        Case('total padding p_h = 3, p_w = 2 of ones (2, 3): ceil(p/2) on top/left',
             lambda: (arr(onp.ones((2, 3))), 3, 2), ref_pad_zeros, 'book', atol=0, rtol=0),
        Case('total padding 2, 4 of a random 3x3', lambda: (rand(114, 3, 3), 2, 4), ref_pad_zeros,
             'random', atol=0, rtol=0),
        Case('no padding', lambda: (rand(115, 2, 2), 0, 0), ref_pad_zeros, 'edge', atol=0, rtol=0)]
    C['corr2d_same'] = [
        Case('3x3 box of ones on a 4x4 image of ones: 9 inside, 6 on edges, 4 in corners',
             lambda: (arr(onp.ones((4, 4))), arr(onp.ones((3, 3)))),
             onp.array([[4., 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]]), 'edge',
             atol=1e-6, rtol=0),
        Case('random 3x5 kernel on 7x9', lambda: (rand(116, 7, 9), rand(117, 3, 5)), ref_corr2d_same,
             'random', **F32)]
    C['corr1d'] = [
        Case('kernel of 5 taps on 20 samples', lambda: (rand(118, 20), rand(119, 5)),
             lambda x, k: onp.correlate(_n(x), _n(k), mode='valid'), 'random', **F32),
        Case('kernel [1, -1] on a sine (differences)', lambda: (arr(onp.sin(onp.arange(12.) / 2)),
                                                                 arr([1., -1.])),
             lambda x, k: onp.correlate(_n(x), _n(k), mode='valid'), 'edge', **F32),
        Case('differentiable in k: d sum(y) / d k[a] = sum of x[a:a + n_out]',
             lambda: (rand(120, 10), rand(121, 3)), _ref_corr1d_grad, 'edge',
             call='grad', **F32)]
    C['receptive_field'] = [
        Case(f'{n} layer(s) of width {k}', lambda n=n, k=k: (n, k), v,
             'edge') for n, k, v in ((3, 3, 7), (1, 5, 5), (4, 2, 5), (10, 1, 1))]
    C['conv2d_full'] = [
        Case(f'f {fs} with g {gs}', lambda fs=fs, gs=gs, s=s: (rand(s, *fs), rand(s + 1, *gs)),
             ref_full_conv, src, **F32)
        for fs, gs, s, src in (((4, 5), (2, 3), 122, 'random'), ((3, 3), (3, 3), 124, 'edge'),
                               ((1, 4), (3, 2), 126, 'edge'))]
    return C


def _exercises_6_2():
    """Exercises 6.2.x: the cases of their functions."""
    C = {}
    C['diagonal_image'] = [
        Case('n = 6', lambda: (6,), onp.tril(onp.ones((6, 6))), 'edge', atol=0, rtol=0),
        Case('n = 3', lambda: (3,), onp.tril(onp.ones((3, 3))), 'edge', atol=0, rtol=0)]
    C['diagonal_edge_maps'] = [
        Case(f'lower-triangular {n}x{n} image, K = [[1, -1]]',
             lambda n=n: (arr(onp.tril(onp.ones((n, n)))), arr([[1, -1]])), _diag_maps, 'edge',
             atol=1e-6, rtol=0) for n in (6, 4)]
    C['conv2d_autograd_error'] = [
        Case("the error is a RuntimeError (MXNetError) about in-place writes: "
             "(is RuntimeError, 'Inplace operations' in message)", lambda: (), (True, True),
             'book', judge=_with_want((True, True), _judge_autograd_error))]
    C['im2col'] = [
        Case('2x3 windows of a 5x6 input', lambda: (rand(130, 5, 6), (2, 3)), _ref_im2col, 'random',
             atol=0, rtol=0),
        Case('1x2 windows of the edge image', lambda: (edge_image(), (1, 2)), _ref_im2col, 'book',
             atol=0, rtol=0)]
    C['corr2d_matmul'] = [
        Case('Fig. 6.2.1', lambda: (book_X3(), arr([[0, 1], [2, 3]])),
             onp.array([[19., 25.], [37., 43.]]), 'book', atol=1e-6, rtol=0),
        Case('random 2x3 kernel on 5x6', lambda: (rand(131, 5, 6), rand(132, 2, 3)), ref_corr2d,
             'random', **F32),
        Case('differentiable in K: d sum(Y) / d K[a, b] = sum of the block K[a, b] sees',
             lambda: (rand(133, 5, 6), rand(134, 2, 3)),
             lambda X, K: (ref_corr2d(X, K), _ref_grad_corr(X, K)), 'edge', call='grad', **F32)]
    C['kernel_matrix'] = [
        Case('K 2x3, input 5x6: W with vec(Y) = W vec(X)', lambda: (rand(135, 2, 3), (5, 6)),
             _ref_kernel_matrix, 'random', **F32),
        Case('K [[1, -1]], input 2x3', lambda: (arr([[1, -1]]), (2, 3)), _ref_kernel_matrix, 'edge',
             atol=0, rtol=0)]
    x = onp.arange(10.)
    C['second_derivative_kernel'] = [
        Case("the kernel applied to f = x^3 - 2x^2 + x gives f'' = 6x - 4", lambda: (),
             (6 * x[1:-1] - 4)[None, :], 'edge', judge=_apply_kernel(x ** 3 - 2 * x ** 2 + x),
             atol=1e-9, rtol=0)]
    C['laplacian_kernel'] = [
        Case('the kernel applied to F = i^3 + i j^2 - 2 j^3 + i^2 gives 8i - 12j + 2', lambda: (),
             _laplacian_expected(), 'edge', judge=_with_want(_laplacian_expected(), _judge_laplacian), atol=1e-9, rtol=0)]
    C['integral_kernel'] = [
        Case('n = 4: a (1, 4) box of ones', lambda: (4,), onp.ones((1, 4)), 'edge', atol=0, rtol=0),
        Case('n = 1', lambda: (1,), onp.ones((1, 1)), 'edge', atol=0, rtol=0)]
    m = onp.arange(11.)
    C['running_integral'] = [
        Case('x_i = i^2: sum_{i <= m} i^2 = m (m + 1) (2m + 1) / 6', lambda: (arr(m ** 2),),
             m * (m + 1) * (2 * m + 1) / 6, 'edge', atol=1e-3, rtol=0),
        Case('[1, 2, 3, 4]', lambda: (arr([1., 2., 3., 4.]),), onp.array([1., 3., 6., 10.]), 'book',
             atol=1e-6, rtol=0)]
    C['derivative_kernel'] = [
        Case(f'd = {d}: on x^d + 3x^(d-1) - 1 the kernel gives d! = {math.factorial(d)}',
             lambda d=d: (d,), lambda d: onp.full((1, 12 - d), float(math.factorial(d))), 'edge',
             judge=_judge_derivative, atol=1e-6, rtol=0) for d in (1, 2, 3, 4)]
    C['min_derivative_kernel_size'] = [
        Case(f'd = {d}', lambda d=d: (d,), d + 1, 'edge') for d in (0, 1, 2, 5)]
    return C


def _exercises_6_3():
    """Exercises 6.3.x: the cases of their functions."""
    C = {}
    C['last_example_output_shape'] = [
        Case('8x8, kernel (3, 5), padding (0, 1) per side, strides (3, 4)', lambda: (), (2, 2), 'book')]
    shapes = [((8, 8, 3, 3, 2, 2, 1, 1), 'book'), ((8, 8, 5, 3, 4, 2, 1, 1), 'book'),
              ((8, 8, 3, 3, 2, 2, 2, 2), 'book'), ((8, 8, 3, 5, 0, 2, 3, 4), 'book'),
              ((7, 9, 4, 2, 4, 0, 3, 2), 'edge'), ((7, 9, 1, 1, 0, 0, 2, 2), 'edge'),
              ((7, 9, 3, 5, 2, 2, 1, 2), 'edge')]
    C['conv_output_shape'] = [
        Case('n {0}x{1}, k {2}x{3}, total padding ({4}, {5}), stride ({6}, {7}): '
             'as Gluon gives'.format(*a), lambda a=a: a, lambda *a: _conv_shape_gluon(*a), src)
        for a, src in shapes]
    C['conv1d_strided'] = [
        Case('stride 2, kernel [1]: every other sample', lambda: (rand(140, 9), arr([1.])), None,
             'edge', kwargs={'stride': 2}, atol=0, rtol=0),
        Case('stride 2, padding 1 per side, 3 taps', lambda: (rand(141, 11), rand(142, 3)), None,
             'random', kwargs={'stride': 2, 'padding': 1}, **F32),
        Case('stride 3, 2 taps', lambda: (rand(143, 10), rand(144, 2)), None, 'random',
             kwargs={'stride': 3}, **F32)]
    for c in C['conv1d_strided']:
        c.expected = (lambda kw: lambda x, k: _ref_conv1d(x, k, **kw))(c.kwargs)
    C['conv_cost'] = [
        Case(f'conv_cost{a}: multiply-adds counted window by window', lambda a=a: a, v, src)
        for a, v, src in (((8, 8, 3, 3, 2, 2, 1, 1, 1, 1), 576, 'book'),
                          ((8, 8, 3, 3, 2, 2, 2, 2, 1, 1), 144, 'edge'),
                          ((7, 9, 3, 5, 0, 2, 3, 4, 2, 3), 360, 'edge'),
                          ((12, 10, 1, 1, 0, 0, 3, 2, 4, 2), 160, 'edge'))]
    return C


def _exercises_6_4():
    """Exercises 6.4.x: the cases of their functions."""
    C = {}
    C['compose_kernels'] = [
        Case(f'2-D kernels {k1} then {k2}', lambda k1=k1, k2=k2, s=s: (rand(s, *k1), rand(s + 1, *k2)),
             _ref_compose, 'random', **F32)
        for k1, k2, s in (((2, 2), (2, 2), 150), ((3, 1), (2, 3), 152))]
    C['compose_kernels'].append(
        Case('channels: K1 (3, 2, 2, 2) then K2 (2, 3, 1, 2)',
             lambda: (rand(154, 3, 2, 2, 2), rand(155, 2, 3, 1, 2)), _ref_compose, 'edge', **F32))
    COST_ARGS = [(2, 3, 5, 4, 3, 2, 2, 0, 1, 1), (3, 2, 6, 5, 2, 3, 2, 2, 2, 3),
                 (2, 2, 7, 7, 2, 2, 0, 2, 3, 3), (1, 1, 4, 4, 2, 2, 0, 0, 1, 1)]
    # counted by an explicit loop over every product and sum (tests/test_channels.py)
    fwd = [(540, 495), (288, 272), (96, 84), (36, 27)]
    bwd = [(1080, 988), (576, 396), (192, 128), (72, 52)]
    C['conv_forward_cost'] = [
        Case(f'conv_forward_cost{a}', lambda a=a: a, {'mul': m, 'add': s}, 'edge' if i else 'random')
        for i, (a, (m, s)) in enumerate(zip(COST_ARGS, fwd))]
    C['conv_backward_cost'] = [
        Case(f'conv_backward_cost{a}', lambda a=a: a, {'mul': m, 'add': s}, 'edge')
        for a, (m, s) in zip(COST_ARGS, bwd)]
    C['conv_memory'] = [
        Case(f'conv_memory{COST_ARGS[0]}', lambda: COST_ARGS[0],
             {'input': 40, 'kernel': 36, 'output': 45, 'grad_output': 45, 'grad_input': 40,
              'grad_kernel': 36, 'forward': 121, 'backward': 197}, 'edge'),
        Case(f'conv_memory{COST_ARGS[1]}', lambda: COST_ARGS[1],
             {'input': 90, 'kernel': 36, 'output': 16, 'grad_output': 16, 'grad_input': 90,
              'grad_kernel': 36, 'forward': 142, 'backward': 268}, 'edge')]
    C['conv_cost_growth'] = [
        Case(f'conv_cost_growth{COST_ARGS[0]}', lambda: COST_ARGS[0],
             {'channels': 4.0, 'padding': 1.4}, 'edge', rtol=1e-12, atol=0),
        Case(f'conv_cost_growth{COST_ARGS[1]}', lambda: COST_ARGS[1],
             {'channels': 4.0, 'padding': 1.875}, 'edge', rtol=1e-12, atol=0)]
    C['conv1x1_cost'] = [
        Case(f'conv1x1_cost{a}', lambda a=a: a, v, 'edge')
        for a, v in (((3, 2, 3, 3), {'mul': 54, 'add': 36}), ((1, 4, 2, 5), {'mul': 40, 'add': 0}),
                     ((5, 1, 4, 1), {'mul': 20, 'add': 16}))]
    C['compare_1x1'] = [
        Case('Section 6.4.3\'s X and K: (difference below 1e-6, identical exactly when the '
             'difference is 0)', lambda: (rand(160, 3, 3, 3, low='uniform'),
                                          rand(161, 2, 3, 1, 1, low='uniform')),
             (True, True), 'book', judge=_with_want((True, True), _judge_compare_1x1))]
    MATMUL = [((1, 1, 5, 5), (1, 1, 3, 3), 0, 1, 'edge'), ((2, 3, 6, 7), (4, 3, 3, 2), 1, 1, 'random'),
              ((2, 2, 8, 8), (3, 2, 3, 3), (1, 2), (2, 3), 'random'),
              ((2, 4, 7, 5), (2, 4, 1, 1), 0, 2, 'edge'), ((1, 2, 4, 4), (2, 2, 5, 5), 1, 1, 'edge')]
    C['conv2d_matmul'] = [
        Case(f'X {xs}, K {ks}, padding {p}, strides {s}: as nn.Conv2D',
             lambda xs=xs, ks=ks, i=i: (rand(170 + i, *xs), rand(180 + i, *ks)),
             (lambda p, s: lambda X, K: ref_conv_batch(X, K, _pair(p), _pair(s)))(p, s), src,
             kwargs={'padding': p, 'strides': s}, **F32)
        for i, (xs, ks, p, s, src) in enumerate(MATMUL)]
    C['conv2d_matmul'].append(
        Case('differentiable in K', lambda: (rand(190, 1, 2, 5, 5), rand(191, 3, 2, 3, 2)),
             _ref_conv_and_grad, 'edge', call='grad', **F32))
    C['im2col_multi'] = [
        Case('X = 0..15 (1, 1, 4, 4), 2x2 windows at stride 2: the four blocks as columns',
             lambda: (_np().arange(16).reshape(1, 1, 4, 4), 2), onp.array(
                 [[[0, 2, 8, 10], [1, 3, 9, 11], [4, 6, 12, 14], [5, 7, 13, 15]]], dtype='float64'),
             'edge', kwargs={'strides': 2}, atol=0, rtol=0)]
    return C


def _exercises_6_5():
    """Exercises 6.5.x: the cases of their functions."""
    C = {}
    LAYERS = [((1, 1, 4, 4), 2, None, 0, 'edge'), ((2, 3, 6, 7), (2, 3), None, 0, 'random'),
              ((2, 2, 7, 7), 3, 2, 1, 'random'), ((1, 3, 5, 8), (3, 2), (1, 2), (1, 0), 'edge')]
    C['avg_pool_as_conv'] = [
        Case(f'{sh[1]} channels, pool_size {ps}, strides {st}, padding {pd} on {sh}: as nn.AvgPool2D',
             (lambda a: lambda: a)((sh[1], ps, st, pd, 200 + i, sh)), None, src,
             call='avg_pool_as_conv', judge=_judge_avg_conv, **F32)
        for i, (sh, ps, st, pd, src) in enumerate(LAYERS)]
    C['max_pool_from_conv_relu'] = [
        Case(f'X {sh} (mostly negative), pool_size {ps}, strides {st}, padding {pd}: as nn.MaxPool2D',
             (lambda sh, i: lambda: (rand(210 + i, *sh) - 3,))(sh, i),
             (lambda ps, st, pd: lambda X: _gluon_pool('max', X, ps, st, pd))(ps, st, pd), src,
             kwargs={'pool_size': ps, 'strides': st, 'padding': pd}, **F32)
        for i, (sh, ps, st, pd, src) in enumerate(LAYERS)]
    C['max_pool_from_conv_relu'].insert(0, Case(
        'Section 6.5.2: X = 0..15, 3x3 window, padding 1, stride 2',
        lambda: (_np().arange(16).reshape(1, 1, 4, 4).astype('float32'),),
        onp.array([[[[5., 7.], [13., 15.]]]]), 'book',
        kwargs={'pool_size': 3, 'strides': 2, 'padding': 1}, atol=1e-5, rtol=0))
    # padding per side, as section 6.3 defines (p_h, p_w); the last three pad by the window, as
    # the exercise asks (Gluon refuses that, so these counts come from the counting loop)
    POOL_COST = [(2, 4, 5, 2, 2, 0, 0, 1, 1), (3, 6, 6, 3, 2, 1, 0, 2, 2), (1, 5, 7, 2, 3, 1, 1, 3, 1),
                 (2, 4, 5, 2, 2, 2, 2, 1, 1), (1, 5, 7, 2, 3, 2, 3, 3, 1), (3, 6, 6, 3, 3, 3, 3, 2, 2)]
    counted = {'max': [72, 135, 70, 336, 165, 600], 'avg': [72, 135, 70, 336, 165, 600]}
    divs = [24, 27, 14, 112, 33, 75]
    C['pool_cost'] = [
        Case(f"pool_cost{a}, mode='{mode}'", lambda a=a: a,
             {'compare': counted[mode][i], 'add': 0, 'div': 0} if mode == 'max'
             else {'compare': 0, 'add': counted[mode][i], 'div': divs[i]}, 'edge',
             kwargs={'mode': mode}) for mode in ('max', 'avg') for i, a in enumerate(POOL_COST)]
    C['max_vs_avg_pooling'] = [
        Case('random (1, 2, 4, 6), 2x2 windows: outputs and gradients of Y.sum()',
             lambda: (rand(220, 1, 2, 4, 6), 2), None, 'random', judge=_judge_max_vs_avg,
             **F32)]
    C['min_pool2d'] = [
        Case(f'X {sh} (mostly positive), pool_size {ps}, strides {st}, padding {pd}',
             (lambda sh, i: lambda: (rand(230 + i, *sh) + 3,))(sh, i),
             (lambda ps, st, pd: lambda X: ref_pool(
                 X, _pair(ps), onp.min, _pair(ps) if st is None else _pair(st), _pair(pd),
                 fill=onp.inf))(ps, st, pd), src,
             kwargs={'pool_size': ps, 'strides': st, 'padding': pd}, **F32)
        for i, (sh, ps, st, pd, src) in enumerate(LAYERS)]
    C['lse_pool2d'] = [
        Case('tau = 0.5, 3x2 windows at stride 1', lambda: (rand(240, 2, 3, 6, 6), (3, 2), 0.5),
             lambda X, p, t: _ref_lse(X, p, t, 1), 'random', kwargs={'strides': 1}, **F32),
        Case('tau = 2, 2x2 windows', lambda: (rand(241, 1, 2, 4, 4), 2, 2.0), _ref_lse, 'random', **F32),
        Case('tau = 0.001 is max pooling (within tau log 4)', lambda: (rand(242, 1, 1, 4, 4), 2, 1e-3),
             lambda X, p, t: ref_pool(X, (2, 2), onp.max, (2, 2)), 'edge', rtol=0,
             atol=1e-3 * math.log(4) + 1e-6)]
    return C


def _exercises_6_6():
    """Exercises 6.6.x: the cases of their functions."""
    C = {}
    C['conv_activations'] = [
        Case('the book\'s LeNet, two images: the two sigmoid convolution outputs', lambda: (),
             None, 'random', call='activations', judge=_judge_activations, rtol=1e-4, atol=1e-6)]
    return C


# The tables, by the section that teaches each function: the book's helpers, then the exercises.
SECTIONS = {
    '6.1': _exercises_6_1(),
    '6.2': {'corr2d': _corr2d_cases(), 'Conv2D': _conv2d_cases(), **_exercises_6_2()},
    '6.3': {'comp_conv2d': _comp_conv2d_cases(), **_exercises_6_3()},
    '6.4': {'corr2d_multi_in': _multi_in_cases(), 'corr2d_multi_in_out': _multi_in_out_cases(),
            'corr2d_multi_in_out_1x1': _1x1_cases(), **_exercises_6_4()},
    '6.5': {'pool2d': _pool_cases(), **_exercises_6_5()},
    '6.6': {'net': _lenet_cases('avg'), 'evaluate_accuracy_gpu': _accuracy_cases(),
            'lenet_max': _lenet_cases('max'), **_exercises_6_6()},
}
CASES = {name: cases for table in SECTIONS.values() for name, cases in table.items()}
