"""Tests for d2l_ch6.training: evaluate_accuracy_gpu and train_ch5 (Book section 6.6.2).

References: a hand count of right predictions; the book's own loop
(benchmarks/book_loop.py: d2l's train_ch5, with d2l's Accumulator, accuracy
and evaluate_accuracy_gpu; the benchmark times the same copy); a run on one
device for the data-parallel run; an uninterrupted run for a resumed one.
"""
import dataclasses
import fcntl
import io
import json
import os
import pathlib
import pty
import re
import struct
import subprocess
import sys
import termios

import matplotlib

matplotlib.use('Agg')

import mxnet as mx  # noqa: E402
import numpy as onp  # noqa: E402
import pytest  # noqa: E402
from mxnet import autograd, gluon, init, np  # noqa: E402
from mxnet.gluon import nn  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from d2l_ch6 import data, training  # noqa: E402
from d2l_ch6.training import bookkeeping, devices  # noqa: E402
from d2l_ch6.lenet import MODEL_LR, MODEL_LR_SCHEDULE, lenet, lenet_improved  # noqa: E402
from d2l_ch6.training.reporting import EpochRecord  # noqa: E402
from d2l_ch6.training import (AnimatorReporter, History, Reporter,  # noqa: E402
                              SummaryReporter, TqdmReporter,
                              evaluate_accuracy_gpu, format_summary, get_reporter,
                              load_checkpoint, plot_history, train_ch5)
from conftest import assert_same_params, iters, params_of  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / 'benchmarks'))
from book_loop import book_train_ch5  # noqa: E402  (the benchmark's copy of the book's loop)

TWO_CPUS = [mx.cpu(0), mx.cpu(1)]
needs_gpu = pytest.mark.skipif(mx.context.num_gpus() == 0, reason='needs a GPU and mxnet-cu112')


# ------------------------------------------------------------ evaluation

def test_evaluate_accuracy_gpu_against_hand_count():
    """A Dense net that predicts the brightest of the first 10 pixels; half the labels are right."""
    net = nn.Dense(10, use_bias=False, in_units=784)
    net.initialize()
    W = onp.zeros((10, 784), dtype=onp.float32)
    W[onp.arange(10), onp.arange(10)] = 1
    net.weight.set_data(np.array(W))
    n = 30
    X = onp.zeros((n, 1, 28, 28), dtype=onp.float32)
    k = onp.arange(n) % 10
    X[onp.arange(n), 0, 0, k] = 1                     # pixel k lit: predicts class k
    y = onp.where(onp.arange(n) < 15, k, (k + 1) % 10).astype(onp.int32)  # 15 of 30 right
    it = data.DataIter(X, y, 7)
    assert evaluate_accuracy_gpu(net, it) == 0.5
    as_list = [(np.array(X[i:i + 7]), np.array(y[i:i + 7])) for i in range(0, n, 7)]
    assert evaluate_accuracy_gpu(net, as_list, ctx=mx.cpu()) == 0.5


def test_evaluate_accuracy_gpu_agrees_with_numpy_on_real_data(small):
    net = lenet()
    net.initialize(init.Xavier())
    X, y = small[2], small[3]
    expected = (net(np.array(X)).asnumpy().argmax(axis=1) == y).mean()
    assert evaluate_accuracy_gpu(net, data.DataIter(X, y, 100)) == pytest.approx(expected, abs=1e-9)
    # later editions name ctx device
    assert evaluate_accuracy_gpu(net, data.DataIter(X, y, 100), device=mx.cpu()) == \
        pytest.approx(expected, abs=1e-9)
    with pytest.raises(TypeError, match='pass ctx or device'):
        evaluate_accuracy_gpu(net, data.DataIter(X, y, 100), ctx=mx.cpu(), device=mx.cpu())


# ---------------------------------------------------------------- training

