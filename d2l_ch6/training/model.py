"""The net and its loss on train_ch5's devices, and the sums of its metrics there (the package's addition).

The book's ``train_ch5`` (section 6.6.2) calls ``net(X)`` and sums an
epoch's loss and right predictions in a ``d2l.Accumulator``, reading each
batch's numbers from the device. Here:

* ``Model``: net on the devices, as a hybridized graph, on zero-padded
  channels where oneDNN runs them faster (``channel_pad``); ``model(X)`` is
  ``net(X)``;
* ``TrainMetric`` and ``Metric``: each batch's loss, right predictions and
  input checks summed on the devices, each part's in one small compiled graph
  (one call, not ten operators from the host, which shares the CPU cores with
  the devices), and read every ``SYNC_EVERY`` batches, not after each one; a
  read checks them and names the batch that went wrong.
"""
import math

import mxnet as mx
import numpy as onp
from mxnet import autograd, np
from mxnet.gluon import nn

from . import channel_pad
from .._arguments import reason

__all__ = ['Model', 'Metric', 'TrainMetric', 'Accuracy', 'SYNC_EVERY', 'call']

SYNC_EVERY = 50   # batches between two reads of the device-side sums


def _count(mask):
    return mask.astype('float32').sum()


def _right(y_hat, y):
    """Right predictions as a boolean per example (Book section 3.6 accuracy)."""
    return y_hat.argmax(axis=1).astype('float32') == y


def _input_checks(F, y_hat, y, X):
    """[non-finite image values, labels that are not a class index of y_hat] of one part."""
    max_class = F.npx.arange_like(y_hat, axis=1).max()
    bad_y = _count(y < 0) + _count(y > max_class) + _count(y != F.np.floor(y))
    return [_count(F.np.logical_not(F.np.isfinite(X))), bad_y]


def _train_stats(F, l, y_hat, y, *X):
    """[loss sum, right predictions] of one part (+ its input checks, given X)."""
    stats = [l.sum(), _count(_right(y_hat, y))]
    return F.np.stack(stats + _input_checks(F, y_hat, y, *X) if X else stats)


def _eval_stats(F, y_hat, y, *X):
    """[right predictions, non-finite outputs] of one part (+ its input checks, given X)."""
    bad_out = F.np.any(F.np.logical_not(F.np.isfinite(y_hat)), axis=1)           # (b,)
    stats = [_count(_right(y_hat, y) * F.np.logical_not(bad_out)), _count(bad_out)]
    return F.np.stack(stats + _input_checks(F, y_hat, y, *X) if X else stats)


class _Stats(nn.HybridBlock):
    """A part's statistics as one small graph: one call per part instead of about ten operators.

    The sums are the same operators as run one by one, on the same device,
    so the numbers are the same to the last digit; the host, which shares
    the CPU cores with the devices' threads, spends far less time on them.
    """

    def __init__(self, stats, **kwargs):
        super().__init__(**kwargs)
        self._stats = stats

    def hybrid_forward(self, F, *arrays):
        return self._stats(F, *arrays)


def _stats_graph(stats):
    graph = _Stats(stats)
    graph.hybridize(static_alloc=True, static_shape=True)
    return graph


class Model:
    """net on the devices, hybridized, channel-padded where it pays, or eager; model(X) is net(X).

    loss is hybridized with net. datas: the training data, then any other: a
    DataIter's labels are checked against the net's outputs once here (its
    images were on arrival); other iterables' images and labels are checked
    batch by batch (check_inputs), in TrainMetric and Accuracy.
    """

    def __init__(self, net, loss, ctxs, pad_channels, hybridize, datas):
        self.net, self.ctxs = net, ctxs
        sample = datas[0].sample()
        if sample is not None:
            with autograd.predict_mode():     # also ends deferred initialisation
                num_outputs = call(net, sample).shape[1]
            for data in datas:
                data.validate(num_outputs)
        self.check_inputs = not datas[0].checked
        self._params = [p for p in net.collect_params().values() if p.grad_req != 'null']
        self.graphs = [net]
        self.hybridized = hybridize and isinstance(net, nn.HybridBlock)
        if self.hybridized:
            if pad_channels and channel_pad.pays(net, ctxs):
                self.graphs = [channel_pad.ChannelPadded(net)]
                if 0 in self.graphs[0].plan:   # an image-pairing graph for the batches it takes
                    self.graphs.insert(0, channel_pad.ChannelPadded(net, pair_images=True))
            for block in self.graphs + [loss]:
                block.hybridize(static_alloc=True, static_shape=True)
        self._shapes_known = not self.hybridized

    def __call__(self, X):
        """Return net(X), on the graph that suits X."""
        # a graph is built from known shapes: net's are completed once, before the first
        self._shapes_known = self._shapes_known or channel_pad.complete_init(self.net, X)
        graph = next(g for g in self.graphs if not hasattr(g, 'accepts') or g.accepts(X))
        return call(graph, X)

    def zero_idle_grads(self, batch):
        """Give the devices that batch did not reach zero gradients.

        Trainer.step sums every device's gradient; an idle device would add
        the stale one of the previous batch (and MXNet warns of it).
        """
        idle = self.ctxs[len(batch.parts):]
        if idle:
            with autograd.record():
                zeros = [sum((p.data(c) * 0).sum() for p in self._params) for c in idle]
            autograd.backward(zeros)


