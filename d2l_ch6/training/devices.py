"""The devices train_ch5 runs on and the data on them (the package's addition).

The book's ``train_ch5`` (section 6.6.2) moves each batch to one device and
calls ``net``. This module does the same for a list of devices, behind a few
calls, so that the loop keeps the book's shape:

* ``resolve_ctx``: what ``ctx`` means (the book's ``try_gpu()`` where a GPU
  exists, otherwise the CPU contexts, at most ``MAX_CPU_CONTEXTS``);
* ``device_data``: a data iterator's batches as ``Batch``es, each split over
  the devices exactly as ``gluon.utils.split_and_load`` splits it; a
  ``DataIter``'s arrays go to the devices once (CPU contexts share one copy).

The net and its loss on those devices, and the sums of an epoch's metrics,
are ``d2l_ch6.training.model``'s.
"""
import dataclasses
import os
from typing import List, Tuple

import mxnet as mx
import numpy as onp
from mxnet import np

from .._arguments import shown

__all__ = ['try_gpu', 'try_all_gpus', 'cpu_contexts', 'resolve_ctx', 'MAX_CPU_CONTEXTS',
           'Batch', 'DeviceData', 'device_data']

# One context per core: on 2 cores, 4 or 8 contexts were slower than 2 (benchmarks/RESULTS.md,
# "CPU contexts"). The cap keeps at least 64 examples per context at the book's batch of 256
# on a machine with many cores; it is not measured there (no such machine was at hand).
MAX_CPU_CONTEXTS = 4


# ----------------------------------------------------------------- contexts

def try_gpu(i=0):
    """Return gpu(i) if it exists, otherwise cpu() (Book section 5.6)."""
    return mx.gpu(i) if mx.context.num_gpus() >= i + 1 else mx.cpu()


def try_all_gpus():
    """Return all available GPUs, or [cpu()] if there is none (Book section 5.6)."""
    return [mx.gpu(i) for i in range(mx.context.num_gpus())] or [mx.cpu()]


def _num_cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()


def cpu_contexts(n=None):
    """Return n CPU contexts for data parallelism; by default one per core, at most MAX_CPU_CONTEXTS (the package's addition).

    MXNet gives each CPU context its own engine worker (one thread each, see
    d2l_ch6/_env.py), so two contexts keep two cores busy.
    """
    from .._arguments import check_int
    n = min(_num_cores(), MAX_CPU_CONTEXTS) if n is None else check_int('n', n, 1)
    return [mx.cpu(i) for i in range(n)]


def resolve_ctx(ctx=None):
    """Return ctx as a non-empty list of distinct, existing contexts (the package's addition).

    None: the book's try_gpu() where a GPU exists, otherwise cpu_contexts();
    'cpu': one CPU context; 'gpu': gpu(0), which must exist; 'all': every
    GPU, or cpu_contexts() when there is none. Chosen when called, never at
    import.
    """
    num_gpus = mx.context.num_gpus()
    if ctx is None:
        return [mx.gpu(0)] if num_gpus else cpu_contexts()
    if isinstance(ctx, str):
        if ctx not in ('cpu', 'gpu', 'all'):
            raise ValueError(f"ctx must be a Context, a list of them, 'cpu', 'gpu', 'all' or "
                             f'None, got {ctx!r}')
        if ctx == 'all':
            return try_all_gpus() if num_gpus else cpu_contexts()
        ctx = mx.cpu() if ctx == 'cpu' else mx.gpu(0)
    ctxs = [ctx] if isinstance(ctx, mx.Context) else ctx
    if not isinstance(ctxs, (list, tuple)) or not all(isinstance(c, mx.Context) for c in ctxs):
        raise TypeError(f"ctx must be a Context, a list of them, 'cpu', 'gpu', 'all' or None, "
                        f'got {type(ctx).__name__} {ctx!r}')
    if not ctxs:
        raise ValueError('ctx must name at least one device, got an empty list')
    if len(set(ctxs)) != len(ctxs):
        raise ValueError(f'ctx must not repeat a device, got {list(ctxs)}')
    for c in ctxs:
        if c.device_type == 'gpu' and c.device_id >= num_gpus:
            raise ValueError(f'ctx {c} needs a GPU that MXNet sees, but it sees {num_gpus}'
                             + ('' if num_gpus else ' (install mxnet-cu112 on a machine with '
                                'an NVIDIA GPU, or use ctx=None for the CPU)'))
        if c.device_type not in ('cpu', 'gpu'):
            raise ValueError(f'ctx must be CPU or GPU contexts, got {c}')
    return list(ctxs)


