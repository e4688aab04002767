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
import functools
import json
import math
from typing import Any, Callable

import numpy as onp

from .targets import ALIASES, BOOK_TARGETS, EXERCISES  # noqa: F401
from .calls import (RemoteError, _np, accuracy_batches, arr, as_numpy, comp_conv2d_layer,  # noqa: F401
                    conv1x1_layer, decode, encode, lenet_weights, make_net, observe, rand)
from .inputs import Arange, Arr, Book, Inputs, Ones, Rand

__all__ = ['Case', 'CASES', 'EXERCISES', 'ALIASES', 'run_case', 'assert_case', 'compare',
           'as_numpy']

F32 = dict(rtol=1e-5, atol=1e-5)  # float32 sums of at most a few hundred O(1) products
EXACT = dict(rtol=0, atol=1e-6)  # small integers and halves, exact in float32

KINDS = ('book', 'edge', 'random', 'bad input')


@dataclasses.dataclass(kw_only=True)
class Case:
    """One graded call, written with keywords: what goes in, what must come out, how closely.

    title: what the case is, as reports show it. inputs: a tuple of input
    specs and plain values (``inputs.Rand``, ``Arr``, ``Book``, numbers,
    tuples); ``case.inputs()`` builds fresh arguments on every call (so a
    function that writes into its input cannot spoil the next case) and
    ``case.inputs.describe()`` says what they are. expected: the value, or a
    reference function of the built inputs. kind: where the case comes from
    ('book', 'edge', 'random' or 'bad input'). kwargs: keyword arguments of
    the call. rtol, atol: the tolerances. raises: the exception types bad
    input must raise instead; such a case is advice (reported on its own
    line, never a failure) unless ``required`` (an exercise asks for it).
    call: how the grader calls fn (``calls.CALLS``, default
    ``fn(*args, **kwargs)``); it runs where the student's code runs and
    returns plain data. judge, when given, is ``judge(value, args, kwargs) ->
    (got, want, alts)``: it runs in the grader, for calls whose expected
    value depends on what the call built.
    """
    title: str
    inputs: Any
    expected: Any = None
    kind: str = 'random'
    kwargs: dict = dataclasses.field(default_factory=dict)
    rtol: float = 1e-5
    atol: float = 1e-5
    raises: tuple = ()
    call: str = None
    judge: Callable = None
    required: bool = False

    def __post_init__(self):
        if not isinstance(self.inputs, Inputs):
            self.inputs = Inputs(self.inputs)
        if self.kind not in KINDS:
            raise ValueError(f'kind must be one of {", ".join(KINDS)}; got {self.kind!r}')

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
        raise AssertionError(f'{case.title}: expected {case.raises} to be raised')
    if error is not None:
        raise AssertionError(f'{case.title}: {error.type_name}: {error.message}{error.where}')
    why = compare(got, want, case.rtol, case.atol)
    if why:
        raise AssertionError(f'{case.title}: {why}')


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


# --- expected values the book prints ----------------------------------------------

def edge_map():
    """The book's Y for the edge image: 1 in column 1, -1 in column 5, shape (6, 7)."""
    Y = onp.zeros((6, 7))
    Y[:, 1], Y[:, 5] = 1, -1
    return Y


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _ref_grad_corr(X, K):
    """d sum(corr2d(X, K)) / d K[a, b]: the sum of X's block each kernel tap sees."""
    X, K = _n(X), _n(K)
    h, w = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return onp.array([[X[a:a + h, b:b + w].sum() for b in range(K.shape[1])]
                      for a in range(K.shape[0])])


# --- the book's helpers ------------------------------------------------------------

FIG_6_2_1 = (Book('Fig. 6.2.1 X'), Arr([[0, 1], [2, 3]]))
EDGE = Book('Section 6.2.3 edge image')


