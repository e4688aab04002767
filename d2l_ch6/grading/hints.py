"""Hints: the known wrong variants of a graded function, and how to tell them (the package's addition).

A hint is a pair (text, detector). A detector looks at one case's inputs,
what came back and what was expected, and says whether the output is a
known mistake: ``like(variant)`` when the output matches a wrong variant
computed here (a flipped kernel, padding counted per side...), ``alt(key)``
when the case's judge computed the variant, or a function of its own. The
registry (``cases``) lists each graded function's hints beside its cases,
first match wins; ``generic_hint`` holds for every function. Like the cases,
hints run in the grader only.
"""
import re

import numpy as onp

from .calls import OWN_ANSWER, as_numpy
from .compare import compare
from .references import _n, _pair, ref_conv1d, ref_conv_batch, ref_corr2d, ref_pool

OWN_ANSWER_TEXT = ("uses d2l_ch6's own answer: the package's implementation of this function is "
                   "not the student's; write the function yourself")

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
H_ENDLESS = ('an endless loop? this case was stopped at the time limit while the others took '
             'well under a second: look for a while loop whose condition never changes, or an '
             'index that never moves on')
H_LAST_ROW = ('the last row (or column) of the output is never filled: the loop stops one short; '
              'range(Y.shape[0]) already covers every row')
H_WINDOW = ('the window is one too small: X[i:i + h, j:j + w] takes h rows and w columns '
            '(the end of a slice is excluded)')
H_DERIVATIVE_SIGN = ('the sign is flipped: the book\'s [1, -1] gives f(x) - f(x + 1) = -f\'(x); '
                     'the derivative is f(x + 1) - f(x), the kernel [[-1, 1]]')
H_OVERFLOW = ('exp overflowed (inf or nan where the answer is finite): with a small temperature, '
              'exp(x / tau) is too large for float32; subtract each window\'s max first, '
              'm + tau log(mean(exp((x - m) / tau)))')
H_AUTOGRAD = ('this is not the error autograd raises on the book\'s loop-based Conv2D: call the layer '
              'inside `with autograd.record():`, call .backward() on its output, and return the '
              'exception that comes')
H_POOL_PADDING = ('the padding is ignored: the output has the shape of pooling without padding; '
                  'pass padding to the convolution as to nn.AvgPool2D')
# The names the chapter's code uses and the import that gives each (the book's first cells).
BOOK_IMPORTS = {'np': 'from mxnet import np, npx', 'npx': 'from mxnet import np, npx',
                'autograd': 'from mxnet import autograd', 'gluon': 'from mxnet import gluon',
                'init': 'from mxnet import init', 'nn': 'from mxnet.gluon import nn',
                'd2l': 'from d2l import mxnet as d2l'}
H_IMPORT = "{name} is not defined: import it as the book does, with `{line}`, above your function"
H_BAD_INPUT = ('bad input must raise a clear error naming the argument (ValueError for a bad '
               'value, TypeError for a wrong type), not return an answer')


def like(variant):
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


def alt(key):
    """A detector for runs that report wrong variants themselves: got matches alts[key]."""
    def detect(case, args, kwargs, got, want, error, alts=None):
        return (error is None and alts is not None and key in alts
                and compare(got, alts[key], case.rtol, case.atol) is None)
    detect.uses_alts = True
    return detect



def flipped_corr(X, K, **kw):
    K = _n(K)
    if onp.allclose(K, K[::-1, ::-1]):
        return None
    return ref_corr2d(X, K[::-1, ::-1])


def non_square(K):
    shape = tuple(K.shape[-2:]) if hasattr(K, 'shape') else tuple(K) if isinstance(K, (tuple, list)) else (K, K)
    return shape[0] != shape[1]


def square_kernel(case, args, kwargs, got, want, error):
    """Fails on a non-square window, by an exception or with the k_h x k_h output shape."""
    if len(args) < 2 or not non_square(args[1]):
        return False
    if error is not None:  # the k_h x k_h window does not broadcast against a k_h x k_w kernel
        text = str(error).lower()
        return 'broadcast' in text or 'shape' in text
    k = args[1].shape[-2:] if hasattr(args[1], 'shape') else args[1]
    X = args[0]
    square = (X.shape[-2] - k[0] + 1, X.shape[-1] - k[0] + 1)
    return hasattr(got, 'shape') and tuple(got.shape[-2:]) == square


