"""The chapter's one training loop, evaluate_accuracy_gpu and train_ch5 (Book section 6.6.2).

``train_ch5`` keeps the book's signature and meaning (Xavier initialisation
with force_reinit, SoftmaxCrossEntropyLoss, SGD on the minibatch mean, test
accuracy after every epoch) and adds, without changing the numbers:

* speed: a ``DataIter``'s arrays are copied to each device once and batches are
  gathered there; the network and its loss run as one hybridized graph; losses
  and accuracies are summed on the device and read every ``sync_every``
  batches instead of after each one; on CPU, convolutions with 6 channels run
  on zero-padded channels, where oneDNN has fast kernels (``_channel_pad``);
* many devices: ``ctx`` may be a list, each batch is split over it and one
  Trainer sums the gradients (the loss is the single-device loss);
* a history of every epoch, and a reporter parameter (d2l's Animator, a tqdm
  progress bar, or nothing) instead of a second loop;
* no lost runs: an atomic checkpoint per epoch, ``resume``, a checkpoint on
  Ctrl-C, and an error naming the epoch and batch when the loss is not finite.
"""
import json
import logging
import math
import numbers
import os
import pathlib
import signal
import sys
import tempfile
import threading
import time

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon, init, np, npx
from mxnet.gluon import nn

from . import _channel_pad

__all__ = ['try_gpu', 'try_all_gpus', 'cpu_contexts', 'resolve_ctx', 'evaluate_accuracy_gpu',
           'train_ch5', 'History', 'Reporter', 'TqdmReporter', 'AnimatorReporter',
           'get_reporter', 'format_summary', 'plot_history', 'load_checkpoint',
           'cosine_lr', 'CHECKPOINT_FILE']

log = logging.getLogger(__name__)

CHECKPOINT_FILE = 'checkpoint.json'


# ----------------------------------------------------------------- devices

def try_gpu(i=0):
    """Return gpu(i) if it exists, otherwise cpu() (Book section 5.6)."""
    return mx.gpu(i) if mx.context.num_gpus() >= i + 1 else mx.cpu()


def try_all_gpus():
    """Return all available GPUs, or [cpu()] if there is none (Book section 5.6)."""
    return [mx.gpu(i) for i in range(mx.context.num_gpus())] or [mx.cpu()]


def cpu_contexts(n=None):
    """Return n CPU contexts, one per core by default, for data parallelism (Book section 6.6).

    MXNet gives each CPU context its own engine worker, so two contexts keep
    two cores busy with one operator thread each (OMP_NUM_THREADS=1, see
    d2l_ch6._env).
    """
    if n is None:
        n = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f'n must be a positive int, got {n!r}')
    return [mx.cpu(i) for i in range(int(n))]


def resolve_ctx(ctx=None):
    """Return ctx as a non-empty list of contexts; None means try_gpu(), chosen now (Book section 6.6.2).

    Also accepts 'cpu' (one CPU context), 'gpu' (gpu(0), which must exist) and
    'all' (every GPU, or one CPU context per core when there is none).
    """
    if ctx is None:
        return [try_gpu()]
    if isinstance(ctx, str):
        if ctx == 'cpu':
            return [mx.cpu()]
        if ctx == 'gpu':
            if mx.context.num_gpus() < 1:
                raise ValueError("ctx='gpu' needs a GPU and mxnet-cu112, but MXNet sees none")
            return [mx.gpu(0)]
        if ctx == 'all':
            return try_all_gpus() if mx.context.num_gpus() else cpu_contexts()
        raise ValueError(f"ctx must be a Context, a list of them, 'cpu', 'gpu' or 'all', "
                         f'got {ctx!r}')
    ctxs = [ctx] if isinstance(ctx, mx.Context) else list(ctx)
    if not ctxs or not all(isinstance(c, mx.Context) for c in ctxs):
        raise ValueError(f'ctx must be a Context or a non-empty list of Contexts, got {ctx!r}')
    if len(set(ctxs)) != len(ctxs):
        raise ValueError(f'ctx must not repeat a device, got {ctxs}')
    return ctxs


def _ctx_str(ctxs):
    return str(ctxs[0]) if len(ctxs) == 1 else '[' + ', '.join(map(str, ctxs)) + ']'


# ----------------------------------------------------------------- batches

