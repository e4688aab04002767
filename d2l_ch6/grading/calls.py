"""What runs where the student's code runs: building inputs, calling, and plain data (the package's addition).

This module holds no expected value and no comparison. The grader's child
process imports it (the student runtime holds no cases or verdict): it
rebuilds each case's inputs from plain data, calls the student's function
the way the case says (``CALLS``), and sends back what came out as plain
data (``encode``): arrays as float64 / int64 / bool with their shape and
original dtype, Python scalars, strings, tuples, lists, dicts with string
keys, an exception's type, message and where it was raised. Anything else
is sent as its type's name only, and fails. The parent judges that data
(``verdict.judge_function``).
"""
import math
import os
import signal
import threading
import sysconfig
import traceback
import types

import numpy as onp

__all__ = ['encode', 'decode', 'Foreign', 'RemoteError', 'CALLS', 'observe', 'describe_error',
           'arr', 'rand', 'as_numpy', 'is_net', 'make_net', 'OWN_ANSWER', 'Refused', 'Withheld']

MAX_ELEMENTS = 2_000_000   # array elements sent back for one value
MAX_DEPTH = 12
MAX_TEXT = 2000
OWN_ANSWER = "d2l_ch6's own answer is not available while grading"


class Refused(TypeError):
    """Raised by a case's call when what the student's function gave, or did, is not what was asked."""


class Withheld(RuntimeError):
    """Raised by the student runtime's stub of a graded function (or a sibling computing the same)."""

    def __init__(self, name):
        super().__init__(f'd2l_ch6.{name} is withheld while a teacher grades this file: '
                         f'{OWN_ANSWER}; write it in your own file')
        self.name = name


# --- inputs ------------------------------------------------------------------------

def _np():
    from mxnet import np
    return np


def arr(values, dtype='float32'):
    """An mxnet array of the given values."""
    return _np().array(onp.asarray(values), dtype=dtype)


def rand(seed, *shape, low=None):
    """Seeded standard-normal float32 mxnet array (uniform in [0, 1) when low is 'uniform')."""
    rng = onp.random.default_rng(seed)
    values = rng.uniform(size=shape) if low == 'uniform' else rng.normal(size=shape)
    return arr(values)


def as_numpy(value):
    """Turn mxnet arrays (also inside tuples, lists and dicts) into numpy arrays."""
    if hasattr(value, 'asnumpy') and type(value).__module__.startswith('mxnet'):
        return value.asnumpy()
    if isinstance(value, dict):
        return {k: as_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(as_numpy(v) for v in value)
    return value


def is_net(obj):
    """True for a network object (a Gluon Block instance), not for a Block class like Conv2D."""
    return hasattr(obj, 'collect_params') and not isinstance(obj, type)


def make_net(obj):
    """Return an initialised network from a net or a function returning one (the package's addition)."""
    from mxnet import init
    net = obj if is_net(obj) else obj()
    if not is_net(net):
        raise TypeError(f'net must be a Gluon Block (or a function returning one), '
                        f'got {type(net).__name__}')
    params = list(net.collect_params().values())
    if any(p._data is None and p._deferred_init == () for p in params):
        net.initialize(init.Xavier())
    return net


def seeded_weights(shapes, seed):
    """The seeded weights a network's case sets: per parameter shape, float32 uniform in [-0.5, 0.5)."""
    rng = onp.random.default_rng(seed)
    return [rng.uniform(-0.5, 0.5, size=tuple(s)).astype('float32') for s in shapes]


TINY_W = onp.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, -1, -1]], dtype='float32')


def tiny_classifier():
    """A Dense(4) net on 3 features with fixed weights TINY_W: predicts argmax(W x)."""
    from mxnet.gluon import nn
    net = nn.Dense(4, in_units=3, use_bias=False)
    net.initialize()
    net.weight.set_data(arr(TINY_W))
    return net


