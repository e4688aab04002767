"""A value against the expected one, with explicit tolerances (the package's addition).

``compare`` walks dicts, sequences, arrays and numbers and returns None when
they match, else a short reason; the verdict (and its ``assert_case``, for the package's tests) and
the hints' detectors all compare this way. It runs in the grader only.
"""
import math

import numpy as onp

__all__ = ['compare']


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
        if not isinstance(got, (tuple, list)):
            return f'{path or "result"} should be a sequence of {len(expected)}, got {_short(got)}'
        if len(got) != len(expected):
            return (f'{path or "result"} should be a sequence of {len(expected)}, '
                    f'got a {type(got).__name__} of {len(got)}')
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
    elif _is_bool(got) != _is_bool(expected):  # True == 1 in Python; a bool is not a count
        same = False
    else:
        try:
            same = bool(got == expected)
        except (TypeError, ValueError):
            same = False
    return None if same else f'{path or "value"}: expected {expected!r}, got {_short(got)}'


def _is_bool(value):
    return isinstance(value, (bool, onp.bool_))


def _maxdiff(got, expected):
    with onp.errstate(invalid='ignore'):
        d = onp.abs(got.astype('float64') - expected)
    return float(onp.nanmax(d)) if d.size else 0.0


def _short(value, limit=80):
    text = repr(value.tolist() if isinstance(value, onp.ndarray) else value)
    return text if len(text) <= limit else text[:limit - 3] + '...'
