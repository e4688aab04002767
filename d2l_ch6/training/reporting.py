"""What train_ch5 reports: epoch records, the History, the book's closing lines and reporters.

The book's ``train_ch5`` (section 6.6.2) animates its curves and prints two
lines at the end. Here the numbers are kept (``EpochRecord``, ``History``)
and how they are shown is a parameter. By default (``'auto'``) the book's two
closing lines are printed wherever train_ch5 runs, after d2l's Animator in a
notebook or a tqdm bar in a terminal; ``None`` shows nothing.
"""
import dataclasses
import importlib.util
import math
import sys
import time

from .._arguments import shown

__all__ = ['EpochRecord', 'History', 'format_summary', 'plot_history', 'Reporter',
           'SummaryReporter', 'TqdmReporter', 'AnimatorReporter', 'get_reporter']


@dataclasses.dataclass
class EpochRecord:
    """One epoch of train_ch5: its metrics, learning rate and timing (the package's addition).

    num_examples: examples in the epoch's train metrics; trained_examples:
    those trained in this process (fewer after a mid-epoch resume);
    train_seconds: training time only, as the book counts examples/sec.
    """
    epoch: int
    train_loss: float
    train_acc: float
    test_acc: float
    lr: float
    num_examples: int
    trained_examples: int
    train_seconds: float
    seconds: float

    def __post_init__(self):
        # Python numbers, so that the record reads 2.43, not numpy 2's np.float64(2.43)
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if type(value).__module__ == 'numpy':
                setattr(self, field.name, value.item())

    @property
    def examples_per_sec(self):
        return self.trained_examples / self.train_seconds if self.train_seconds else math.nan

    def to_dict(self):
        return dict(dataclasses.asdict(self), examples_per_sec=self.examples_per_sec)

    @classmethod
    def from_dict(cls, d):
        """Return the record of a dict written by to_dict; TypeError or ValueError if it is not one."""
        if not isinstance(d, dict):
            raise TypeError(f'an epoch record must be a dict, got {type(d).__name__}')
        fields = {f.name: f.type for f in dataclasses.fields(cls)}
        missing = sorted(set(fields) - set(d))
        if missing:
            raise ValueError(f'an epoch record lacks {", ".join(missing)}')
        values = {}
        for name, kind in fields.items():
            v = d[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) \
                    or (kind is int and v != int(v)):
                raise TypeError(f'epoch record field {name} must be {kind.__name__}, '
                                f'got {shown(v)}')
            values[name] = kind(v)
        return cls(**values)


class History:
    """The EpochRecords of a train_ch5 run and the devices it ran on (the package's addition).

    Iterating gives the trained epochs 1, 2, ...; start is epoch 0, the
    untrained net's record (train loss and accuracy measured without
    training, test accuracy), or None where a run did not measure it.
    """

    def __init__(self, ctx='', records=(), start=None):
        self.ctx = ctx
        self.records = list(records)
        self.start = start

    def __len__(self):
        return len(self.records)

    def __getitem__(self, i):
        return self.records[i]

    def __iter__(self):
        return iter(self.records)

    def append(self, record):
        self.records.append(record)

    def column(self, name):
        """Return one field of every epoch, as a list."""
        return [getattr(r, name) for r in self.records]

    @property
    def examples_per_sec(self):
        """Training examples per second of training time over all epochs, as the book counts."""
        seconds = sum(self.column('train_seconds'))
        return sum(self.column('trained_examples')) / seconds if seconds else math.nan

    def to_dict(self):
        d = {'ctx': self.ctx, 'epochs': [r.to_dict() for r in self.records]}
        if self.start is not None:
            d['start'] = self.start.to_dict()
        return d

    @classmethod
    def from_dict(cls, d):
        """Return the History of a dict written by to_dict; TypeError or ValueError if it is not one."""
        if not isinstance(d, dict) or not isinstance(d.get('ctx'), str) \
                or not isinstance(d.get('epochs'), list):
            raise TypeError("a history must be a dict with 'ctx' (str) and 'epochs' (list)")
        start = d.get('start')
        return cls(d['ctx'], [EpochRecord.from_dict(r) for r in d['epochs']],
                   None if start is None else EpochRecord.from_dict(start))

    def __repr__(self):
        return f'History(ctx={self.ctx!r}, epochs={len(self)})'


def format_summary(history):
    """Return the book's two closing lines: 'loss …, train acc …, test acc …' and '… examples/sec on …' (Book section 6.6.2)."""
    last = history[-1]
    return [f'loss {last.train_loss:.3f}, train acc {last.train_acc:.3f}, '
            f'test acc {last.test_acc:.3f}',
            f'{history.examples_per_sec:.1f} examples/sec on {history.ctx}']


def plot_history(history, ax=None):
    """Draw train loss, train acc and test acc against the epoch and return the axes (the package's addition).

    The curves start at epoch 0, the untrained net, where history has it (history.start).
    """
    from matplotlib.ticker import MaxNLocator
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    records = ([history.start] if history.start is not None else []) + list(history)
    epochs = [r.epoch for r in records]
    for name, style in (('train_loss', '-'), ('train_acc', 'm--'), ('test_acc', 'g-.')):
        ax.plot(epochs, [getattr(r, name) for r in records], style,
                label=name.replace('_', ' '))
    ax.set_xlabel('epoch')
    ax.set_ylabel('loss, accuracy')
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # whole epochs
    ax.set_xlim(min(epochs) if len(epochs) > 1 else 0, max(epochs))
    ax.grid(True)
    ax.legend()
    return ax


