"""The chapter's training loop: evaluate_accuracy_gpu and train_ch5 (Book section 6.6.2).

train_ch5's body is the book's loop, in the book's order: for each epoch, for
each batch (split over the devices), the forward pass and the loss under
autograd.record(), l.backward(), trainer.step, the metric, then the test
accuracy. It keeps the book's meaning (Xavier initialisation with
force_reinit, SoftmaxCrossEntropyLoss, SGD on the minibatch mean, test
accuracy after every epoch). What it adds sits in this package's other
modules: the devices and the data on them (``devices``), net as a fast graph
there and the metric's sums (``model``), and the run's records, epoch 0,
checkpoints, Ctrl-C and reporter (``bookkeeping``).
"""
import functools
import math
import numbers
import os

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, init
from mxnet.gluon import nn

from .. import _arguments
from . import devices
from .._arguments import checked, shown
from .bookkeeping import Bookkeeper, evaluate
from .checkpoint import CHECKPOINT_FILE, CheckpointError, load_checkpoint  # noqa: F401
from .devices import cpu_contexts, resolve_ctx, try_all_gpus, try_gpu  # noqa: F401
from .model import Model, call
from .reporting import (AnimatorReporter, EpochRecord, History, Reporter,  # noqa: F401
                        SummaryReporter, TqdmReporter, format_summary, get_reporter,
                        plot_history)

__all__ = ['try_gpu', 'try_all_gpus', 'cpu_contexts', 'resolve_ctx', 'evaluate_accuracy_gpu',
           'train_ch5', 'cosine_lr', 'History', 'EpochRecord', 'Reporter', 'SummaryReporter',
           'TqdmReporter', 'AnimatorReporter', 'get_reporter', 'format_summary', 'plot_history',
           'load_checkpoint', 'CheckpointError', 'CHECKPOINT_FILE']


def _check_evaluate_args(net, ctx, device):
    """Return {'net', 'ctx', 'device'} to evaluate with; raise on bad arguments.

    ctx: the devices to evaluate on (device is its other name). net: train_ch5's
    Model as it is, or net wrapped so that an MXNet error (a net that cannot
    take X) becomes a ValueError naming X's shape, as in train_ch5.
    """
    if isinstance(net, Model):          # train_ch5's net, on its devices
        return {'net': net, 'ctx': net.ctxs, 'device': None}
    if device is not None:
        if ctx is not None:
            raise TypeError('pass ctx or device (its name in later editions), not both')
        ctx = device
    ctxs = _checked_net_ctxs(net, ctx)
    return {'net': functools.partial(call, net), 'ctx': ctxs, 'device': None}


@checked(_check_evaluate_args)
def evaluate_accuracy_gpu(net, data_iter, ctx=None, *, device=None):
    """Compute the accuracy for a model on a dataset using a GPU (Book section 6.6.2).

    ctx None: the devices of net's first parameter, as in the book (all of
    them, when it lives on several); or a context, a list of them, 'cpu',
    'gpu' or 'all', on which net must live. device: the later editions' name
    for ctx.
    """
    data = devices.device_data(data_iter, ctx, 'data_iter')    # each batch split over ctx
    return evaluate(net, data)


