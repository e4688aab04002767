"""The registry of graded functions: each one's section, cases and hints (the package's addition).

``REGISTRY`` maps every graded name (the book's helpers and each computable
exercise's functions) to a ``Graded``: the section that teaches it, the
exercise it answers, its list of ``Case`` and the hints for its known
mistakes; ``SECTIONS['6.2']`` is the table of one section (the book's
helpers of 6.2, then the functions of exercises 6.2.x). ``CASES``,
``EXERCISES``, ``BOOK_TARGETS``, ``TARGETS``, ``ALIASES`` and
``BOOK_SECTION`` are views of it.

A case is written with keywords: its inputs as data (``inputs``: seeded
random arrays, the book's printed inputs, literal arrays, numbers), the
book's printed examples, edge cases (non-square and 1 x N kernels, several
channels, integer inputs, stride and padding) and seeded random inputs. The
expected value is the book's printed output, a value worked out by hand, or
a reference computed with plain numpy (``references``) or a Gluon layer,
never with the package function being graded. Tolerances are explicit on
every case. Inputs cross to the grader's child as plain data; where a call
needs objects (a Gluon layer, a network, a data iterator) the case names the
call (``calls.CALLS``) and its plain arguments.

``tests/test_*.py`` run these cases on the package's own answers (and check
the references against scipy where they can); ``d2l_ch6.grading`` runs the
same cases on a student's code. The registry never enters the grader's
child (the student runtime, ``runtime``, holds no copy of it).
"""
import dataclasses
import functools
import math
from typing import Any, Callable

import numpy as onp

from .calls import (RemoteError, accuracy_batches, arr, as_numpy, comp_conv2d_layer,  # noqa: F401
                    comp_conv2d_weights, decode, encode, make_net, observe, rand, seeded_weights,
                    tiny_predictions)
from .compare import compare
from .contracts import Returns
from .hints import (H_AUTOGRAD, H_AXIS, H_DERIVATIVE_SIGN, H_FLIP, H_MODE, H_NOT_SUMMED, H_OFF_BY_ONE, H_OVERFLOW,
                    H_PADDING, H_PER_SIDE, H_POOL_PADDING, H_SQUARE, H_STRIDE, H_SUM, H_WINDOW, alt,
                    not_autograd_error, overflowed, pool_window_too_small, sign_flipped, window_too_small, channels_not_summed, conv1d_variant, cost_per_side, flipped_corr,
                    layer_shapes_hint, like, matmul_variant, maxpool_zero_pad, minpool_zero_pad,
                    multi_out_not_summed, pad_floor_on_top, pad_per_side, pool_avg_sum, mode_swapped,
                    pool_mode_ignored, pool_stride_ignored, shape_variant, square_kernel, wrong_axis)
from .inputs import Arange, Arr, Book, Inputs, Ones, Rand
from .references import (_n, _pair, edge_map, ref_compose, ref_conv1d, ref_conv1x1,  # noqa: F401
                         ref_conv_and_grad, ref_conv_batch, ref_conv_pair, ref_conv_shape, ref_corr1d,
                         ref_corr1d_grad, ref_corr2d, ref_corr2d_same, ref_diagonal_edge_maps,
                         ref_full_conv, ref_gluon_max_pool, ref_gluon_pool, ref_grad_corr, ref_im2col,
                         ref_kernel_matrix, ref_laplacian, ref_lenet, ref_lse, ref_max_vs_avg,
                         ref_min_pool, ref_multi_in_out, ref_pad_zeros, ref_pool, ref_translate)

__all__ = ['Case', 'Graded', 'REGISTRY', 'SECTIONS', 'CASES', 'EXERCISES', 'BOOK_TARGETS', 'TARGETS',
           'ALIASES', 'BOOK_SECTION', 'exercise_of', 'compare', 'as_numpy']

F32 = dict(rtol=1e-5, atol=1e-5)  # float32 sums of at most a few hundred O(1) products
EXACT = dict(rtol=0, atol=1e-6)  # small integers and halves, exact in float32
KERNEL = dict(rtol=1e-6, atol=1e-3)  # a float32 kernel (1/6 is inexact) on samples up to ~10^3

KINDS = ('book', 'edge', 'random', 'bad input')
PROVIDES = ('function', 'class', 'network')  # what a student gives for a graded name


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
        """Return the expected value for these arguments and the case's keyword arguments."""
        if not callable(self.expected):
            return self.expected
        return self.expected(*args, **_taken(self.expected, self.kwargs))


def _taken(fn, kwargs):
    """The keyword arguments fn takes (all of them when it has **kwargs)."""
    if not kwargs:
        return {}
    import inspect
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return dict(kwargs)
    return {k: v for k, v in kwargs.items()
            if k in params and params[k].kind is not inspect.Parameter.POSITIONAL_ONLY}


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


# --- the book's helpers ------------------------------------------------------------

FIG_6_2_1 = (Book('Fig. 6.2.1 X'), Arr([[0, 1], [2, 3]]))
EDGE = Book('Section 6.2.3 edge image')


def _corr2d(T):
    T.add('corr2d', siblings=('d2l_ch6:corr2d_fast',),
          returns=Returns('a 2-D array Y of shape (n_h - k_h + 1, n_w - k_w + 1)', 'array', ndim=2,
                          note='X is (n_h, n_w), K is (k_h, k_w); a kernel larger than X raises ValueError'),
          cases=[
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
    ], hints=[(H_FLIP, like(flipped_corr)), (H_SQUARE, square_kernel), (H_WINDOW, window_too_small)])


def _conv2d(T):
    W = onp.random.default_rng(21).normal(size=(2, 3))
    T.add('Conv2D', provides='class',
          returns=Returns('an nn.Block whose forward(x) returns corr2d(x, weight) + bias', 'class',
                          note="its parameters: 'weight' of shape kernel_size, 'bias' of shape (1,)"),
          cases=[
        Case(title='parameters of Conv2D(kernel_size=(2, 3)): weight (2, 3), bias (1,)', inputs=(),
             expected={'weight': (2, 3), 'bias': (1,)}, kind='book', call='conv2d_params'),
        Case(title='kernel_size (1, 2), weight [[1, -1]], bias 0.5, on the edge image',
             inputs=(Arr([[1., -1.]]), 0.5, EDGE), expected=lambda W_, b, X_: edge_map() + b,
             kind='book', call='conv2d_block', **EXACT),
        Case(title='kernel_size (2, 3), random weight, bias -0.25, on a 4x5 input',
             inputs=(Arr(W), -0.25, Rand(22, (4, 5))), expected=lambda W_, b, X_: ref_corr2d(X_, W_) + b,
             kind='edge', call='conv2d_block', **F32),
    ], hints=[('the bias is not added (or added twice): forward returns corr2d(x, weight) + bias',
              lambda case, a, k, got, want, error: (
                  error is None and isinstance(want, onp.ndarray) and hasattr(got, 'shape')
                  and got.shape == want.shape and not onp.allclose(got, want, atol=1e-4)
                  and onp.ptp(onp.asarray(got, dtype='float64') - want) < 1e-4))])


def _judge_comp_conv2d(value, args, kwargs):
    """(shape, equals the layer's output): Y against the weights the grader gave the layer."""
    kernel_size, padding, strides, n = args
    Y = value['Y']
    weight, bias = comp_conv2d_weights(kernel_size)
    X = _n(rand(31, *n, low='uniform'))[None, None]
    direct = ref_conv_batch(X, weight, _pair(padding), _pair(strides))[0, 0] + float(bias[0])
    same = (tuple(Y.shape) == direct.shape
            and bool(onp.allclose(_n(Y), direct, rtol=1e-5, atol=1e-6)))
    return (tuple(Y.shape), same), None, None


