"""The verdict: cases judged from plain data, hints, and ``check(fn)`` (the package's addition).

The grader's child process and a student's own ``check(fn)`` both call the
student's code through ``calls.observe``, which returns plain data only; this
module compares that data with the cases' expected values and names the
mistake. ``check(fn)`` runs both halves in the student's own process.

``check(corr2d)`` takes the book name from the function (``name=`` to
override); ``check(fn, exercise='6.5.5')`` grades an exercise answer. The
cases are those of ``d2l_ch6.grading.cases``, the same that test the package's own
answers. A failing case says what was expected, what came and, where the
output matches a known wrong variant (a flipped kernel, an output one row
short, padding counted per side...), a hint. An exception in the student's
code becomes a failing case that shows the student's own line. Slow code
runs small cases first, under a time budget.
"""
import dataclasses
import html
import json
import logging
import time

import numpy as onp

from . import cases as _cases
from .._checks import check_seconds
from .calls import OWN_ANSWER, Foreign, describe_error, observe, withheld, withheld_names
from .cases import ALIASES, CASES, EXERCISES, as_numpy, compare, ref_corr2d, ref_pool, settle

__all__ = ['check', 'CheckResult', 'CaseResult', 'Failure', 'TARGETS', 'BOOK_TARGETS',
           'exercise_of', 'judge_case', 'judge_function', 'OWN_ANSWER_TEXT']

log = logging.getLogger(__name__)

from .targets import BOOK_TARGETS, TARGETS, exercise_of  # noqa: E402,F401

DEFAULT_BUDGET = 60.0   # seconds for all the cases of one check
CASE_LIMIT = 20.0       # seconds for one case


def _is_net(obj):
    """True for a network object (a Gluon Block instance), not for a Block class like Conv2D."""
    return hasattr(obj, 'collect_params') and not isinstance(obj, type)


# --- results ------------------------------------------------------------------------

@dataclasses.dataclass
class Failure:
    """A failing case: what was run, what it should give, what came, and a hint."""
    case: str
    expected: str
    got: str
    hint: str = ''


@dataclasses.dataclass
class CaseResult:
    """One case's outcome; ``status`` is 'pass', 'fail', 'error' (an exception) or 'skipped'."""
    case: str
    source: str
    status: str
    expected: str = ''
    got: str = ''
    hint: str = ''
    seconds: float = 0.0

    @property
    def passed(self):
        return self.status == 'pass'


class CheckResult:
    """The outcome of ``check``: ``.passed``, ``.failures``, a green/red table in a notebook."""

    def __init__(self, name, exercise, results, note=''):
        self.name, self.exercise, self.results, self.note = name, exercise, list(results), note

    @property
    def passed(self):
        """True when every required case ran and passed (advice never fails a function)."""
        required = [r for r in self.results if r.status != 'advice']
        return bool(required) and all(r.passed for r in required)

    def __bool__(self):
        return self.passed

    @property
    def failures(self):
        """The failing cases as Failure(case, expected, got, hint)."""
        return [Failure(r.case, r.expected, r.got, r.hint) for r in self.results
                if not r.passed and r.status != 'advice']

    @property
    def advice(self):
        """Robustness cases the function does not meet: (case, advice), never failures."""
        return [(r.case, r.hint) for r in self.results if r.status == 'advice']

    @property
    def title(self):
        what = f'exercise {self.exercise}: {self.name}' if self.exercise else self.name
        required = [r for r in self.results if r.status != 'advice']
        n_ok = sum(r.passed for r in required)
        more = f'; {len(self.advice)} piece(s) of advice' if self.advice else ''
        return f'check({what}): {n_ok} of {len(required)} cases pass{more}'

    def to_dict(self):
        return {'name': self.name, 'exercise': self.exercise, 'passed': self.passed,
                'note': self.note, 'cases': [dataclasses.asdict(r) for r in self.results]}

    def __repr__(self):
        lines = [self.title + ('' if not self.note else f' ({self.note})')]
        hints = {}
        for r in self.results:
            mark = 'ok  ' if r.passed else r.status.upper()[:4].ljust(4)
            lines.append(f'  {mark} [{r.source}] {r.case}')
            if r.status == 'advice':
                lines.append(f'         advice:   {r.hint}')
            elif not r.passed:
                lines.append(f'         expected: {r.expected}')
                lines.append(f'         got:      {r.got}')
                if r.hint:
                    hints[r.hint] = hints.get(r.hint, 0) + 1
        for hint, n in hints.items():  # each hint once, with the number of cases it explains
            lines.append(f'  hint ({n} case{"s" if n > 1 else ""}): {hint}')
        return '\n'.join(lines)

    def _repr_html_(self):
        colour = '#2e7d32' if self.passed else '#c62828'
        rows = []
        for r in self.results:
            bg = '#e8f5e9' if r.passed else '#fff8e1' if r.status == 'advice' else '#ffebee'
            mark = '&#10004;' if r.passed else '&#9888;' if r.status == 'advice' else '&#10008;'
            detail = '' if r.passed else f'<b>advice:</b> {html.escape(r.hint)}' if r.status == 'advice' else (
                f'expected {html.escape(r.expected)}<br>got {html.escape(r.got)}'
                + (f'<br><b>hint:</b> {html.escape(r.hint)}' if r.hint else ''))
            rows.append(f'<tr style="background:{bg}"><td>{mark}</td><td>{html.escape(r.source)}</td>'
                        f'<td>{html.escape(r.case)}</td><td>{detail}</td></tr>')
        note = f'<br><i>{html.escape(self.note)}</i>' if self.note else ''
        return (f'<div><b style="color:{colour}">{html.escape(self.title)}</b>{note}'
                '<table style="font-size:90%"><tr><th></th><th>kind</th><th>case</th>'
                f'<th>details</th></tr>{"".join(rows)}</table></div>')