def _split_sizes(b, k):
    """Split b examples over k devices as gluon.utils.split_and_load does (last takes the rest)."""
    k = min(k, b)
    step = b // k
    return [step] * (k - 1) + [b - step * (k - 1)]


def _is_array_iter(it):
    """True for a d2l_ch6.data.DataIter without resizing: its arrays can go to the devices once."""
    return (all(hasattr(it, a) for a in ('X', 'y', 'batch_size', 'epoch_order', 'rng'))
            and getattr(it, 'resize', None) is None)


class _DeviceData:
    """A DataIter's arrays copied once to every device; yields each batch's per-device slices."""

    def __init__(self, it, ctxs):
        X, y = onp.asarray(it.X), onp.asarray(it.y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f'labels must have shape (num_examples,) = ({len(X)},), '
                             f'got {y.shape}')
        self.n, self.batch_size, self.ctxs = len(y), it.batch_size, ctxs
        self.X = [np.array(X, dtype='float32', ctx=c) for c in ctxs]  # (n, c, h, w)
        self.y = [np.array(y, dtype='int32', ctx=c) for c in ctxs]    # (n,)

    def __len__(self):
        return -(-self.n // self.batch_size)

    def batches(self, order=None, start=0):
        """Yield ([(X_k, y_k) per device], b) from batch number start, in order (None: as stored)."""
        idx = None if order is None else [np.array(order, dtype='int32', ctx=c) for c in self.ctxs]
        for s in range(start * self.batch_size, self.n, self.batch_size):
            b = min(self.batch_size, self.n - s)
            parts, lo = [], s
            for k, size in enumerate(_split_sizes(b, len(self.ctxs))):
                if idx is None:
                    parts.append((self.X[k][lo:lo + size], self.y[k][lo:lo + size]))
                else:
                    i_k = idx[k][lo:lo + size]
                    parts.append((np.take(self.X[k], i_k, axis=0), np.take(self.y[k], i_k, axis=0)))
                lo += size
            yield parts, b


def _split_batch(X, y, ctxs, name):
    """Check one (X, y) batch and split it over the devices."""
    if not (hasattr(X, 'shape') and hasattr(y, 'shape')):
        raise ValueError(f'{name} must yield (X, y) pairs of arrays, got '
                         f'{type(X).__name__} and {type(y).__name__}')
    if len(X.shape) < 1 or X.shape[0] == 0:
        raise ValueError(f'{name} yielded an empty batch X of shape {tuple(X.shape)}')
    if tuple(y.shape) != (X.shape[0],):
        raise ValueError(f'{name} yielded labels y of shape {tuple(y.shape)} for a batch of '
                         f'{X.shape[0]} examples: expected ({X.shape[0]},)')
    if not isinstance(X, np.ndarray):
        X, y = np.array(X.asnumpy() if hasattr(X, 'asnumpy') else X), \
            np.array(y.asnumpy() if hasattr(y, 'asnumpy') else y)
    y = y.astype('int32', copy=False)
    b = X.shape[0]
    if len(ctxs) == 1:
        return [(X.as_in_ctx(ctxs[0]), y.as_in_ctx(ctxs[0]))], b
    parts, lo = [], 0
    for c, size in zip(ctxs, _split_sizes(b, len(ctxs))):
        parts.append((X[lo:lo + size].as_in_ctx(c), y[lo:lo + size].as_in_ctx(c)))
        lo += size
    return parts, b


def _iter_batches(data_iter, ctxs, name, start=0):
    """Yield (parts, b) for any iterable of (X, y), skipping the first start batches."""
    for i, (X, y) in enumerate(data_iter):
        parts, b = _split_batch(X, y, ctxs, name)
        if i >= start:
            yield parts, b


# --------------------------------------------------------------- evaluation

def _correct(y_hat, y):
    """Number of right predictions, on the device, as float32 (Book section 3.6 accuracy)."""
    return (y_hat.argmax(axis=1).astype('int32') == y).astype('float32').sum()


def _first_param_ctxs(net):
    params = list(net.collect_params().values())
    if not params:
        raise ValueError('net has no parameters: pass ctx explicitly')
    return params[0].list_ctx()


def _evaluate(net, batches):
    """Sum right predictions per device, read them once; return (correct, count)."""
    sums, count = None, 0
    for parts, b in batches:
        c = [_correct(net(X), y) for X, y in parts]
        sums = c if sums is None else [s + c_k for s, c_k in zip(sums, c)]
        count += b
    if count == 0:
        raise ValueError('data_iter must yield at least one batch, got none')
    return sum(float(s) for s in sums), count


def evaluate_accuracy_gpu(net, data_iter, ctx=None):
    """Compute the accuracy of net on data_iter on its devices (Book section 6.6.2).

    ctx: a context or list of them; None means the devices of the net's first
    parameter, as in the book (all of them, when it lives on several).
    """
    ctxs = _first_param_ctxs(net) if not ctx else resolve_ctx(ctx)
    with autograd.predict_mode():
        if _is_array_iter(data_iter):
            correct, count = _evaluate(net, _DeviceData(data_iter, ctxs).batches())
        else:
            correct, count = _evaluate(net, _iter_batches(data_iter, ctxs, 'data_iter'))
    return correct / count


# ----------------------------------------------------------------- history

class History:
    """Per-epoch records of train_ch5: train_loss, train_acc, test_acc, examples_per_sec (Book section 6.6.2)."""

    def __init__(self, ctx='', records=None):
        self.ctx = ctx
        self.records = list(records or [])

    def __len__(self):
        return len(self.records)

    def __getitem__(self, i):
        return self.records[i]

    def __iter__(self):
        return iter(self.records)

    def column(self, key):
        """Return one metric over the epochs, as a list."""
        return [r[key] for r in self.records]

    @property
    def examples_per_sec(self):
        """Training examples per second of training time over all epochs, as the book counts."""
        seconds = sum(r['train_seconds'] for r in self.records)
        return sum(r['trained_examples'] for r in self.records) / seconds if seconds else math.nan

    def to_dict(self):
        return {'ctx': self.ctx, 'epochs': self.records}

    def __repr__(self):
        return f'History(ctx={self.ctx!r}, epochs={len(self)})'


def format_summary(history):
    """Return the book's two closing lines: 'loss …, train acc …, test acc …' and '… examples/sec on …' (Book section 6.6.2)."""
    last = history[-1]
    return [f"loss {last['train_loss']:.3f}, train acc {last['train_acc']:.3f}, "
            f"test acc {last['test_acc']:.3f}",
            f'{history.examples_per_sec:.1f} examples/sec on {history.ctx}']


def plot_history(history, ax=None):
    """Draw train loss, train acc and test acc against the epoch and return the axes (Book section 6.6.2)."""
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    epochs = history.column('epoch')
    for key, style in (('train_loss', '-'), ('train_acc', 'm--'), ('test_acc', 'g-.')):
        ax.plot(epochs, history.column(key), style, label=key.replace('_', ' '))
    ax.set_xlabel('epoch')
    ax.set_xlim(1 if len(epochs) > 1 else 0, max(epochs))
    ax.grid(True)
    ax.legend()
    return ax


# --------------------------------------------------------------- reporters

class Reporter:
    """Receive train_ch5's progress and show nothing, as tests want (Book section 6.6)."""

    def start(self, num_epochs, num_batches, first_epoch):
        """Training starts (first_epoch > 0 after resume)."""

    def batch(self, epoch, i):
        """Batch i of epoch (0-based) was queued; called every batch."""

    def sync(self, epoch, i, train_loss, train_acc):
        """The running epoch metrics after batch i, read every sync_every batches."""

    def epoch_end(self, record):
        """An epoch finished, with its history record."""

    def finish(self, history):
        """Training finished; history holds every epoch."""

    def close(self):
        """Release the display (also after an error or interruption)."""


class TqdmReporter(Reporter):
    """Show a tqdm bar per epoch and print the closing lines, for terminals (Book section 6.6)."""

    def __init__(self, file=None, out=None):
        self.file, self.out, self.bar = file, out, None

    def start(self, num_epochs, num_batches, first_epoch):
        self.num_epochs, self.num_batches = num_epochs, num_batches

    def batch(self, epoch, i):
        if self.bar is None:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.num_batches, initial=i, unit='batch', leave=True,
                            desc=f'epoch {epoch + 1}/{self.num_epochs}', file=self.file)
        self.bar.update(1)

    def sync(self, epoch, i, train_loss, train_acc):
        if self.bar is not None:
            self.bar.set_postfix(loss=f'{train_loss:.3f}', acc=f'{train_acc:.3f}', refresh=False)

    def epoch_end(self, record):
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{record['train_loss']:.3f}",
                                 acc=f"{record['train_acc']:.3f}",
                                 test_acc=f"{record['test_acc']:.3f}")
            self.bar.close()
            self.bar = None

    def finish(self, history):
        for line in format_summary(history):
            print(line, file=self.out or sys.stdout)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class AnimatorReporter(Reporter):
    """Animate loss and accuracies with d2l's Animator, for notebooks (Book section 6.6)."""

    def start(self, num_epochs, num_batches, first_epoch):
        from d2l import mxnet as d2l
        self.num_batches = num_batches
        self.animator = d2l.Animator(xlabel='epoch', xlim=[1, num_epochs],
                                     legend=['train loss', 'train acc', 'test acc'])

    def sync(self, epoch, i, train_loss, train_acc):
        self.animator.add(epoch + (i + 1) / self.num_batches, (train_loss, train_acc, None))

    def epoch_end(self, record):
        self.animator.add(record['epoch'], (None, None, record['test_acc']))

    def finish(self, history):
        for line in format_summary(history):
            print(line)