def _comp_conv2d(T):
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
    T.add('comp_conv2d',
          returns=Returns('a 2-D array: conv2d(X) with the batch and channel axes added, then removed', 'array',
                          ndim=2, note='conv2d is a fresh nn.Conv2D with one output channel: initialize it first'),
          cases=cases,
          hints=[('remove the batch and channel axes: return Y.reshape(Y.shape[2:])',
                  lambda case, a, k, got, want, error: (
                      error is None and isinstance(got, tuple) and len(got) == 2
                      and isinstance(got[0], tuple) and len(got[0]) == 4)),
                 ('initialize the layer (conv2d.initialize()) before calling it',
                  lambda case, a, k, got, want, error: (
                      error is not None and 'initializ' in str(error).lower()))])


def _with_want(want, judge):
    """A judge that keeps the case's fixed expected value."""
    def run(value, args, kwargs):
        got, _, alts = judge(value, args, kwargs)
        return got, want, alts
    return run


def _multi_in(T):
    T.add('corr2d_multi_in',
          returns=Returns('a 2-D array of shape (h - k_h + 1, w - k_w + 1)', 'array', ndim=2,
                          note='X is (c_i, h, w), K is (c_i, k_h, k_w)'),
          cases=[
        Case(title='Fig. 6.4.1: two channels', inputs=(Book('Fig. 6.4.1 X'), Book('Fig. 6.4.1 K')),
             expected=onp.array([[56., 72.], [104., 120.]]), kind='book', **EXACT),
        Case(title='one channel, 2x2 kernel on 4x5', inputs=(Rand(41, (1, 4, 5)), Rand(42, (1, 2, 2))),
             expected=lambda X, K: ref_corr2d(X[0], K[0]), kind='edge', **F32),
        Case(title='three channels, 2x3 kernel on 4x5', inputs=(Rand(43, (3, 4, 5)), Rand(44, (3, 2, 3))),
             expected=lambda X, K: sum(ref_corr2d(X[i], K[i]) for i in range(3)), kind='random', **F32),
        Case(title='four channels, 1x1 kernel on 6x3', inputs=(Rand(45, (4, 6, 3)), Rand(46, (4, 1, 1))),
             expected=lambda X, K: sum(ref_corr2d(X[i], K[i]) for i in range(4)), kind='edge', **F32),
    ], hints=[(H_NOT_SUMMED, like(channels_not_summed)),
              (H_FLIP, like(lambda X, K: sum(flipped_corr(X[i], K[i])
                                              for i in range(X.shape[0]))))])


def _multi_in_out(T):
    T.add('corr2d_multi_in_out', siblings=('d2l_ch6:corr2d_multi_in_out_fast',),
          returns=Returns('a 3-D array of shape (c_o, h - k_h + 1, w - k_w + 1)', 'array', ndim=3,
                          note='X is (c_i, h, w), K is (c_o, c_i, k_h, k_w)'),
          cases=[
        Case(title='Section 6.4.2: K, K + 1, K + 2 stacked, shape (3, 2, 2, 2)',
             inputs=(Book('Fig. 6.4.1 X'), Book('Section 6.4.2 K')),
             expected=onp.array([[[56., 72.], [104., 120.]], [[76., 100.], [148., 172.]],
                                 [[96., 128.], [192., 224.]]]), kind='book', **EXACT),
        Case(title='c_i = 1, c_o = 1, 2x2 kernel on 4x5', inputs=(Rand(51, (1, 4, 5)), Rand(52, (1, 1, 2, 2))),
             expected=ref_multi_in_out, kind='edge', **F32),
        Case(title='c_i = 2, c_o = 3, 2x3 kernel on 5x6', inputs=(Rand(53, (2, 5, 6)), Rand(54, (3, 2, 2, 3))),
             expected=ref_multi_in_out, kind='random', **F32),
        Case(title='c_i = 3, c_o = 2, kernel as large as the 4x4 input',
             inputs=(Rand(55, (3, 4, 4)), Rand(56, (2, 3, 4, 4))), expected=ref_multi_in_out,
             kind='edge', **F32),
    ], hints=[(H_AXIS, wrong_axis), (H_NOT_SUMMED, multi_out_not_summed)])


def _1x1(T):
    T.add('corr2d_multi_in_out_1x1',
          returns=Returns('a 3-D array of shape (c_o, h, w)', 'array', ndim=3,
                          note='X is (c_i, h, w), K is (c_o, c_i, 1, 1)'),
          cases=[
        Case(title='Section 6.4.3: X (3, 3, 3), K (2, 3, 1, 1), uniform',
             inputs=(Rand(61, (3, 3, 3), 'uniform'), Rand(62, (2, 3, 1, 1), 'uniform')),
             expected=ref_multi_in_out, kind='book', atol=1e-6, rtol=1e-6),
        Case(title='c_i = 4, c_o = 3 on 5x6', inputs=(Rand(63, (4, 5, 6)), Rand(64, (3, 4, 1, 1))),
             expected=ref_multi_in_out, kind='random', **F32),
        Case(title='c_i = 1, c_o = 2 on 2x7', inputs=(Rand(65, (1, 2, 7)), Rand(66, (2, 1, 1, 1))),
             expected=ref_multi_in_out, kind='edge', **F32),
    ], hints=[(H_AXIS, wrong_axis),
              ('K is reshaped in the wrong order: K.reshape(c_o, c_i) keeps '
               'K[o, i] at row o, column i',
               like(lambda X, K: onp.einsum(
                   'oi,ihw->ohw', _n(K).reshape(K.shape[1], K.shape[0]).T,
                   _n(X))))])


def _pool2d(T):
    fig = (Book('Fig. 6.2.1 X'), (2, 2))
    AVG = {'mode': 'avg'}
    T.add('pool2d', siblings=('d2l_ch6:pool2d_fast',),
          returns=Returns('a 2-D array of shape (h - p_h + 1, w - p_w + 1)', 'array', ndim=2,
                          note="X is (h, w), pool_size is (p_h, p_w), stride 1; mode is 'max' or 'avg', "
                          "any other mode raises ValueError"),
          cases=[
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
    ], hints=[(H_MODE, like(pool_mode_ignored)), (H_SUM, like(pool_avg_sum)),
              (H_SQUARE, square_kernel), (H_WINDOW, like(pool_window_too_small))])


BOOK_TABLE = [('conv', (1, 6, 28, 28)), ('pool', (1, 6, 14, 14)), ('conv', (1, 16, 10, 10)),
              ('pool', (1, 16, 5, 5)), ('dense', (1, 120)), ('dense', (1, 84)), ('dense', (1, 10))]
# The book's LeNet's parameters, in Gluon's order: each layer's weight, then its bias.
BOOK_SHAPES = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
               (10, 84), (10,)]


def _judge_lenet(pool):
    """The net's output against the numpy LeNet with the same seeded weights, of the book's shapes.

    The shapes the child reports are compared, never computed with: the
    reference is built from BOOK_SHAPES alone.
    """
    def judge(value, args, kwargs):
        got, shapes = value['output'], value['shapes']
        if [tuple(s) for s in shapes] != BOOK_SHAPES:
            return got, ("a LeNet with the book's 10 parameter arrays (5 weights, 5 biases) of shapes "
                         + ', '.join(str(s) for s in BOOK_SHAPES)), {}
        P = seeded_weights(BOOK_SHAPES, 84)
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


# The book's LeNet (net) and exercise 6.6.1's (lenet_max) go wrong the same ways.
LENET_HINTS = [('the first convolution needs padding=2 to keep 28x28: conv0 is (1, 6, 28, 28)',
                layer_shapes_hint(lambda row: row == ('conv', (1, 6, 24, 24)))),
               ('pooling halves height and width: pool_size=2, strides=2',
                layer_shapes_hint(lambda row: row[0] == 'pool' and row[1][2:] in {(27, 27), (9, 9)})),
               ('the pooling mode is wrong: the book\'s LeNet uses average pooling (nn.AvgPool2D), '
                'exercise 6.6.1 max pooling (nn.MaxPool2D)', alt('pooling')),
               ('the activation is wrong: the book\'s LeNet uses sigmoid', alt('relu'))]