def test_short_training_beats_chance(small):
    """Exercise 6.6.2's net on 2,048 real images, 3 epochs: far above the 0.1 of chance."""
    train_iter, test_iter = iters(small)
    history = train_ch5(lenet_improved(), train_iter, test_iter, 3, MODEL_LR['lenet-improved'],
                        ctx='cpu', reporter=None, seed=0,
                        lr_schedule=MODEL_LR_SCHEDULE['lenet-improved'])
    assert len(history) == 3 and history.ctx == 'cpu(0)'
    assert history[-1].test_acc > 0.5 and history[-1].train_acc > 0.6  # chance: 0.1
    assert history[-1].train_loss < history[0].train_loss
    assert all(r.num_examples == 2048 and r.examples_per_sec > 0 for r in history)
    assert history.column('epoch') == [1, 2, 3]
    loss_line, speed_line = format_summary(history)
    last = history[-1]
    assert loss_line == (f"loss {last.train_loss:.3f}, train acc {last.train_acc:.3f}, "
                         f"test acc {last.test_acc:.3f}")
    assert speed_line.endswith(' examples/sec on cpu(0)')


@pytest.mark.parametrize('hybridize', [True, False])
def test_same_numbers_as_the_books_loop(small, hybridize):
    """Same seed, same data order: train_ch5's loss and accuracy are the book loop's."""
    train_iter, test_iter = iters(small)
    history = train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx=mx.cpu(), reporter=None,
                        seed=1, hybridize=hybridize)
    # seed=1 reseeds train_iter's shuffling too; the book's run used a fresh seed-0 iterator
    train_iter, _ = iters(small, seed=1)
    mx.random.seed(1)
    expected = book_train_ch5(lenet(), train_iter, test_iter, 2, 0.9, mx.cpu())
    assert_allclose(history.column('train_loss'), [e['train_loss'] for e in expected], rtol=1e-5)
    assert_allclose(history.column('train_acc'), [e['train_acc'] for e in expected], rtol=1e-6)
    assert_allclose(history.column('test_acc'), [e['test_acc'] for e in expected], atol=1e-9)


def test_generic_iterable_gives_the_same_numbers(small):
    """Batches from any iterable of (X, y) give what the DataIter's on-device fast path gives."""
    train_iter, test_iter = iters(small)
    fast = train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None, seed=3)

    class Wrapped:  # hides X/y, so train_ch5 takes its generic path
        def __init__(self, it):
            self.it = it

        def __iter__(self):
            return iter(self.it)

    train_iter, test_iter = iters(small)
    onp.random.seed(3)
    train_iter.rng = onp.random.default_rng(3)
    slow = train_ch5(lenet(), Wrapped(train_iter), Wrapped(test_iter), 2, 0.9, ctx='cpu',
                     reporter=None, seed=3)
    assert_allclose(slow.column('train_loss'), fast.column('train_loss'), rtol=1e-5)
    assert_allclose(slow.column('test_acc'), fast.column('test_acc'), rtol=1e-9)


def test_two_devices_match_one(small):
    """Data parallel on cpu(0) and cpu(1), one Trainer: the single-device losses and parameters."""
    runs = []
    for ctx in ([mx.cpu(0)], TWO_CPUS):
        train_iter, test_iter = iters(small)
        net = lenet()
        history = train_ch5(net, train_iter, test_iter, 2, 0.9, ctx=ctx, reporter=None, seed=0)
        runs.append((history, params_of(net)))
    (one, p_one), (two, p_two) = runs
    assert two.ctx == '[cpu(0), cpu(1)]'
    assert_allclose(two.column('train_loss'), one.column('train_loss'), rtol=1e-5)
    assert_allclose(two.column('train_acc'), one.column('train_acc'), atol=1e-3)
    assert_allclose(two.column('test_acc'), one.column('test_acc'), atol=2e-3)
    assert_same_params(p_two, p_one, rtol=1e-3, atol=1e-5)


def test_same_seed_same_losses(small):
    results = []
    train_iter, test_iter = iters(small)
    for _ in range(2):  # the same iterators again: the seed resets their shuffling
        results.append(train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu',
                                 reporter=None, seed=5).column('train_loss'))
    assert results[0] == results[1]
    other = train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None, seed=6)
    assert other.column('train_loss') != results[0]



class UntrainedCheck(Reporter):
    """At epoch 0, compute the untrained net's numbers independently, in plain Gluon and numpy."""

    def __init__(self, net, train_iter, test_iter):
        self.net, self.train_iter, self.test_iter, self.seen = net, train_iter, test_iter, []

    def epoch_end(self, record):
        self.seen.append(record.epoch)
        if record.epoch == 0:
            self.expected = [self._loss_acc(self.train_iter), self._loss_acc(self.test_iter)[1]]

    def _loss_acc(self, it):
        X = np.array(it.X, ctx=mx.cpu())
        y_hat = self.net(X)      # not recorded: predict mode
        loss = gluon.loss.SoftmaxCrossEntropyLoss()(y_hat, np.array(it.y, ctx=mx.cpu()))
        right = (y_hat.asnumpy().argmax(axis=1) == it.y).mean()
        return float(loss.mean()), float(right)