def _in_notebook():
    shell = sys.modules.get('IPython') and sys.modules['IPython'].get_ipython()
    return shell is not None and type(shell).__name__ == 'ZMQInteractiveShell'


def get_reporter(reporter='auto'):
    """Return the Reporter named 'auto', 'animator', 'tqdm' or 'none' (Book section 6.6 train_ch5).

    'auto' animates in a notebook, shows a progress bar when stderr is a
    terminal, and otherwise only logs.
    """
    if reporter is None or reporter == 'none':
        return Reporter()
    if isinstance(reporter, Reporter):
        return reporter
    if reporter == 'auto':
        if _in_notebook():
            return AnimatorReporter()
        return TqdmReporter() if sys.stderr.isatty() else Reporter()
    if reporter == 'animator':
        return AnimatorReporter()
    if reporter == 'tqdm':
        return TqdmReporter()
    raise ValueError(f"reporter must be 'auto', 'animator', 'tqdm', 'none', None or a "
                     f'Reporter, got {reporter!r}')


# ------------------------------------------------------------- checkpoints

def _atomic_write(path, write):
    """Call write(temp path) in path's folder, then rename the file onto path."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _save_checkpoint(folder, net, trainer, state):
    """Write params, trainer states, then checkpoint.json, which names them; each file atomically.

    checkpoint.json is replaced last, so a crash at any point leaves either
    the previous complete checkpoint or the new one.
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"epoch-{state['epoch']:03d}-batch-{state['batch']:05d}"
    state = dict(state, params=stem + '.params', states=stem + '.states')
    _atomic_write(folder / state['params'], net.save_parameters)
    _atomic_write(folder / state['states'], trainer.save_states)
    _atomic_write(folder / CHECKPOINT_FILE,
                  lambda tmp: pathlib.Path(tmp).write_text(json.dumps(state, indent=1)))
    for old in list(folder.glob('epoch-*.params')) + list(folder.glob('epoch-*.states')):
        if old.name not in (state['params'], state['states']):
            old.unlink()
    log.info('checkpoint: epoch %d, batch %d in %s', state['epoch'], state['batch'], folder)


