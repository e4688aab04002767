"""What a graded function returns, in words and as a check (the package's addition).

A ``Returns`` is one graded function's return contract, written once in the
registry (``cases``) beside its cases: the student's stub prints its words
(``student``), and the verdict checks a value against it before judging the
value, so a value of the wrong kind fails with what was expected in words
("expected a dict with keys 'compare', 'add', 'div'; got a list"), never
with an error from inside a judge. ``describe`` says what a value is, in the
same words. Like the cases, contracts run in the grader only.
"""
import dataclasses

import numpy as onp

from .calls import Foreign, RemoteError

__all__ = ['Returns', 'describe']

KINDS = ('array', 'dict', 'tuple', 'list', 'number', 'int', 'bool', 'exception', 'layer',
         'network', 'class')


@dataclasses.dataclass(frozen=True)
class Returns:
    """One graded function's return contract.

    text: what to return, in words, as the stub says it ('an array of shape
    (n_h - k_h + 1, n_w - k_w + 1)'). kind: one of ``KINDS``, what the value
    must be. ndim: an array's number of axes. keys: a dict's keys, in order.
    length: a tuple's or list's length. items: a dict's values' contract
    (each value a tuple of ``length`` arrays, for instance). note: what else
    the stub says (a convention the cases assume), printed after text.
    """
    text: str
    kind: str
    ndim: int = None
    keys: tuple = ()
    length: int = None
    note: str = ''

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f'kind must be one of {", ".join(KINDS)}; got {self.kind!r}')

    def mismatch(self, value):
        """Return 'expected ...; got ...' when value is not of this kind, else None."""
        why = self._why(value)
        return None if why is None else f'expected {self.text}; got {why}'

    def _why(self, value):
        ok = _IS[self.kind](value)
        if not ok:
            return describe(value)
        if self.kind == 'array' and self.ndim is not None and onp.ndim(value) != self.ndim:
            return describe(value)
        if self.kind == 'dict' and self.keys and set(value) != set(self.keys):
            return describe(value)
        if self.kind in ('tuple', 'list') and self.length is not None and len(value) != self.length:
            return describe(value)
        return None


def _is_array(v):
    return isinstance(v, onp.ndarray)


def _is_number(v):
    return type(v) in (int, float) or (isinstance(v, onp.ndarray) and v.ndim == 0)


_IS = {'array': _is_array, 'dict': lambda v: isinstance(v, dict),
       'tuple': lambda v: isinstance(v, (tuple, list)), 'list': lambda v: isinstance(v, (tuple, list)),
       'number': _is_number, 'int': lambda v: type(v) is int,
       'bool': lambda v: type(v) is bool, 'exception': lambda v: isinstance(v, RemoteError),
       # what the grader observes of a layer, a network or a class is what its call built
       'layer': lambda v: True, 'network': lambda v: True, 'class': lambda v: True}


def _a(noun):
    return ('an ' if noun[:1] in 'aeio' else 'a ') + noun


def describe(value, depth=0):
    """What a value is, in words: 'a list of 3', 'a 1-D array of shape (4,)', 'None'."""
    if value is None:
        return 'None'
    if isinstance(value, RemoteError):
        return f'the exception object {value.type_name}'
    if isinstance(value, Foreign):
        return f'returned {value!r}, not plain data (an array, number, string, tuple, list or dict)'
    if type(value) is bool:
        return f'a bool ({value})'
    if type(value) in (int, float):
        return _a(type(value).__name__)
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, onp.ndarray):
        return f'{_a(f"{value.ndim}-D array")} of shape {tuple(value.shape)}'
    if isinstance(value, dict):
        keys = ', '.join(repr(k) for k in list(value)[:8]) + (', ...' if len(value) > 8 else '')
        return f'a dict with keys {keys}' if value else 'an empty dict'
    if isinstance(value, (tuple, list)):
        kind = type(value).__name__
        if depth or not value:
            return f'{_a(kind)} of {len(value)}'
        types = {type(v) for v in value}
        if len(types) == 1 and types <= {int, float, bool, str}:
            return f'{_a(kind)} of {len(value)} {types.pop().__name__}s'
        parts = ', '.join(describe(v, depth + 1) for v in value[:4]) + (', ...' if len(value) > 4 else '')
        return f'{_a(kind)} of {len(value)} ({parts})'
    return _a(type(value).__name__)