def test_epoch_0_is_the_untrained_net(small):
    """history.start: the untrained net's train loss and accuracies, before any step."""
    train_iter, test_iter = iters(small)
    net = lenet()
    check = UntrainedCheck(net, train_iter, test_iter)
    history = train_ch5(net, train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=check, seed=2)
    start = history.start
    assert check.seen == [0, 1, 2] and start.epoch == 0 and start.trained_examples == 0
    (loss, acc), test_acc = check.expected
    assert_allclose(start.train_loss, loss, rtol=1e-5)
    assert_allclose([start.train_acc, start.test_acc], [acc, test_acc], atol=1e-9)
    assert abs(start.train_loss - onp.log(10)) < 0.5          # about chance before training
    assert history[0].train_loss != start.train_loss


def test_measuring_epoch_0_leaves_the_run_unchanged(small, monkeypatch):
    """The epoch-0 pass neither shuffles nor trains: the epochs are those of a run without it."""
    def run():
        train_iter, test_iter = iters(small)
        return train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None, seed=4)
    measured = run()
    monkeypatch.setattr(bookkeeping.Bookkeeper, '_untrained',
                        lambda books: History(devices.ctx_str(books.model.ctxs)))
    plain = run()
    assert plain.start is None and measured.start is not None
    assert measured.column('train_loss') == plain.column('train_loss')
    assert measured.column('test_acc') == plain.column('test_acc')


def test_no_epoch_0_for_an_iterable_that_may_be_one_shot(small):
    """A generator is read once, for the training: its run has no epoch 0 (history.start None)."""
    X, y, X_test, y_test = small
    batches = ((np.array(X[i:i + 256]), np.array(y[i:i + 256])) for i in range(0, 2048, 256))
    history = train_ch5(lenet(), batches, batches_of(X_test, y_test), 1, 0.9, ctx='cpu',
                        reporter=None, seed=0)
    assert history.start is None and history[0].num_examples == 2048


def test_history_round_trips_through_a_dict_with_its_start():
    record = EpochRecord(epoch=0, train_loss=2.3, train_acc=0.1, test_acc=0.1, lr=0.0,
                         num_examples=10, trained_examples=0, train_seconds=1, seconds=1)
    history = History('cpu(0)', [dataclasses.replace(record, epoch=1, trained_examples=10)],
                      start=record)
    back = History.from_dict(json.loads(json.dumps(history.to_dict())))
    assert (back.ctx, back.start, back.records) == (history.ctx, record, history.records)
    assert History.from_dict({'ctx': 'cpu(0)', 'epochs': []}).start is None
    for bad in ([], {'ctx': 1, 'epochs': []}, {'ctx': 'cpu(0)'}):
        with pytest.raises(TypeError, match='history must be a dict'):
            History.from_dict(bad)
    with pytest.raises(ValueError, match='lacks'):
        History.from_dict({'ctx': 'cpu(0)', 'epochs': [], 'start': {'epoch': 0}})

# ------------------------------------------------------ data and NaN guards

def batches_of(X, y, size=128):
    return [(np.array(X[i:i + size]), np.array(y[i:i + size])) for i in range(0, len(X), size)]


def test_non_finite_images_are_named_not_blamed_on_the_learning_rate(small):
    """A DataIter's images are checked before training; any other iterable's batch by batch."""
    X, y = small[0][:1024].copy(), small[1][:1024]
    X[2 * 128 + 5, 0, 3, 3] = onp.nan                 # in the third batch of 128
    X[2 * 128 + 9, 0, 0, 0] = onp.inf
    test = batches_of(X[:8], y[:8])
    with pytest.raises(ValueError, match=r'train_iter.X holds 2 images with non-finite values '
                                         r'\(NaN or inf\), the first example 261: the data must '
                                         r'be finite'):
        train_ch5(lenet(), data.DataIter(X, y, 128), test, 1, 0.9, ctx='cpu', reporter=None)
    with pytest.raises(ValueError, match=r'the images of epoch 1, batch 3 hold 2 non-finite '
                                         r'values \(NaN or inf\): the data must be finite'):
        train_ch5(lenet(), batches_of(X, y), test, 1, 0.9, ctx='cpu', reporter=None, seed=0)