def load_checkpoint(folder):
    """Return the state of train_ch5's checkpoint in folder (Book section 6.6, no lost runs)."""
    path = pathlib.Path(folder) / CHECKPOINT_FILE
    if not path.is_file():
        raise ValueError(f'checkpoint_dir={str(folder)!r} holds no {CHECKPOINT_FILE}: '
                         'nothing to resume (run without resume to start)')
    state = json.loads(path.read_text())
    for key in ('params', 'states'):
        if not (pathlib.Path(folder) / state[key]).is_file():
            raise ValueError(f'checkpoint_dir={str(folder)!r}: {state[key]} named by '
                             f'{CHECKPOINT_FILE} is missing')
    return state


class _InterruptGuard:
    """Turn the first Ctrl-C into a flag read between batches; a second one stops at once."""

    def __init__(self):
        self.flag, self.previous = False, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.flag:
            raise KeyboardInterrupt
        self.flag = True
        log.warning('interrupted: finishing the current batch and saving a checkpoint '
                    '(Ctrl-C again to stop at once)')

    def check(self):
        if self.flag:
            raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


# ------------------------------------------------------------------ training

class _LossStats(nn.HybridBlock):
    """net and its loss as one graph: returns per-example losses and [loss sum, right predictions]."""

    def __init__(self, net, loss, **kwargs):
        super().__init__(**kwargs)
        self.net, self.loss = net, loss
        self._shapes_known = False

    def forward(self, X, y):
        # shapes known before the graph is built; checked once, not per batch
        self._shapes_known = self._shapes_known or _channel_pad.complete_init(self.net, X)
        return super().forward(X, y)

    def hybrid_forward(self, F, X, y):
        y_hat = self.net(X)                                          # (b, 10)
        l = self.loss(y_hat, y)                                      # (b,)
        correct = (y_hat.argmax(axis=1).astype('int32') == y).astype('float32').sum()
        return l, F.np.stack([l.sum(), correct])