# --- hints: known wrong variants ----------------------------------------------------------

H_FLIP = ('the kernel is flipped: that is a true convolution; cross-correlation uses '
          'K[a, b] against X[i + a, j + b], without flipping')
H_OFF_BY_ONE = ('the output shape is off by one: a k-wide window fits n - k + 1 times, '
                'so Y has (n_h - k_h + 1) x (n_w - k_w + 1) elements')
H_SQUARE = ('this fails only for a non-square window: use k_h = K.shape[0] for the rows and '
            'k_w = K.shape[1] for the columns (h, w = K.shape)')
H_INT = ('the output has an integer dtype, so fractions were cut off: create the output as '
         'float (np.zeros(shape) without dtype, not np.zeros_like(X) on an integer X)')
H_STRIDE = 'the stride is ignored: the window moves s positions at a time (formula 6.3.3)'
H_PADDING = 'the padding is ignored: pad the input with zeros before sliding the window'
H_PER_SIDE = ('per-side and total padding are mixed up: Gluon\'s padding=p adds p on each side '
              '(2p in total); the book\'s p_h is the total, ceil(p_h/2) on top, floor on the bottom')
H_MODE = "the pooling mode is ignored: mode='max' takes the window's maximum, mode='avg' its mean"
H_SUM = 'the average is computed as a sum: divide the window\'s sum by p_h * p_w (or use .mean())'
H_NOT_SUMMED = ('the input channels are not summed: add up one cross-correlation per input '
                'channel, sum(corr2d(x, k) for x, k in zip(X, K))')
H_AXIS = ('the output channels are stacked on the wrong axis: np.stack([...]) puts them first, '
          '(c_o, h\', w\')')
H_INPLACE = ('in-place writes (Y[i, j] = ...) break autograd (exercise 6.2.2): build the result '
             'from slices and sums, or a matrix product, without assigning into an array')
H_TODO = 'not implemented yet: replace the stub\'s `raise NotImplementedError` with your code'
H_TIMEOUT = ('too slow: stopped at the time limit; loop over output elements only, and try '
             'small inputs first')
H_BAD_INPUT = ('bad input must raise a clear error naming the argument (ValueError for a bad '
               'value, TypeError for a wrong type), not return an answer')


def _like(variant):
    """A detector: the student's output matches variant(args, kwargs) within the case's tolerance."""
    def detect(case, args, kwargs, got, want, error):
        if error is not None or got is None:
            return False
        try:
            wrong = variant(*args, **kwargs)
        except Exception:  # a variant that does not apply to these inputs
            return False
        if wrong is None:
            return False
        try:
            if compare(got, want, case.rtol, case.atol) is None:
                return False
        except Exception:
            pass
        return compare(got, as_numpy(wrong), case.rtol, case.atol) is None
    return detect