def ctx_str(ctxs):
    """Return the contexts as the book prints them: cpu(0), or [cpu(0), cpu(1)]."""
    return str(ctxs[0]) if len(ctxs) == 1 else '[' + ', '.join(map(str, ctxs)) + ']'


# ------------------------------------------------------------------ batches

@dataclasses.dataclass
class Batch:
    """One minibatch: a (X, y) part per device that got examples, and the batch size."""
    parts: List[Tuple[np.ndarray, np.ndarray]]
    size: int


def _split_sizes(b, k):
    """Split b examples over k devices as gluon.utils.split_and_load does; devices past b get none."""
    k = min(k, b)
    step = b // k
    return [step] * (k - 1) + [b - step * (k - 1)]


def _home(c):
    """Where a device's copy of the data lives: CPU contexts share the host's memory, cpu(0)."""
    return mx.cpu(0) if c.device_type == 'cpu' else c


def _check_examples(X, what):
    """X must have a batch axis and one more at least; the net says whether it can take the rest."""
    if len(X.shape) < 2:
        raise ValueError(f'{what} examples X of shape (batch, ...), such as images (batch, '
                         f'channels, height, width), got shape {tuple(X.shape)}')


class DeviceData:
    """A data iterator's batches on the devices: num_batches, and batches(start) for an epoch."""


