"""Argument checks shared by the section modules (Book sections 6.2-6.5).

Each check raises ``TypeError`` or ``ValueError`` naming the argument, what was
expected and what came, so that bad input never surfaces as an ``IndexError``,
Python's unpacking message or an MXNet engine error raised later, elsewhere.
"""
import functools
import inspect
import math
import numbers
import re

__all__ = ['check_array', 'check_ndim', 'check_2d', 'check_kernel_fits',
           'check_int', 'check_pair', 'check_real', 'check_seconds', 'check_bool', 'reason',
           'check_numeric', 'check_loop_size', 'checked', 'check_numbers', 'check_same_kind',
           'summing_dtype', 'check_fast_size']

# The book's loops (corr2d, pool2d) take one Python step per output element;
# above this many outputs they refuse and point at the vectorised version
# (timings in benchmarks/RESULTS.md). None lifts the limit.
LOOP_MAX_OUTPUTS = 10_000


def check_array(name, A):
    """Raise TypeError unless ``A`` is an array (has ``shape`` and ``ndim``)."""
    if not (hasattr(A, 'shape') and hasattr(A, 'ndim')):
        raise TypeError(f'{name} must be an array (mxnet.np.ndarray), '
                        f'got {type(A).__name__}')
    return A


def check_ndim(name, A, ndim):
    """Raise unless ``A`` is an array with ``ndim`` axes; return ``A``."""
    check_array(name, A)
    if A.ndim != ndim:
        raise ValueError(f'{name} must be a {ndim}-D array, '
                         f'got {A.ndim}-D with shape {tuple(A.shape)}')
    return A


def check_2d(name, A):
    """Raise unless ``A`` is a 2-D array; return ``A``."""
    return check_ndim(name, A, 2)


def check_kernel_fits(X, K, x_name='X', k_name='K'):
    """Raise ValueError unless kernel ``K`` fits inside input ``X`` on the last axes (arrays or shapes)."""
    n, k = tuple(getattr(X, 'shape', X)[-2:]), tuple(getattr(K, 'shape', K)[-2:])
    if any(k_i > n_i for k_i, n_i in zip(k, n)):
        raise ValueError(f'{k_name} must be no larger than {x_name} in height and width: '
                         f'{k_name} is {k[0]}x{k[1]} but {x_name} is only {n[0]}x{n[1]}')
    if any(k_i < 1 for k_i in k):
        raise ValueError(f'{k_name} must have at least one row and one column, '
                         f'got shape {tuple(getattr(K, "shape", K))}')


def check_int(name, value, minimum, maximum=None):
    """Raise unless ``value`` is an integer no less than ``minimum`` (and no more than ``maximum``); return it."""
    want = f'an integer >= {minimum}' + ('' if maximum is None else f' and <= {maximum}')
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f'{name} must be {want}, got {type(value).__name__} {shown(value)}')
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f'{name} must be {want}, got {value}')
    return int(value)


def check_pair(name, value, minimum):
    """Return ``value`` as an (h, w) pair of integers >= ``minimum``.

    An integer means the same value for height and width, as in Gluon's
    ``kernel_size``, ``padding`` and ``strides``.
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f'{name} must be an integer or an (h, w) pair, '
                             f'got {len(value)} values {shown(tuple(value))}')
        return tuple(check_int(f'{name}[{i}]', v, minimum) for i, v in enumerate(value))
    v = check_int(name, value, minimum)
    return v, v


def check_real(name, value, minimum, inclusive=True):
    """Raise unless ``value`` is a finite real number >= (or >) ``minimum``; return it as a float."""
    op = '>=' if inclusive else '>'
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f'{name} must be a finite number {op} {minimum}, '
                        f'got {type(value).__name__} {shown(value)}')
    if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
        raise ValueError(f'{name} must be a finite number {op} {minimum}, got {shown(value)}')
    return float(value)


def check_seconds(name, value):
    """Raise unless ``value`` is a positive, finite number of seconds; return it as a float.

    The one check of a time limit (a notebook cell's, a grading case's, a file's).
    """
    want = f'{name} must be a positive number of seconds'
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f'{want}, got {type(value).__name__} {shown(value)}')
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f'{want}, got {shown(value)}')
    return float(value)


def check_bool(name, value):
    """Raise TypeError unless ``value`` is True or False; return it."""
    if not isinstance(value, bool):
        raise TypeError(f'{name} must be True or False, got {type(value).__name__} {shown(value)}')
    return value


def reason(error):
    """Return the line of an MXNet (or pickle) error that says what went wrong, without the C++ place."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    why = next((line for line in reversed(lines) if 'Error' in line or 'Check failed' in line),
               lines[-1] if lines else type(error).__name__)
    return re.sub(r'^.*\[\d\d:\d\d:\d\d\] \S+: ', '', why)


def check_numeric(name, A):
    """Raise TypeError if the array ``A`` holds booleans rather than numbers; return ``A``."""
    if str(A.dtype) == 'bool':
        raise TypeError(f'{name} must hold numbers, got a bool array of shape {tuple(A.shape)}; '
                        f"convert it first with {name}.astype('float32')")
    return A


def check_numbers(name, A):
    """Raise TypeError unless the array ``A`` holds real numbers (integers or floats); return ``A``."""
    check_numeric(name, A)
    kind = getattr(getattr(A, 'dtype', None), 'kind', None)
    if kind not in ('i', 'u', 'f'):
        raise TypeError(f'{name} must hold real numbers (an int or float dtype), got dtype '
                        f'{A.dtype} of shape {tuple(A.shape)}; convert it first with '
                        f"{name}.astype('float32')")
    return A