def _alt(key):
    """A detector for runs that report wrong variants themselves: got matches alts[key]."""
    def detect(case, args, kwargs, got, want, error, alts=None):
        return (error is None and alts is not None and key in alts
                and compare(got, alts[key], case.rtol, case.atol) is None)
    detect.uses_alts = True
    return detect


def _n(A):
    return onp.asarray(as_numpy(A), dtype='float64')


def _flipped_corr(X, K, **kw):
    K = _n(K)
    if onp.allclose(K, K[::-1, ::-1]):
        return None
    return ref_corr2d(X, K[::-1, ::-1])


def _non_square(K):
    shape = tuple(K.shape[-2:]) if hasattr(K, 'shape') else tuple(K) if isinstance(K, (tuple, list)) else (K, K)
    return shape[0] != shape[1]


def _square_kernel(case, args, kwargs, got, want, error):
    """Fails on a non-square window, by an exception or with the k_h x k_h output shape."""
    if len(args) < 2 or not _non_square(args[1]):
        return False
    if error is not None:  # the k_h x k_h window does not broadcast against a k_h x k_w kernel
        text = str(error).lower()
        return 'broadcast' in text or 'shape' in text
    k = args[1].shape[-2:] if hasattr(args[1], 'shape') else args[1]
    X = args[0]
    square = (X.shape[-2] - k[0] + 1, X.shape[-1] - k[0] + 1)
    return hasattr(got, 'shape') and tuple(got.shape[-2:]) == square


def _channels_not_summed(X, K, **kw):
    return onp.stack([ref_corr2d(X[i], K[i]) for i in range(X.shape[0])])


def _wrong_axis(case, args, kwargs, got, want, error):
    if error is not None or not hasattr(got, 'shape') or not isinstance(want, onp.ndarray):
        return False
    c_o, h, w = want.shape
    return (tuple(got.shape) in {(h, w, c_o), (h, c_o, w)} and (c_o, h, w) != tuple(got.shape)
            or (tuple(got.shape) == (1, c_o, h, w)))


def _multi_out_not_summed(case, args, kwargs, got, want, error):
    if error is not None or not hasattr(got, 'shape') or not isinstance(want, onp.ndarray):
        return False
    X, K = args
    return tuple(got.shape) == (K.shape[0], K.shape[1], *want.shape[1:])


def _pool_mode_ignored(X, pool_size, mode='max'):
    return ref_pool(X, _pair(pool_size), onp.mean if mode == 'max' else onp.max)


def _pool_avg_sum(X, pool_size, mode='max'):
    if mode != 'avg':
        return None
    return ref_pool(X, _pair(pool_size), onp.sum)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _pad_per_side(X, p_h, p_w):
    return onp.pad(_n(X), ((p_h, p_h), (p_w, p_w)))