@pytest.mark.parametrize('bad, count', [(10, 1), (-1, 1), (2.5, 1), (99, 3)])
def test_labels_that_are_not_a_class_are_refused(small, bad, count):
    """SoftmaxCrossEntropyLoss would clip 10 to 9 and cast 2.5 to 2: silently wrong numbers."""
    X, y = small[0][:512], small[1][:512].astype(onp.float32)
    y[300:300 + count] = bad                           # batch 3 of 128
    test = batches_of(X, small[1][:512])
    with pytest.raises(ValueError, match=rf"train_iter.y holds {count} labels that are not a "
                                         rf"class index of the net's 10 outputs \(an integer "
                                         rf"from 0 to 9\), the first example 300"):
        train_ch5(lenet(), data.DataIter(X, y, 128), test, 1, 0.9, ctx='cpu', reporter=None)
    with pytest.raises(ValueError, match=rf'the labels of epoch 1, batch 3 hold {count} '
                                         'values that are not a class index'):
        train_ch5(lenet(), batches_of(X, y), test, 1, 0.9, ctx='cpu', reporter=None, seed=0)
    with pytest.raises(ValueError, match=rf"test_iter.y holds {count} labels that are not a "
                                         rf"class index of the net's 10 outputs"):
        train_ch5(lenet(), data.DataIter(X, small[1][:512], 128), data.DataIter(X, y, 128), 1,
                  0.9, ctx='cpu', reporter=None)
    net = lenet()
    net.initialize()
    with pytest.raises(ValueError, match=rf'the labels of the evaluated data, batch 3 hold '
                                         rf'{count} values that are not a class index'):
        evaluate_accuracy_gpu(net, batches_of(X, y))


def test_divergence_is_caught(small):
    train_iter, test_iter = iters(small)
    with pytest.raises(FloatingPointError, match=r'training loss is (nan|inf) at epoch 1, batch '
                                                 r'\d+, with finite images and valid labels: '
                                                 r'the learning rate is probably too high'):
        train_ch5(lenet(), train_iter, test_iter, 1, 1e38, ctx='cpu', reporter=None,
                  seed=0)


def test_evaluation_refuses_to_score_non_finite_outputs(small):
    """A NaN row's argmax is 0: scored as class 0 it would count as right for every 0 label."""
    net = nn.Dense(10, in_units=784)
    net.initialize(init.Constant(float('nan')))
    X, y = small[2][:100], onp.zeros(100, dtype=onp.int32)
    with pytest.raises(FloatingPointError, match=r'net gives non-finite outputs for 100 '
                                                 r'examples of the evaluated data, batch 1'):
        evaluate_accuracy_gpu(net, data.DataIter(X, y, 100))


# ---------------------------------------------------------- bad arguments

