"""A digest of what a case's inputs build: each array's dtype, shape and bytes, and every plain value.

tests/test_grading_registry.py holds every case's built inputs to
tests/grading_inputs.json, taken from the cases as they were written with
lambdas, before their inputs became data: same seeds, shapes and dtypes.
"""
import hashlib

import numpy as onp


def digest(value):
    """A JSON-able description of value in which arrays are (dtype, shape, sha256 of bytes)."""
    if hasattr(value, 'asnumpy'):
        a = value.asnumpy()
        return ['mx', str(a.dtype), list(a.shape), hashlib.sha256(onp.ascontiguousarray(a).tobytes()).hexdigest()]
    if isinstance(value, onp.ndarray):
        return ['np', str(value.dtype), list(value.shape),
                hashlib.sha256(onp.ascontiguousarray(value).tobytes()).hexdigest()]
    if isinstance(value, (tuple, list)):
        return [type(value).__name__, [digest(v) for v in value]]
    if isinstance(value, dict):
        return ['dict', [[repr(k), digest(v)] for k, v in value.items()]]
    return [type(value).__name__, repr(value)]
