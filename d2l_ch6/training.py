"""The chapter's training loop: evaluate_accuracy_gpu and train_ch5 (Book section 6.6.2).

Both keep the book's shape and meaning (Xavier initialisation with
force_reinit, SoftmaxCrossEntropyLoss, SGD on the minibatch mean, test
accuracy after every epoch). What they add sits in collaborators, each behind
a few calls: the devices, the data on them and the net's fast graphs
(``d2l_ch6.devices``), the run's checkpoints (``d2l_ch6.checkpoint``) and how
progress is shown (``d2l_ch6.reporting``).
"""
import contextlib
import logging
import math
import numbers
import time

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, init
from mxnet.gluon import nn

from . import _checks, checkpoint, devices
from .checkpoint import CHECKPOINT_FILE, CheckpointError, load_checkpoint  # noqa: F401
from .devices import cpu_contexts, resolve_ctx, try_all_gpus, try_gpu  # noqa: F401
from .reporting import (AnimatorReporter, EpochRecord, History, Reporter,  # noqa: F401
                        TqdmReporter, format_summary, get_reporter, plot_history)

__all__ = ['try_gpu', 'try_all_gpus', 'cpu_contexts', 'resolve_ctx', 'evaluate_accuracy_gpu',
           'train_ch5', 'cosine_lr', 'History', 'EpochRecord', 'Reporter', 'TqdmReporter',
           'AnimatorReporter', 'get_reporter', 'format_summary', 'plot_history',
           'load_checkpoint', 'CheckpointError', 'CHECKPOINT_FILE']

log = logging.getLogger(__name__)


def evaluate_accuracy_gpu(net, data_iter, ctx=None, *, device=None):
    """Compute the accuracy for a model on a dataset using a GPU (Book section 6.6.2).

    ctx None: the devices of net's first parameter, as in the book (all of
    them, when it lives on several); or a context, a list of them, 'cpu',
    'gpu' or 'all', on which net must live. device: the later editions' name
    for ctx.
    """
    if device is not None:
        if ctx is not None:
            raise TypeError('pass ctx or device (its name in later editions), not both')
        ctx = device
    ctxs = _checked_net_ctxs(net, ctx)
    return evaluate(net, devices.device_data(data_iter, ctxs, 'data_iter'))


def evaluate(model, data):
    """Return model's accuracy on device data: right predictions over examples (Book section 6.6.2)."""
    metric = devices.Metric(('right', 'non-finite'), 'the evaluated data')
    with autograd.predict_mode():
        for i, batch in enumerate(data.batches()):
            stats = [devices.eval_stats(model, X, y, data.checked) for X, y in batch.parts]
            metric.add(i, stats, batch.size)
    metric.read()
    return metric.mean('right')