@pytest.mark.parametrize('kwargs, error, message', [
    ({'num_epochs': 0}, ValueError, 'num_epochs must be an integer >= 1, got 0'),
    ({'num_epochs': 2.5}, TypeError, 'num_epochs must be an integer >= 1, got float 2.5'),
    ({'lr': 0}, ValueError, 'lr must be a finite number > 0, got 0'),
    ({'lr': -0.1}, ValueError, r'lr must be a finite number > 0, got -0.1'),
    ({'lr': float('nan')}, ValueError, 'lr must be a finite number > 0, got nan'),
    ({'lr': '0.9'}, TypeError, "lr must be a finite number > 0, got str '0.9'"),
    ({'ctx': 'tpu'}, ValueError, "ctx must be a Context, a list of them, 'cpu', 'gpu', 'all' or "
                                 "None, got 'tpu'"),
    ({'ctx': 0}, TypeError, r"ctx must be a Context, a list of them, .* got int 0"),
    ({'ctx': []}, ValueError, r'ctx must name at least one device, got an empty list'),
    ({'ctx': [mx.cpu(0), mx.cpu(0)]}, ValueError, 'ctx must not repeat a device'),
    ({'reporter': 'tensorboard'}, ValueError, r"reporter must be 'auto', one of \['animator', "
                                              r"'none', 'summary', 'tqdm'\], None or a Reporter, "
                                              r"got 'tensorboard'"),
    ({'reporter': 3}, TypeError, r"reporter must be 'auto', .* got int 3"),
    ({'resume': True}, ValueError, 'resume=True needs checkpoint_dir, got None'),
    ({'resume': 'yes'}, TypeError, "resume must be True or False, got str 'yes'"),
    ({'lr_schedule': 'step'}, ValueError, "lr_schedule must be None, 'cosine' or a callable"),
    ({'lr_schedule': 3}, TypeError, "lr_schedule must be None, 'cosine' or a callable"),
    ({'lr_schedule': lambda epoch: -0.1}, ValueError, 'lr_schedule must give a finite learning '
                                                      'rate >= 0 for epoch 0, got -0.1'),
    ({'lr_schedule': lambda epoch: '0.1'}, TypeError, 'lr_schedule must give a finite learning '
                                                      "rate >= 0 for epoch 0, got str '0.1'"),
    ({'pad_channels': 'yes'}, TypeError, "pad_channels must be True or False, got str 'yes'"),
    ({'pad_channels': 8}, TypeError, 'pad_channels must be True or False, got int 8'),
    ({'seed': 'abc'}, TypeError, "seed must be an integer >= 0 and <= 4294967295, got str 'abc'"),
    ({'seed': 1.5}, TypeError, 'seed must be an integer >= 0 and <= 4294967295, got float 1.5'),
    ({'seed': -1}, ValueError, r'seed must be an integer >= 0 and <= 4294967295, got -1'),
    ({'seed': 2**40}, ValueError, r'seed must be an integer >= 0 and <= 4294967295, got 1099'),
    ({'net': None}, TypeError, r'net must be a Gluon Block, such as lenet\(\) gives, got NoneType'),
    ({'train_iter': None}, TypeError, r'train_iter must be an iterable of \(X, y\) batches, .* '
                                      'got NoneType'),
    ({'test_iter': 'data'}, TypeError, r'test_iter must be an iterable of \(X, y\) batches, .* '
                                       'got str'),
])
def test_bad_arguments(small, kwargs, error, message):
    train_iter, test_iter = iters(small)
    args = dict(net=lenet(), train_iter=train_iter, test_iter=test_iter, num_epochs=1, lr=0.9,
                ctx='cpu', reporter=None)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        train_ch5(**args)


@pytest.mark.parametrize('shape, message', [
    ((8,), r'train_iter.X must hold examples X of shape \(batch, ...\), such as images \(batch, '
           r'channels, height, width\), got shape \(8,\)'),
    ((8, 28, 28), r'net cannot compute on a batch X of shape \(\d+, 28, 28\) \(for a CNN: batch, '
                  r'channels, height, width\): MXNet says: .*4D'),
    ((8, 1, 4, 4), r'net cannot compute on a batch X of shape \(\d+, 1, 4, 4\) \(for a CNN: '
                   r'batch, channels, height, width\): MXNet says: .*kernel size exceed input'),
])
def test_images_the_net_cannot_take(small, shape, message):
    X = onp.zeros(shape, dtype=onp.float32)
    it = data.DataIter(X, onp.zeros(8, dtype=onp.int32), 4)
    with pytest.raises(ValueError, match=message):
        train_ch5(lenet(), it, it, 1, 0.9, ctx='cpu', reporter=None)


def test_evaluate_accuracy_gpu_bad_arguments(small):
    it = data.DataIter(small[2][:10], small[3][:10], 5)
    with pytest.raises(TypeError, match='net must be a Gluon Block'):
        evaluate_accuracy_gpu(None, it)
    with pytest.raises(ValueError, match=r'net has not been initialised: call net.initialize\(\)'):
        evaluate_accuracy_gpu(lenet(), it)
    net = lenet()
    net.initialize(ctx=mx.cpu(0))
    with pytest.raises(ValueError, match=r'net lives on cpu\(0\), not on cpu\(1\): pass '
                                         r'ctx=None to use its devices'):
        evaluate_accuracy_gpu(net, it, ctx=mx.cpu(1))
    with pytest.raises(TypeError, match='data_iter must be an iterable of'):
        evaluate_accuracy_gpu(net, 'test')
    with pytest.raises(TypeError, match='ctx must be a Context'):
        evaluate_accuracy_gpu(net, it, ctx=0)
    if not mx.context.num_gpus():
        with pytest.raises(ValueError, match=r'ctx gpu\(0\) needs a GPU that MXNet sees, but '
                                             r'it sees 0 \(install mxnet-cu112'):
            evaluate_accuracy_gpu(net, it, ctx=mx.gpu(0))