def _judge_accuracy(value, args, kwargs):
    """The exact fraction the tiny classifier gets right, and the wrong ways to count it."""
    sizes, seed, kind = args
    batches = accuracy_batches(sizes, seed)
    X = onp.concatenate([b[0] for b in batches])
    y = onp.concatenate([b[1] for b in batches])
    pred = tiny_predictions(X)
    right = pred == y
    per_batch, lo = [], 0
    for b in sizes:
        per_batch.append(right[lo:lo + b].mean())
        lo += b
    alts = {'batch mean': float(onp.mean(per_batch)), 'count': float(right.sum()),
            'last batch': float(per_batch[-1])}
    return value, float(right.sum()) / sum(sizes), alts


def _accuracy(T):
    T.add('evaluate_accuracy_gpu',
          returns=Returns('a float: right predictions over examples, counted over all batches', 'number',
                          note='data_iter yields (X, y) batches; the last batch may be smaller'),
          cases=[Case(title=f'tiny Dense(4) classifier, {kind} of batches of sizes {sizes}',
                 inputs=(sizes, seed, kind), kind=source, call='accuracy', judge=_judge_accuracy,
                 rtol=1e-6, atol=1e-6)
            for sizes, seed, kind, source in (((4, 4, 2), 91, 'list', 'edge'),
                                              ((5, 5, 5), 92, 'list', 'random'),
                                              ((3, 3, 3, 1), 93, 'DataIter', 'edge'))],
          hints=[('the accuracy is the mean of the batches\' accuracies: with a smaller last batch, '
                  'count right predictions and examples over all batches and divide once',
                  alt('batch mean')),
                 ('this is the number of right predictions: divide by the number of examples',
                  alt('count')),
                 ('only the last batch counts: accumulate over every batch', alt('last batch'))])


# --- the exercises -------------------------------------------------------------------


def _judge_autograd_error(value, args, kwargs):
    """(a RuntimeError MXNet raised, about in-place operations) for the exception the function returned.

    One the student's own code made (raised there, or never raised) is not autograd's.
    """
    is_error = isinstance(value, RemoteError) and value.raised == 'library'
    return ((is_error and value.is_a('RuntimeError'),
             is_error and 'Inplace operations' in value.message), None, None)


def _row_kernel(value):
    """The kernel as a float64 array; a kernel that is not a 2-D row cannot be applied to a row."""
    K = _n(value)
    if K.ndim != 2 or K.shape[0] != 1:
        raise ValueError(f'the kernel must be a 2-D (1, k) array, got shape {K.shape}')
    return K


def _judge_second_derivative(value, args, kwargs):
    """The kernel on f = x^3 - 2x^2 + x (x = 0..9) against f'' = 6x - 4 at each window's centre."""
    x = onp.arange(10.)
    K = _row_kernel(value)
    Y = ref_corr2d((x ** 3 - 2 * x ** 2 + x)[None, :], K)
    centre = onp.arange(Y.shape[1]) + (K.shape[1] - 1) / 2
    return Y, (6 * centre - 4)[None, :], None


def _judge_laplacian(value, args, kwargs):
    """The kernel on F = i^3 + i j^2 - 2 j^3 + i^2 against 8i - 12j + 2 at each window's centre."""
    i, j = onp.mgrid[0:7, 0:8].astype('float64')
    K = _n(value)
    Y = ref_corr2d(i ** 3 + i * j ** 2 - 2 * j ** 3 + i ** 2, K)
    a, b = onp.mgrid[0:Y.shape[0], 0:Y.shape[1]].astype('float64')
    return Y, 8 * (a + (K.shape[0] - 1) / 2) - 12 * (b + (K.shape[1] - 1) / 2) + 2, None


def _judge_derivative(value, args, kwargs):
    """The kernel on x^d + 3x^(d-1) - 1 (x = 0..11) gives d! everywhere, whatever its width."""
    (d,) = args
    x = onp.arange(12.)
    Y = ref_corr2d((x ** d + 3 * x ** max(d - 1, 0) - 1)[None, :], _row_kernel(value))
    return Y, onp.full(Y.shape, float(math.factorial(d))), None


DIAGONAL = 'edges (as K = [[1, -1]] finds them) along a diagonal'


def _judge_diagonal_image(value, args, kwargs):
    """What the image's edges are under K = [[1, -1]], in words: along a diagonal, or how not.

    Any image passes whose edges run at 45 degrees: the lower or upper triangle, the
    anti-diagonal, a diagonal stripe, a diamond. Edge points of one sign must each have one
    or two diagonal neighbours of that sign (a path, not the lattice of a checkerboard) and
    none straight above or below (a vertical edge).
    """
    (n,) = args
    X = _n(value)
    if X.shape != (n, n):
        return f'an image of shape {X.shape}, not ({n}, {n})', DIAGONAL, None
    Y = ref_corr2d(X, onp.array([[1., -1.]]))
    if not onp.any(onp.abs(Y) > 1e-9):
        return 'no edge that K = [[1, -1]] finds (it sees changes along a row only)', DIAGONAL, None
    for sign in (1, -1):
        P = onp.pad(sign * Y > 1e-9, 1)
        if onp.any(P[1:-2, 1:-1] & P[2:-1, 1:-1]):
            cols = sorted({int(j) for j in onp.nonzero(P[1:-2, 1:-1] & P[2:-1, 1:-1])[1]})
            return f'vertical edges (column {", ".join(map(str, cols[:4]))} of the edge map)', DIAGONAL, None
        diagonal = sum(P[1 + a:P.shape[0] - 1 + a, 1 + b:P.shape[1] - 1 + b].astype(int)
                       for a in (-1, 1) for b in (-1, 1))
        inner = P[1:-1, 1:-1]
        if onp.any(inner & (diagonal == 0)) or onp.any(inner & (diagonal > 2)):
            return 'edges that do not run along a diagonal', DIAGONAL, None
    return DIAGONAL, DIAGONAL, None


def _judge_compare_1x1(value, args, kwargs):
    """(difference below 1e-6 and identical exactly when it is 0, on X; the difference NaN and
    not identical, on X with a NaN): no constant answer is right for both (``calls.CALLS``)."""
    (diff, identical), (nan_diff, nan_identical) = value
    for d, same in ((diff, identical), (nan_diff, nan_identical)):
        if type(same) is not bool or type(d) not in (int, float):
            raise TypeError(f'expected (a float, a bool), got ({type(d).__name__}, '
                            f'{type(same).__name__})')
    plain = float(diff) < 1e-6 and identical == (float(diff) == 0.0)
    return (bool(plain), bool(math.isnan(nan_diff) and nan_identical is False)), None, None


def _judge_avg_conv(value, args, kwargs):
    c, pool_size, strides, padding, seed, shape = args
    want = ref_gluon_pool('avg', rand(seed, *shape), pool_size, strides, padding)
    p_h, p_w = _pair(pool_size)
    alts = {'sum': want * p_h * p_w, 'channels': onp.broadcast_to(
        want.sum(axis=1, keepdims=True), want.shape)}
    if _pair(padding) != (0, 0):  # the padding forgotten
        alts['no padding'] = ref_gluon_pool('avg', rand(seed, *shape), pool_size, strides, 0)
    return value, want, alts


def _judge_max_vs_avg(value, args, kwargs):
    return {k: tuple(v) for k, v in value.items()}, ref_max_vs_avg(*args), None


def _judge_activations(value, args, kwargs):
    """The first num_layers convolutions' activations (tanh, then ReLU) of calls.activations_net, seeded."""
    P = [onp.asarray(w, dtype='float64') for w in seeded_weights(
        [(4, 1, 3, 3), (4,), (5, 4, 3, 3), (5,), (3, 45), (3,)], 102)]
    X = rand(101, 2, 1, 16, 16, low='uniform')
    H1 = onp.tanh(ref_conv_batch(X, P[0], (1, 1)) + P[1][None, :, None, None])
    H2 = onp.maximum(ref_conv_batch(ref_pool(H1, (2, 2), onp.mean, (2, 2)), P[2])
                     + P[3][None, :, None, None], 0)
    return tuple(value), (H1, H2)[:kwargs.get('num_layers', 2)], None