def train_ch5(net, train_iter, test_iter, num_epochs, lr, ctx=None, *, reporter='auto',
              seed=None, checkpoint_dir=None, resume=False, lr_schedule=None,
              pad_channels=True, hybridize=True):
    """Train a model with a GPU, or the CPU contexts, and return its History (Book section 6.6.2).

    ctx: a context, a list of them (data-parallel), 'cpu', 'gpu', 'all', or
    None: the GPU where there is one, otherwise the CPU contexts. reporter:
    'auto', 'animator', 'tqdm', None or a Reporter. seed: a repeatable run.
    checkpoint_dir: a checkpoint after every epoch and on Ctrl-C, which
    resume=True continues. lr_schedule: None (constant lr), 'cosine' or a
    callable epoch -> lr. pad_channels, hybridize: False runs net's own graph.
    The History's start is epoch 0: the untrained net, measured before training.
    """
    ctxs = devices.resolve_ctx(ctx)
    _check_train_args(net, num_epochs, lr, seed, lr_schedule, resume, checkpoint_dir,
                      pad_channels, hybridize)
    if seed is not None:
        _seed_everything(seed, train_iter)
    train_data = devices.device_data(train_iter, ctxs, 'train_iter')
    test_data = devices.device_data(test_iter, ctxs, 'test_iter')
    net.initialize(force_reinit=True, ctx=ctxs, init=init.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    model = devices.Model(net, loss, ctxs, pad_channels, hybridize, [train_data, test_data])
    run = checkpoint.run_spec(net, train_iter, lr, lr_schedule, num_epochs, seed)
    with checkpoint.Checkpointer(checkpoint_dir, run) as ckpt, checkpoint.InterruptGuard() \
            as guard, contextlib.closing(get_reporter(reporter)) as rep:
        history, at = ckpt.resume(net, trainer, ctxs, train_iter, num_epochs) if resume \
            else (_untrained(model, train_data, test_data, ctxs), checkpoint.Position())
        rep.start(num_epochs, train_data.num_batches, at.epoch)
        if history.start is not None and at.epoch == 0:
            rep.epoch_end(history.start)    # epoch 0: the untrained net
        for epoch in range(at.epoch, num_epochs):
            trainer.set_learning_rate(_epoch_lr(lr_schedule, lr, epoch, num_epochs))
            at = checkpoint.Position.of_epoch(at, epoch, train_iter)
            metric = devices.Metric(('loss', 'right'), f'epoch {epoch + 1}', at.totals)
            start = time.perf_counter()
            with ckpt.saved_on_interrupt(net, trainer, history, at, metric):
                for i, batch in enumerate(train_data.batches(at.batch), at.batch):
                    with autograd.record():
                        outs = [model.loss_stats(X, y) for X, y in batch.parts]
                    model.backward([l for l, _ in outs])
                    trainer.step(batch.size)
                    if metric.add(i, [s for _, s in outs], batch.size):
                        rep.sync(epoch, i, metric.mean('loss'), metric.mean('right'))
                    rep.batch(epoch, i)
                    guard.check()
            metric.read()                   # waits for the last batches and checks them
            train_seconds = time.perf_counter() - start
            history.append(_epoch_record(epoch, metric, evaluate(model, test_data), trainer,
                                         at, train_seconds, time.perf_counter() - start))
            ckpt.save(net, trainer, history,
                      checkpoint.Position.of_epoch(at, epoch + 1, train_iter))
            rep.epoch_end(history[-1])
    for line in format_summary(history):
        log.info(line)
    rep.finish(history)
    return history


def _untrained(model, train_data, test_data, ctxs):
    """A new History whose start, epoch 0, is the untrained net's train loss and accuracies.

    The train metrics are measured as in training, in predict mode, over the
    examples in their stored order: the run's shuffling and epochs stay what
    they were. Only for a DataIter (any other iterable may be one-shot).
    """
    history, batches = History(devices.ctx_str(ctxs)), train_data.in_order()
    if batches is None:
        return history
    start = time.perf_counter()
    metric = devices.Metric(('loss', 'right'), 'epoch 0 (the untrained net)')
    with autograd.predict_mode():
        for i, batch in enumerate(batches):
            metric.add(i, [model.loss_stats(X, y)[1] for X, y in batch.parts], batch.size)
    n = int(metric.read()[-1])
    test_acc, seconds = evaluate(model, test_data), time.perf_counter() - start
    history.start = EpochRecord(0, metric.mean('loss'), metric.mean('right'), test_acc, 0.0, n,
                                0, seconds, seconds)
    return history


def _epoch_record(epoch, metric, test_acc, trainer, at, train_seconds, seconds):
    """Return the EpochRecord of 0-based epoch from its train metric and test accuracy."""
    n = int(metric.read()[-1])
    if n == 0:
        raise ValueError(f'train_iter must yield at least one batch, got none in epoch {epoch + 1}')
    trained = n - int(at.totals[-1] if at.totals else 0)   # fewer than n after a resume
    return EpochRecord(epoch + 1, metric.mean('loss'), metric.mean('right'), test_acc,
                       trainer.learning_rate, n, trained, train_seconds, seconds)


def cosine_lr(lr, epoch, num_epochs):
    """Exercise 6.6.2: return the learning rate of 0-based epoch on a cosine from lr towards 0.

    lr * (1 + cos(pi * epoch / num_epochs)) / 2: lr in the first epoch,
    lr * 0.024 in the tenth of ten.
    """
    return lr * (1 + math.cos(math.pi * epoch / num_epochs)) / 2


def _epoch_lr(lr_schedule, lr, epoch, num_epochs):
    """The learning rate of 0-based epoch under lr_schedule (None: the book's constant lr)."""
    if lr_schedule is None:
        return lr
    rate = cosine_lr(lr, epoch, num_epochs) if lr_schedule == 'cosine' else lr_schedule(epoch)
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not math.isfinite(rate) \
            or rate < 0:
        raise ValueError(f'lr_schedule must give a finite learning rate >= 0, got {rate!r} '
                         f'for epoch {epoch}')
    return float(rate)


def _seed_everything(seed, train_iter):
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
    _checks.check_int('num_epochs', num_epochs, 1)
    _checks.check_real('lr', lr, 0, inclusive=False)
    if seed is not None:
        _checks.check_int('seed', seed, 0, maximum=2**32 - 1)
    if not (lr_schedule is None or lr_schedule == 'cosine' or callable(lr_schedule)):
        raise (ValueError if isinstance(lr_schedule, str) else TypeError)(
            f"lr_schedule must be None, 'cosine' or a callable epoch -> lr, got {lr_schedule!r}")
    for name, value in (('resume', resume), ('pad_channels', pad_channels),
                        ('hybridize', hybridize)):
        _checks.check_bool(name, value)
    if resume and checkpoint_dir is None:
        raise ValueError('resume=True needs checkpoint_dir, got None')


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