def test_empty_iterators(small):
    _, test_iter = iters(small)
    with pytest.raises(ValueError, match='train_iter must yield at least one batch'):
        train_ch5(lenet(), [], test_iter, 1, 0.9, ctx='cpu', reporter=None)
    with pytest.raises(ValueError, match='train_iter must yield at least one batch'):
        train_ch5(lenet(), iter([]), test_iter, 1, 0.9, ctx='cpu', reporter=None)
    X, y = np.array(small[0][:8]), np.array(small[1][:8])
    with pytest.raises(ValueError, match='test_iter must yield at least one batch'):
        train_ch5(lenet(), [(X, y)], [], 1, 0.9, ctx='cpu', reporter=None)


def test_an_empty_generator_is_a_named_error_not_nan(small):
    """evaluate_accuracy_gpu on an empty generator returned nan; an empty list already raised."""
    net = lenet()
    net.initialize(ctx=mx.cpu())
    with pytest.raises(ValueError, match=r'data_iter must yield at least one \(X, y\) batch to '
                                         r'measure an accuracy, got none'):
        evaluate_accuracy_gpu(net, (batch for batch in []))
    X, y = np.array(small[0][:8]), np.array(small[1][:8])
    with pytest.raises(ValueError, match='test_iter must yield at least one'):
        train_ch5(lenet(), [(X, y)], (batch for batch in []), 1, 0.9, ctx='cpu', reporter=None)


@pytest.mark.parametrize('batch, what', [
    (lambda X, y: (X, y, y), r'a tuple of 3 items: \(X, y, y\)\? drop the extra items'),
    (lambda X, y: [X], 'a list of 1 items'),
    (lambda X, y: X, 'a ndarray'),
])
def test_batches_that_are_not_pairs_are_named(small, batch, what):
    X, y = np.array(small[0][:8]), np.array(small[1][:8])
    net = lenet()
    net.initialize(ctx=mx.cpu())
    with pytest.raises(ValueError, match=rf'data_iter must yield \(X, y\) pairs, images and '
                                         rf'labels, got {what}'):
        evaluate_accuracy_gpu(net, [batch(X, y)])
    with pytest.raises(ValueError, match=rf'train_iter must yield \(X, y\) pairs.*got {what}'):
        train_ch5(lenet(), [batch(X, y)], [(X, y)], 1, 0.9, ctx='cpu', reporter=None)


def test_labels_that_do_not_match_the_batch(small):
    X, y = np.array(small[0][:8]), np.array(small[1][:8])
    with pytest.raises(ValueError, match=r'train_iter yielded labels y of shape \(8, 1\) for a '
                                         r'batch of 8 examples: expected \(8,\)'):
        train_ch5(lenet(), [(X, y.reshape(8, 1))], [(X, y)], 1, 0.9, ctx='cpu', reporter=None)
    with pytest.raises(ValueError, match=r'data_iter yielded labels y of shape \(7,\)'):
        net = lenet()
        net.initialize()
        evaluate_accuracy_gpu(net, [(X, y[:7])])


# -------------------------------------------------------------- reporting

def test_tqdm_reporter_prints_the_books_closing_lines(small):
    train_iter, test_iter = iters(small)
    bar, out = io.StringIO(), io.StringIO()
    history = train_ch5(lenet(), train_iter, test_iter, 1, 0.9, ctx='cpu',
                        reporter=TqdmReporter(file=bar, out=out), seed=0)
    assert out.getvalue().splitlines() == format_summary(history)
    assert 'epoch 1/1' in bar.getvalue() and '8/8' in bar.getvalue()


def test_get_reporter(monkeypatch):
    assert type(get_reporter(None)) is Reporter and type(get_reporter('none')) is Reporter
    assert isinstance(get_reporter('tqdm'), TqdmReporter)
    assert type(get_reporter('summary')) is SummaryReporter
    mine = Reporter()
    assert get_reporter(mine) is mine
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: False)
    assert type(get_reporter('auto')) is SummaryReporter        # a script, a pipe, a test
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True)
    assert type(get_reporter('auto')) is TqdmReporter           # a terminal


