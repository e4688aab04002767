"""What train_ch5 keeps beside the book's loop: records, epoch 0, checkpoints, Ctrl-C, the reporter (the package's addition).

The book's ``train_ch5`` (section 6.6.2) keeps an ``Animator`` and a
``Timer`` beside its loop. Ours keeps one ``Bookkeeper``, whose calls the loop
makes in the open:

* ``with Bookkeeper(...) as books``: lock the checkpoint folder, turn a first
  Ctrl-C into a flag, measure epoch 0 (the untrained net) or load the
  checkpoint to resume; on a normal end, the reporter shows the book's
  closing lines;
* ``books.epochs()``: the epochs to train (after a resume, from its epoch);
* ``books.train_metric(epoch)``: a new ``TrainMetric`` (a resumed epoch's
  sums so far);
* ``books.batches(epoch, metric)``: the epoch's batches; after each one it
  shows metric's running means and, on Ctrl-C, saves where the epoch stands
  and stops;
* ``books.epoch_end(epoch, metric, test_acc)``: the epoch's ``EpochRecord``
  into ``books.history``, a checkpoint, the reporter.
"""
import contextlib
import dataclasses
import logging
import time

from mxnet import autograd

from . import devices
from .checkpoint import Checkpointer, InterruptGuard, Position, run_spec
from .model import Accuracy, TrainMetric
from .reporting import EpochRecord, History, get_reporter

__all__ = ['Bookkeeper', 'evaluate']

log = logging.getLogger(__name__)


def evaluate(net, data):
    """Return net's accuracy on device data: right predictions over examples (Book section 6.6.2)."""
    metric, i = Accuracy(data), -1     # right predictions, examples
    with autograd.predict_mode():
        for i, batch in enumerate(data.batches()):
            for X, y in batch.parts:   # one part per device
                metric.add(i, net(X), X, y)
    if i < 0:                          # an empty generator: no accuracy, not nan
        raise ValueError(f'{getattr(data, "name", "data_iter")} must yield at least one '
                         '(X, y) batch to measure an accuracy, got none')
    return metric.accuracy()


class Bookkeeper:
    """Keep a train_ch5 run's History, its checkpoints and its reporter; stop it on Ctrl-C with a checkpoint.

    model, loss, trainer: the run's, after net.initialize. train_iter: the
    caller's, for its shuffling rng and the checkpoint's RunSpec; train_data,
    test_data: the same on the devices. The rest are train_ch5's arguments.
    """

    def __init__(self, model, loss, trainer, train_iter, train_data, test_data, num_epochs, lr,
                 lr_schedule, seed, checkpoint_dir, resume, reporter):
        self.model, self.loss, self.trainer = model, loss, trainer
        self.train_iter, self.train_data, self.test_data = train_iter, train_data, test_data
        self.num_epochs, self.resume = num_epochs, resume
        self.run = run_spec(model.net, train_iter, lr, lr_schedule, num_epochs, seed)
        self.checkpoint_dir, self.reporter = checkpoint_dir, get_reporter(reporter)
        self.history, self.at = None, Position()
        self._stack = contextlib.ExitStack()

    def __enter__(self):
        with self._stack as stack:
            stack.callback(self.reporter.close)
            self._checkpoints = stack.enter_context(Checkpointer(self.checkpoint_dir, self.run))
            self._guard = stack.enter_context(InterruptGuard())
            if self.resume:
                self.history, self.at = self._checkpoints.resume(
                    self.model.net, self.trainer, self.model.ctxs, self.train_iter,
                    self.num_epochs)
            else:
                self.history = self._untrained()
            self.reporter.start(self.num_epochs, self.train_data.num_batches, self.at.epoch)
            if self.history.start is not None and self.at.epoch == 0:
                self.reporter.epoch_end(self.history.start)
            self._stack = stack.pop_all()     # held until __exit__
        return self

    def __exit__(self, kind, error, traceback):
        self._stack.close()                   # the reporter, the Ctrl-C handler, the lock
        if kind is None:
            self.reporter.finish(self.history)

    def _untrained(self):
        """A new History whose start, epoch 0, is the untrained net's train loss and accuracies.

        The train metrics are measured as in training, in predict mode, over
        the examples in their stored order: the run's shuffling and epochs stay
        what they were. Only for a DataIter (any other iterable may be one-shot).
        """
        history = History(devices.ctx_str(self.model.ctxs))
        batches = self.train_data.in_order()
        if batches is None:
            return history
        start = time.perf_counter()
        metric = TrainMetric('epoch 0 (the untrained net)', self.model.check_inputs)
        with autograd.predict_mode():
            for i, batch in enumerate(batches):
                for X, y in batch.parts:
                    y_hat = self.model(X)
                    metric.add(i, self.loss(y_hat, y), y_hat, X, y)
        n = int(metric.read()[-1])
        test_acc, seconds = evaluate(self.model, self.test_data), time.perf_counter() - start
        history.start = EpochRecord(0, metric.mean('loss'), metric.mean('right'), test_acc, 0.0,
                                    n, 0, seconds, seconds)
        return history

    def epochs(self):
        """Return the 0-based epochs left to train."""
        return range(self.at.epoch, self.num_epochs)

    def train_metric(self, epoch):
        """Return a new TrainMetric for 0-based epoch, holding a resumed epoch's sums so far."""
        totals = self.at.totals if epoch == self.at.epoch else None
        return TrainMetric(f'epoch {epoch + 1}', self.model.check_inputs, totals)

    def batches(self, epoch, metric):
        """Yield (i, Batch) for 0-based epoch from where it stands; after each, report, and stop on Ctrl-C.

        A first Ctrl-C stops after the batch it came in, with a checkpoint of
        where the epoch stands (metric's sums so far) where there is a
        checkpoint_dir. When the batches are done, metric is read (which waits
        for the last ones and checks them) and the training time taken.
        """
        self.at = self.at.of_epoch(epoch, self.train_iter)   # before the epoch's shuffle
        self._start, last_read = time.perf_counter(), None
        for i, batch in enumerate(self.train_data.batches(self.at.batch), self.at.batch):
            yield i, batch
            if metric.last_read != last_read:
                last_read = metric.last_read
                self.reporter.sync(epoch, last_read, metric.mean('loss'), metric.mean('right'))
            self.reporter.batch(epoch, i)
            if self._guard.flag:
                self._stop(dataclasses.replace(self.at, batch=i + 1,
                                               totals=metric.read().tolist()))
        metric.read()
        self._train_seconds = time.perf_counter() - self._start

    def _stop(self, position):
        if self.checkpoint_dir is not None:
            self._checkpoints.save(self.model.net, self.trainer, self.history, position)
            log.warning('interrupted: checkpoint saved in %s; resume=True continues',
                        self.checkpoint_dir)
        raise KeyboardInterrupt

    def epoch_end(self, epoch, metric, test_acc):
        """Record 0-based epoch from its train metric and test accuracy, save a checkpoint, report it."""
        n = int(metric.read()[-1])
        if n == 0:
            raise ValueError(f'train_iter must yield at least one batch, got none in epoch '
                             f'{epoch + 1}')
        trained = n - int(self.at.totals[-1] if self.at.totals else 0)  # fewer after a resume
        record = EpochRecord(epoch + 1, metric.mean('loss'), metric.mean('right'), test_acc,
                             self.trainer.learning_rate, n, trained, self._train_seconds,
                             time.perf_counter() - self._start)
        self.history.append(record)
        self.at = self.at.of_epoch(epoch + 1, self.train_iter)
        self._checkpoints.save(self.model.net, self.trainer, self.history, self.at)
        self.reporter.epoch_end(record)
