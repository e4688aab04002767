"""The devices train_ch5 runs on, the data on them and the net's graphs there (the package's addition).

The book's ``train_ch5`` (section 6.6.2) moves each batch to one device and
calls ``net``. This module does the same for a list of devices, behind a few
calls, so that the loop keeps the book's shape:

* ``resolve_ctx``: what ``ctx`` means (the book's ``try_gpu()`` where a GPU
  exists, otherwise the CPU contexts, at most ``MAX_CPU_CONTEXTS``);
* ``device_data``: a data iterator's batches as ``Batch``es, each split over
  the devices exactly as ``gluon.utils.split_and_load`` splits it; a
  ``DataIter``'s arrays go to the devices once (CPU contexts share one copy);
* ``Model``: net and its loss as hybridized graphs on those devices, on
  zero-padded channels where oneDNN runs them faster (``_channel_pad``); it
  also makes devices that got no examples of a batch contribute nothing;
* ``Metric``: each batch's loss, right predictions and input checks summed on
  the devices and read every ``SYNC_EVERY`` batches, not after each one.
"""
import dataclasses
import math
import os
from typing import List, Tuple

import mxnet as mx
import numpy as onp
from mxnet import autograd, np
from mxnet.gluon import nn

from . import _channel_pad
from ._checks import reason

__all__ = ['try_gpu', 'try_all_gpus', 'cpu_contexts', 'resolve_ctx', 'MAX_CPU_CONTEXTS',
           'Batch', 'device_data', 'Model', 'Metric', 'SYNC_EVERY']

# One context per core: on 2 cores, 4 or 8 contexts were slower than 2 (benchmarks/RESULTS.md,
# "CPU contexts"). The cap keeps at least 64 examples per context at the book's batch of 256
# on a machine with many cores; it is not measured there (no such machine was at hand).
MAX_CPU_CONTEXTS = 4
SYNC_EVERY = 50   # batches between two reads of the device-side sums


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
    from ._checks import check_int
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


class _ArrayData:
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
                             f'{num_outputs - 1}), the first example {i}: {y[i]!r}')
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


class _IterData:
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
        for i, (X, y) in enumerate(self.it):
            if i >= start:
                yield self._split(X, y)

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
    """Return data_iter's batches on ctxs: num_batches and batches(start) -> Batches of an epoch."""
    if data_iter is None or isinstance(data_iter, (str, bytes)) \
            or not hasattr(data_iter, '__iter__'):
        raise TypeError(f'{name} must be an iterable of (X, y) batches, such as '
                        f'load_data_fashion_mnist gives, got {type(data_iter).__name__}')
    if hasattr(data_iter, '__len__') and len(data_iter) == 0:
        raise ValueError(f'{name} must yield at least one batch, got an empty iterator')
    return (_ArrayData if _is_array_iter(data_iter) else _IterData)(data_iter, ctxs, name)


# ------------------------------------------------------------------- graphs

def _count(mask):
    return mask.astype('float32').sum()


def _right(y_hat, y):
    """Right predictions as a boolean per example (Book section 3.6 accuracy)."""
    return y_hat.argmax(axis=1).astype('float32') == y


def _checks(F, X, y, y_hat):
    """[non-finite image values, labels that are not a class index of y_hat] of one part."""
    max_class = F.npx.arange_like(y_hat, axis=1).max()
    bad_y = _count(y < 0) + _count(y > max_class) + _count(y != F.np.floor(y))
    return [_count(F.np.logical_not(F.np.isfinite(X))), bad_y]


def _loss_stats(F, net, loss, X, y, check_inputs):
    """Per-example losses, and [loss sum, right] (+ [bad X, bad y] with check_inputs) of one part."""
    y_hat = net(X)                                                       # (b, q)
    l = loss(y_hat, y)                                                   # (b,)
    stats = [l.sum(), _count(_right(y_hat, y))]
    return l, F.np.stack(stats + _checks(F, X, y, y_hat) if check_inputs else stats)


class _LossStats(nn.HybridBlock):
    """net and its loss as one graph: per-example losses and the part's statistics."""

    def __init__(self, net, loss, check_inputs, **kwargs):
        super().__init__(**kwargs)
        self.net, self.loss, self._check_inputs = net, loss, check_inputs
        self._shapes_known = False

    def forward(self, X, y):
        # shapes known before the graph is built; checked once, not per batch
        self._shapes_known = self._shapes_known or _channel_pad.complete_init(self.net, X)
        return super().forward(X, y)

    def hybrid_forward(self, F, X, y):
        return _loss_stats(F, self.net, self.loss, X, y, self._check_inputs)