def _library(A):
    return 'numpy' if type(A).__module__.split('.')[0] == 'numpy' else 'mxnet'


def check_same_kind(X, K, x_name='X', k_name='K'):
    """Raise TypeError unless X and K are both mxnet arrays or both numpy arrays (they cannot mix)."""
    if _library(X) != _library(K):
        have = {'mxnet': 'mxnet.numpy.ndarray', 'numpy': 'numpy.ndarray'}
        raise TypeError(f'{k_name} must be the same kind of array as {x_name}: {x_name} is '
                        f'{have[_library(X)]}, {k_name} is {have[_library(K)]}; convert one, '
                        f'e.g. {k_name} = np.array({k_name}) with mxnet\'s np')


def summing_dtype(name, X, K):
    """Return the dtype in which sums of X * K are exact or float-rounded once: int64, float32 for float16.

    Integer inputs are summed in int64 (the book's loop summed int8 100s in
    int8, giving -56); if even int64 could overflow (max|X| * max|K| * K.size
    >= 2**63), say so. float16 sums are taken in float32 (float16 overflows at 65504).
    """
    kinds = {X.dtype.kind, K.dtype.kind}
    if kinds <= {'i', 'u'}:
        bound = _abs_max(X) * _abs_max(K) * math.prod(K.shape)
        if bound >= 2**63:
            raise ValueError(f'{name} cannot promise exact sums of these integers: max|X| * '
                             f'max|K| * K.size = {bound:,} does not fit in int64; convert X '
                             'and K to float64 (rounded sums) or use smaller values')
        return 'int64'
    floats = [str(A.dtype) for A in (X, K) if A.dtype.kind == 'f']
    widest = max(floats, key=lambda d: int(d[5:]))
    return 'float32' if widest == 'float16' else widest


def _host(A):
    return A.asnumpy() if hasattr(A, 'asnumpy') else A


def _abs_max(A):
    A = _host(A)
    return max(abs(int(A.max())), abs(int(A.min()))) if A.size else 0


# The fast paths (one MXNet op) cannot be interrupted once started: above this many
# multiply-adds they refuse. Measured on the 2-core development machine (2026-12-07, shared):
# corr2d_fast and comp_conv2d do 4e7 (11x11 kernel) to 1.5e8 (3x3) multiply-adds per second
# on the CPU, so the limit is 7 to 25 s of work (20000^2 took 132 s, 30000^2 281 s).
# None lifts the limit.
FAST_MAX_MULTIPLY_ADDS = 10**9


def check_fast_size(fn, out_shape, kernel_shape):
    """Raise ValueError if fn would do more than FAST_MAX_MULTIPLY_ADDS multiply-adds, giving the size."""
    outputs = math.prod(int(d) for d in out_shape)
    work = outputs * math.prod(int(d) for d in kernel_shape)
    if FAST_MAX_MULTIPLY_ADDS is not None and work > FAST_MAX_MULTIPLY_ADDS:
        raise ValueError(
            f'{fn} would compute {"x".join(map(str, out_shape))} outputs with a '
            f'{"x".join(map(str, kernel_shape))} window, {work:,} multiply-adds, above its limit '
            f'of {FAST_MAX_MULTIPLY_ADDS:,} (up to half a minute on a CPU, and one MXNet op '
            'cannot be interrupted); use a smaller input or kernel (or set '
            'd2l_ch6._arguments.FAST_MAX_MULTIPLY_ADDS = None to run it anyway)')


def check_loop_size(loop, fast, out_shape):
    """Raise ValueError if the book's loop ``loop`` would compute more than LOOP_MAX_OUTPUTS outputs."""
    n = 1
    for d in out_shape:
        n *= int(d)
    if LOOP_MAX_OUTPUTS is not None and n > LOOP_MAX_OUTPUTS:
        raise ValueError(
            f'{loop} is the book\'s loop, one Python step per output element, so it is meant '
            f'for small inputs: this call has {"x".join(map(str, out_shape))} = {n:,} outputs, '
            f'above its limit of {LOOP_MAX_OUTPUTS:,}, and would take minutes; use {fast}, '
            'which computes the same values at once (or set '
            'd2l_ch6._arguments.LOOP_MAX_OUTPUTS = None to run the loop anyway)')


def checked(check):
    """Check a function's arguments with ``check`` before each call (the package's addition).

    Used as ``@checked(_check_corr2d_args)`` above a book function, so that its
    body reads like the book's. ``check`` names the arguments it looks at (a
    subset of the function's, by name, defaults filled in) and raises on bad
    input; it may return a dict of arguments to pass on normalised (an integer
    ``kernel_size`` as an (h, w) pair), or None to pass them on as they came.
    """
    wanted = list(inspect.signature(check).parameters)

    def decorate(fn):
        signature = inspect.signature(fn)
        unknown = [name for name in wanted if name not in signature.parameters]
        if unknown:
            raise TypeError(f'{check.__name__} checks {unknown}, which {fn.__name__} does not take')

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:  # a wrong call: let Python's own message say so
                return fn(*args, **kwargs)
            bound.apply_defaults()
            normalised = check(**{name: bound.arguments[name] for name in wanted})
            if normalised:
                bound.arguments.update(normalised)
            return fn(*bound.args, **bound.kwargs)
        return wrapper
    return decorate


def shown(value):
    """Return repr(value) with numpy scalars as the Python numbers they hold (numpy 2 writes np.int64(10))."""
    def plain(v):
        if type(v).__module__ == 'numpy' and getattr(v, 'ndim', None) == 0 and hasattr(v, 'item'):
            return v.item()
        if isinstance(v, (list, tuple)):
            return type(v)(plain(x) for x in v)
        return v
    return repr(plain(value))