def tiny_predictions(X):
    """The tiny classifier's predictions, argmax(W x) per row of X, computed in float64."""
    return onp.argmax(onp.asarray(X, dtype='float64') @ TINY_W.T.astype('float64'), axis=1)


def accuracy_batches(sizes, seed):
    """Batches (X, y) of the given sizes for the tiny classifier, about 60% labelled as it predicts."""
    rng = onp.random.default_rng(seed)
    n = sum(sizes)
    X = rng.normal(size=(n, 3)).astype('float32')
    pred = tiny_predictions(X)
    y = onp.where(rng.uniform(size=n) < 0.6, pred, (pred + 1) % 4).astype('int32')
    batches, lo = [], 0
    for b in sizes:
        batches.append((X[lo:lo + b], y[lo:lo + b]))
        lo += b
    return batches


def conv1x1_layer(seed, c_i, c_o):
    """A seeded Conv2D(c_o, kernel_size=1, in_channels=c_i) with a bias, and X (2, c_i, 5, 6)."""
    from mxnet import init
    from mxnet import random as mx_random
    from mxnet.gluon import nn
    mx_random.seed(seed)
    conv = nn.Conv2D(c_o, kernel_size=1, in_channels=c_i)
    conv.initialize(init.Normal(1.0))
    conv.bias.set_data(arr(onp.linspace(-0.3, 0.4, c_o)))
    return conv, rand(seed, 2, c_i, 5, 6)


def comp_conv2d_weights(kernel_size):
    """The seeded (weight, bias) of a comp_conv2d case's layer: (1, 1, k_h, k_w) and (1,)."""
    k_h, k_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rng = onp.random.default_rng(5)
    return (rng.uniform(-1, 1, size=(1, 1, k_h, k_w)).astype('float32'),
            onp.array([0.375], dtype='float32'))


def comp_conv2d_layer(kernel_size, padding, strides, n):
    """The layer and input of a comp_conv2d case: initialised, with the seeded weights set."""
    from mxnet.gluon import nn
    conv2d = nn.Conv2D(1, kernel_size=kernel_size, padding=padding, strides=strides,
                       in_channels=1)
    conv2d.initialize()
    weight, bias = comp_conv2d_weights(kernel_size)
    conv2d.weight.set_data(arr(weight))
    conv2d.bias.set_data(arr(bias))
    return conv2d, rand(31, *n, low='uniform')


# --- how a case calls the student's function ---------------------------------------------
# Each returns what came out, to be encoded; none of them judges it.

def _plain(fn, args, kwargs):
    return fn(*args, **kwargs)


def _conv2d_params(cls, args, kwargs):
    layer = cls(kernel_size=(2, 3))
    layer.initialize()
    return {'weight': tuple(layer.weight.data().shape), 'bias': tuple(layer.bias.data().shape)}


def _conv2d_block(cls, args, kwargs):
    weight, bias, X = args
    layer = cls(kernel_size=tuple(weight.shape))
    layer.initialize()
    layer.weight.set_data(weight)
    layer.bias.set_data(arr([float(bias)]))
    return layer(X)


def _comp_conv2d(fn, args, kwargs):
    kernel_size, padding, strides, n = args
    conv2d, X = comp_conv2d_layer(kernel_size, padding, strides, n)
    Y = fn(conv2d, X)
    return {'Y': Y, 'weight': conv2d.weight.data(), 'bias': conv2d.bias.data()}


def _layer_shapes(obj, args, kwargs):
    """Pass one 28x28 image through the net layer by layer; return [(kind, shape)]."""
    from mxnet import random as mx_random
    net = make_net(obj)
    mx_random.seed(0)
    X = rand(81, 1, 1, 28, 28, low='uniform')
    rows = []
    for layer in net:
        X = layer(X)
        kind = type(layer).__name__.lower()
        kind = 'pool' if 'pool' in kind else 'conv' if 'conv' in kind else kind
        rows.append((kind, tuple(X.shape)))
    return rows


