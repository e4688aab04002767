"""A case's inputs as data: specs that one function turns into arrays (the package's addition).

A case lists its positional inputs as a tuple of specs and plain values:
``(Rand(9, (6, 6)), Rand(10, (3, 3)))``, ``(Book('Fig. 6.2.1 X'), Arr([[0, 1], [2, 3]]))``,
``(Rand(71, (6, 4)), (3, 2))``. ``build`` turns them into fresh arrays on
every call (mxnet arrays, float32 unless a spec says otherwise), so a
function that writes into its input cannot spoil the next case; ``describe``
says in words what they are, for reports. Numbers, strings and tuples of
them are passed as they are.
"""
import dataclasses
from typing import Any

import numpy as onp

from .calls import _np, arr, rand

__all__ = ['Rand', 'Arr', 'Arange', 'Ones', 'Book', 'Inputs', 'build', 'describe', 'BOOK_INPUTS']


@dataclasses.dataclass(frozen=True)
class Rand:
    """Seeded random float32: standard normal (or uniform in [0, 1)), plus shift."""
    seed: int
    shape: tuple
    dist: str = 'normal'
    shift: float = 0

    def __post_init__(self):
        if self.dist not in ('normal', 'uniform'):
            raise ValueError(f"dist must be 'normal' or 'uniform', got {self.dist!r}")

    def build(self):
        A = rand(self.seed, *self.shape, low='uniform' if self.dist == 'uniform' else None)
        return A + self.shift if self.shift else A

    def describe(self):
        shift = f' {self.shift:+g}' if self.shift else ''
        return f'{self.dist}(seed {self.seed}) {_dims(self.shape)}{shift}'


@dataclasses.dataclass(frozen=True)
class Arr:
    """An array of literal values (nested lists, or a numpy array), float32 unless dtype says."""
    values: Any
    dtype: str = 'float32'

    def build(self):
        return arr(self.values, self.dtype)

    def describe(self):
        a = onp.asarray(self.values)
        if a.size <= 6:
            return f'{a.tolist()}' + ('' if self.dtype == 'float32' else f' {self.dtype}')
        return f'array {_dims(a.shape)} {self.dtype}'


@dataclasses.dataclass(frozen=True)
class Arange:
    """0, 1, ..., n - 1 in the given shape (float32 unless dtype says)."""
    n: int
    shape: tuple
    dtype: str = 'float32'

    def build(self):
        return arr(onp.arange(self.n).reshape(self.shape), self.dtype)

    def describe(self):
        return f'0..{self.n - 1} as {_dims(self.shape)} {self.dtype}'


@dataclasses.dataclass(frozen=True)
class Ones:
    """An array of ones (float32)."""
    shape: tuple

    def build(self):
        return arr(onp.ones(self.shape))

    def describe(self):
        return f'ones {_dims(self.shape)}'


def _edge_image():
    X = onp.ones((6, 8))
    X[:, 2:6] = 0
    return arr(X)


def _fig_6_4_1_K():
    return arr([[[0, 1], [2, 3]], [[1, 2], [3, 4]]])


# The book's printed inputs, by where the book prints them.
BOOK_INPUTS = {
    'Fig. 6.2.1 X': lambda: arr([[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
    'Section 6.2.3 edge image': _edge_image,  # 6x8 ones, columns 2..5 zero
    'Section 6.2.3 edge image, transposed': lambda: _edge_image().T,
    'Fig. 6.4.1 X': lambda: arr([[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]),
    'Fig. 6.4.1 K': _fig_6_4_1_K,
    'Section 6.4.2 K': lambda: _np().stack((_fig_6_4_1_K(), _fig_6_4_1_K() + 1, _fig_6_4_1_K() + 2)),
}


@dataclasses.dataclass(frozen=True)
class Book:
    """One of the book's printed inputs (``BOOK_INPUTS``), by name."""
    name: str

    def __post_init__(self):
        if self.name not in BOOK_INPUTS:
            raise ValueError(f'Book input must be one of {", ".join(BOOK_INPUTS)}; got {self.name!r}')

    def build(self):
        return BOOK_INPUTS[self.name]()

    def describe(self):
        return f"the book's {self.name}"


SPECS = (Rand, Arr, Arange, Ones, Book)


def build(spec):
    """Turn a spec (or a tuple, list or dict of them, or a plain value) into fresh inputs."""
    if isinstance(spec, SPECS):
        return spec.build()
    if isinstance(spec, tuple):
        return tuple(build(s) for s in spec)
    if isinstance(spec, list):
        return [build(s) for s in spec]
    if isinstance(spec, dict):
        return {k: build(v) for k, v in spec.items()}
    if isinstance(spec, (int, float, str, bool, type(None))):
        return spec
    raise TypeError(f'an input must be a spec ({", ".join(s.__name__ for s in SPECS)}), a number, '
                    f'a string or a tuple, list or dict of them; got {type(spec).__name__}')


def _validate(spec):
    if isinstance(spec, (tuple, list)):
        for s in spec:
            _validate(s)
    elif isinstance(spec, dict):
        for s in spec.values():
            _validate(s)
    elif not isinstance(spec, SPECS + (int, float, str, bool, type(None))):
        raise TypeError(f'an input must be a spec ({", ".join(s.__name__ for s in SPECS)}), a number, '
                        f'a string or a tuple, list or dict of them; got {type(spec).__name__}')


def describe(spec):
    """A short text for a spec, a tuple of them, or a plain value."""
    if isinstance(spec, SPECS):
        return spec.describe()
    if isinstance(spec, tuple):
        return '(' + ', '.join(describe(s) for s in spec) + (',)' if len(spec) == 1 else ')')
    if isinstance(spec, list):
        return '[' + ', '.join(describe(s) for s in spec) + ']'
    return repr(spec)


class Inputs:
    """A case's positional inputs: call it for fresh arrays; ``specs`` is the data."""

    def __init__(self, specs):
        if not isinstance(specs, tuple):
            raise TypeError(f'inputs must be a tuple of specs and values, got {type(specs).__name__}')
        _validate(specs)  # a spec of the wrong kind fails where the case is written
        self.specs = specs

    def __call__(self):
        return build(self.specs)

    def describe(self):
        return describe(self.specs)

    def __repr__(self):
        return f'Inputs{self.specs!r}'


def _dims(shape):
    return 'x'.join(str(n) for n in shape)