def train_ch5(net, train_iter, test_iter, num_epochs, lr, ctx=None, *, reporter='auto',
              seed=None, checkpoint_dir=None, resume=False, lr_schedule=None,
              pad_channels=True, hybridize=True):
    """Train a model with a GPU, or the CPU contexts, and return its History (Book section 6.6.2).

    ctx: a context, a list of them (data-parallel), 'cpu', 'gpu', 'all', or
    None: the GPU where there is one, otherwise the CPU contexts. reporter:
    'auto' (an animation in a notebook, a progress bar in a terminal, and the
    book's closing lines wherever it runs), 'animator', 'tqdm', 'summary',
    None (quiet) or a Reporter. seed: a repeatable run. checkpoint_dir: a
    checkpoint after every epoch and on Ctrl-C, which resume=True continues.
    lr_schedule: None (constant lr), 'cosine' or a callable epoch -> lr.
    pad_channels, hybridize: False runs net's own graph. The History's start
    is epoch 0: the untrained net, measured before training.
    """
    ctxs = devices.resolve_ctx(ctx)
    _check_train_args(net, num_epochs, lr, seed, lr_schedule, resume, checkpoint_dir,
                      pad_channels, hybridize)
    if seed is not None:
        seed_everything(seed, train_iter)
    train_data = devices.device_data(train_iter, ctxs, 'train_iter')   # on the devices
    test_data = devices.device_data(test_iter, ctxs, 'test_iter')
    net.initialize(force_reinit=True, ctx=ctxs, init=init.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    model = Model(net, loss, ctxs, pad_channels, hybridize, [train_data, test_data])
    with Bookkeeper(model, loss, trainer, train_iter, train_data, test_data, num_epochs, lr,
                    lr_schedule, seed, checkpoint_dir, resume, reporter) as books:
        for epoch in books.epochs():
            trainer.set_learning_rate(epoch_lr(lr_schedule, lr, epoch, num_epochs))
            metric = books.train_metric(epoch)        # loss sum, right, examples
            for i, batch in books.batches(epoch, metric):
                for X, y in batch.parts:              # one part per device
                    with autograd.record():
                        y_hat = model(X)
                        l = loss(y_hat, y)
                    l.backward()
                    metric.add(i, l, y_hat, X, y)     # summed on the device, read every 50
                model.zero_idle_grads(batch)          # a small last batch may miss a device
                trainer.step(batch.size)
            test_acc = evaluate_accuracy_gpu(model, test_data)
            books.epoch_end(epoch, metric, test_acc)  # the record, a checkpoint, the reporter
    return books.history


def cosine_lr(lr, epoch, num_epochs):
    """Exercise 6.6.2: return the learning rate of 0-based epoch on a cosine from lr towards 0.

    lr * (1 + cos(pi * epoch / num_epochs)) / 2: lr in the first epoch,
    lr * 0.024 in the tenth of ten.
    """
    return lr * (1 + math.cos(math.pi * epoch / num_epochs)) / 2


def epoch_lr(lr_schedule, lr, epoch, num_epochs):
    """The learning rate of 0-based epoch under lr_schedule (None: the book's constant lr)."""
    if lr_schedule is None:
        return lr
    rate = cosine_lr(lr, epoch, num_epochs) if lr_schedule == 'cosine' else lr_schedule(epoch)
    want = f'lr_schedule must give a finite learning rate >= 0 for epoch {epoch}'
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise TypeError(f'{want}, got {type(rate).__name__} {shown(rate)}')
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f'{want}, got {shown(rate)}')
    return float(rate)


def seed_everything(seed, train_iter):
    """Seed MXNet (initialisation), numpy (a DataLoader's shuffling) and a DataIter's own rng."""
    mx.random.seed(seed)
    onp.random.seed(seed)
    if hasattr(train_iter, 'rng'):
        train_iter.rng = onp.random.default_rng(seed)


def _check_block(net):
    if not isinstance(net, nn.Block):
        raise TypeError(f'net must be a Gluon Block, such as lenet() gives, got '
                        f'{type(net).__name__}')


def _check_train_args(net, num_epochs, lr, seed, lr_schedule, resume, checkpoint_dir,
                      pad_channels, hybridize):
    _check_block(net)
    _arguments.check_int('num_epochs', num_epochs, 1)
    _arguments.check_real('lr', lr, 0, inclusive=False)
    if seed is not None:
        _arguments.check_int('seed', seed, 0, maximum=2**32 - 1)
    if not (lr_schedule is None or lr_schedule == 'cosine' or callable(lr_schedule)):
        raise (ValueError if isinstance(lr_schedule, str) else TypeError)(
            f"lr_schedule must be None, 'cosine' or a callable epoch -> lr, got {lr_schedule!r}")
    for name, value in (('resume', resume), ('pad_channels', pad_channels),
                        ('hybridize', hybridize)):
        _arguments.check_bool(name, value)
    if resume and checkpoint_dir is None:
        raise ValueError('resume=True needs checkpoint_dir, got None')
    _check_checkpoint_dir(checkpoint_dir)


def _check_checkpoint_dir(checkpoint_dir):
    """Raise unless checkpoint_dir is None or a non-empty folder path ('' would be the current folder)."""
    if checkpoint_dir is None:
        return
    if not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise TypeError(f'checkpoint_dir must be None or a folder path (str or os.PathLike), '
                        f'got {type(checkpoint_dir).__name__} {shown(checkpoint_dir)}')
    if not os.fspath(checkpoint_dir).strip():
        raise ValueError(f'checkpoint_dir must be None (no checkpoints) or a folder path, got '
                         f'{shown(os.fspath(checkpoint_dir))}: an empty path would write the '
                         "checkpoints into the current folder; pass '.' to mean it")


def _checked_net_ctxs(net, ctx):
    """The devices to evaluate net on: ctx, on which net must live, or net's own (ctx None)."""
    _check_block(net)
    params = list(net.collect_params().values())
    try:
        net_ctxs = params[0].list_ctx() if params else None
    except RuntimeError:
        raise ValueError('net has not been initialised: call net.initialize(), or train it, '
                         'first') from None
    if ctx is None:
        if net_ctxs is None:
            raise ValueError('net has no parameters to tell its devices: pass ctx')
        return net_ctxs
    ctxs = devices.resolve_ctx(ctx)
    missing = [c for c in ctxs if net_ctxs is not None and c not in net_ctxs]
    if missing:
        raise ValueError(f'net lives on {devices.ctx_str(net_ctxs)}, not on '
                         f'{devices.ctx_str(missing)}: pass ctx=None to use its devices')
    return ctxs