def _param_count(obj, args, kwargs):
    net = make_net(obj)
    net(rand(82, 1, 1, 28, 28, low='uniform'))
    return sum(int(onp.prod(p.shape)) for p in net.collect_params().values())


def _lenet_forward(obj, args, kwargs):
    """Set the seeded weights, return the net's output on two images and its parameters' shapes."""
    net = make_net(obj)
    X = rand(83, 2, 1, 28, 28, low='uniform')
    net(X)
    params = list(net.collect_params().values())
    shapes = [tuple(p.shape) for p in params]
    for p, w in zip(params, seeded_weights(shapes, 84)):
        p.set_data(arr(w))
    return {'output': net(X), 'shapes': shapes}


def _accuracy(fn, args, kwargs):
    sizes, seed, kind = args
    batches = accuracy_batches(sizes, seed)
    if kind == 'list':
        data = [(arr(X), arr(y, 'int32')) for X, y in batches]
    else:
        from ..data import DataIter
        data = DataIter(onp.concatenate([X for X, _ in batches]),
                        onp.concatenate([y for _, y in batches]), sizes[0])
    return fn(tiny_classifier(), data)


def _grad_wrt_second(fn, args, kwargs):
    """fn's output and the gradient of its sum with respect to the kernel (args[1])."""
    from mxnet import autograd
    X, K = args
    K.attach_grad()
    with autograd.record():
        Y = fn(X, K, **kwargs)
        loss = Y.sum()
    loss.backward()
    return Y, K.grad


def _conv1x1(fn, args, kwargs):
    """fn on a seeded 1x1 layer that refuses to run: its weight and bias are there to compute with."""
    conv, X = conv1x1_layer(*args)

    def refuse(*args, **kwargs):
        raise Refused('conv1x1_as_dense must compute conv(X) from conv.weight and conv.bias, as a '
                        'Dense layer at every pixel, not by calling conv')
    conv.forward = refuse
    return fn(conv, X)


def _avg_pool_as_conv(fn, args, kwargs):
    """The layer fn builds, which must be a convolution, on a seeded input."""
    from mxnet.gluon import nn
    c, pool_size, strides, padding, seed, shape = args
    layer = fn(c, pool_size, strides, padding)
    if not isinstance(layer, nn.Conv2D):
        raise Refused(f'avg_pool_as_conv must return an nn.Conv2D layer (average pooling built as a '
                        f'convolution), got {type(layer).__name__}')
    return layer(rand(seed, *shape))