def _exercises_6_1(T):
    """Register exercises 6.1.x: their functions' cases and hints."""
    T.add('conv1x1_as_dense',
          returns=Returns("a 4-D array (n, c_o, h, w) equal to conv(X), computed from conv's weight and "
                          'bias as a Dense layer applied at every pixel', 'array', ndim=4,
                          note='conv is an initialized nn.Conv2D(c_o, kernel_size=1); X is (n, c_i, h, w)'),
          exercise='6.1.1', cases=[
        Case(title='Conv2D(4, kernel_size=1, in_channels=3) with a bias, X (2, 3, 5, 6)',
             inputs=(111, 3, 4), expected=ref_conv1x1, kind='random', call='conv1x1', **F32),
        Case(title='Conv2D(2, kernel_size=1, in_channels=1), X (2, 1, 5, 6)',
             inputs=(112, 1, 2), expected=ref_conv1x1, kind='edge', call='conv1x1', **F32)])
    T.add('translate',
          returns=Returns('a 2-D array of the shape of X', 'array', ndim=2,
                          note='positive d_h moves the image down, positive d_w right; pixels moved in '
                          'from outside are 0'),
          exercise='6.1.2', cases=[
        Case(title=f'shift a 5x6 image by ({d_h}, {d_w})', inputs=(Rand(113, (5, 6)), d_h, d_w),
             expected=ref_translate, kind='edge', atol=0, rtol=0)
        for d_h, d_w in ((2, 3), (-1, 2), (0, -3), (6, 0))],
          hints=[('the shift goes the wrong way: positive d_h moves the image down, d_w right',
                  like(lambda X, d_h, d_w: ref_translate(X, -d_h, -d_w)))])
    T.add('corr2d_same',
          returns=Returns('a 2-D array of the shape of X', 'array', ndim=2,
                          note='X zero-padded by k_h - 1 rows and k_w - 1 columns in total, as pad_zeros '
                          'pads, then cross-correlated with K'),
          exercise='6.1.3', cases=[
        Case(title='3x3 box of ones on a 4x4 image of ones: 9 inside, 6 on edges, 4 in corners',
             inputs=(Ones((4, 4)), Ones((3, 3))),
             expected=onp.array([[4., 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]]), kind='edge',
             **EXACT),
        Case(title='random 3x5 kernel on 7x9', inputs=(Rand(116, (7, 9)), Rand(117, (3, 5))),
             expected=ref_corr2d_same, kind='random', **F32)],
          hints=[(H_FLIP, like(lambda X, K: ref_corr2d_same(X, _n(K)[::-1, ::-1])))])
    T.add('pad_zeros',
          returns=Returns('a 2-D array of shape (n_h + p_h, n_w + p_w)', 'array', ndim=2,
                          note='p_h, p_w are the total padding: ceil(p / 2) rows on top (columns on the '
                          'left), floor(p / 2) at the bottom (right)'),
          exercise='6.1.3', cases=[
        Case(title='total padding p_h = 3, p_w = 2 of ones (2, 3): ceil(p/2) on top/left',
             inputs=(Ones((2, 3)), 3, 2), expected=ref_pad_zeros, kind='book', atol=0, rtol=0),
        Case(title='total padding 2, 4 of a random 3x3', inputs=(Rand(114, (3, 3)), 2, 4),
             expected=ref_pad_zeros, kind='random', atol=0, rtol=0),
        Case(title='no padding', inputs=(Rand(115, (2, 2)), 0, 0), expected=ref_pad_zeros, kind='edge',
             atol=0, rtol=0)],
          hints=[(H_PER_SIDE, like(pad_per_side)),
                 ('the odd row (column) goes on top (left): ceil(p/2) before, floor(p/2) after',
                  like(pad_floor_on_top))])
    T.add('corr1d',
          returns=Returns('a 1-D array of n - k + 1 samples', 'array', ndim=1,
                          note='x has n samples, k has k; autograd must differentiate it in k '
                          '(no in-place writes)'),
          exercise='6.1.4', cases=[
        Case(title='kernel of 5 taps on 20 samples', inputs=(Rand(118, (20,)), Rand(119, (5,))),
             expected=ref_corr1d, kind='random', **F32),
        Case(title='kernel [1, -1] on a sine (differences)',
             inputs=(Arr(onp.sin(onp.arange(12.) / 2)), Arr([1., -1.])),
             expected=ref_corr1d, kind='edge', **F32),
        Case(title='differentiable in k: d sum(y) / d k[a] = sum of x[a:a + n_out]',
             inputs=(Rand(120, (10,)), Rand(121, (3,))), expected=ref_corr1d_grad, kind='edge',
             call='grad', **F32)])
    T.add('receptive_field',
          returns=Returns('an int: how many inputs one output sees', 'int'),
          exercise='6.1.5', cases=[
        Case(title=f'{n} layer(s) of width {k}', inputs=(n, k), expected=v, kind='edge')
        for n, k, v in ((3, 3, 7), (1, 5, 5), (4, 2, 5), (10, 1, 1))],
          hints=[('each layer adds k - 1 inputs to the first layer\'s k: '
                  'num_layers * (k - 1) + 1', like(lambda n, k: n * k))])
    T.add('conv2d_full',
          returns=Returns("a 2-D array of shape (f_h + g_h - 1, f_w + g_w - 1): the 'full' true convolution",
                          'array', ndim=2),
          exercise='6.1.6', cases=[
        Case(title=f'f {fs} with g {gs}', inputs=(Rand(s, fs), Rand(s + 1, gs)),
             expected=ref_full_conv, kind=kind, **F32)
        for fs, gs, s, kind in (((4, 5), (2, 3), 122, 'random'), ((3, 3), (3, 3), 124, 'edge'),
                                ((1, 4), (3, 2), 126, 'edge'))],
          hints=[('this is cross-correlation: a true convolution flips g',
                  like(lambda f, g: ref_full_conv(f, _n(g)[::-1, ::-1])))])