SCRIPT = """
import numpy as onp
from d2l_ch6 import DataIter, lenet, train_ch5
rng = onp.random.default_rng(0)
X = rng.uniform(size=(64, 1, 28, 28)).astype('float32')
y = rng.integers(0, 10, 64)
train_ch5(lenet(), DataIter(X, y, 32), DataIter(X, y, 32), 1, 0.9, ctx='cpu', seed=0{})
"""


@pytest.mark.parametrize('reporter, lines', [('', 2), (', reporter=None', 0)])
def test_a_script_prints_the_books_closing_lines(tmp_path, reporter, lines):
    """python script.py with the README's call prints the book's two lines; reporter=None nothing."""
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT.format(reporter))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()
    assert len(printed) == lines
    if lines:
        assert re.fullmatch(r'loss \d\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}', printed[0])
        assert re.fullmatch(r'\d+\.\d examples/sec on cpu\(0\)', printed[1])


def test_a_terminal_shows_a_progress_bar_and_the_closing_lines(tmp_path):
    """In a terminal (stderr a tty), 'auto' draws a tqdm bar, then prints the two lines."""
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT.format(''))
    pid, fd = pty.fork()
    if pid == 0:                                   # the child: stdin, stdout, stderr the pty
        fcntl.ioctl(2, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 100, 0, 0))  # 100 columns
        os.execv(sys.executable, [sys.executable, str(script)])
    out = b''
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:                            # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    assert os.waitpid(pid, 0)[1] == 0, out
    text = out.decode()
    assert 'epoch 1/1' in text and '2/2' in text
    assert re.search(r'loss \d\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}', text)
    assert re.search(r'examples/sec on cpu\(0\)', text)


class Drawn(list):
    """An Animator stand-in that records each add (a redraw)."""

    def add(self, x, y):
        self.append((x, y))


def test_the_animator_draws_at_epoch_ends_and_at_most_every_redraw_seconds(monkeypatch):
    from d2l_ch6.training import reporting
    clock = [0.0]
    monkeypatch.setattr(reporting.time, 'perf_counter', lambda: clock[0])
    rep = AnimatorReporter(redraw_seconds=5.0)
    rep.num_batches, rep.drawn, rep.animator = 100, 0.0, Drawn()
    for i, t in ((49, 1.0), (99, 4.0), (149, 6.0), (199, 7.0)):
        clock[0] = t
        rep.sync(0, i, 2.0, 0.1)
    assert rep.animator == [(1.5, (2.0, 0.1, None))]              # at 6 s, 5 s after start
    record = EpochRecord(1, 1.0, 0.5, 0.6, 0.9, 10, 10, 1.0, 1.0)
    rep.epoch_end(record)                                            # always drawn
    assert rep.animator[-1] == (1, (1.0, 0.5, 0.6))


def test_plot_history():
    history = History('cpu(0)', [
        EpochRecord(epoch=e, train_loss=1 / e, train_acc=0.5 + e / 10, test_acc=0.4 + e / 10,
                    lr=0.9, num_examples=10, trained_examples=10, train_seconds=1, seconds=1)
        for e in (1, 2, 3)])
    ax = plot_history(history)
    assert [line.get_label() for line in ax.get_lines()] == ['train loss', 'train acc',
                                                             'test acc']
    assert_allclose(ax.get_lines()[0].get_ydata(), [1, 1 / 2, 1 / 3])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ('epoch', 'loss, accuracy')
    history.start = dataclasses.replace(history[0], epoch=0, train_loss=2.3, test_acc=0.1)
    ax = plot_history(history)
    assert_allclose(ax.get_lines()[0].get_xdata(), [0, 1, 2, 3])
    assert_allclose(ax.get_lines()[2].get_ydata(), [0.1, 0.5, 0.6, 0.7])
    assert ax.get_xlim() == (0, 3)


# ----------------------------------------------------------- command line

def run_cli(argv):
    from d2l_ch6.__main__ import main
    return main(argv)