def activations_net():
    """The net conv_activations' cases give: LeNet's layout, not LeNet (4 tanh, 5 ReLU 3x3 convolutions)."""
    from mxnet.gluon import nn
    net = nn.Sequential()
    net.add(nn.Conv2D(channels=4, kernel_size=3, padding=1, activation='tanh'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=5, kernel_size=3, activation='relu'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Dense(3))
    return net


def _activations(fn, args, kwargs):
    net = make_net(activations_net())
    X = rand(101, 2, 1, 16, 16, low='uniform')
    net(X)
    params = list(net.collect_params().values())
    for p, w in zip(params, seeded_weights([p.shape for p in params], 102)):
        p.set_data(arr(w))
    return tuple(fn(net, X, **kwargs))


def _compare_1x1(fn, args, kwargs):
    """fn on X, K and on X with a NaN in its first element (where the right answer is (nan, False))."""
    X, K = args
    X_nan = X.copy()
    X_nan[0, 0, 0] = float('nan')
    return fn(X, K, **kwargs), fn(X_nan, K, **kwargs)


CALLS = {None: _plain, 'compare_1x1': _compare_1x1, 'conv2d_params': _conv2d_params, 'conv2d_block': _conv2d_block,
         'comp_conv2d': _comp_conv2d, 'layer_shapes': _layer_shapes, 'param_count': _param_count,
         'lenet_forward': _lenet_forward, 'accuracy': _accuracy, 'grad': _grad_wrt_second,
         'conv1x1': _conv1x1, 'avg_pool_as_conv': _avg_pool_as_conv, 'activations': _activations}


# --- plain data -------------------------------------------------------------------

class Foreign:
    """A value that was not plain data: only its type's name crossed."""

    def __init__(self, type_name, why=''):
        self.type_name, self.why = type_name, why

    def __repr__(self):
        return f'a {self.type_name}' + (f' ({self.why})' if self.why else '')


class RemoteError(Exception):
    """An exception raised by the student's code, as type name, class hierarchy, message and line."""

    def __init__(self, type_name, mro=(), message='', where='', raised='never'):
        super().__init__(message)
        self.type_name, self.mro, self.message, self.where = type_name, tuple(mro), message, where
        self.raised = raised  # 'library', 'student' or 'never' (returned, not raised)

    def is_a(self, *names):
        return any(n in self.mro for n in names)

    def __str__(self):
        return self.message


def _text(value):
    try:
        text = str(value)
    except BaseException:  # a student's __str__ that raises
        text = '(unprintable)'
    return text[:MAX_TEXT]


def raised_by(error):
    """Who raised error: 'library' (MXNet, numpy, Python), 'student' (their code) or 'never'."""
    try:
        frames = traceback.extract_tb(error.__traceback__)
    except BaseException:
        return 'never'
    if not frames:
        return 'never'
    return 'student' if _is_student_frame(frames[-1].filename) else 'library'


def _exception(e):
    names = []
    for klass in type(e).__mro__:
        names.append(klass.__name__)
    return {'__exception__': {'type': type(e).__name__, 'mro': names, 'message': _text(e),
                              'raised': raised_by(e)}}


def encode(value, depth=0):
    """Return value as JSON-able plain data (no object crosses; see the module's docstring)."""
    if depth > MAX_DEPTH:
        return {'__object__': type(value).__name__, 'why': 'nested too deeply'}
    t = type(value)
    if value is None or t in (bool, int, str):
        return value if t is not str else value[:MAX_TEXT]
    if t is float:
        return value if math.isfinite(value) else {'__float__': repr(value)}
    if isinstance(value, onp.generic) and type(value).__module__ == 'numpy':
        if isinstance(value, onp.bool_):
            return bool(value)
        if isinstance(value, onp.integer):
            return int(value)
        if isinstance(value, onp.floating):
            return encode(float(value))
        return {'__object__': t.__name__}
    if t.__module__.startswith('mxnet') and hasattr(value, 'asnumpy'):
        try:
            value = value.asnumpy()
        except BaseException as e:
            return {'__object__': t.__name__, 'why': f'asnumpy() failed: {_text(e)[:200]}'}
        if type(value) is not onp.ndarray:
            return {'__object__': t.__name__}
        t = onp.ndarray
    if t is onp.ndarray:
        kind = value.dtype.kind
        if kind not in 'biuf' or value.size > MAX_ELEMENTS:
            why = 'too large' if value.size > MAX_ELEMENTS else f'dtype {value.dtype}'
            return {'__object__': 'ndarray', 'why': why}
        as_type = 'bool' if kind == 'b' else 'int64' if kind in 'iu' else 'float64'
        flat = value.astype(as_type).ravel().tolist()
        if as_type == 'float64':
            flat = [x if math.isfinite(x) else repr(x) for x in flat]
        return {'__array__': {'dtype': as_type, 'orig': str(value.dtype),
                              'shape': list(value.shape), 'data': flat}}
    if t is tuple:
        return {'__tuple__': [encode(v, depth + 1) for v in value]}
    if t is list:
        return [encode(v, depth + 1) for v in value]
    if t is dict and all(type(k) is str for k in value):
        return {'__dict__': [[k, encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, BaseException):
        return _exception(value)
    return {'__object__': t.__name__}


def decode(data):
    """Return the plain values encode() described: numpy arrays, tuples, dicts, RemoteError, Foreign.

    Raises ValueError for anything encode() does not write (a forged or damaged message).
    """
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v) for v in data]
    if type(data) is not dict or len(data) not in (1, 2):
        raise ValueError(f'not plain data: {type(data).__name__}')
    key = next(iter(data))
    body = data[key]
    if key == '__float__' and body in ('nan', 'inf', '-inf'):
        return float(body)
    if key == '__tuple__' and type(body) is list:
        return tuple(decode(v) for v in body)
    if key == '__dict__' and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise ValueError('a damaged dict')
            out[pair[0]] = decode(pair[1])
        return out
    if key == '__array__' and type(body) is dict:
        dtype, shape, flat = body.get('dtype'), body.get('shape'), body.get('data')
        if (dtype not in ('bool', 'int64', 'float64') or type(shape) is not list
                or not all(type(n) is int and n >= 0 for n in shape) or type(flat) is not list
                or len(flat) != int(onp.prod(shape, dtype='int64'))):
            raise ValueError('a damaged array')
        if dtype == 'float64':
            flat = [float(x) if type(x) is str and x in ('nan', 'inf', '-inf') else x for x in flat]
            if not all(type(x) in (int, float) for x in flat):
                raise ValueError('a damaged array')
        elif not all(type(x) is (bool if dtype == 'bool' else int) for x in flat):
            raise ValueError('a damaged array')
        a = onp.array(flat, dtype=dtype).reshape(shape)
        orig = body.get('orig')
        return Array(a, str(orig)[:40] if orig is not None else dtype)
    if key == '__exception__' and type(body) is dict:
        mro = body.get('mro', [])
        if type(mro) is not list or not all(type(n) is str for n in mro):
            raise ValueError('a damaged exception')
        raised = body.get('raised')
        return RemoteError(str(body.get('type', '?'))[:100], mro, str(body.get('message', '')),
                           raised=raised if raised in ('library', 'student') else 'never')
    if key == '__object__' and type(body) is str:
        return Foreign(body[:100], str(data.get('why', ''))[:200])
    raise ValueError(f'not plain data: {key!r}')


class Array(onp.ndarray):
    """A decoded array that remembers the dtype the student's code returned (int32, float32...)."""

    def __new__(cls, a, orig):
        obj = onp.asarray(a).view(cls)
        obj.orig_dtype = orig
        return obj

    def __array_finalize__(self, obj):
        self.orig_dtype = getattr(obj, 'orig_dtype', None)


# --- the student's line ---------------------------------------------------------------

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple({os.path.abspath(p) for key in ('stdlib', 'platstdlib', 'purelib', 'platlib')
                       if (p := sysconfig.get_paths().get(key))})


def _is_student_frame(filename):
    path = os.path.abspath(filename)
    if path.startswith(_PACKAGE_DIR + os.sep) or path.startswith(_LIBRARY_DIRS):
        return False
    return not (filename.startswith('<frozen') or filename == '<string>'
                or '/site-packages/' in filename)


def where(error):
    """' (your line N in fn: `code`)' for an exception from student code, or ''."""
    try:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if _is_student_frame(f.filename)]
    except BaseException:
        return ''
    if not frames:
        return ''
    f = frames[-1]
    in_cell = ('ipykernel_' in f.filename or f.filename.startswith('<ipython-input')
               or f.filename.startswith('<cell'))
    place = 'a notebook cell' if in_cell else os.path.basename(f.filename)
    code = (f.line or '').strip()[:200]
    return (f' (your line {f.lineno} in {f.name}' + (f', {place}' if place else '')
            + (f': `{code}`' if code else '') + ')')