class _ArrayData(DeviceData):
    """A DataIter's arrays, checked, then copied once to each device's home; batches gathered there."""

    def __init__(self, it, ctxs, name):
        X, y = onp.asarray(it.X), onp.asarray(it.y)
        _check_examples(X, f'{name}.X must hold')
        if y.shape != (len(X),):
            raise ValueError(f'{name}.y must have shape (num_examples,) = ({len(X)},), '
                             f'got {y.shape}')
        bad = ~onp.isfinite(X.reshape(len(X), -1)).all(axis=1)
        if bad.any():
            raise ValueError(f'{name}.X holds {int(bad.sum())} images with non-finite values '
                             f'(NaN or inf), the first example {int(onp.argmax(bad))}: the data '
                             'must be finite')
        self.it, self.ctxs, self.name, self.n, self.batch_size = it, ctxs, name, len(y), \
            it.batch_size
        self.y_host, self.checked = y, False   # checked: labels too, against a net's outputs
        homes = {_home(c) for c in ctxs}
        self.X = {h: np.array(X, dtype='float32', ctx=h) for h in homes}   # (n, c, h, w)
        self.y = {h: np.array(y, dtype='float32', ctx=h) for h in homes}   # (n,)

    @property
    def num_batches(self):
        return -(-self.n // self.batch_size)

    def sample(self):
        """One example, (1, ...) on the first device, to probe the net with."""
        return self.X[_home(self.ctxs[0])][:1].as_in_ctx(self.ctxs[0])

    def validate(self, num_outputs):
        """Check every label against the net's number of outputs once; return True (all checked)."""
        y = self.y_host
        bad = (y < 0) | (y >= num_outputs) | (y != onp.floor(y))
        if bad.any():
            i = int(onp.argmax(bad))
            raise ValueError(f'{self.name}.y holds {int(bad.sum())} labels that are not a class '
                             f"index of the net's {num_outputs} outputs (an integer from 0 to "
                             f'{num_outputs - 1}), the first example {i}: {shown(y[i])}')
        self.checked = True
        return True

    def in_order(self):
        """Yield every Batch in the arrays' stored order, leaving the DataIter's shuffling untouched."""
        return self.batches(shuffle=False)

    def batches(self, start=0, shuffle=True):
        """Yield the Batches of an epoch from batch number start, in the DataIter's order (stored order: shuffle False)."""
        order = self.it.epoch_order() if shuffle else None
        idx = None if order is None else \
            {h: np.array(order, dtype='int32', ctx=h) for h in self.X}
        for s in range(start * self.batch_size, self.n, self.batch_size):
            b = min(self.batch_size, self.n - s)
            parts, lo = [], s
            for c, size in zip(self.ctxs, _split_sizes(b, len(self.ctxs))):
                h = _home(c)
                if idx is None:
                    X, y = self.X[h][lo:lo + size], self.y[h][lo:lo + size]
                else:
                    X, y = (np.take(A[h], idx[h][lo:lo + size], axis=0) for A in (self.X, self.y))
                parts.append((X.as_in_ctx(c), y.as_in_ctx(c)))
                lo += size
            yield Batch(parts, b)


class _IterData(DeviceData):
    """Any iterable of (X, y) batches, each split over the devices as it comes."""

    def __init__(self, it, ctxs, name):
        self.it, self.ctxs, self.name, self.checked = it, ctxs, name, False

    @property
    def num_batches(self):
        """Batches per epoch, or None when the iterable has no len()."""
        return len(self.it) if hasattr(self.it, '__len__') else None

    def sample(self):
        """None: a batch comes only as the iterable yields it (checked in the graph)."""

    def validate(self, num_outputs):
        """Return False: each batch's images and labels are checked in the graph as they come."""
        return False

    def in_order(self):
        """None: an iterable may be one-shot or shuffle with a generator of its own."""

    def batches(self, start=0):
        """Yield the Batches of an epoch from batch number start."""
        for i, batch in enumerate(self.it):
            if i >= start:
                yield self._split(*self._pair(batch))

    def _pair(self, batch):
        """Return batch as (X, y); raise naming what came when it is not a pair."""
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            what = (f'a {type(batch).__name__} of {len(batch)} items'
                    if isinstance(batch, (tuple, list)) else f'a {type(batch).__name__}')
            raise ValueError(f'{self.name} must yield (X, y) pairs, images and labels, got {what}'
                             + (': (X, y, y)? drop the extra items' if
                                isinstance(batch, (tuple, list)) and len(batch) > 2 else ''))
        return batch

    def _split(self, X, y):
        if not (hasattr(X, 'shape') and hasattr(y, 'shape')):
            raise TypeError(f'{self.name} must yield (X, y) pairs of arrays, got '
                            f'{type(X).__name__} and {type(y).__name__}')
        _check_examples(X, f'{self.name} must yield')
        if X.shape[0] == 0:
            raise ValueError(f'{self.name} yielded an empty batch X of shape {tuple(X.shape)}')
        if tuple(y.shape) != (X.shape[0],):
            raise ValueError(f'{self.name} yielded labels y of shape {tuple(y.shape)} for a '
                             f'batch of {X.shape[0]} examples: expected ({X.shape[0]},)')
        if not isinstance(X, np.ndarray):
            X = np.array(X.asnumpy() if hasattr(X, 'asnumpy') else X)
        if not isinstance(y, np.ndarray):
            y = np.array(y.asnumpy() if hasattr(y, 'asnumpy') else y)
        X, y = X.astype('float32', copy=False), y.astype('float32', copy=False)
        b, parts, lo = X.shape[0], [], 0
        for c, size in zip(self.ctxs, _split_sizes(X.shape[0], len(self.ctxs))):
            parts.append((X[lo:lo + size].as_in_ctx(c), y[lo:lo + size].as_in_ctx(c)))
            lo += size
        return Batch(parts, b)


def _is_array_iter(it):
    """True for a d2l_ch6.data.DataIter without resizing: its arrays can go to the devices once."""
    return (all(hasattr(it, a) for a in ('X', 'y', 'batch_size', 'epoch_order'))
            and getattr(it, 'resize', None) is None)


def device_data(data_iter, ctxs, name):
    """Return data_iter's batches on ctxs: num_batches and batches(start) -> Batches of an epoch.

    data_iter may already be DeviceData (train_ch5's test data): it is returned as it is.
    """
    if isinstance(data_iter, DeviceData):
        return data_iter
    if data_iter is None or isinstance(data_iter, (str, bytes)) \
            or not hasattr(data_iter, '__iter__'):
        raise TypeError(f'{name} must be an iterable of (X, y) batches, such as '
                        f'load_data_fashion_mnist gives, got {type(data_iter).__name__}')
    if hasattr(data_iter, '__len__') and len(data_iter) == 0:
        raise ValueError(f'{name} must yield at least one batch, got an empty iterator')
    return (_ArrayData if _is_array_iter(data_iter) else _IterData)(data_iter, ctxs, name)