def _corr2d_cases():
    return [
        Case(title='Fig. 6.2.1: 3x3 input 0..8, kernel [[0, 1], [2, 3]]', inputs=FIG_6_2_1,
             expected=onp.array([[19., 25.], [37., 43.]]), kind='book', **EXACT),
        Case(title='edge image (6x8) with K = [[1, -1]]', inputs=(EDGE, Arr([[1, -1]])),
             expected=edge_map(), kind='book', **EXACT),
        Case(title='transposed edge image (8x6): no vertical edge',
             inputs=(Book('Section 6.2.3 edge image, transposed'), Arr([[1, -1]])),
             expected=onp.zeros((8, 5)), kind='book', **EXACT),
        Case(title='non-square kernel 2x3 on 5x7', inputs=(Rand(1, (5, 7)), Rand(2, (2, 3))),
             expected=ref_corr2d, kind='edge', **F32),
        Case(title='1x4 kernel on 4x9', inputs=(Rand(3, (4, 9)), Rand(4, (1, 4))),
             expected=ref_corr2d, kind='edge', **F32),
        Case(title='5x1 kernel on 7x2', inputs=(Rand(5, (7, 2)), Rand(6, (5, 1))),
             expected=ref_corr2d, kind='edge', **F32),
        Case(title='kernel as large as the input, 3x3', inputs=(Rand(7, (3, 3)), Rand(8, (3, 3))),
             expected=ref_corr2d, kind='edge', **F32),
        Case(title='integer input 0..11 (3x4), kernel [[0.5, 0.25]]',
             inputs=(Arange(12, (3, 4), 'int32'), Arr([[0.5, 0.25]])),
             expected=ref_corr2d, kind='edge', **EXACT),
        Case(title='random 6x6 input, 3x3 kernel', inputs=(Rand(9, (6, 6)), Rand(10, (3, 3))),
             expected=ref_corr2d, kind='random', **F32),
        Case(title='kernel 3x1 larger than the 2x2 input', inputs=(Ones((2, 2)), Ones((3, 1))),
             kind='bad input', raises=(ValueError,)),
    ]