def error_message(error):
    """The exception's last message line, without a repeated 'Type: ' prefix."""
    message = _text(error).strip().splitlines()
    message = message[-1] if message else ''
    if 'Inplace operations' in _text(error):
        message = ('Inplace operations (+=, -=, x[:]=, etc) are not supported when recording '
                   'with autograd')
    prefix = f'{type(error).__name__}: '
    while message.startswith(prefix):
        message = message[len(prefix):]
    return message[:300]


def describe_error(error):
    """Return 'Type: message (your line N in fn: `code`)' for an exception from student code."""
    if isinstance(error, RemoteError):
        return f'{error.type_name}: {error.message}{error.where}'
    return f'{type(error).__name__}: {error_message(error)}{where(error)}'


# --- time limits ------------------------------------------------------------------------

class CaseTimeout(BaseException):
    """Raised inside student code that runs past its case's time limit (not an Exception, so
    a bare ``except Exception`` in student code cannot swallow it)."""


class _limit:
    """Interrupt the block after ``seconds`` with CaseTimeout (main thread on Unix only)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = (seconds and hasattr(signal, 'setitimer')
                       and threading.current_thread() is threading.main_thread())

    def __enter__(self):
        if self.active:
            def handler(signum, frame):
                raise CaseTimeout(f'stopped after {self.seconds:.0f} s')
            self.previous = signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False



def observe(fn, call, args, kwargs, limit=None):
    """Call fn as the case says; return {'value': plain data} or {'error': type, mro, message, where}.

    limit: seconds for the call (CaseTimeout after that; main thread on Unix).
    """
    try:
        with _limit(limit):
            out = CALLS[call](fn, args, kwargs)
        return {'value': encode(out)}
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # the student's error (or a time limit), reported as data
        message = OWN_ANSWER if isinstance(e, Withheld) else error_message(e)
        return {'error': {'type': type(e).__name__, 'mro': [k.__name__ for k in type(e).__mro__],
                          'message': message, 'where': where(e)}}


def error_from(data):
    """The RemoteError an observation's 'error' describes."""
    return RemoteError(str(data.get('type', '?'))[:100], data.get('mro') or [],
                       str(data.get('message', ''))[:MAX_TEXT], str(data.get('where', ''))[:400])