def _exercises_6_2(T):
    """Register exercises 6.2.x: their functions' cases and hints."""
    T.add('diagonal_edge_maps',
          returns=Returns("a dict with keys 'X', 'X.T', 'K.T'", 'dict', keys=('X', 'X.T', 'K.T'),
                          note='its values: corr2d(X, K), corr2d(X.T, K) and corr2d(X, K.T), '
                          'each a 2-D array'),
          exercise='6.2.1', cases=[
        Case(title=f'lower-triangular {n}x{n} image, K = [[1, -1]]',
             inputs=(Arr(onp.tril(onp.ones((n, n)))), Arr([[1, -1]])), expected=ref_diagonal_edge_maps,
             kind='edge', **EXACT) for n in (6, 4)])
    T.add('diagonal_image',
          returns=Returns('an n x n 2-D array (an image)', 'array', ndim=2,
                          note='its edges, as K = [[1, -1]] finds them, must run along a diagonal'),
          exercise='6.2.1', cases=[
        Case(title='n = 6: edges along a diagonal under K = [[1, -1]]', inputs=(6,), expected=DIAGONAL,
             kind='edge', judge=_judge_diagonal_image),
        Case(title='n = 5: edges along a diagonal under K = [[1, -1]]', inputs=(5,), expected=DIAGONAL,
             kind='edge', judge=_judge_diagonal_image)])
    T.add('conv2d_autograd_error',
          returns=Returns('the exception object autograd raised', 'exception',
                          note='catch it and return it (do not raise it)'),
          exercise='6.2.2', cases=[
        Case(title="the error is a RuntimeError (MXNetError) about in-place writes: "
                   "(is RuntimeError, 'Inplace operations' in message)", inputs=(),
             expected=(True, True), kind='book', judge=_with_want((True, True), _judge_autograd_error))],
          hints=[(H_AUTOGRAD, not_autograd_error)])
    T.add('corr2d_matmul',
          returns=Returns('a 2-D array Y of shape (n_h - k_h + 1, n_w - k_w + 1), as corr2d gives', 'array',
                          ndim=2, note='autograd must differentiate it in K'),
          exercise='6.2.3', cases=[
        Case(title='Fig. 6.2.1', inputs=FIG_6_2_1, expected=onp.array([[19., 25.], [37., 43.]]),
             kind='book', **EXACT),
        Case(title='random 2x3 kernel on 5x6', inputs=(Rand(131, (5, 6)), Rand(132, (2, 3))),
             expected=ref_corr2d, kind='random', **F32),
        Case(title='differentiable in K: d sum(Y) / d K[a, b] = sum of the block K[a, b] sees',
             inputs=(Rand(133, (5, 6)), Rand(134, (2, 3))),
             expected=lambda X, K: (ref_corr2d(X, K), ref_grad_corr(X, K)), kind='edge', call='grad',
             **F32)],
          hints=[(H_FLIP, like(flipped_corr))])
    T.add('im2col',
          returns=Returns("a 2-D array of shape (h' w', k_h k_w): one row per window", 'array', ndim=2,
                          note='windows in reading order (left to right, then down), each window '
                          'flattened row by row, as X[i:i + k_h, j:j + k_w].reshape(-1)'),
          exercise='6.2.3', cases=[
        Case(title='2x3 windows of a 5x6 input', inputs=(Rand(130, (5, 6)), (2, 3)),
             expected=ref_im2col, kind='random', atol=0, rtol=0),
        Case(title='1x2 windows of the edge image', inputs=(EDGE, (1, 2)), expected=ref_im2col,
             kind='book', atol=0, rtol=0)])
    T.add('kernel_matrix',
          returns=Returns("a 2-D array W of shape (h' w', n_h n_w)", 'array', ndim=2,
                          note='W @ X.reshape(-1) == corr2d(X, K).reshape(-1) for every X of input_shape'),
          exercise='6.2.3', cases=[
        Case(title='K 2x3, input 5x6: W with vec(Y) = W vec(X)', inputs=(Rand(135, (2, 3)), (5, 6)),
             expected=ref_kernel_matrix, kind='random', **F32),
        Case(title='K [[1, -1]], input 2x3', inputs=(Arr([[1, -1]]), (2, 3)), expected=ref_kernel_matrix,
             kind='edge', atol=0, rtol=0)])
    T.add('derivative_kernel',
          returns=Returns('a 2-D (1, k) array: a row kernel', 'array', ndim=2,
                          note='cross-correlated with the samples f(0), f(1), ... of f (a row), it '
                          'gives the d-th derivative of f'),
          exercise='6.2.4', cases=[
        Case(title=f'd = {d}: on x^d + 3x^(d-1) - 1 the kernel gives d! = {math.factorial(d)}',
             inputs=(d,), kind='edge', judge=_judge_derivative, **EXACT) for d in (1, 2, 3, 4)],
          hints=[(H_DERIVATIVE_SIGN, sign_flipped)])
    T.add('second_derivative_kernel',
          returns=Returns('a 2-D (1, k) array: a row kernel', 'array', ndim=2,
                          note='cross-correlated with the samples of f (a row), it gives f\'\' '
                          'at the centre of each window'),
          exercise='6.2.4', cases=[
        Case(title="the kernel applied to f = x^3 - 2x^2 + x gives f'' = 6x - 4", inputs=(),
             kind='edge', judge=_judge_second_derivative, **KERNEL)])
    T.add('laplacian_kernel',
          returns=Returns('a 2-D (k, k) array', 'array', ndim=2,
                          note='cross-correlated with a grid of samples F[i, j], it gives the '
                          'Laplacian of F at the centre of each window'),
          exercise='6.2.4', cases=[
        Case(title='the kernel applied to F = i^3 + i j^2 - 2 j^3 + i^2 gives 8i - 12j + 2', inputs=(),
             expected=ref_laplacian(), kind='edge',
             judge=_judge_laplacian, **KERNEL)])
    T.add('integral_kernel',
          returns=Returns('a 2-D (1, n) array: a row kernel', 'array', ndim=2,
                          note='cross-correlated with a row of samples, it gives the integral (sum) '
                          'of n consecutive samples'),
          exercise='6.2.4', cases=[
        Case(title='n = 4: a (1, 4) box of ones', inputs=(4,), expected=onp.ones((1, 4)), kind='edge',
             atol=0, rtol=0),
        Case(title='n = 1', inputs=(1,), expected=onp.ones((1, 1)), kind='edge', atol=0, rtol=0)])
    m = onp.arange(11.)
    T.add('running_integral',
          returns=Returns('a 1-D array of the length of x: y[m] = x[0] + ... + x[m]', 'array', ndim=1),
          exercise='6.2.4', cases=[
        Case(title='x_i = i^2: sum_{i <= m} i^2 = m (m + 1) (2m + 1) / 6', inputs=(Arr(m ** 2),),
             expected=m * (m + 1) * (2 * m + 1) / 6, kind='edge', atol=1e-3, rtol=0),
        Case(title='[1, 2, 3, 4]', inputs=(Arr([1., 2., 3., 4.]),), expected=onp.array([1., 3., 6., 10.]),
             kind='book', **EXACT)])
    T.add('min_derivative_kernel_size',
          returns=Returns('an int: the fewest kernel entries (taps) that give a derivative of degree d', 'int'),
          exercise='6.2.4', cases=[
        Case(title=f'd = {d}', inputs=(d,), expected=d + 1, kind='edge') for d in (0, 1, 2, 5)])