def _conv2d_cases():
    W = onp.random.default_rng(21).normal(size=(2, 3))
    return [
        Case(title='parameters of Conv2D(kernel_size=(2, 3)): weight (2, 3), bias (1,)', inputs=(),
             expected={'weight': (2, 3), 'bias': (1,)}, kind='book', call='conv2d_params'),
        Case(title='kernel_size (1, 2), weight [[1, -1]], bias 0.5, on the edge image',
             inputs=(Arr([[1., -1.]]), 0.5, EDGE), expected=lambda W_, b, X_: edge_map() + b,
             kind='book', call='conv2d_block', **EXACT),
        Case(title='kernel_size (2, 3), random weight, bias -0.25, on a 4x5 input',
             inputs=(Arr(W), -0.25, Rand(22, (4, 5))), expected=lambda W_, b, X_: ref_corr2d(X_, W_) + b,
             kind='edge', call='conv2d_block', **F32),
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
    cases = [Case(title=f'nn.Conv2D(1, kernel_size={k}, padding={p}, strides={s}) on 8x8: '
                        f'(shape, equals the layer\'s output)', inputs=(k, p, s, (8, 8)),
                  expected=(shape, True), kind='book', call='comp_conv2d',
                  judge=_with_want((shape, True), _judge_comp_conv2d))
             for k, p, s, shape in book]
    cases.append(Case(title='kernel_size (2, 4), no padding, on 5x9: (shape, equals the layer\'s output)',
                      inputs=((2, 4), 0, 1, (5, 9)), expected=((4, 6), True), kind='edge',
                      call='comp_conv2d', judge=_with_want(((4, 6), True), _judge_comp_conv2d)))
    return cases


def _with_want(want, judge):
    """A judge that keeps the case's fixed expected value."""
    def run(value, args, kwargs):
        got, _, alts = judge(value, args, kwargs)
        return got, want, alts
    return run


def _multi_in_cases():
    return [
        Case(title='Fig. 6.4.1: two channels', inputs=(Book('Fig. 6.4.1 X'), Book('Fig. 6.4.1 K')),
             expected=onp.array([[56., 72.], [104., 120.]]), kind='book', **EXACT),
        Case(title='one channel, 2x2 kernel on 4x5', inputs=(Rand(41, (1, 4, 5)), Rand(42, (1, 2, 2))),
             expected=lambda X, K: ref_corr2d(X[0], K[0]), kind='edge', **F32),
        Case(title='three channels, 2x3 kernel on 4x5', inputs=(Rand(43, (3, 4, 5)), Rand(44, (3, 2, 3))),
             expected=lambda X, K: sum(ref_corr2d(X[i], K[i]) for i in range(3)), kind='random', **F32),
        Case(title='four channels, 1x1 kernel on 6x3', inputs=(Rand(45, (4, 6, 3)), Rand(46, (4, 1, 1))),
             expected=lambda X, K: sum(ref_corr2d(X[i], K[i]) for i in range(4)), kind='edge', **F32),
    ]


def _multi_in_out_ref(X, K):
    return ref_conv_batch(_n(X)[None], K)[0]


def _multi_in_out_cases():
    return [
        Case(title='Section 6.4.2: K, K + 1, K + 2 stacked, shape (3, 2, 2, 2)',
             inputs=(Book('Fig. 6.4.1 X'), Book('Section 6.4.2 K')),
             expected=onp.array([[[56., 72.], [104., 120.]], [[76., 100.], [148., 172.]],
                                 [[96., 128.], [192., 224.]]]), kind='book', **EXACT),
        Case(title='c_i = 1, c_o = 1, 2x2 kernel on 4x5', inputs=(Rand(51, (1, 4, 5)), Rand(52, (1, 1, 2, 2))),
             expected=_multi_in_out_ref, kind='edge', **F32),
        Case(title='c_i = 2, c_o = 3, 2x3 kernel on 5x6', inputs=(Rand(53, (2, 5, 6)), Rand(54, (3, 2, 2, 3))),
             expected=_multi_in_out_ref, kind='random', **F32),
        Case(title='c_i = 3, c_o = 2, kernel as large as the 4x4 input',
             inputs=(Rand(55, (3, 4, 4)), Rand(56, (2, 3, 4, 4))), expected=_multi_in_out_ref,
             kind='edge', **F32),
    ]


def _1x1_cases():
    return [
        Case(title='Section 6.4.3: X (3, 3, 3), K (2, 3, 1, 1), uniform',
             inputs=(Rand(61, (3, 3, 3), 'uniform'), Rand(62, (2, 3, 1, 1), 'uniform')),
             expected=_multi_in_out_ref, kind='book', atol=1e-6, rtol=1e-6),
        Case(title='c_i = 4, c_o = 3 on 5x6', inputs=(Rand(63, (4, 5, 6)), Rand(64, (3, 4, 1, 1))),
             expected=_multi_in_out_ref, kind='random', **F32),
        Case(title='c_i = 1, c_o = 2 on 2x7', inputs=(Rand(65, (1, 2, 7)), Rand(66, (2, 1, 1, 1))),
             expected=_multi_in_out_ref, kind='edge', **F32),
    ]


def _pool_cases():
    fig = (Book('Fig. 6.2.1 X'), (2, 2))
    AVG = {'mode': 'avg'}
    return [
        Case(title='Fig. 6.5.1: 2x2 max pooling of 0..8', inputs=fig,
             expected=onp.array([[4., 5.], [7., 8.]]), kind='book', **EXACT),
        Case(title="Section 6.5.1: 2x2 average pooling of 0..8 (mode='avg')", inputs=fig,
             expected=onp.array([[2., 3.], [5., 6.]]), kind='book', kwargs=AVG, **EXACT),
        Case(title='3x2 max window on 6x4', inputs=(Rand(71, (6, 4)), (3, 2)),
             expected=lambda X, p: ref_pool(X, p, onp.max), kind='edge', **F32),
        Case(title="3x2 average window on 6x4 (mode='avg')", inputs=(Rand(72, (6, 4)), (3, 2)),
             expected=lambda X, p: ref_pool(X, p, onp.mean), kind='edge', kwargs=AVG, **F32),
        Case(title="1x4 average window on 5x5 (mode='avg')", inputs=(Rand(73, (5, 5)), (1, 4)),
             expected=lambda X, p: ref_pool(X, p, onp.mean), kind='edge', kwargs=AVG, **F32),
        Case(title="integer input 0..11 (3x4), 2x2 average (mode='avg')",
             inputs=(Arange(12, (3, 4), 'int32'), (2, 2)),
             expected=onp.array([[2.5, 3.5, 4.5], [6.5, 7.5, 8.5]]), kind='edge', kwargs=AVG, **EXACT),
        Case(title='random 4x5, 2x2 max', inputs=(Rand(74, (4, 5)), (2, 2)),
             expected=lambda X, p: ref_pool(X, p, onp.max), kind='random', **F32),
        Case(title="unknown mode='min' (the book's loop returns zeros)", inputs=fig,
             kind='bad input', kwargs={'mode': 'min'}, raises=(ValueError,)),
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
        Case(title='Section 6.6.1: layer-by-layer output shapes of one 28x28 image', inputs=(),
             expected=BOOK_TABLE, kind='book', call='layer_shapes'),
        Case(title='Section 6.6.1: parameter count', inputs=(), expected=61706, kind='book',
             call='param_count'),
        Case(title=f'output on two images equals the book\'s LeNet (sigmoid, {name} pooling) '
                   f'with the same weights', inputs=(), kind='random', call='lenet_forward',
             judge=_judge_lenet(pool), rtol=1e-4, atol=1e-5),
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
    return [Case(title=f'tiny Dense(4) classifier, {kind} of batches of sizes {sizes}',
                 inputs=(sizes, seed, kind), kind=source, call='accuracy', judge=_judge_accuracy,
                 rtol=1e-6, atol=1e-6)
            for sizes, seed, kind, source in (((4, 4, 2), 91, 'list', 'edge'),
                                              ((5, 5, 5), 92, 'list', 'random'),
                                              ((3, 3, 3, 1), 93, 'DataIter', 'edge'))]


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
        Case(title='Conv2D(4, kernel_size=1, in_channels=3) with a bias, X (2, 3, 5, 6)',
             inputs=(111, 3, 4), expected=_conv1x1_ref, kind='random', call='conv1x1', **F32),
        Case(title='Conv2D(2, kernel_size=1, in_channels=1), X (2, 1, 5, 6)',
             inputs=(112, 1, 2), expected=_conv1x1_ref, kind='edge', call='conv1x1', **F32)]
    C['translate'] = [
        Case(title=f'shift a 5x6 image by ({d_h}, {d_w})', inputs=(Rand(113, (5, 6)), d_h, d_w),
             expected=ref_translate, kind='edge', atol=0, rtol=0)
        for d_h, d_w in ((2, 3), (-1, 2), (0, -3), (6, 0))]
    C['pad_zeros'] = [
        Case(title='total padding p_h = 3, p_w = 2 of ones (2, 3): ceil(p/2) on top/left',
             inputs=(Ones((2, 3)), 3, 2), expected=ref_pad_zeros, kind='book', atol=0, rtol=0),
        Case(title='total padding 2, 4 of a random 3x3', inputs=(Rand(114, (3, 3)), 2, 4),
             expected=ref_pad_zeros, kind='random', atol=0, rtol=0),
        Case(title='no padding', inputs=(Rand(115, (2, 2)), 0, 0), expected=ref_pad_zeros, kind='edge',
             atol=0, rtol=0)]
    C['corr2d_same'] = [
        Case(title='3x3 box of ones on a 4x4 image of ones: 9 inside, 6 on edges, 4 in corners',
             inputs=(Ones((4, 4)), Ones((3, 3))),
             expected=onp.array([[4., 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]]), kind='edge',
             **EXACT),
        Case(title='random 3x5 kernel on 7x9', inputs=(Rand(116, (7, 9)), Rand(117, (3, 5))),
             expected=ref_corr2d_same, kind='random', **F32)]
    C['corr1d'] = [
        Case(title='kernel of 5 taps on 20 samples', inputs=(Rand(118, (20,)), Rand(119, (5,))),
             expected=_ref_corr1d, kind='random', **F32),
        Case(title='kernel [1, -1] on a sine (differences)',
             inputs=(Arr(onp.sin(onp.arange(12.) / 2)), Arr([1., -1.])),
             expected=_ref_corr1d, kind='edge', **F32),
        Case(title='differentiable in k: d sum(y) / d k[a] = sum of x[a:a + n_out]',
             inputs=(Rand(120, (10,)), Rand(121, (3,))), expected=_ref_corr1d_grad, kind='edge',
             call='grad', **F32)]
    C['receptive_field'] = [
        Case(title=f'{n} layer(s) of width {k}', inputs=(n, k), expected=v, kind='edge')
        for n, k, v in ((3, 3, 7), (1, 5, 5), (4, 2, 5), (10, 1, 1))]
    C['conv2d_full'] = [
        Case(title=f'f {fs} with g {gs}', inputs=(Rand(s, fs), Rand(s + 1, gs)),
             expected=ref_full_conv, kind=kind, **F32)
        for fs, gs, s, kind in (((4, 5), (2, 3), 122, 'random'), ((3, 3), (3, 3), 124, 'edge'),
                                ((1, 4), (3, 2), 126, 'edge'))]
    return C


def _ref_corr1d(x, k):
    return onp.correlate(_n(x), _n(k), mode='valid')


def _exercises_6_2():
    """Exercises 6.2.x: the cases of their functions."""
    C = {}
    C['diagonal_image'] = [
        Case(title='n = 6', inputs=(6,), expected=onp.tril(onp.ones((6, 6))), kind='edge', atol=0, rtol=0),
        Case(title='n = 3', inputs=(3,), expected=onp.tril(onp.ones((3, 3))), kind='edge', atol=0, rtol=0)]
    C['diagonal_edge_maps'] = [
        Case(title=f'lower-triangular {n}x{n} image, K = [[1, -1]]',
             inputs=(Arr(onp.tril(onp.ones((n, n)))), Arr([[1, -1]])), expected=_diag_maps,
             kind='edge', **EXACT) for n in (6, 4)]
    C['conv2d_autograd_error'] = [
        Case(title="the error is a RuntimeError (MXNetError) about in-place writes: "
                   "(is RuntimeError, 'Inplace operations' in message)", inputs=(),
             expected=(True, True), kind='book', judge=_with_want((True, True), _judge_autograd_error))]
    C['im2col'] = [
        Case(title='2x3 windows of a 5x6 input', inputs=(Rand(130, (5, 6)), (2, 3)),
             expected=_ref_im2col, kind='random', atol=0, rtol=0),
        Case(title='1x2 windows of the edge image', inputs=(EDGE, (1, 2)), expected=_ref_im2col,
             kind='book', atol=0, rtol=0)]
    C['corr2d_matmul'] = [
        Case(title='Fig. 6.2.1', inputs=FIG_6_2_1, expected=onp.array([[19., 25.], [37., 43.]]),
             kind='book', **EXACT),
        Case(title='random 2x3 kernel on 5x6', inputs=(Rand(131, (5, 6)), Rand(132, (2, 3))),
             expected=ref_corr2d, kind='random', **F32),
        Case(title='differentiable in K: d sum(Y) / d K[a, b] = sum of the block K[a, b] sees',
             inputs=(Rand(133, (5, 6)), Rand(134, (2, 3))),
             expected=lambda X, K: (ref_corr2d(X, K), _ref_grad_corr(X, K)), kind='edge', call='grad',
             **F32)]
    C['kernel_matrix'] = [
        Case(title='K 2x3, input 5x6: W with vec(Y) = W vec(X)', inputs=(Rand(135, (2, 3)), (5, 6)),
             expected=_ref_kernel_matrix, kind='random', **F32),
        Case(title='K [[1, -1]], input 2x3', inputs=(Arr([[1, -1]]), (2, 3)), expected=_ref_kernel_matrix,
             kind='edge', atol=0, rtol=0)]
    x = onp.arange(10.)
    C['second_derivative_kernel'] = [
        Case(title="the kernel applied to f = x^3 - 2x^2 + x gives f'' = 6x - 4", inputs=(),
             expected=(6 * x[1:-1] - 4)[None, :], kind='edge', judge=_apply_kernel(x ** 3 - 2 * x ** 2 + x),
             atol=1e-9, rtol=0)]
    C['laplacian_kernel'] = [
        Case(title='the kernel applied to F = i^3 + i j^2 - 2 j^3 + i^2 gives 8i - 12j + 2', inputs=(),
             expected=_laplacian_expected(), kind='edge',
             judge=_with_want(_laplacian_expected(), _judge_laplacian), atol=1e-9, rtol=0)]
    C['integral_kernel'] = [
        Case(title='n = 4: a (1, 4) box of ones', inputs=(4,), expected=onp.ones((1, 4)), kind='edge',
             atol=0, rtol=0),
        Case(title='n = 1', inputs=(1,), expected=onp.ones((1, 1)), kind='edge', atol=0, rtol=0)]
    m = onp.arange(11.)
    C['running_integral'] = [
        Case(title='x_i = i^2: sum_{i <= m} i^2 = m (m + 1) (2m + 1) / 6', inputs=(Arr(m ** 2),),
             expected=m * (m + 1) * (2 * m + 1) / 6, kind='edge', atol=1e-3, rtol=0),
        Case(title='[1, 2, 3, 4]', inputs=(Arr([1., 2., 3., 4.]),), expected=onp.array([1., 3., 6., 10.]),
             kind='book', **EXACT)]
    C['derivative_kernel'] = [
        Case(title=f'd = {d}: on x^d + 3x^(d-1) - 1 the kernel gives d! = {math.factorial(d)}',
             inputs=(d,), expected=lambda d: onp.full((1, 12 - d), float(math.factorial(d))), kind='edge',
             judge=_judge_derivative, **EXACT) for d in (1, 2, 3, 4)]
    C['min_derivative_kernel_size'] = [
        Case(title=f'd = {d}', inputs=(d,), expected=d + 1, kind='edge') for d in (0, 1, 2, 5)]
    return C


def _exercises_6_3():
    """Exercises 6.3.x: the cases of their functions."""
    C = {}
    C['last_example_output_shape'] = [
        Case(title='8x8, kernel (3, 5), padding (0, 1) per side, strides (3, 4)', inputs=(),
             expected=(2, 2), kind='book')]
    shapes = [((8, 8, 3, 3, 2, 2, 1, 1), 'book'), ((8, 8, 5, 3, 4, 2, 1, 1), 'book'),
              ((8, 8, 3, 3, 2, 2, 2, 2), 'book'), ((8, 8, 3, 5, 0, 2, 3, 4), 'book'),
              ((7, 9, 4, 2, 4, 0, 3, 2), 'edge'), ((7, 9, 1, 1, 0, 0, 2, 2), 'edge'),
              ((7, 9, 3, 5, 2, 2, 1, 2), 'edge')]
    C['conv_output_shape'] = [
        Case(title='n {0}x{1}, k {2}x{3}, total padding ({4}, {5}), stride ({6}, {7}): '
                   'as Gluon gives'.format(*a), inputs=a, expected=_conv_shape_gluon, kind=kind)
        for a, kind in shapes]
    C['conv1d_strided'] = [
        Case(title=title, inputs=inputs, expected=functools.partial(_ref_conv1d, **kw), kind=kind,
             kwargs=kw, **tol)
        for title, inputs, kw, kind, tol in (
            ('stride 2, kernel [1]: every other sample', (Rand(140, (9,)), Arr([1.])), {'stride': 2},
             'edge', dict(atol=0, rtol=0)),
            ('stride 2, padding 1 per side, 3 taps', (Rand(141, (11,)), Rand(142, (3,))),
             {'stride': 2, 'padding': 1}, 'random', F32),
            ('stride 3, 2 taps', (Rand(143, (10,)), Rand(144, (2,))), {'stride': 3}, 'random', F32))]
    C['conv_cost'] = [
        Case(title=f'conv_cost{a}: multiply-adds counted window by window', inputs=a, expected=v,
             kind=kind)
        for a, v, kind in (((8, 8, 3, 3, 2, 2, 1, 1, 1, 1), 576, 'book'),
                           ((8, 8, 3, 3, 2, 2, 2, 2, 1, 1), 144, 'edge'),
                           ((7, 9, 3, 5, 0, 2, 3, 4, 2, 3), 360, 'edge'),
                           ((12, 10, 1, 1, 0, 0, 3, 2, 4, 2), 160, 'edge'))]
    return C


def _exercises_6_4():
    """Exercises 6.4.x: the cases of their functions."""
    C = {}
    C['compose_kernels'] = [
        Case(title=f'2-D kernels {k1} then {k2}', inputs=(Rand(s, k1), Rand(s + 1, k2)),
             expected=_ref_compose, kind='random', **F32)
        for k1, k2, s in (((2, 2), (2, 2), 150), ((3, 1), (2, 3), 152))]
    C['compose_kernels'].append(
        Case(title='channels: K1 (3, 2, 2, 2) then K2 (2, 3, 1, 2)',
             inputs=(Rand(154, (3, 2, 2, 2)), Rand(155, (2, 3, 1, 2))), expected=_ref_compose,
             kind='edge', **F32))
    COST_ARGS = [(2, 3, 5, 4, 3, 2, 2, 0, 1, 1), (3, 2, 6, 5, 2, 3, 2, 2, 2, 3),
                 (2, 2, 7, 7, 2, 2, 0, 2, 3, 3), (1, 1, 4, 4, 2, 2, 0, 0, 1, 1)]
    # counted by an explicit loop over every product and sum (tests/test_channels.py)
    fwd = [(540, 495), (288, 272), (96, 84), (36, 27)]
    bwd = [(1080, 988), (576, 396), (192, 128), (72, 52)]
    C['conv_forward_cost'] = [
        Case(title=f'conv_forward_cost{a}', inputs=a, expected={'mul': m, 'add': s},
             kind='edge' if i else 'random')
        for i, (a, (m, s)) in enumerate(zip(COST_ARGS, fwd))]
    C['conv_backward_cost'] = [
        Case(title=f'conv_backward_cost{a}', inputs=a, expected={'mul': m, 'add': s}, kind='edge')
        for a, (m, s) in zip(COST_ARGS, bwd)]
    C['conv_memory'] = [
        Case(title=f'conv_memory{COST_ARGS[0]}', inputs=COST_ARGS[0],
             expected={'input': 40, 'kernel': 36, 'output': 45, 'grad_output': 45, 'grad_input': 40,
                       'grad_kernel': 36, 'forward': 121, 'backward': 197}, kind='edge'),
        Case(title=f'conv_memory{COST_ARGS[1]}', inputs=COST_ARGS[1],
             expected={'input': 90, 'kernel': 36, 'output': 16, 'grad_output': 16, 'grad_input': 90,
                       'grad_kernel': 36, 'forward': 142, 'backward': 268}, kind='edge')]
    C['conv_cost_growth'] = [
        Case(title=f'conv_cost_growth{COST_ARGS[0]}', inputs=COST_ARGS[0],
             expected={'channels': 4.0, 'padding': 1.4}, kind='edge', rtol=1e-12, atol=0),
        Case(title=f'conv_cost_growth{COST_ARGS[1]}', inputs=COST_ARGS[1],
             expected={'channels': 4.0, 'padding': 1.875}, kind='edge', rtol=1e-12, atol=0)]
    C['conv1x1_cost'] = [
        Case(title=f'conv1x1_cost{a}', inputs=a, expected=v, kind='edge')
        for a, v in (((3, 2, 3, 3), {'mul': 54, 'add': 36}), ((1, 4, 2, 5), {'mul': 40, 'add': 0}),
                     ((5, 1, 4, 1), {'mul': 20, 'add': 16}))]
    C['compare_1x1'] = [
        Case(title='Section 6.4.3\'s X and K: (difference below 1e-6, identical exactly when the '
                   'difference is 0)',
             inputs=(Rand(160, (3, 3, 3), 'uniform'), Rand(161, (2, 3, 1, 1), 'uniform')),
             expected=(True, True), kind='book', judge=_with_want((True, True), _judge_compare_1x1))]
    MATMUL = [((1, 1, 5, 5), (1, 1, 3, 3), 0, 1, 'edge'), ((2, 3, 6, 7), (4, 3, 3, 2), 1, 1, 'random'),
              ((2, 2, 8, 8), (3, 2, 3, 3), (1, 2), (2, 3), 'random'),
              ((2, 4, 7, 5), (2, 4, 1, 1), 0, 2, 'edge'), ((1, 2, 4, 4), (2, 2, 5, 5), 1, 1, 'edge')]
    C['conv2d_matmul'] = [
        Case(title=f'X {xs}, K {ks}, padding {p}, strides {s}: as nn.Conv2D',
             inputs=(Rand(170 + i, xs), Rand(180 + i, ks)),
             expected=functools.partial(_ref_conv_pair, padding=p, strides=s), kind=kind,
             kwargs={'padding': p, 'strides': s}, **F32)
        for i, (xs, ks, p, s, kind) in enumerate(MATMUL)]
    C['conv2d_matmul'].append(
        Case(title='differentiable in K', inputs=(Rand(190, (1, 2, 5, 5)), Rand(191, (3, 2, 3, 2))),
             expected=_ref_conv_and_grad, kind='edge', call='grad', **F32))
    C['im2col_multi'] = [
        Case(title='X = 0..15 (1, 1, 4, 4), 2x2 windows at stride 2: the four blocks as columns',
             inputs=(Arange(16, (1, 1, 4, 4)), 2), expected=onp.array(
                 [[[0, 2, 8, 10], [1, 3, 9, 11], [4, 6, 12, 14], [5, 7, 13, 15]]], dtype='float64'),
             kind='edge', kwargs={'strides': 2}, atol=0, rtol=0)]
    return C


def _ref_conv_pair(X, K, padding, strides):
    return ref_conv_batch(X, K, _pair(padding), _pair(strides))


def _exercises_6_5():
    """Exercises 6.5.x: the cases of their functions."""
    C = {}
    LAYERS = [((1, 1, 4, 4), 2, None, 0, 'edge'), ((2, 3, 6, 7), (2, 3), None, 0, 'random'),
              ((2, 2, 7, 7), 3, 2, 1, 'random'), ((1, 3, 5, 8), (3, 2), (1, 2), (1, 0), 'edge')]
    C['avg_pool_as_conv'] = [
        Case(title=f'{sh[1]} channels, pool_size {ps}, strides {st}, padding {pd} on {sh}: '
                   f'as nn.AvgPool2D', inputs=(sh[1], ps, st, pd, 200 + i, sh), kind=kind,
             call='avg_pool_as_conv', judge=_judge_avg_conv, **F32)
        for i, (sh, ps, st, pd, kind) in enumerate(LAYERS)]
    C['max_pool_from_conv_relu'] = [
        Case(title='Section 6.5.2: X = 0..15, 3x3 window, padding 1, stride 2',
             inputs=(Arange(16, (1, 1, 4, 4)),), expected=onp.array([[[[5., 7.], [13., 15.]]]]),
             kind='book', kwargs={'pool_size': 3, 'strides': 2, 'padding': 1}, atol=1e-5, rtol=0)]
    C['max_pool_from_conv_relu'] += [
        Case(title=f'X {sh} (mostly negative), pool_size {ps}, strides {st}, padding {pd}: '
                   f'as nn.MaxPool2D', inputs=(Rand(210 + i, sh, shift=-3),),
             expected=functools.partial(_gluon_max_pool, pool_size=ps, strides=st, padding=pd),
             kind=kind, kwargs={'pool_size': ps, 'strides': st, 'padding': pd}, **F32)
        for i, (sh, ps, st, pd, kind) in enumerate(LAYERS)]
    # padding per side, as section 6.3 defines (p_h, p_w); the last three pad by the window, as
    # the exercise asks (Gluon refuses that, so these counts come from the counting loop)
    POOL_COST = [(2, 4, 5, 2, 2, 0, 0, 1, 1), (3, 6, 6, 3, 2, 1, 0, 2, 2), (1, 5, 7, 2, 3, 1, 1, 3, 1),
                 (2, 4, 5, 2, 2, 2, 2, 1, 1), (1, 5, 7, 2, 3, 2, 3, 3, 1), (3, 6, 6, 3, 3, 3, 3, 2, 2)]
    counted = {'max': [72, 135, 70, 336, 165, 600], 'avg': [72, 135, 70, 336, 165, 600]}
    divs = [24, 27, 14, 112, 33, 75]
    C['pool_cost'] = [
        Case(title=f"pool_cost{a}, mode='{mode}'", inputs=a,
             expected={'compare': counted[mode][i], 'add': 0, 'div': 0} if mode == 'max'
             else {'compare': 0, 'add': counted[mode][i], 'div': divs[i]}, kind='edge',
             kwargs={'mode': mode}) for mode in ('max', 'avg') for i, a in enumerate(POOL_COST)]
    C['max_vs_avg_pooling'] = [
        Case(title='random (1, 2, 4, 6), 2x2 windows: outputs and gradients of Y.sum()',
             inputs=(Rand(220, (1, 2, 4, 6)), 2), kind='random', judge=_judge_max_vs_avg, **F32)]
    C['min_pool2d'] = [
        Case(title=f'X {sh} (mostly positive), pool_size {ps}, strides {st}, padding {pd}',
             inputs=(Rand(230 + i, sh, shift=3),),
             expected=functools.partial(_ref_min_pool, pool_size=ps, strides=st, padding=pd), kind=kind,
             kwargs={'pool_size': ps, 'strides': st, 'padding': pd}, **F32)
        for i, (sh, ps, st, pd, kind) in enumerate(LAYERS)]
    C['lse_pool2d'] = [
        Case(title='tau = 0.5, 3x2 windows at stride 1', inputs=(Rand(240, (2, 3, 6, 6)), (3, 2), 0.5),
             expected=lambda X, p, t: _ref_lse(X, p, t, 1), kind='random', kwargs={'strides': 1}, **F32),
        Case(title='tau = 2, 2x2 windows', inputs=(Rand(241, (1, 2, 4, 4)), 2, 2.0), expected=_ref_lse,
             kind='random', **F32),
        Case(title='tau = 0.001 is max pooling (within tau log 4)',
             inputs=(Rand(242, (1, 1, 4, 4)), 2, 1e-3),
             expected=lambda X, p, t: ref_pool(X, (2, 2), onp.max, (2, 2)), kind='edge', rtol=0,
             atol=1e-3 * math.log(4) + 1e-6)]
    return C


def _gluon_max_pool(X, pool_size, strides, padding):
    return _gluon_pool('max', X, pool_size, strides, padding)


def _ref_min_pool(X, pool_size, strides, padding):
    p = _pair(pool_size)
    return ref_pool(X, p, onp.min, p if strides is None else _pair(strides), _pair(padding), fill=onp.inf)


def _exercises_6_6():
    """Exercises 6.6.x: the cases of their functions."""
    C = {}
    C['conv_activations'] = [
        Case(title='the book\'s LeNet, two images: the two sigmoid convolution outputs', inputs=(),
             kind='random', call='activations', judge=_judge_activations, rtol=1e-4, atol=1e-6)]
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