class _Graphs:
    """net's hybridized graphs, for training (with the loss) and for prediction.

    With pad: ChannelPadded ones, the image-pairing graph first for the
    batches it accepts (even, 1-channel), the plain padded one for the rest.
    """

    def __init__(self, net, loss, pad):
        self.models = [net]
        if pad:
            self.models = [_channel_pad.ChannelPadded(net)]
            if 0 in self.models[0].plan:
                self.models.insert(0, _channel_pad.ChannelPadded(net, pair_images=True))
        self.trains = [_LossStats(m, loss) for m in self.models]
        for block in self.models + self.trains:
            block.hybridize(static_alloc=True, static_shape=True)

    def _pick(self, X):
        return next(i for i, m in enumerate(self.models)
                    if not hasattr(m, 'accepts') or m.accepts(X))

    def predict(self, X):
        return self.models[self._pick(X)](X)

    def loss_stats(self, X, y):
        return self.trains[self._pick(X)](X, y)


def _loss_stats_eager(net, loss):
    def forward(X, y):
        y_hat = net(X)
        l = loss(y_hat, y)
        return l, np.stack([l.sum(), _correct(y_hat, y)])
    return forward


def _check_args(num_epochs, lr, sync_every):
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, numbers.Integral):
        raise ValueError(f'num_epochs must be an int >= 1, got {num_epochs!r}')
    if num_epochs < 1:
        raise ValueError(f'num_epochs must be an int >= 1, got {num_epochs}')
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f'lr must be a finite number > 0, got {lr!r}')
    if isinstance(sync_every, bool) or not isinstance(sync_every, numbers.Integral) \
            or sync_every < 1:
        raise ValueError(f'sync_every must be an int >= 1, got {sync_every!r}')


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
    rate = cosine_lr(lr, epoch, num_epochs) if lr_schedule == 'cosine' \
        else lr_schedule(epoch)
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not math.isfinite(rate) \
            or rate < 0:
        raise ValueError(f'lr_schedule must give a finite learning rate >= 0, got {rate!r} '
                         f'for epoch {epoch}')
    return float(rate)


def _check_not_empty(it, name):
    try:
        n = len(it)
    except TypeError:
        return
    if n == 0:
        raise ValueError(f'{name} must yield at least one batch, got an empty iterator')


def _seed_everything(seed, train_iter):
    """Seed MXNet (initialisation), numpy (a DataLoader's shuffling) and a DataIter's own rng."""
    mx.random.seed(seed)
    onp.random.seed(seed)
    if hasattr(train_iter, 'rng'):
        train_iter.rng = onp.random.default_rng(seed)


def _rng_state(data_iter):
    """Return the state of data_iter's shuffling rng, or None when it has none."""
    return data_iter.rng.bit_generator.state if hasattr(data_iter, 'rng') else None


def _read_stats(pending):
    """Read the queued per-batch [loss sum, right] of every device at once: (batches, 2)."""
    per_ctx = list(zip(*pending))
    return sum(np.stack(list(s)).asnumpy().astype(onp.float64) for s in per_ctx)