class Model:
    """net and its loss on the devices: hybridized, channel-padded where it pays, or eager.

    datas: the training data, then any other: a DataIter's labels are
    checked against the net's outputs once here (its images were on
    arrival), other iterables' images and labels in the graph, batch by batch.
    """

    def __init__(self, net, loss, ctxs, pad_channels, hybridize, datas):
        self.net, self.ctxs = net, ctxs
        sample = datas[0].sample()
        if sample is not None:
            with autograd.predict_mode():     # also ends deferred initialisation
                num_outputs = call(net, sample).shape[1]
            for data in datas:
                data.validate(num_outputs)
        check_inputs = not datas[0].checked
        self._params = [p for p in net.collect_params().values() if p.grad_req != 'null']
        self.models = [net]
        if hybridize and isinstance(net, nn.HybridBlock):
            if pad_channels and _channel_pad.pays(net, ctxs):
                self.models = [_channel_pad.ChannelPadded(net)]
                if 0 in self.models[0].plan:   # an image-pairing graph for the batches it takes
                    self.models.insert(0, _channel_pad.ChannelPadded(net, pair_images=True))
            self.trains = [_LossStats(m, loss, check_inputs) for m in self.models]
            for block in self.models + self.trains:
                block.hybridize(static_alloc=True, static_shape=True)
        else:
            self.trains = [lambda X, y: _loss_stats(mx.nd, net, loss, X, y, check_inputs)]

    def _pick(self, X):
        return next(i for i, m in enumerate(self.models)
                    if not hasattr(m, 'accepts') or m.accepts(X))

    def __call__(self, X):
        """Return net(X), on the graph that suits X."""
        return call(self.models[self._pick(X)], X)

    def loss_stats(self, X, y):
        """Return per-example losses and [loss sum, right, bad X, bad y] of one part, recorded."""
        return call(self.trains[self._pick(X)], X, y)

    def backward(self, losses):
        """Backpropagate the parts' losses; devices that got no part get zero gradients.

        Trainer.step sums every device's gradient; an idle device would add
        the stale one of the previous batch (and MXNet warns of it).
        """
        idle = self.ctxs[len(losses):]
        if idle:
            with autograd.record():
                losses = losses + [sum((p.data(c) * 0).sum() for p in self._params)
                                   for c in idle]
        autograd.backward(losses)


def call(f, X, *args):
    """Return f(X, *args); an MXNet error (a net that cannot take X) becomes a ValueError naming X's shape."""
    try:
        return f(X, *args)
    except (mx.base.MXNetError, ValueError) as e:   # Gluon wraps a failed deferred init
        if not isinstance(e, mx.base.MXNetError) and 'MXNetError' not in str(e):
            raise
        raise ValueError(f'net cannot compute on a batch X of shape {tuple(X.shape)} (for a CNN: '
                         f'batch, channels, height, width): MXNet says: {reason(e)}') from None


def eval_stats(model, X, y, checked=False):
    """[right predictions, non-finite outputs] (+ [bad X, bad y] unless checked) of one part."""
    y_hat = call(model, X)                                                   # (b, q)
    bad_out = np.logical_not(np.isfinite(y_hat)).any(axis=1)            # (b,)
    right = _right(y_hat, y) * np.logical_not(bad_out)                   # NaN rows are not right
    stats = [_count(right), _count(bad_out)]
    return np.stack(stats if checked else stats + _checks(mx.nd, X, y, y_hat))


# ------------------------------------------------------------------ metrics

class Metric:
    """Per-batch statistics left on the devices, summed in float64 every SYNC_EVERY batches.

    add() queues one batch's per-part stats; every SYNC_EVERY batches, and at
    read(), they are read at once and checked: a non-finite image value, a
    label that is not a class, a non-finite output or loss raises an error
    naming the batch. totals: the sums so far, with the example count last.
    """

    def __init__(self, columns, what, totals=None):
        self.columns, self.what = columns, what      # e.g. ('loss', 'right'), 'epoch 3'
        self.totals = onp.array(totals if totals is not None else [0.] * (len(columns) + 1))
        self.pending = []                            # (batch number, size, per-part stats)
        self.batches = 0                             # batches added

    def add(self, i, stats, size):
        """Queue batch i's stats; return True when this call read the device sums."""
        self.pending.append((i, size, stats))
        self.batches += 1
        if len(self.pending) < SYNC_EVERY:
            return False
        self.read()
        return True

    def read(self):
        """Read and check the queued stats, one read per device; return the totals."""
        if not self.pending:
            return self.totals
        width = self.pending[0][2][0].shape[0]      # the columns, then any input checks
        rows = onp.zeros((len(self.pending), width))                    # (batches, width)
        for j in range(max(len(stats) for _, _, stats in self.pending)):  # device j's parts
            which = [n for n, (_, _, stats) in enumerate(self.pending) if len(stats) > j]
            rows[which] += np.stack([self.pending[n][2][j] for n in which]).asnumpy()
        for (i, _, _), row in zip(self.pending, rows):
            self._check(i, row)
        self.totals[:-1] += rows[:, :len(self.columns)].sum(axis=0)
        self.totals[-1] += sum(size for _, size, _ in self.pending)
        self.pending.clear()
        return self.totals

    def _check(self, i, row):
        first, second, bad_X, bad_y = row if len(row) == 4 else (*row, 0, 0)
        where = f'{self.what}, batch {i + 1}'
        if bad_X:
            raise ValueError(f'the images of {where} hold {int(bad_X)} non-finite values '
                             '(NaN or inf): the data must be finite')
        if bad_y:
            raise ValueError(f'the labels of {where} hold {int(bad_y)} values that are not a '
                             "class index of the net's outputs (an integer from 0 to the "
                             'number of outputs - 1)')
        if self.columns[0] == 'loss' and not math.isfinite(first):
            raise FloatingPointError(f'training loss is {first} at {where}, with finite images '
                                     'and valid labels: the learning rate is probably too '
                                     'high; try a lower one')
        if self.columns[1] == 'non-finite' and second:
            raise FloatingPointError(f'net gives non-finite outputs for {int(second)} examples '
                                     f'of {where}: they cannot be scored')

    def mean(self, column):
        """Return the running mean of a column over the examples read so far."""
        n = self.totals[-1]
        return self.totals[self.columns.index(column)] / n if n else math.nan