class Reporter:
    """Receive train_ch5's progress and show nothing: reporter=None (the package's addition)."""

    def start(self, num_epochs, num_batches, first_epoch):
        """Training starts (first_epoch > 0 after resume)."""

    def batch(self, epoch, i):
        """Batch i of epoch (0-based) was queued; called every batch."""

    def sync(self, epoch, i, train_loss, train_acc):
        """The running epoch metrics after batch i, read every few batches."""

    def epoch_end(self, record):
        """An epoch finished, with its EpochRecord."""

    def finish(self, history):
        """Training finished; history holds every epoch."""

    def close(self):
        """Release the display (also after an error or interruption)."""


class SummaryReporter(Reporter):
    """Print the book's closing lines when training ends, as a script wants (Book section 6.6.2).

    out: where to print them (None: sys.stdout as it is at the end).
    """

    def __init__(self, out=None):
        self.out = out

    def finish(self, history):
        for line in format_summary(history):
            print(line, file=self.out or sys.stdout)


class TqdmReporter(SummaryReporter):
    """Show a tqdm bar per epoch, then print the closing lines, for terminals (the package's addition)."""

    def __init__(self, file=None, out=None):
        super().__init__(out)
        self.file, self.bar = file, None

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
            self.bar.set_postfix(loss=f'{record.train_loss:.3f}', acc=f'{record.train_acc:.3f}',
                                 test_acc=f'{record.test_acc:.3f}')
        self.close()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class AnimatorReporter(SummaryReporter):
    """Animate loss and accuracies with d2l's Animator, as the book does, then print the closing lines (Book section 6.6.2).

    Each Animator.add draws the whole figure again, on the Python thread
    that feeds the devices. The book adds a point every 50 batches; here a
    running point within an epoch is drawn at most every redraw_seconds
    (the epoch's end always is), so that drawing does not slow training.
    """

    def __init__(self, redraw_seconds=5.0, out=None):
        super().__init__(out)
        self.redraw_seconds = redraw_seconds

    def start(self, num_epochs, num_batches, first_epoch):
        if not _have_d2l():
            raise ModuleNotFoundError("reporter='animator' draws with d2l's Animator: pip install "
                                      '--no-deps d2l==1.0.3 (its pins have no build for Python '
                                      '3.12 and later; d2l-ch6 declares what it needs)', name='d2l')
        from d2l import mxnet as d2l
        from matplotlib_inline import backend_inline
        self.num_batches, self.drawn = num_batches, time.perf_counter()
        self.animator = d2l.Animator(xlabel='epoch', xlim=[0, num_epochs],
                                     legend=['train loss', 'train acc', 'test acc'])
        # d2l's Animator switches the notebook to SVG; the chapter's figures are PNG
        backend_inline.set_matplotlib_formats('png')

    def sync(self, epoch, i, train_loss, train_acc):
        # num_batches None: an iterable without len(), drawn at epoch ends only
        if self.num_batches and time.perf_counter() - self.drawn >= self.redraw_seconds:
            self._add(epoch + (i + 1) / self.num_batches, (train_loss, train_acc, None))

    def epoch_end(self, record):
        self._add(record.epoch, (record.train_loss, record.train_acc, record.test_acc))

    def _add(self, x, y):
        self.animator.add(x, y)
        self.drawn = time.perf_counter()


def _have_d2l():
    return importlib.util.find_spec('d2l') is not None


def _in_notebook():
    shell = sys.modules.get('IPython') and sys.modules['IPython'].get_ipython()
    return shell is not None and type(shell).__name__ == 'ZMQInteractiveShell'


REPORTERS = {'animator': AnimatorReporter, 'tqdm': TqdmReporter, 'summary': SummaryReporter,
             'none': Reporter}


def get_reporter(reporter='auto'):
    """Return the Reporter named 'auto', 'animator', 'tqdm', 'summary' or 'none' (the package's addition).

    'auto' animates in a notebook (where d2l is installed, as make setup and
    the Colab cell do; a plain pip install has no d2l), shows a progress bar
    when stderr is a terminal, and in any case prints the book's two closing
    lines at the end; None and 'none' show nothing.
    """
    if reporter is None:
        return Reporter()
    if isinstance(reporter, Reporter):
        return reporter
    if reporter == 'auto':
        return AnimatorReporter() if _in_notebook() and _have_d2l() else \
            TqdmReporter() if sys.stderr.isatty() else SummaryReporter()
    if not isinstance(reporter, str):
        raise TypeError(f"reporter must be 'auto', one of {sorted(REPORTERS)}, None or a "
                        f'Reporter, got {type(reporter).__name__} {reporter!r}')
    if reporter not in REPORTERS:
        raise ValueError(f"reporter must be 'auto', one of {sorted(REPORTERS)}, None or a "
                         f'Reporter, got {reporter!r}')
    return REPORTERS[reporter]()