def channels_not_summed(X, K, **kw):
    return onp.stack([ref_corr2d(X[i], K[i]) for i in range(X.shape[0])])


def wrong_axis(case, args, kwargs, got, want, error):
    if error is not None or not hasattr(got, 'shape') or not isinstance(want, onp.ndarray):
        return False
    c_o, h, w = want.shape
    return (tuple(got.shape) in {(h, w, c_o), (h, c_o, w)} and (c_o, h, w) != tuple(got.shape)
            or (tuple(got.shape) == (1, c_o, h, w)))


def multi_out_not_summed(case, args, kwargs, got, want, error):
    if error is not None or not hasattr(got, 'shape') or not isinstance(want, onp.ndarray):
        return False
    X, K = args
    return tuple(got.shape) == (K.shape[0], K.shape[1], *want.shape[1:])


def pool_mode_ignored(X, pool_size, mode='max'):
    return ref_pool(X, _pair(pool_size), onp.mean if mode == 'max' else onp.max)


def pool_avg_sum(X, pool_size, mode='max'):
    if mode != 'avg':
        return None
    return ref_pool(X, _pair(pool_size), onp.sum)



def pad_per_side(X, p_h, p_w):
    return onp.pad(_n(X), ((p_h, p_h), (p_w, p_w)))