def _exercises_6_3(T):
    """Register exercises 6.3.x: their functions' cases and hints."""
    T.add('last_example_output_shape',
          returns=Returns('a tuple of two ints (height, width)', 'tuple', length=2),
          exercise='6.3.1', cases=[
        Case(title='8x8, kernel (3, 5), padding (0, 1) per side, strides (3, 4)', inputs=(),
             expected=(2, 2), kind='book')])
    shapes = [((8, 8, 3, 3, 2, 2, 1, 1), 'book'), ((8, 8, 5, 3, 4, 2, 1, 1), 'book'),
              ((8, 8, 3, 3, 2, 2, 2, 2), 'book'), ((8, 8, 3, 5, 0, 2, 3, 4), 'book'),
              ((7, 9, 4, 2, 4, 0, 3, 2), 'edge'), ((7, 9, 1, 1, 0, 0, 2, 2), 'edge'),
              ((7, 9, 3, 5, 2, 2, 1, 2), 'edge')]
    T.add('conv_output_shape',
          returns=Returns('a tuple of two ints (height, width)', 'tuple', length=2,
                          note='p_h, p_w are the total padding (both sides together)'),
          exercise='6.3.2', cases=[
        Case(title='n {0}x{1}, k {2}x{3}, total padding ({4}, {5}), stride ({6}, {7}): '
                   'as Gluon gives'.format(*a), inputs=a, expected=ref_conv_shape, kind=kind)
        for a, kind in shapes],
          hints=[(H_PER_SIDE, like(shape_variant(lambda *a: (*a[:4], 2 * a[4], 2 * a[5], *a[6:])))),
                 (H_STRIDE, like(shape_variant(lambda *a: (*a[:6], 1, 1)))),
                 (H_OFF_BY_ONE, like(lambda n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1: (
                    (n_h - k_h + p_h) // s_h, (n_w - k_w + p_w) // s_w)))])
    T.add('conv1d_strided',
          returns=Returns('a 1-D array', 'array', ndim=1,
                          note='padding zeros on each side of x, as Gluon\'s padding; the window moves '
                          'stride samples at a time'),
          exercise='6.3.3', cases=[
        Case(title=title, inputs=inputs, expected=functools.partial(ref_conv1d, **kw), kind=kind,
             kwargs=kw, **tol)
        for title, inputs, kw, kind, tol in (
            ('stride 2, kernel [1]: every other sample', (Rand(140, (9,)), Arr([1.])), {'stride': 2},
             'edge', dict(atol=0, rtol=0)),
            ('stride 2, padding 1 per side, 3 taps', (Rand(141, (11,)), Rand(142, (3,))),
             {'stride': 2, 'padding': 1}, 'random', F32),
            ('stride 3, 2 taps', (Rand(143, (10,)), Rand(144, (2,))), {'stride': 3}, 'random', F32))],
          hints=[(H_STRIDE, like(conv1d_variant(lambda s, p: (1, p)))),
                 (H_PADDING, like(conv1d_variant(lambda s, p: (s, 0)))),
                 (H_PER_SIDE, like(conv1d_variant(lambda s, p: (s, p // 2))))])
    T.add('conv_cost',
          returns=Returns('an int: the number of multiply-adds', 'int',
                          note='p_h, p_w are the total padding, as in conv_output_shape; one multiply-add '
                          'per kernel entry, input and output channel at each output position'),
          exercise='6.3.4', cases=[
        Case(title=f'conv_cost{a}: multiply-adds counted window by window', inputs=a, expected=v,
             kind=kind)
        for a, v, kind in (((8, 8, 3, 3, 2, 2, 1, 1, 1, 1), 576, 'book'),
                           ((8, 8, 3, 3, 2, 2, 2, 2, 1, 1), 144, 'edge'),
                           ((7, 9, 3, 5, 0, 2, 3, 4, 2, 3), 360, 'edge'),
                           ((12, 10, 1, 1, 0, 0, 3, 2, 4, 2), 160, 'edge'))],
          hints=[(H_PER_SIDE, like(cost_per_side))])


def _exercises_6_4(T):
    """Register exercises 6.4.x: their functions' cases and hints."""
    T.add('compose_kernels',
          returns=Returns('an array K with corr2d(corr2d(X, K1), K2) == corr2d(X, K)', 'array',
                          note='2-D kernels give a 2-D K; with channels, K1 is (c_m, c_i, k_h, k_w), '
                          'K2 is (c_o, c_m, ...) and K is (c_o, c_i, ...)'),
          exercise='6.4.1', cases=[
        Case(title=f'2-D kernels {k1} then {k2}', inputs=(Rand(s, k1), Rand(s + 1, k2)),
             expected=ref_compose, kind='random', **F32)
        for k1, k2, s in (((2, 2), (2, 2), 150), ((3, 1), (2, 3), 152))] + [
        Case(title='channels: K1 (3, 2, 2, 2) then K2 (2, 3, 1, 2)',
             inputs=(Rand(154, (3, 2, 2, 2)), Rand(155, (2, 3, 1, 2))), expected=ref_compose,
             kind='edge', **F32)],
          hints=[('cross-correlating twice composes as a true convolution of K1 and K2 '
                  '(flip K2), not as a cross-correlation',
                  like(lambda K1, K2: None if _n(K1).ndim != 2 else
                       ref_full_conv(K1, _n(K2)[::-1, ::-1])))])
    COST_ARGS = [(2, 3, 5, 4, 3, 2, 2, 0, 1, 1), (3, 2, 6, 5, 2, 3, 2, 2, 2, 3),
                 (2, 2, 7, 7, 2, 2, 0, 2, 3, 3), (1, 1, 4, 4, 2, 2, 0, 0, 1, 1)]
    # counted by an explicit loop over every product and sum (tests/test_channels.py)
    fwd = [(540, 495), (288, 272), (96, 84), (36, 27)]
    bwd = [(1080, 988), (576, 396), (192, 128), (72, 52)]
    T.add('conv_forward_cost',
          returns=Returns("a dict with keys 'mul', 'add'", 'dict', keys=('mul', 'add'),
                          note='ints; p_h, p_w are the total padding; products with padded zeros count; '
                          'no bias; summing m products takes m - 1 additions'),
          exercise='6.4.2', cases=[
        Case(title=f'conv_forward_cost{a}', inputs=a, expected={'mul': m, 'add': s},
             kind='edge' if i else 'random')
        for i, (a, (m, s)) in enumerate(zip(COST_ARGS, fwd))])
    T.add('conv_backward_cost',
          returns=Returns("a dict with keys 'mul', 'add'", 'dict', keys=('mul', 'add'),
                          note='ints: the work of the gradients of X and of K, counted as '
                          'conv_forward_cost counts (the first term of a sum is a copy, not an '
                          'addition)'),
          exercise='6.4.2', cases=[
        Case(title=f'conv_backward_cost{a}', inputs=a, expected={'mul': m, 'add': s}, kind='edge')
        for a, (m, s) in zip(COST_ARGS, bwd)])
    T.add('conv_memory',
          returns=Returns("a dict with keys 'input', 'kernel', 'output', 'grad_output', 'grad_input', "
                          "'grad_kernel', 'forward', 'backward'", 'dict',
                          keys=('input', 'kernel', 'output', 'grad_output', 'grad_input', 'grad_kernel',
                                'forward', 'backward'),
                          note='ints, numbers of array elements; p_h, p_w are the total padding; '
                          "'forward' and 'backward' are what each pass holds"),
          exercise='6.4.2', cases=[
        Case(title=f'conv_memory{COST_ARGS[0]}', inputs=COST_ARGS[0],
             expected={'input': 40, 'kernel': 36, 'output': 45, 'grad_output': 45, 'grad_input': 40,
                       'grad_kernel': 36, 'forward': 121, 'backward': 197}, kind='edge'),
        Case(title=f'conv_memory{COST_ARGS[1]}', inputs=COST_ARGS[1],
             expected={'input': 90, 'kernel': 36, 'output': 16, 'grad_output': 16, 'grad_input': 90,
                       'grad_kernel': 36, 'forward': 142, 'backward': 268}, kind='edge')])
    T.add('conv_cost_growth',
          returns=Returns("a dict with keys 'channels', 'padding'", 'dict', keys=('channels', 'padding'),
                          note='floats: the factor by which the forward cost grows when c_i and c_o '
                          'double, and when p_h and p_w (total padding) double'),
          exercise='6.4.3', cases=[
        Case(title=f'conv_cost_growth{COST_ARGS[0]}', inputs=COST_ARGS[0],
             expected={'channels': 4.0, 'padding': 1.4}, kind='edge', rtol=1e-12, atol=0),
        Case(title=f'conv_cost_growth{COST_ARGS[1]}', inputs=COST_ARGS[1],
             expected={'channels': 4.0, 'padding': 1.875}, kind='edge', rtol=1e-12, atol=0)])
    T.add('conv1x1_cost',
          returns=Returns("a dict with keys 'mul', 'add'", 'dict', keys=('mul', 'add'),
                          note='ints, counted as conv_forward_cost counts'),
          exercise='6.4.4', cases=[
        Case(title=f'conv1x1_cost{a}', inputs=a, expected=v, kind='edge')
        for a, v in (((3, 2, 3, 3), {'mul': 54, 'add': 36}), ((1, 4, 2, 5), {'mul': 40, 'add': 0}),
                     ((5, 1, 4, 1), {'mul': 20, 'add': 16}))])
    T.add('compare_1x1',
          returns=Returns('a tuple (max |Y1 - Y2| as a float, whether Y1 and Y2 are exactly equal as a bool)',
                          'tuple', length=2,
                          note='Y1 = corr2d_multi_in_out_1x1(X, K), Y2 = corr2d_multi_in_out(X, K)'),
          exercise='6.4.5', cases=[
        Case(title='Section 6.4.3\'s X and K: (difference below 1e-6, identical exactly when the '
                   'difference is 0)',
             inputs=(Rand(160, (3, 3, 3), 'uniform'), Rand(161, (2, 3, 1, 1), 'uniform')),
             expected=(True, True), kind='book', call='compare_1x1',
             judge=_with_want((True, True), _judge_compare_1x1))])
    MATMUL = [((1, 1, 5, 5), (1, 1, 3, 3), 0, 1, 'edge'), ((2, 3, 6, 7), (4, 3, 3, 2), 1, 1, 'random'),
              ((2, 2, 8, 8), (3, 2, 3, 3), (1, 2), (2, 3), 'random'),
              ((2, 4, 7, 5), (2, 4, 1, 1), 0, 2, 'edge'), ((1, 2, 4, 4), (2, 2, 5, 5), 1, 1, 'edge')]
    T.add('conv2d_matmul',
          returns=Returns("a 4-D array of shape (B, c_o, h', w'), as nn.Conv2D without bias gives", 'array',
                          ndim=4, note='X is (B, c_i, h, w), K is (c_o, c_i, k_h, k_w); padding and strides '
                          'per side, as nn.Conv2D; autograd must differentiate it in K'),
          exercise='6.4.6', cases=[
        Case(title=f'X {xs}, K {ks}, padding {p}, strides {s}: as nn.Conv2D',
             inputs=(Rand(170 + i, xs), Rand(180 + i, ks)),
             expected=functools.partial(ref_conv_pair, padding=p, strides=s), kind=kind,
             kwargs={'padding': p, 'strides': s}, **F32)
        for i, (xs, ks, p, s, kind) in enumerate(MATMUL)] + [
        Case(title='differentiable in K', inputs=(Rand(190, (1, 2, 5, 5)), Rand(191, (3, 2, 3, 2))),
             expected=ref_conv_and_grad, kind='edge', call='grad', **F32)],
          hints=[(H_STRIDE, like(matmul_variant(lambda p, s: (p, (1, 1))))),
                 (H_PADDING, like(matmul_variant(lambda p, s: ((0, 0), s)))),
                 (H_PER_SIDE, like(matmul_variant(lambda p, s: ((p[0] // 2, p[1] // 2), s))))])
    T.add('im2col_multi',
          returns=Returns("a 3-D array of shape (B, c_i k_h k_w, h' w'): one column per window", 'array',
                          ndim=3, note='rows in the order of K.reshape(c_o, -1) (channel, row, column); '
                          'windows in reading order; padding and strides as nn.Conv2D'),
          exercise='6.4.6', cases=[
        Case(title='X = 0..15 (1, 1, 4, 4), 2x2 windows at stride 2: the four blocks as columns',
             inputs=(Arange(16, (1, 1, 4, 4)), 2), expected=onp.array(
                 [[[0, 2, 8, 10], [1, 3, 9, 11], [4, 6, 12, 14], [5, 7, 13, 15]]], dtype='float64'),
             kind='edge', kwargs={'strides': 2}, atol=0, rtol=0)])


def _exercises_6_5(T):
    """Register exercises 6.5.x: their functions' cases and hints."""
    LAYERS = [((1, 1, 4, 4), 2, None, 0, 'edge'), ((2, 3, 6, 7), (2, 3), None, 0, 'random'),
              ((2, 2, 7, 7), 3, 2, 1, 'random'), ((1, 3, 5, 8), (3, 2), (1, 2), (1, 0), 'edge')]
    T.add('avg_pool_as_conv',
          returns=Returns('an initialized nn.Conv2D layer whose output equals nn.AvgPool2D(pool_size, strides, '
                          'padding) on inputs with `channels` channels', 'layer'),
          exercise='6.5.1', cases=[
        Case(title=f'{sh[1]} channels, pool_size {ps}, strides {st}, padding {pd} on {sh}: '
                   f'as nn.AvgPool2D', inputs=(sh[1], ps, st, pd, 200 + i, sh), kind=kind,
             call='avg_pool_as_conv', judge=_judge_avg_conv, **F32)
        for i, (sh, ps, st, pd, kind) in enumerate(LAYERS)],
          hints=[(H_POOL_PADDING, alt('no padding')), (H_SUM, alt('sum')),
                 ('the channels are mixed: the kernel must be 1 / (p_h p_w) only from '
                  'channel i to channel i (zero elsewhere)', alt('channels'))])
    T.add('max_pool_from_conv_relu',
          returns=Returns('a 4-D array equal to nn.MaxPool2D(pool_size, strides, padding)(X)', 'array',
                          ndim=4, note='X is (B, c, h, w); built from fixed convolutions and ReLU'),
          exercise='6.5.2', cases=[
        Case(title='Section 6.5.2: X = 0..15, 3x3 window, padding 1, stride 2',
             inputs=(Arange(16, (1, 1, 4, 4)),), expected=onp.array([[[[5., 7.], [13., 15.]]]]),
             kind='book', kwargs={'pool_size': 3, 'strides': 2, 'padding': 1}, atol=1e-5, rtol=0)] + [
        Case(title=f'X {sh} (mostly negative), pool_size {ps}, strides {st}, padding {pd}: '
                   f'as nn.MaxPool2D', inputs=(Rand(210 + i, sh, shift=-3),),
             expected=functools.partial(ref_gluon_max_pool, pool_size=ps, strides=st, padding=pd),
             kind=kind, kwargs={'pool_size': ps, 'strides': st, 'padding': pd}, **F32)
        for i, (sh, ps, st, pd, kind) in enumerate(LAYERS)],
          hints=[('zero padding wins the max for negative inputs: shift X by its minimum '
                  '(X - X.min() >= 0) before padding, and back afterwards', like(maxpool_zero_pad)),
                 (H_STRIDE, like(pool_stride_ignored(onp.max, -onp.inf)))])
    # padding per side, as section 6.3 defines (p_h, p_w); the last three pad by the window, as
    # the exercise asks (Gluon refuses that, so these counts come from the counting loop)
    POOL_COST = [(2, 4, 5, 2, 2, 0, 0, 1, 1), (3, 6, 6, 3, 2, 1, 0, 2, 2), (1, 5, 7, 2, 3, 1, 1, 3, 1),
                 (2, 4, 5, 2, 2, 2, 2, 1, 1), (1, 5, 7, 2, 3, 2, 3, 3, 1), (3, 6, 6, 3, 3, 3, 3, 2, 2)]
    counted = {'max': [72, 135, 70, 336, 165, 600], 'avg': [72, 135, 70, 336, 165, 600]}
    divs = [24, 27, 14, 112, 33, 75]

    def pool_cost(args, mode):
        """The counts pool_cost(*args, mode=mode) must give (None for inputs not in POOL_COST)."""
        if tuple(args) not in POOL_COST:
            return None
        i = POOL_COST.index(tuple(args))
        return ({'compare': counted[mode][i], 'add': 0, 'div': 0} if mode == 'max'
                else {'compare': 0, 'add': counted[mode][i], 'div': divs[i]})
    T.add('pool_cost',
          returns=Returns("a dict with keys 'compare', 'add', 'div'", 'dict', keys=('compare', 'add', 'div'),
                          note='ints; pad_h rows (pad_w columns) on each side, as Gluon\'s padding; a window '
                          "of m values takes m - 1 comparisons (mode='max') or m - 1 additions and one "
                          'division (mode=\'avg\'); a count the mode does not use is 0'),
          exercise='6.5.3', cases=[
        Case(title=f"pool_cost{a}, mode='{mode}'", inputs=a, expected=pool_cost(a, mode), kind='edge',
             kwargs={'mode': mode}) for mode in ('max', 'avg') for a in POOL_COST],
          hints=[(H_MODE, mode_swapped(pool_cost))])
    T.add('max_vs_avg_pooling',
          returns=Returns("a dict with keys 'max', 'avg', each value a tuple (Y, dX)", 'dict',
                          keys=('max', 'avg'),
                          note='Y: the pooling\'s output with pool_size windows at a stride of the '
                          'window; dX: the gradient of Y.sum() with respect to X, of X\'s shape'),
          exercise='6.5.4', cases=[
        Case(title='random (1, 2, 4, 6), 2x2 windows: outputs and gradients of Y.sum()',
             inputs=(Rand(220, (1, 2, 4, 6)), 2), kind='random', judge=_judge_max_vs_avg, **F32)])
    T.add('min_pool2d',
          returns=Returns('a 4-D array: the minimum of each window', 'array', ndim=4,
                          note='X is (B, c, h, w); strides and padding as nn.MaxPool2D (padding never '
                          'wins the minimum)'),
          exercise='6.5.5', cases=[
        Case(title=f'X {sh} (mostly positive), pool_size {ps}, strides {st}, padding {pd}',
             inputs=(Rand(230 + i, sh, shift=3),),
             expected=functools.partial(ref_min_pool, pool_size=ps, strides=st, padding=pd), kind=kind,
             kwargs={'pool_size': ps, 'strides': st, 'padding': pd}, **F32)
        for i, (sh, ps, st, pd, kind) in enumerate(LAYERS)],
          hints=[('zero padding wins the min for positive inputs: pad with +inf, or use '
                  '-MaxPool2D(-X), which ignores padding', like(minpool_zero_pad)),
                 (H_STRIDE, like(pool_stride_ignored(onp.min, onp.inf)))])
    T.add('lse_pool2d',
          returns=Returns('a 4-D array: temperature * log(mean(exp(x / temperature))) of each window', 'array',
                          ndim=4, note='X is (B, c, h, w); strides default to the window'),
          exercise='6.5.6', cases=[
        Case(title='tau = 0.5, 3x2 windows at stride 1', inputs=(Rand(240, (2, 3, 6, 6)), (3, 2), 0.5),
             expected=lambda X, p, t: ref_lse(X, p, t, 1), kind='random', kwargs={'strides': 1}, **F32),
        Case(title='tau = 2, 2x2 windows', inputs=(Rand(241, (1, 2, 4, 4)), 2, 2.0), expected=ref_lse,
             kind='random', **F32),
        Case(title='tau = 0.001 is max pooling (within tau log 4)',
             inputs=(Rand(242, (1, 1, 4, 4)), 2, 1e-3),
             expected=lambda X, p, t: ref_pool(X, (2, 2), onp.max, (2, 2)), kind='edge', rtol=0,
             atol=1e-3 * math.log(4) + 1e-6)],
          hints=[(H_OVERFLOW, overflowed),
                 ('the temperature is ignored: divide by tau inside the exp and multiply the '
                  'log by tau', like(lambda X, p, t, strides=None:
                                      None if t == 1 else ref_lse(X, p, 1.0, strides)))])


def _exercises_6_6(T):
    """Register exercises 6.6.x: their functions' cases and hints."""
    T.add('lenet_max',
          returns=Returns("the book's LeNet with max pooling: a Gluon network, not yet initialized", 'network'),
          exercise='6.6.1', cases=_lenet_cases('max'), hints=LENET_HINTS, provides='network',
          siblings=('d2l_ch6.lenet:lenet',))
    T.add('conv_activations',
          returns=Returns('a list of num_layers arrays, one per convolution, each (n, c, h, w)', 'list',
                          note="each one the output of that convolution's activation"),
          exercise='6.6.4', cases=[
        Case(title="LeNet's layout, not LeNet (4 tanh, then 5 ReLU 3x3 convolutions), two 16x16 images: "
                   'both activations', inputs=(), kind='random', call='activations', judge=_judge_activations,
             rtol=1e-4, atol=1e-6),
        Case(title='the same net, num_layers=1: the first activation only', inputs=(), kwargs={'num_layers': 1},
             kind='edge', call='activations', judge=_judge_activations, rtol=1e-4, atol=1e-6)])


# --- the registry -----------------------------------------------------------------------

@dataclasses.dataclass(kw_only=True)
class Graded:
    """One graded function: where the book teaches it, its cases, the hints for its mistakes.

    name: what a student's file defines. section: the section that teaches
    it ('6.2'). exercise: the exercise it answers ('6.1.3'); None for a book
    helper. cases: its ``Case`` list. hints: (text, detector) pairs for its
    known wrong variants (``hints``), tried in order. aliases: other names a
    student may give it (the package builds the book's ``net`` as ``lenet``).
    returns: its return contract (``contracts.Returns``), which the stub
    states and the verdict checks a value against before judging it.
    answer: where the package's own answer lives, 'module:name' (default
    'd2l_ch6:<name>'). siblings: the package's other answers that compute the
    same thing ('module:name': ``corr2d_fast``; the book's ``lenet`` for
    ``lenet_max``), withheld with it while ``check()`` runs. provides: what a
    student gives, one of ``PROVIDES`` ('function'; 'class', for a layer
    class; 'network', for a network or a function returning one).
    """
    name: str
    section: str
    cases: list
    returns: Returns
    exercise: str = None
    hints: list = dataclasses.field(default_factory=list)
    aliases: tuple = ()
    answer: str = None
    siblings: tuple = ()
    provides: str = 'function'

    def __post_init__(self):
        if self.answer is None:
            self.answer = f'd2l_ch6:{self.name}'
        for where in (self.answer, *self.siblings):
            module, sep, attr = where.partition(':')
            if not (sep and module.split('.')[0] == 'd2l_ch6' and attr.isidentifier()):
                raise ValueError(f"{self.name}: answer and siblings must be 'd2l_ch6[.module]:name', "
                                 f"got {where!r}")
        if self.provides not in PROVIDES:
            raise ValueError(f'{self.name}: provides must be one of {", ".join(PROVIDES)}, '
                             f'got {self.provides!r}')

    @property
    def names(self):
        """The names a student's file may give it: its own, then its aliases."""
        return (self.name,) + tuple(self.aliases)

    def package_answer(self):
        """Return the package's own answer (the object ``answer`` names)."""
        return _resolve(self.answer)

    def withheld_answers(self):
        """Return the package's objects withheld while ``check()`` runs: its answer, then its siblings."""
        return [_resolve(where) for where in (self.answer, *self.siblings)]


def _resolve(where):
    """The object a 'module:name' names."""
    import importlib
    module, _, attr = where.partition(':')
    return getattr(importlib.import_module(module), attr)


class _Table:
    """One section's graded functions, in the order the book and its exercises list them."""

    def __init__(self, section):
        self.section, self.graded = section, {}

    def add(self, name, returns, cases, exercise=None, hints=(), aliases=(), answer=None, siblings=(),
            provides='function'):
        if not isinstance(returns, Returns):
            raise TypeError(f'{name}: returns must be a contracts.Returns, got {type(returns).__name__}')
        if name in self.graded:
            raise ValueError(f'{name} is registered twice in section {self.section}')
        if exercise is not None and exercise.rsplit('.', 1)[0] != self.section:
            raise ValueError(f'{name} answers exercise {exercise}, which is not in section {self.section}')
        self.graded[name] = Graded(name=name, section=self.section, cases=list(cases), exercise=exercise,
                                   hints=list(hints), aliases=tuple(aliases), returns=returns,
                                   answer=answer, siblings=tuple(siblings), provides=provides)


def _section(section, *parts):
    table = _Table(section)
    for register in parts:
        register(table)
    return table.graded


def _lenet(T):
    T.add('net',
          returns=Returns("the book's LeNet: a Gluon network (nn.Sequential), not yet initialized", 'network'),
          cases=_lenet_cases('avg'), hints=LENET_HINTS, aliases=('lenet',),
          answer='d2l_ch6.lenet:lenet', provides='network')


# The registry, by the section that teaches each function: the book's helpers, then the exercises
# (an exercise's functions in the order it asks for them, the first its default).
SECTIONS = {
    '6.1': _section('6.1', _exercises_6_1),
    '6.2': _section('6.2', _corr2d, _conv2d, _exercises_6_2),
    '6.3': _section('6.3', _comp_conv2d, _exercises_6_3),
    '6.4': _section('6.4', _multi_in, _multi_in_out, _1x1, _exercises_6_4),
    '6.5': _section('6.5', _pool2d, _exercises_6_5),
    '6.6': _section('6.6', _lenet, _accuracy, _exercises_6_6),
}
REGISTRY = {name: graded for table in SECTIONS.values() for name, graded in table.items()}

# Views of the registry, by what their users ask.
CASES = {name: graded.cases for name, graded in REGISTRY.items()}
BOOK_TARGETS = [name for name, graded in REGISTRY.items() if graded.exercise is None]
EXERCISES = {}
for _graded in REGISTRY.values():
    if _graded.exercise is not None:
        EXERCISES.setdefault(_graded.exercise, []).append(_graded.name)
EXERCISES = dict(sorted(EXERCISES.items(), key=lambda item: tuple(map(int, item[0].split('.')))))
TARGETS = BOOK_TARGETS + [name for names in EXERCISES.values() for name in names]
ALIASES = {alias: name for name, graded in REGISTRY.items() for alias in graded.aliases}
BOOK_SECTION = {name: REGISTRY[ALIASES.get(name, name)].section for name in BOOK_TARGETS + list(ALIASES)}


def exercise_of(name):
    """Return the exercise number a function answers ('6.1.3'), or None for a book helper."""
    graded = REGISTRY.get(ALIASES.get(name, name))
    return None if graded is None else graded.exercise