# --- the package's own answers, unavailable while a function is graded ---------------------

def _stub_code(freevars):
    """A code object that raises, with the given free variables (so it can replace any function's)."""
    lines = ['def _outer():']
    lines += [f'    {v} = None' for v in freevars]
    lines += ['    def _stub(*args, **kwargs):']
    if freevars:
        lines.append(f'        ({", ".join(freevars)},)')
    lines.append(f'        raise RuntimeError({OWN_ANSWER!r})')
    lines.append('    return _stub')
    scope = {}
    exec('\n'.join(lines), {'__builtins__': {'RuntimeError': RuntimeError}}, scope)
    return scope['_outer']().__code__


def _functions_of(obj):
    if isinstance(obj, types.FunctionType):
        yield obj
    elif isinstance(obj, type):
        for value in vars(obj).values():
            if isinstance(value, types.FunctionType):
                yield value
    wrapped = getattr(obj, '__wrapped__', None)
    if isinstance(wrapped, types.FunctionType):
        yield wrapped


def to_inputs(value):
    """Decoded inputs as the cases build them: arrays become mxnet arrays of their dtype."""
    if isinstance(value, Array):
        return arr(onp.asarray(value), value.orig_dtype)
    if isinstance(value, tuple):
        return tuple(to_inputs(v) for v in value)
    if isinstance(value, list):
        return [to_inputs(v) for v in value]
    if isinstance(value, dict):
        return {k: to_inputs(v) for k, v in value.items()}
    return value


class withheld:
    """Make the package's own implementations of a graded function raise while the block runs.

    answers: the package's functions and classes to withhold (the registry's
    ``Graded.withheld_answers()``: its answer and the siblings computing the same).
    """

    def __init__(self, answers):
        self.answers = answers
        self.saved = []

    def __enter__(self):
        for obj in self.answers:
            for fn in _functions_of(obj):
                code = fn.__code__
                try:
                    fn.__code__ = _stub_code(code.co_freevars)
                except (ValueError, TypeError):
                    continue
                self.saved.append((fn, code))
        return self

    def __exit__(self, *exc):
        for fn, code in reversed(self.saved):
            fn.__code__ = code
        self.saved = []
        return False