def pad_floor_on_top(X, p_h, p_w):
    if p_h % 2 == 0 and p_w % 2 == 0:
        return None
    return onp.pad(_n(X), ((p_h // 2, p_h - p_h // 2), (p_w // 2, p_w - p_w // 2)))


def shape_variant(change):
    def variant(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
        n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w = change(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w)
        return (n_h - k_h + p_h + s_h) // s_h, (n_w - k_w + p_w + s_w) // s_w
    return variant


def cost_per_side(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1, c_i=1, c_o=1):
    if p_h == 0 and p_w == 0:
        return None
    h = (n_h - k_h + 2 * p_h + s_h) // s_h
    w = (n_w - k_w + 2 * p_w + s_w) // s_w
    return h * w * k_h * k_w * c_i * c_o


def conv1d_variant(change):
    """The strided 1-D correlation with (stride, padding) changed as a mistake would."""
    def variant(x, k, stride=1, padding=0):
        s, p = change(stride, padding)
        if (s, p) == (stride, padding):
            return None
        return ref_conv1d(x, k, s, p)
    return variant


def matmul_variant(change):
    def variant(X, K, padding=0, strides=1):
        p, s = _pair(padding), _pair(strides)
        p2, s2 = change(p, s)
        if (p2, s2) == (p, s):
            return None
        return ref_conv_batch(X, K, p2, s2)
    return variant


def pool_zero_pad(reduce):
    """A pooling variant that pads with zeros instead of the identity of reduce (-inf, inf)."""
    def variant(X, pool_size, strides=None, padding=0):
        p = _pair(pool_size)
        pad = _pair(padding)
        if pad == (0, 0):
            return None
        return ref_pool(X, p, reduce, p if strides is None else _pair(strides), pad, fill=0.0)
    return variant


maxpool_zero_pad, minpool_zero_pad = pool_zero_pad(onp.max), pool_zero_pad(onp.min)


def pool_stride_ignored(reduce, fill):
    def variant(X, pool_size, strides=None, padding=0):
        p = _pair(pool_size)
        s = p if strides is None else _pair(strides)
        if s == (1, 1):
            return None
        return ref_pool(X, p, reduce, (1, 1), _pair(padding), fill=fill)
    return variant


def layer_shapes_hint(bad):
    def detect(case, args, kwargs, got, want, error):
        return error is None and isinstance(got, list) and any(bad(row) for row in got)
    return detect




def generic_hint(case, args, got, want, error):
    """Hints that hold for every function: stubs, time, autograd, dtype, shape, bad input."""
    if error is not None and error.is_a('NotImplementedError'):
        return H_TODO
    if error is not None and error.is_a('CaseTimeout'):
        return H_TIMEOUT
    if error is not None and error.is_a('NameError'):
        name = re.match(r"name '(\w+)' is not defined", error.message)
        if name and name[1] in BOOK_IMPORTS:
            return H_IMPORT.format(name=name[1], line=BOOK_IMPORTS[name[1]])
    if error is not None and error.message == OWN_ANSWER:
        return OWN_ANSWER_TEXT
    if error is not None and 'Inplace operations' in str(error):
        return H_INPLACE
    if case.raises and error is None:
        return H_BAD_INPUT
    if error is None and isinstance(want, onp.ndarray) and hasattr(got, 'dtype'):
        if onp.asarray(got).dtype.kind in 'iub' and not onp.allclose(want, onp.round(want)):
            return H_INT
        if last_unfilled(got, want, case.rtol, case.atol):
            return H_LAST_ROW
        g = tuple(onp.shape(got))
        if len(g) == want.ndim and g != want.shape and all(abs(a - b) <= 1 for a, b in zip(g, want.shape)):
            return H_OFF_BY_ONE
    return ''


def mode_swapped(want_in_mode):
    """A detector: what came is what the other mode gives (want_in_mode(args, mode), None if unknown)."""
    def detect(case, args, kwargs, got, want, error):
        if error is not None or not isinstance(got, dict) or not isinstance(want, dict):
            return False
        other = want_in_mode(args, 'avg' if kwargs.get('mode', 'max') == 'max' else 'max')
        return other is not None and compare(got, other, 0, 0) is None
    return detect


def last_unfilled(got, want, rtol=1e-5, atol=1e-5):
    """True when got is want except its last row or column, left at zero (a loop one short)."""
    g = onp.asarray(got, dtype='float64')
    if g.shape != want.shape or want.ndim < 1 or want.size == 0:
        return False
    for axis in ([-2, -1] if want.ndim >= 2 else [-1]):
        if want.shape[axis] < 2:
            continue
        last = [slice(None)] * want.ndim
        last[axis] = -1
        rest = [slice(None)] * want.ndim
        rest[axis] = slice(0, -1)
        last, rest = tuple(last), tuple(rest)
        if (not onp.any(g[last]) and onp.any(onp.abs(want[last]) > atol)
                and onp.allclose(g[rest], want[rest], rtol=rtol, atol=atol)):
            return True
    return False


def corr_window_too_small(X, K, **kw):
    """corr2d with the window X[i:i + h - 1, j:j + w - 1], as numpy broadcasts it; None if it cannot."""
    X, K = _n(X), _n(K)
    h, w = K.shape
    Y = onp.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    try:
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i:i + h - 1, j:j + w - 1] * K).sum()
    except ValueError:
        return None
    return Y


def window_too_small(case, args, kwargs, got, want, error):
    """corr2d's window one row and column short: wrong sums, or a broadcast error naming its shape."""
    if len(args) < 2 or not hasattr(args[1], 'shape') or len(args[1].shape) != 2:
        return False
    k_h, k_w = args[1].shape
    if error is not None:
        text = str(error).replace(' ', '')
        return 'broadcast' in text and f'[{k_h - 1},{k_w - 1}]' in text
    return like(corr_window_too_small)(case, args, kwargs, got, want, error)


def pool_window_too_small(X, pool_size, mode='max'):
    """pool2d with the window X[i:i + p_h - 1, j:j + p_w - 1]."""
    p_h, p_w = _pair(pool_size)
    if p_h < 2 or p_w < 2 or mode not in ('max', 'avg'):
        return None
    Y = ref_pool(X, (p_h - 1, p_w - 1), onp.max if mode == 'max' else onp.mean)
    return Y[:_n(X).shape[0] - p_h + 1, :_n(X).shape[1] - p_w + 1]


def sign_flipped(case, args, kwargs, got, want, error):
    """The output is exactly minus the right one (a derivative built from the book's [1, -1])."""
    if error is not None or not isinstance(want, onp.ndarray) or not hasattr(got, 'shape'):
        return False
    g = onp.asarray(got, dtype='float64')
    return (g.shape == want.shape and onp.any(want != 0)
            and onp.allclose(g, -want, rtol=case.rtol, atol=case.atol))


def overflowed(case, args, kwargs, got, want, error):
    """inf or nan in the output where the right answer is finite."""
    if error is not None or not isinstance(want, onp.ndarray) or not hasattr(got, 'shape'):
        return False
    g = onp.asarray(got, dtype='float64')
    return g.shape == want.shape and not onp.all(onp.isfinite(g)) and bool(onp.all(onp.isfinite(want)))


def not_autograd_error(case, args, kwargs, got, want, error):
    """An exception came back, but not autograd's (the judge's (is RuntimeError, about in-place) is not all True)."""
    return error is None and isinstance(got, tuple) and len(got) == 2 and not all(got)