def call(f, X, *args):
    """Return f(X, *args); an MXNet error (a net that cannot take X) becomes a ValueError naming X's shape."""
    try:
        return f(X, *args)
    except (mx.base.MXNetError, ValueError) as e:   # Gluon wraps a failed deferred init
        if not isinstance(e, mx.base.MXNetError) and 'MXNetError' not in str(e):
            raise
        raise ValueError(f'net cannot compute on a batch X of shape {tuple(X.shape)} (for a CNN: '
                         f'batch, channels, height, width): MXNet says: {reason(e)}') from None


class Metric:
    """Per-batch statistics left on the devices, summed in float64 every SYNC_EVERY batches.

    queue() takes one part of a batch; the queued batches are read SYNC_EVERY
    at a time and checked: a non-finite image value, a label that is not a
    class, a non-finite output or loss raises an error naming the batch.
    totals: the sums read so far, with the example count last; last_read:
    the number of the last batch read.
    """

    def __init__(self, columns, what, totals=None):
        self.columns, self.what = columns, what      # e.g. ('loss', 'right'), 'epoch 3'
        self.totals = onp.array(totals if totals is not None else [0.] * (len(columns) + 1))
        self.pending = []                            # [batch number, size, per-part stats]
        self.last_read = None

    def queue(self, i, stats, size):
        """Queue one part of batch i: its stats, on its device, and its number of examples."""
        if self.pending and self.pending[-1][0] == i:
            self.pending[-1][1] += size
            self.pending[-1][2].append(stats)
            return
        if len(self.pending) == 2 * SYNC_EVERY:
            self._read(SYNC_EVERY)
        self.pending.append([i, size, [stats]])

    def read(self):
        """Read and check every queued batch, SYNC_EVERY at a time; return the totals."""
        while self.pending:
            self._read(SYNC_EVERY)
        return self.totals

    def _read(self, k):
        """Read and check the first k queued batches (or all there are), one read per device.

        queue() reads the oldest SYNC_EVERY batches once SYNC_EVERY more are
        queued behind them, so the devices keep computing while the host
        reads and a reporter draws. The sums are always taken over the same
        groups of SYNC_EVERY batches, so the totals are the same to the last
        digit whenever they are read.
        """
        chunk, self.pending = self.pending[:k], self.pending[k:]
        width = chunk[0][2][0].shape[0]             # the columns, then any input checks
        rows = onp.zeros((len(chunk), width))                           # (batches, width)
        for j in range(max(len(stats) for _, _, stats in chunk)):       # device j's parts
            which = [n for n, (_, _, stats) in enumerate(chunk) if len(stats) > j]
            rows[which] += np.stack([chunk[n][2][j] for n in which]).asnumpy()
        for (i, _, _), row in zip(chunk, rows):
            self._check(i, row)
        self.totals[:-1] += rows[:, :len(self.columns)].sum(axis=0)
        self.totals[-1] += sum(size for _, size, _ in chunk)
        self.last_read = chunk[-1][0]

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


class TrainMetric(Metric):
    """An epoch's loss sum, right predictions and examples, as the book's Accumulator(3) sums them.

    totals: a resumed epoch's sums so far. check_inputs: also count each
    part's non-finite image values and labels that are not a class.
    """

    def __init__(self, what, check_inputs, totals=None):
        super().__init__(('loss', 'right'), what, totals)
        self.check_inputs, self._stats = check_inputs, _stats_graph(_train_stats)

    def add(self, i, l, y_hat, X, y):
        """Queue one part of batch i: its loss sum and right predictions, left on its device."""
        inputs = (l, y_hat, y, X) if self.check_inputs else (l, y_hat, y)
        self.queue(i, self._stats(*inputs), y.shape[0])


class Accuracy(Metric):
    """Right predictions and examples of an evaluation, as the book's Accumulator(2) sums them.

    An example whose outputs are not finite is not right: any raises an
    error naming its batch. data: the device data evaluated; unless its
    inputs were checked on arrival (a DataIter's), each part's images and
    labels are checked too.
    """

    def __init__(self, data):
        super().__init__(('right', 'non-finite'), 'the evaluated data')
        self.checked, self._stats = data.checked, _stats_graph(_eval_stats)

    def add(self, i, y_hat, X, y):
        """Queue one part of batch i: its right predictions and non-finite outputs, on its device."""
        self.queue(i, self._stats(*((y_hat, y) if self.checked else (y_hat, y, X))), y.shape[0])

    def accuracy(self):
        """Read what is queued and return right predictions over examples."""
        self.read()
        return self.mean('right')