def train_ch5(net, train_iter, test_iter, num_epochs, lr, ctx=None, *, reporter='auto',
              seed=None, checkpoint_dir=None, resume=False, sync_every=50, hybridize=True,
              lr_schedule=None, pad_channels=True):
    """Train a model with GPUs, or CPU contexts, and return its History (Book section 6.6.2).

    ctx: a context, a list of them (data-parallel: each batch is split over
    them, one Trainer sums the gradients), 'cpu', 'gpu' or 'all'; None is
    try_gpu(), chosen now. reporter: 'auto', 'animator', 'tqdm', None or a
    Reporter. seed: seeds initialisation and shuffling, for identical runs.
    checkpoint_dir: write an atomic checkpoint there after every epoch and on
    Ctrl-C; resume: continue from it and finish num_epochs. sync_every: read
    the device-side metrics every this many batches (progress, NaN check).
    hybridize: run net and loss as one static graph when net is a HybridBlock.
    pad_channels: on CPU contexts with oneDNN, run a hybridized Sequential's
    convolutions whose channel counts are not a multiple of 8 (LeNet's 6) on
    zero-padded channels, where oneDNN has fast kernels, the first one on two
    images at a time for even batches of 1-channel images: the same function
    and parameters (d2l_ch6/_channel_pad.py); False runs net's own graph.
    lr_schedule: None keeps the book's constant lr; 'cosine' decays it per
    epoch as cosine_lr; a callable maps the 0-based epoch to its learning rate.
    The epoch's rate is in its history record ('lr'); resume continues it.
    """
    _check_args(num_epochs, lr, sync_every)
    if not (lr_schedule is None or lr_schedule == 'cosine' or callable(lr_schedule)):
        raise ValueError(f"lr_schedule must be None, 'cosine' or a callable epoch -> lr, "
                         f'got {lr_schedule!r}')
    if not isinstance(pad_channels, bool):
        raise ValueError(f'pad_channels must be True or False, got {pad_channels!r}')
    _check_not_empty(train_iter, 'train_iter')
    _check_not_empty(test_iter, 'test_iter')
    if resume and checkpoint_dir is None:
        raise ValueError('resume=True needs checkpoint_dir, got None')
    ctxs = resolve_ctx(ctx)
    state = load_checkpoint(checkpoint_dir) if resume else None
    if state is not None and state['epoch'] > num_epochs:
        raise ValueError(f"num_epochs must be at least the {state['epoch']} epochs already "
                         f'in the checkpoint to resume, got {num_epochs}')
    if seed is not None:
        _seed_everything(seed, train_iter)

    net.initialize(force_reinit=True, ctx=ctxs, init=init.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    if hybridize and isinstance(net, nn.HybridBlock):
        pad = pad_channels and bool(_channel_pad.padding_plan(net)) \
            and _channel_pad.onednn_enabled() and all(c.device_type == 'cpu' for c in ctxs)
        graphs = _Graphs(net, loss, pad)
        forward, model = graphs.loss_stats, graphs.predict
    else:
        forward, model = _loss_stats_eager(net, loss), net

    fast = _is_array_iter(train_iter)
    train_data = _DeviceData(train_iter, ctxs) if fast else None
    test_data = _DeviceData(test_iter, ctxs) if _is_array_iter(test_iter) else None
    num_batches = len(train_data) if fast else len(train_iter) if hasattr(train_iter, '__len__') \
        else None
    history = History(_ctx_str(ctxs))
    first_epoch, first_batch, partial = 0, 0, None
    if state is not None:
        net.load_parameters(str(pathlib.Path(checkpoint_dir) / state['params']), ctx=ctxs)
        trainer.load_states(str(pathlib.Path(checkpoint_dir) / state['states']))
        history = History(_ctx_str(ctxs), state['history'])
        first_epoch, first_batch, partial = state['epoch'], state['batch'], state['partial']
        if state.get('rng_state') is not None and hasattr(train_iter, 'rng'):
            train_iter.rng.bit_generator.state = state['rng_state']
        if abs(state.get('lr', lr) - lr) > 1e-12:
            log.warning('resuming with lr=%g; the checkpoint was trained with lr=%g',
                        lr, state['lr'])
        log.info('resuming at epoch %d, batch %d', first_epoch + 1, first_batch)

    def checkpoint(epoch, batch, rng_state, sums):
        if checkpoint_dir is not None:
            _save_checkpoint(checkpoint_dir, net, trainer, {
                'format': 1, 'epoch': epoch, 'batch': batch, 'history': history.records,
                'rng_state': rng_state, 'partial': sums, 'lr': lr, 'num_epochs': num_epochs,
                'ctx': history.ctx, 'time': time.time()})

    rep = get_reporter(reporter)
    rep.start(num_epochs, num_batches, first_epoch)
    best = max(history.column('test_acc'), default=-1.0)
    try:
        with _InterruptGuard() as guard:
            for epoch in range(first_epoch, num_epochs):
                rng_state = _rng_state(train_iter)
                start = first_batch if epoch == first_epoch else 0
                sums = onp.array(partial if epoch == first_epoch and partial else [0., 0., 0.])
                epoch_lr = _epoch_lr(lr_schedule, lr, epoch, num_epochs)
                trainer.set_learning_rate(epoch_lr)
                t0 = time.perf_counter()
                if fast:
                    batches = train_data.batches(train_iter.epoch_order(), start)
                else:
                    batches = _iter_batches(train_iter, ctxs, 'train_iter', start)
                pending, sizes, done = [], [], start   # done: batches stepped this epoch
                n_before = sums[2]
                try:
                    for i, (parts, b) in enumerate(batches, start):
                        with autograd.record():
                            outs = [forward(X, y) for X, y in parts]
                        autograd.backward([l for l, _ in outs])
                        trainer.step(b)
                        pending.append([s for _, s in outs])
                        sizes.append(b)
                        done = i + 1
                        rep.batch(epoch, i)
                        if len(pending) == sync_every:
                            sums = _flush(sums, pending, sizes, epoch, done, epoch_lr)
                            rep.sync(epoch, i, sums[0] / sums[2], sums[1] / sums[2])
                        guard.check()
                    sums = _flush(sums, pending, sizes, epoch, done, epoch_lr)
                except KeyboardInterrupt:
                    sums = _flush(sums, pending, sizes, epoch, done, epoch_lr)
                    checkpoint(epoch, done, rng_state, sums.tolist())
                    raise
                if sums[2] == 0:
                    raise ValueError('train_iter must yield at least one batch, got none')
                if num_batches is None:
                    num_batches = done
                if done != num_batches:
                    log.warning('train_iter yielded %d batches, expected %d', done, num_batches)
                rep.sync(epoch, done - 1, sums[0] / sums[2], sums[1] / sums[2])
                t1 = time.perf_counter()
                with autograd.predict_mode():
                    if test_data is not None:
                        correct, count = _evaluate(model, test_data.batches())
                    else:
                        correct, count = _evaluate(model, _iter_batches(test_iter, ctxs,
                                                                        'test_iter'))
                t2 = time.perf_counter()
                trained = int(sums[2] - n_before)   # fewer than num_examples after a resume
                record = {'epoch': epoch + 1, 'train_loss': sums[0] / sums[2],
                          'train_acc': sums[1] / sums[2], 'test_acc': correct / count,
                          'num_examples': int(sums[2]), 'trained_examples': trained,
                          'train_seconds': t1 - t0, 'seconds': t2 - t0,
                          'examples_per_sec': trained / (t1 - t0), 'lr': epoch_lr}
                history.records.append(record)
                log.info('epoch %d: loss %.3f, train acc %.3f, test acc %.3f, %.1f examples/sec',
                         epoch + 1, record['train_loss'], record['train_acc'],
                         record['test_acc'], record['examples_per_sec'])
                checkpoint(epoch + 1, 0, _rng_state(train_iter), None)
                if checkpoint_dir is not None and record['test_acc'] > best:
                    best = record['test_acc']
                    _atomic_write(pathlib.Path(checkpoint_dir) / 'best.params',
                                  net.save_parameters)
                rep.epoch_end(record)
                guard.check()
    except KeyboardInterrupt:
        if checkpoint_dir is not None:
            log.warning('interrupted: checkpoint saved in %s; resume=True continues',
                        checkpoint_dir)
        raise
    finally:
        rep.close()
    for line in format_summary(history):
        log.info(line)
    rep.finish(history)
    return history


def _flush(sums, pending, sizes, epoch, done, lr):
    """Add the queued batches' stats to sums; raise FloatingPointError at the first non-finite loss."""
    if not pending:
        return sums
    stats = _read_stats(pending)                                     # (batches, 2)
    bad = onp.flatnonzero(~onp.isfinite(stats[:, 0]))
    if bad.size:
        batch = done - len(pending) + int(bad[0])
        raise FloatingPointError(
            f'training loss is {stats[bad[0], 0]} at epoch {epoch + 1}, batch {batch + 1}: '
            f'the learning rate lr={lr:g} is probably too high; try a lower one '
            f'(e.g. lr={lr / 10:g})')
    sums = sums + onp.array([stats[:, 0].sum(), stats[:, 1].sum(), float(sum(sizes))])
    pending.clear()
    sizes.clear()
    return sums