def test_command_line_tiny_run(tmp_path, capsys):
    out = tmp_path / 'out'
    argv = ['train', '--limit', '600', '--epochs', '2', '--seed', '0', '--device', 'cpu',
            '--out', str(out), '--no-progress']
    assert run_cli(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    folder, source = data.locate_data_dir()
    assert printed[0] == f'Fashion-MNIST in {folder} (from {source})'
    assert printed[1].startswith('loss ') and ', train acc ' in printed[1]
    assert printed[2].endswith('examples/sec on cpu(0)')
    saved = json.loads((out / 'history.json').read_text())
    assert saved['model'] == 'lenet' and saved['lr'] == 0.9 and saved['batch_size'] == 256
    assert len(saved['epochs']) == 2 and saved['summary'] == printed[1:3]
    assert (out / 'training_curve.png').read_bytes()[:4] == b'\x89PNG'
    net = lenet()
    net.load_parameters(str(out / 'lenet.params'))
    assert load_checkpoint(out / 'checkpoint')[1].epoch == 2
    assert run_cli(argv[:4] + ['3'] + argv[5:] + ['--resume']) == 0
    assert len(json.loads((out / 'history.json').read_text())['epochs']) == 3


def test_command_line_errors(tmp_path, capsys):
    assert run_cli(['train', '--epochs', '0', '--limit', '300', '--out', str(tmp_path)]) == 2
    assert '--epochs must be an integer >= 1, got 0' in capsys.readouterr().err
    assert run_cli(['train', '--limit', '300', '--lr', '1e38', '--batch-size', '32',
                    '--out', str(tmp_path), '--no-progress', '--epochs', '1']) == 1
    assert 'try a lower one' in capsys.readouterr().err


def test_command_line_help_states_defaults():
    result = subprocess.run([sys.executable, '-m', 'd2l_ch6', 'train', '-h'],
                            capture_output=True, text=True, check=True)
    help_text = ' '.join(result.stdout.split())
    for default in ('(default: lenet)', '(default: 10)', '(default: 256)', "the book's is 0.9",
                    '(default: all)', '(default: build/train)', '(default: OUT/checkpoint)'):
        assert default in help_text


def test_python_m_d2l_ch6_train(tmp_path):
    """The real command, in a fresh process: progress bar on stderr, the book's lines on stdout."""
    result = subprocess.run([sys.executable, '-m', 'd2l_ch6', 'train', '--limit', '300',
                             '--epochs', '1', '--device', 'cpu', '--out', str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'epoch 1/1' in result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith('loss ') and lines[2].endswith('examples/sec on cpu(0)')
    assert (tmp_path / 'history.json').is_file() and (tmp_path / 'lenet.params').is_file()


@pytest.mark.gpu
@needs_gpu
def test_training_on_a_gpu(small):
    train_iter, test_iter = iters(small)
    history = train_ch5(lenet_improved(), train_iter, test_iter, 2, MODEL_LR['lenet-improved'],
                        ctx=mx.gpu(0), reporter=None, seed=0)
    assert history.ctx == 'gpu(0)' and history[-1].test_acc > 0.6
    X, y = small[2], small[3]
    net = lenet()
    net.initialize(ctx=mx.gpu(0))
    expected = (net(np.array(X, ctx=mx.gpu(0))).asnumpy().argmax(axis=1) == y).mean()
    assert evaluate_accuracy_gpu(net, test_iter) == pytest.approx(expected, abs=1e-9)


# ------------------------------------------------------- the loop's text

def test_train_ch5_reads_as_the_books_loop():
    """At most 30 lines of body, the book's lines in the book's order (section 6.6.2)."""
    from d2l_ch6.notebook_helpers import book_source
    lines = book_source(train_ch5).splitlines()
    body = lines[next(i for i, line in enumerate(lines[1:], 1) if line.strip().endswith('"""')
                      and i > 1) + 1:]
    assert len(body) <= 30, len(body)
    code = [line.split('#')[0].strip() for line in body]
    order = ['for epoch in', 'for i, batch in', 'with autograd.record():', 'y_hat = model(X)',
             'l = loss(y_hat, y)', 'l.backward()', 'trainer.step(', 'test_acc = evaluate_accuracy_gpu(',
             'return']
    where = [next(i for i, line in enumerate(code) if line.startswith(start)) for start in order]
    assert where == sorted(where), dict(zip(order, where))
    metric = next(i for i, line in enumerate(code) if line.startswith('metric.add('))
    assert where[5] < metric < where[7]          # the metric after backward, before the test