def _pad_floor_on_top(X, p_h, p_w):
    if p_h % 2 == 0 and p_w % 2 == 0:
        return None
    return onp.pad(_n(X), ((p_h // 2, p_h - p_h // 2), (p_w // 2, p_w - p_w // 2)))


def _shape_variant(change):
    def variant(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
        n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w = change(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w)
        return (n_h - k_h + p_h + s_h) // s_h, (n_w - k_w + p_w + s_w) // s_w
    return variant


def _cost_per_side(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1, c_i=1, c_o=1):
    if p_h == 0 and p_w == 0:
        return None
    h = (n_h - k_h + 2 * p_h + s_h) // s_h
    w = (n_w - k_w + 2 * p_w + s_w) // s_w
    return h * w * k_h * k_w * c_i * c_o


def _conv1d_variant(change):
    """The strided 1-D correlation with (stride, padding) changed as a mistake would."""
    def variant(x, k, stride=1, padding=0):
        s, p = change(stride, padding)
        if (s, p) == (stride, padding):
            return None
        return _cases._ref_conv1d(x, k, s, p)
    return variant


def _matmul_variant(change):
    def variant(X, K, padding=0, strides=1):
        p, s = _pair(padding), _pair(strides)
        p2, s2 = change(p, s)
        if (p2, s2) == (p, s):
            return None
        return _cases.ref_conv_batch(X, K, p2, s2)
    return variant


def _pool_zero_pad(reduce):
    """A pooling variant that pads with zeros instead of the identity of reduce (-inf, inf)."""
    def variant(X, pool_size, strides=None, padding=0):
        p = _pair(pool_size)
        pad = _pair(padding)
        if pad == (0, 0):
            return None
        return ref_pool(X, p, reduce, p if strides is None else _pair(strides), pad, fill=0.0)
    return variant


_maxpool_zero_pad, _minpool_zero_pad = _pool_zero_pad(onp.max), _pool_zero_pad(onp.min)


def _pool_stride_ignored(reduce, fill):
    def variant(X, pool_size, strides=None, padding=0):
        p = _pair(pool_size)
        s = p if strides is None else _pair(strides)
        if s == (1, 1):
            return None
        return ref_pool(X, p, reduce, (1, 1), _pair(padding), fill=fill)
    return variant


def _layer_shapes_hint(bad):
    def detect(case, args, kwargs, got, want, error):
        return error is None and isinstance(got, list) and any(bad(row) for row in got)
    return detect


HINTS = {
    'corr2d': [(H_FLIP, _like(_flipped_corr)), (H_SQUARE, _square_kernel)],
    'corr2d_multi_in': [(H_NOT_SUMMED, _like(_channels_not_summed)),
                        (H_FLIP, _like(lambda X, K: sum(_flipped_corr(X[i], K[i])
                                                        for i in range(X.shape[0]))))],
    'corr2d_multi_in_out': [(H_AXIS, _wrong_axis), (H_NOT_SUMMED, _multi_out_not_summed)],
    'corr2d_multi_in_out_1x1': [(H_AXIS, _wrong_axis),
                                ('K is reshaped in the wrong order: K.reshape(c_o, c_i) keeps '
                                 'K[o, i] at row o, column i',
                                 _like(lambda X, K: onp.einsum(
                                     'oi,ihw->ohw', _n(K).reshape(K.shape[1], K.shape[0]).T,
                                     _n(X))))],
    'pool2d': [(H_MODE, _like(_pool_mode_ignored)), (H_SUM, _like(_pool_avg_sum)),
               (H_SQUARE, _square_kernel)],
    'Conv2D': [('the bias is not added (or added twice): forward returns corr2d(x, weight) + bias',
                lambda case, a, k, got, want, error: (
                    error is None and isinstance(want, onp.ndarray) and hasattr(got, 'shape')
                    and got.shape == want.shape and not onp.allclose(got, want, atol=1e-4)
                    and onp.ptp(onp.asarray(got, dtype='float64') - want) < 1e-4))],
    'comp_conv2d': [('remove the batch and channel axes: return Y.reshape(Y.shape[2:])',
                     lambda case, a, k, got, want, error: (
                         error is None and isinstance(got, tuple) and len(got) == 2
                         and isinstance(got[0], tuple) and len(got[0]) == 4)),
                    ('initialize the layer (conv2d.initialize()) before calling it',
                     lambda case, a, k, got, want, error: (
                         error is not None and 'initializ' in str(error).lower()))],
    'net': [('the first convolution needs padding=2 to keep 28x28: conv0 is (1, 6, 28, 28)',
             _layer_shapes_hint(lambda row: row == ('conv', (1, 6, 24, 24)))),
            ('pooling halves height and width: pool_size=2, strides=2',
             _layer_shapes_hint(lambda row: row[0] == 'pool' and row[1][2:] in {(27, 27), (9, 9)})),
            ('the pooling mode is wrong: the book\'s LeNet uses average pooling (nn.AvgPool2D), '
             'exercise 6.6.1 max pooling (nn.MaxPool2D)', _alt('pooling')),
            ('the activation is wrong: the book\'s LeNet uses sigmoid', _alt('relu'))],
    'evaluate_accuracy_gpu': [
        ('the accuracy is the mean of the batches\' accuracies: with a smaller last batch, '
         'count right predictions and examples over all batches and divide once',
         _alt('batch mean')),
        ('this is the number of right predictions: divide by the number of examples',
         _alt('count')),
        ('only the last batch counts: accumulate over every batch', _alt('last batch'))],
    'pad_zeros': [(H_PER_SIDE, _like(_pad_per_side)),
                  ('the odd row (column) goes on top (left): ceil(p/2) before, floor(p/2) after',
                   _like(_pad_floor_on_top))],
    'corr2d_same': [(H_FLIP, _like(lambda X, K: _cases.ref_corr2d_same(X, _n(K)[::-1, ::-1])))],
    'translate': [('the shift goes the wrong way: positive d_h moves the image down, d_w right',
                   _like(lambda X, d_h, d_w: _cases.ref_translate(X, -d_h, -d_w)))],
    'receptive_field': [('each layer adds k - 1 inputs to the first layer\'s k: '
                         'num_layers * (k - 1) + 1', _like(lambda n, k: n * k))],
    'conv2d_full': [('this is cross-correlation: a true convolution flips g',
                     _like(lambda f, g: _cases.ref_full_conv(f, _n(g)[::-1, ::-1])))],
    'compose_kernels': [('cross-correlating twice composes as a true convolution of K1 and K2 '
                         '(flip K2), not as a cross-correlation',
                         _like(lambda K1, K2: None if _n(K1).ndim != 2 else
                               _cases.ref_full_conv(K1, _n(K2)[::-1, ::-1])))],
    'conv_output_shape': [
        (H_PER_SIDE, _like(_shape_variant(lambda *a: (*a[:4], 2 * a[4], 2 * a[5], *a[6:])))),
        (H_STRIDE, _like(_shape_variant(lambda *a: (*a[:6], 1, 1)))),
        (H_OFF_BY_ONE, _like(lambda n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1: (
            (n_h - k_h + p_h) // s_h, (n_w - k_w + p_w) // s_w)))],
    'conv1d_strided': [(H_STRIDE, _like(_conv1d_variant(lambda s, p: (1, p)))),
                       (H_PADDING, _like(_conv1d_variant(lambda s, p: (s, 0)))),
                       (H_PER_SIDE, _like(_conv1d_variant(lambda s, p: (s, p // 2))))],
    'conv_cost': [(H_PER_SIDE, _like(_cost_per_side))],
    'conv2d_matmul': [(H_STRIDE, _like(_matmul_variant(lambda p, s: (p, (1, 1))))),
                      (H_PADDING, _like(_matmul_variant(lambda p, s: ((0, 0), s)))),
                      (H_PER_SIDE, _like(_matmul_variant(lambda p, s: ((p[0] // 2, p[1] // 2), s))))],
    'avg_pool_as_conv': [(H_SUM, _alt('sum')),
                         ('the channels are mixed: the kernel must be 1 / (p_h p_w) only from '
                          'channel i to channel i (zero elsewhere)', _alt('channels'))],
    'max_pool_from_conv_relu': [
        ('zero padding wins the max for negative inputs: shift X by its minimum (X - X.min() >= 0) '
         'before padding, and back afterwards', _like(_maxpool_zero_pad)),
        (H_STRIDE, _like(_pool_stride_ignored(onp.max, -onp.inf)))],
    'min_pool2d': [('zero padding wins the min for positive inputs: pad with +inf, or use '
                    '-MaxPool2D(-X), which ignores padding', _like(_minpool_zero_pad)),
                   (H_STRIDE, _like(_pool_stride_ignored(onp.min, onp.inf)))],
    'lse_pool2d': [('the temperature is ignored: divide by tau inside the exp and multiply the '
                    'log by tau', _like(lambda X, p, t, strides=None:
                                        None if t == 1 else _cases._ref_lse(X, p, 1.0, strides)))],
}
HINTS['lenet_max'] = HINTS['net']
HINTS['corr2d_matmul'] = [(H_FLIP, _like(_flipped_corr))]


def _generic_hint(case, args, got, want, error):
    """Hints that hold for every function: stubs, time, autograd, dtype, shape, bad input."""
    if error is not None and error.is_a('NotImplementedError'):
        return H_TODO
    if error is not None and error.is_a('CaseTimeout'):
        return H_TIMEOUT
    if error is not None and error.message == OWN_ANSWER:
        return OWN_ANSWER_TEXT
    if error is not None and 'Inplace operations' in str(error):
        return H_INPLACE
    if case.raises and error is None:
        return H_BAD_INPUT
    if error is None and isinstance(want, onp.ndarray) and hasattr(got, 'dtype'):
        if onp.asarray(got).dtype.kind in 'iub' and not onp.allclose(want, onp.round(want)):
            return H_INT
        g = tuple(onp.shape(got))
        if len(g) == want.ndim and g != want.shape and all(abs(a - b) <= 1 for a, b in zip(g, want.shape)):
            return H_OFF_BY_ONE
    return ''


def _pool_cost_mode_hint(case, args, kwargs, got, want, error):
    if error is not None or not isinstance(got, dict) or not isinstance(want, dict):
        return False
    other = 'avg' if kwargs.get('mode', 'max') == 'max' else 'max'
    for c in CASES['pool_cost']:
        if c.inputs() == args and c.kwargs.get('mode') == other:
            return compare(got, c.want(args), 0, 0) is None
    return False


HINTS['pool_cost'] = [(H_MODE, _pool_cost_mode_hint)]


# --- judging one case -------------------------------------------------------------------------

OWN_ANSWER_TEXT = ("uses d2l_ch6's own answer: the package's implementation of this function is "
                   "not the student's; write the function yourself")


def _summary(value, limit=160):
    """A short text for an expected or received value."""
    if isinstance(value, BaseException):
        return describe_error(value)
    if isinstance(value, Foreign):
        return f'{value!r} (not plain data: an array, number, string, tuple, list or dict)'
    if isinstance(value, onp.ndarray):
        dtype = getattr(value, 'orig_dtype', None) or value.dtype
        value = onp.asarray(value)
        text = onp.array2string(onp.round(value.astype('float64'), 4) if value.dtype.kind == 'f'
                                else value, separator=', ', threshold=20, edgeitems=2,
                                max_line_width=1000).replace('\n', '')
        text = f'array{value.shape} {dtype}: {text}'
    elif isinstance(value, dict):
        text = '{' + ', '.join(f'{k!r}: {_summary(v, 60)}' for k, v in value.items()) + '}'
    elif isinstance(value, (tuple, list)) and any(isinstance(v, onp.ndarray) for v in value):
        text = '(' + ', '.join(_summary(v, 60) for v in value) + ')'
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _hint(target, case, args, got, want, error, alts):
    for text, detect in HINTS.get(target, []):
        try:
            if getattr(detect, 'uses_alts', False):
                hit = detect(case, args, case.kwargs, got, want, error, alts)
            else:
                hit = detect(case, args, case.kwargs, got, want, error)
        except Exception:  # a detector must never break a check
            hit = False
        if hit:
            return text
    return _generic_hint(case, args, got, want, error)


def _expected_what(value):
    if isinstance(value, onp.ndarray):
        return 'an array'
    if isinstance(value, dict):
        return 'a dict'
    if isinstance(value, (tuple, list)):
        return 'a tuple'
    return f'a {type(value).__name__}'


def judge_case(target, case, args, observation, seconds=0.0):
    """Return the CaseResult of one case from what the call gave (plain data); runs in the grader."""
    try:
        got, want, alts, error = settle(case, args, observation)
    except (ValueError, TypeError, KeyError) as e:  # a damaged or forged observation
        return CaseResult(case.title, case.kind, 'error', '(see the case)',
                          f'the call\'s result could not be read ({e})', '', seconds)
    if case.raises:
        names = tuple(t.__name__ for t in case.raises)
        expected = f'raises {" or ".join(names)}'
        if error is not None and error.is_a(*names):
            return CaseResult(case.title, case.kind, 'pass', expected, describe_error(error),
                              seconds=seconds)
        got_text = _summary(error) if error is not None else f'no error; returned {_summary(got)}'
        if case.advice and not (error is not None and (error.is_a('CaseTimeout')
                                                        or error.message == OWN_ANSWER)):
            return CaseResult(case.title, case.kind, 'advice', expected, got_text,
                              H_BAD_INPUT, seconds)
        return CaseResult(case.title, case.kind, 'error' if error else 'fail', expected, got_text,
                          _generic_hint(case, args, got, None, error), seconds)
    if want is None and case.judge is None:
        try:
            want = case.want(args)
        except Exception:  # an expected value that needs what the call built
            want = None
    expected_text = _summary(want) if want is not None else '(see the case)'
    if error is not None:
        return CaseResult(case.title, case.kind, 'error', expected_text, _summary(error),
                          _hint(target, case, args, got, want, error, alts), seconds)
    if isinstance(got, Foreign):
        return CaseResult(case.title, case.kind, 'fail', expected_text,
                          f'returned {got!r}, expected {_expected_what(want)}', '', seconds)
    why = compare(got, want, case.rtol, case.atol)
    if why is None:
        return CaseResult(case.title, case.kind, 'pass', expected_text, _summary(got),
                          seconds=seconds)
    return CaseResult(case.title, case.kind, 'fail', expected_text,
                      f'{_summary(got)} ({why})', _hint(target, case, args, got, want, None, alts),
                      seconds)


def _target(fn, name, exercise):
    """Resolve which cases grade fn: by exercise number, by name, or by the function's name."""
    fname = name or getattr(fn, '__name__', None)
    if exercise is not None:
        exercise = str(exercise)
        if exercise not in EXERCISES:
            raise ValueError(f'exercise must be one of {", ".join(EXERCISES)} (the computable '
                             f'exercises), got {exercise!r}')
        names = EXERCISES[exercise]
        return (fname if fname in names else names[0]), exercise
    if fname is None:
        raise TypeError(f'fn has no __name__ ({type(fn).__name__}): pass name=, one of '
                        f'{", ".join(BOOK_TARGETS)}, or exercise=')
    fname = ALIASES.get(fname, fname)
    if fname not in CASES:
        raise ValueError(f'name must be a book helper ({", ".join(BOOK_TARGETS)}) or an exercise '
                         f'function ({", ".join(n for ns in EXERCISES.values() for n in ns)}); '
                         f'got {fname!r}: pass name= or exercise=')
    return fname, exercise_of(fname)


def _is_package_object(obj):
    module = getattr(obj, '__module__', '') or ''
    return module == 'd2l_ch6' or module.startswith('d2l_ch6.')


def check(fn, name=None, exercise=None, budget=DEFAULT_BUDGET, case_limit=CASE_LIMIT):
    """Run the package's cases on a student's function and return a CheckResult (the package's addition).

    fn: the student's function (or class, for Conv2D; or network or function
    returning one, for the LeNet ``net``). name: the book name, when fn's own
    name differs. exercise: '6.x.y' for an exercise answer (``name`` picks
    among an exercise's functions; default the first). budget: seconds for
    all cases, smallest first; case_limit: seconds for one case. While it
    runs, the package's own implementation of that function raises, so a
    function that only calls it is told so.
    """
    if fn is None or not (callable(fn) or _is_net(fn)):
        raise TypeError(f'fn must be a function, class or network, got {type(fn).__name__}')
    for arg, value in (('budget', budget), ('case_limit', case_limit)):
        check_seconds(arg, value)
    if name is None and _is_net(fn) and exercise is None:
        name = 'net'
    target, number = _target(fn, name, exercise)
    own = _is_package_object(fn)  # the package checking itself: nothing to withhold
    results, start, note = [], time.perf_counter(), ''
    for case in CASES[target]:
        left = budget - (time.perf_counter() - start)
        if left <= 0:
            results.append(CaseResult(case.title, case.kind, 'skipped', '(not run)',
                                      '(not run)', f'time budget of {budget:.0f} s spent: '
                                      + H_TIMEOUT))
            note = f'time budget of {budget:.0f} s spent'
            continue
        t0 = time.perf_counter()
        args = case.inputs()
        with withheld([] if own else withheld_names(target)):
            observation = observe(fn, case.call, args, case.kwargs, min(case_limit, left))
        observation = json.loads(json.dumps(observation))  # exactly what crosses from a child
        results.append(judge_case(target, case, args, observation, time.perf_counter() - t0))
    return CheckResult(target, number, results, note)


def judge_function(target, observations, seconds=None):
    """The CheckResult of target from a child's observations (one per case, in order)."""
    results = []
    for case, obs in zip(CASES[target], observations):
        if obs is None:
            results.append(CaseResult(case.title, case.kind, 'skipped', '(not run)', '(not run)',
                                      'time budget spent: ' + H_TIMEOUT))
            continue
        secs = obs.get('seconds', 0.0) if isinstance(obs, dict) else 0.0
        secs = float(secs) if type(secs) in (int, float) and 0 <= secs < 1e6 else 0.0
        results.append(judge_case(target, case, case.inputs(), obs, secs))
    for case in CASES[target][len(observations):]:
        results.append(CaseResult(case.title, case.kind, 'skipped', '(not run)', '(not run)',
                                  'time budget spent: ' + H_TIMEOUT))
    return CheckResult(target, exercise_of(target), results)


def grade_namespace(namespace):
    """Check every book helper and exercise function found in namespace, in this process."""
    from .worker import find_targets
    return [check(obj, name=target, exercise=exercise_of(target))
            for target, obj in find_targets(namespace).items()]
