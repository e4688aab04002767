"""Tests for d2l_ch6.training: evaluate_accuracy_gpu and train_ch5 (Book section 6.6.2).

References: a hand count of right predictions; the book's own loop written
out here (d2l's train_ch5, as printed in the book); a run on one device for the
data-parallel run; an uninterrupted run for a resumed one.
"""
import io
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use('Agg')

import mxnet as mx  # noqa: E402
import numpy as onp  # noqa: E402
import pytest  # noqa: E402
from mxnet import autograd, gluon, init, np  # noqa: E402
from mxnet.gluon import nn  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from d2l_ch6 import _channel_pad, data  # noqa: E402
from d2l_ch6.lenet import (MODEL_LR, MODEL_LR_SCHEDULE, lenet, lenet_improved,  # noqa: E402
                           lenet_max)
from d2l_ch6.training import (CHECKPOINT_FILE, History, Reporter,  # noqa: E402
                              TqdmReporter, _atomic_write, evaluate_accuracy_gpu,
                              format_summary, get_reporter, load_checkpoint, plot_history,
                              resolve_ctx, train_ch5)

TWO_CPUS = [mx.cpu(0), mx.cpu(1)]
needs_gpu = pytest.mark.skipif(mx.context.num_gpus() == 0, reason='needs a GPU and mxnet-cu112')


@pytest.fixture(scope='module')
def small():
    """2,048 real training images and 512 test images, as float arrays."""
    arrays = data.load_fashion_mnist_arrays()
    (X, y), (X_test, y_test) = arrays['train'], arrays['test']
    return (data._to_float(X[:2048]), y[:2048].astype(onp.int32),
            data._to_float(X_test[:512]), y_test[:512].astype(onp.int32))


def iters(small, batch_size=256, seed=0):
    X, y, X_test, y_test = small
    return (data.DataIter(X, y, batch_size, shuffle=True, seed=seed),
            data.DataIter(X_test, y_test, batch_size))


def params_of(net):
    return {k.split('_', 1)[1]: v.data(v.list_ctx()[0]).asnumpy()
            for k, v in net.collect_params().items()}


def assert_same_params(a, b, **tol):
    assert list(a) == list(b)
    for k in a:
        assert_allclose(a[k], b[k], err_msg=k, **tol)


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


# ---------------------------------------------------------------- training

def test_short_training_beats_chance(small):
    """Exercise 6.6.2's net on 2,048 real images, 3 epochs: far above the 0.1 of chance."""
    train_iter, test_iter = iters(small)
    history = train_ch5(lenet_improved(), train_iter, test_iter, 3, MODEL_LR['lenet-improved'],
                        ctx='cpu', reporter=None, seed=0,
                        lr_schedule=MODEL_LR_SCHEDULE['lenet-improved'])
    assert len(history) == 3 and history.ctx == 'cpu(0)'
    assert history[-1]['test_acc'] > 0.5 and history[-1]['train_acc'] > 0.6  # chance: 0.1
    assert history[-1]['train_loss'] < history[0]['train_loss']
    assert all(r['num_examples'] == 2048 and r['examples_per_sec'] > 0 for r in history)
    assert history.column('epoch') == [1, 2, 3]
    loss_line, speed_line = format_summary(history)
    last = history[-1]
    assert loss_line == (f"loss {last['train_loss']:.3f}, train acc {last['train_acc']:.3f}, "
                         f"test acc {last['test_acc']:.3f}")
    assert speed_line.endswith(' examples/sec on cpu(0)')


def book_train_ch5(net, train_iter, test_iter, num_epochs, lr, ctx):
    """The book's loop as printed in section 6.6.2 (test accuracy once per epoch, as d2l does)."""
    net.initialize(force_reinit=True, ctx=ctx, init=init.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
    losses = []
    for epoch in range(num_epochs):
        metric = [0.0, 0.0, 0]
        for X, y in train_iter:
            X, y = X.as_in_context(ctx), y.as_in_context(ctx)
            with autograd.record():
                y_hat = net(X)
                l = loss(y_hat, y)
            l.backward()
            trainer.step(X.shape[0])
            metric[0] += float(l.sum())
            metric[1] += float((y_hat.argmax(axis=1).astype(y.dtype) == y).sum())
            metric[2] += X.shape[0]
        losses.append((metric[0] / metric[2], metric[1] / metric[2]))
    return losses


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
    assert_allclose(history.column('train_loss'), [e[0] for e in expected], rtol=1e-5)
    assert_allclose(history.column('train_acc'), [e[1] for e in expected], rtol=1e-6)


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


# ------------------------------------------------- zero-padded channels

def conv(c, **kw):
    return nn.Conv2D(c, kernel_size=3, padding=1, activation='sigmoid', **kw)


@pytest.mark.parametrize('layers, plan', [
    (lambda: list(lenet()), {0: 8}),
    (lambda: list(lenet_max()), {0: 8}),
    (lambda: list(lenet_improved()), {}),                      # 16, 32, 64 channels already
    (lambda: [conv(6), conv(6), conv(4), nn.Dense(3)], {0: 8, 1: 8}),   # 4: nothing follows
    (lambda: [conv(6), nn.Activation('relu'), nn.MaxPool2D(), conv(16)], {0: 8}),
    (lambda: [conv(12), conv(16)], {0: 16}),
    (lambda: [conv(6), nn.Dropout(0.5), conv(16)], {}),       # random draws per channel
    (lambda: [conv(6), nn.BatchNorm(), conv(16)], {}),        # parameters per channel
    (lambda: [conv(6), nn.Dense(16)], {}),                    # mixes the channels
    (lambda: [nn.Conv2D(6, 3, groups=2), conv(16)], {}),      # grouped
])
def test_padding_plan_widens_only_convolutions_followed_by_one(layers, plan):
    """Which Conv2D gets zero filters: c_o not a multiple of 8, only channel-wise layers to the next Conv2D."""
    net = nn.HybridSequential()
    net.add(*layers())
    assert _channel_pad.padding_plan(net) == plan


def test_padding_plan_of_a_block_that_is_not_sequential():
    assert _channel_pad.padding_plan(nn.Conv2D(6, 3)) == {}


def two_sixes():
    """Two 6-channel convolutions in a row: the second is padded on both sides."""
    net = nn.HybridSequential()
    net.add(conv(6), conv(6), conv(4), nn.Dense(10))
    return net


@pytest.mark.parametrize('make', [lenet, lenet_max, two_sixes])
@pytest.mark.parametrize('hybridize', [True, False])
@pytest.mark.parametrize('pair_images', [False, True])
def test_channel_padded_net_computes_the_same_function_and_gradients(make, hybridize,
                                                                     pair_images):
    """Zero filters, zero input weights, image pairs: net's outputs and gradients, with net's own parameters."""
    net = make()
    net.initialize(init=init.Xavier(), ctx=TWO_CPUS)
    # built before the first forward pass: the shapes are still deferred
    padded = _channel_pad.ChannelPadded(net, pair_images=pair_images)
    assert padded.plan
    if hybridize:
        padded.hybridize(static_alloc=True, static_shape=True)
    mx.random.seed(0)
    X = np.random.uniform(size=(16, 1, 28, 28), ctx=mx.cpu(1))
    y = np.random.randint(0, 10, size=(16,), ctx=mx.cpu(1))
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    results = []
    for model in (padded, net):
        with autograd.record():
            Y = model(X)
            l = loss(Y, y)
        l.backward()
        results.append((Y.asnumpy(), {k: p.grad(mx.cpu(1)).asnumpy()
                                      for k, p in net.collect_params().items()}))
    (Y_pad, g_pad), (Y, g) = results
    assert Y_pad.shape == Y.shape == (16, 10)
    assert_allclose(Y_pad, Y, rtol=1e-5, atol=1e-6)
    for k in g:
        assert_allclose(g_pad[k], g[k], rtol=1e-4, atol=1e-6, err_msg=k)
    # no parameter of its own: the same Parameter objects under the same names
    assert {k: id(p) for k, p in padded.collect_params().items()} == \
        {k: id(p) for k, p in net.collect_params().items()}


def test_image_pairs_need_an_even_batch_of_one_channel_images():
    net = lenet()
    net.initialize()
    paired = _channel_pad.ChannelPadded(net, pair_images=True)
    assert paired.accepts(np.zeros((4, 1, 28, 28)))
    assert not paired.accepts(np.zeros((5, 1, 28, 28)))
    assert not paired.accepts(np.zeros((4, 3, 28, 28)))
    assert _channel_pad.ChannelPadded(net).accepts(np.zeros((5, 1, 28, 28)))
    with pytest.raises(ValueError, match=r'needs an even batch of 1-channel images, got X of '
                                         r'shape \(5, 1, 28, 28\)'):
        paired(np.zeros((5, 1, 28, 28)))
    with pytest.raises(ValueError, match='pair_images=True needs a first layer that '
                                         'padding_plan widens'):
        _channel_pad.ChannelPadded(lenet_improved(), pair_images=True)


@pytest.mark.parametrize('ctx, batch_size', [(mx.cpu(), 256), (TWO_CPUS, 256),
                                             (mx.cpu(), 255)])   # odd: both graphs in turn
def test_padded_channels_train_like_the_plain_graph(small, ctx, batch_size):
    """pad_channels=True (the default) and False: the same losses, accuracies and parameters."""
    runs = []
    for pad in (True, False):
        train_iter, test_iter = iters(small, batch_size)
        net = lenet()
        history = train_ch5(net, train_iter, test_iter, 2, 0.9, ctx=ctx, reporter=None, seed=0,
                            pad_channels=pad)
        runs.append((history, params_of(net)))
    (padded, p_padded), (plain, p_plain) = runs
    assert_allclose(padded.column('train_loss'), plain.column('train_loss'), rtol=1e-5)
    assert_allclose(padded.column('train_acc'), plain.column('train_acc'), atol=1e-3)
    assert_allclose(padded.column('test_acc'), plain.column('test_acc'), atol=2e-3)
    assert_same_params(p_padded, p_plain, rtol=1e-3, atol=1e-5)


def test_oneDNN_switch_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv('MXNET_MKLDNN_ENABLED', '0')
    assert not _channel_pad.onednn_enabled()
    monkeypatch.delenv('MXNET_MKLDNN_ENABLED')
    assert _channel_pad.onednn_enabled() == mx.runtime.Features().is_enabled('MKLDNN')


# ----------------------------------------------------------- checkpoints

class StopAt(Reporter):
    """Raise KeyboardInterrupt, as Ctrl-C does, after batch i of epoch (0-based)."""

    def __init__(self, epoch, i):
        self.at = (epoch, i)

    def batch(self, epoch, i):
        if (epoch, i) == self.at:
            raise KeyboardInterrupt


@pytest.mark.parametrize('stop', [(1, 2), (0, 7)])
def test_interrupted_run_resumes_to_the_same_parameters(small, tmp_path, stop):
    """Ctrl-C mid-epoch saves; resume=True finishes with the uninterrupted run's parameters."""
    train_iter, test_iter = iters(small)
    net = lenet()
    whole = train_ch5(net, train_iter, test_iter, 3, 0.9, ctx='cpu', reporter=None, seed=0)
    expected = params_of(net)

    train_iter, test_iter = iters(small)
    with pytest.raises(KeyboardInterrupt):
        train_ch5(lenet(), train_iter, test_iter, 3, 0.9, ctx='cpu', reporter=StopAt(*stop),
                  seed=0, checkpoint_dir=tmp_path)
    state = load_checkpoint(tmp_path)
    assert (state['epoch'], state['batch']) == (stop[0], stop[1] + 1)
    assert len(state['history']) == stop[0]

    train_iter, test_iter = iters(small, seed=99)  # a different order: the checkpoint's wins
    net = lenet()
    resumed = train_ch5(net, train_iter, test_iter, 3, 0.9, ctx='cpu', reporter=None,
                        checkpoint_dir=tmp_path, resume=True)
    assert_same_params(params_of(net), expected, rtol=1e-5, atol=1e-6)
    assert_allclose(resumed.column('train_loss'), whole.column('train_loss'), rtol=1e-5)
    assert_allclose(resumed.column('test_acc'), whole.column('test_acc'), atol=1e-9)
    assert load_checkpoint(tmp_path)['epoch'] == 3


def test_cosine_schedule_follows_the_formula_and_resumes(small, tmp_path):
    """lr_schedule='cosine': lr (1 + cos(pi e / n)) / 2 per epoch, kept across Ctrl-C and resume."""
    train_iter, test_iter = iters(small)
    net = lenet()
    whole = train_ch5(net, train_iter, test_iter, 3, 0.9, ctx='cpu', reporter=None, seed=0,
                      lr_schedule='cosine')
    assert_allclose(whole.column('lr'), 0.9 * (1 + onp.cos(onp.pi * onp.arange(3) / 3)) / 2,
                    rtol=1e-12)
    expected = params_of(net)

    train_iter, test_iter = iters(small)
    with pytest.raises(KeyboardInterrupt):
        train_ch5(lenet(), train_iter, test_iter, 3, 0.9, ctx='cpu', reporter=StopAt(2, 3),
                  seed=0, checkpoint_dir=tmp_path, lr_schedule='cosine')
    net = lenet()
    resumed = train_ch5(net, train_iter, test_iter, 3, 0.9, ctx='cpu', reporter=None,
                        checkpoint_dir=tmp_path, resume=True, lr_schedule='cosine')
    assert_same_params(params_of(net), expected, rtol=1e-5, atol=1e-6)
    assert_allclose(resumed.column('train_loss'), whole.column('train_loss'), rtol=1e-5)


def test_callable_schedule_sets_each_epochs_rate(small):
    """A constant schedule gives the book's numbers; lr 0 in epoch 2 leaves the net unchanged."""
    train_iter, test_iter = iters(small)
    book = train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None, seed=0)
    train_iter, test_iter = iters(small)
    same = train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None, seed=0,
                     lr_schedule=lambda epoch: 0.9)
    assert_allclose(same.column('train_loss'), book.column('train_loss'), rtol=1e-6)
    assert book.column('lr') == [0.9, 0.9]
    train_iter, test_iter = iters(small)
    frozen = train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None,
                       seed=0, lr_schedule=[0.9, 0.0].__getitem__)
    assert frozen.column('test_acc')[1] == frozen.column('test_acc')[0]
    assert_allclose(frozen.column('train_loss')[0], book.column('train_loss')[0], rtol=1e-6)


def test_checkpoint_files_and_resume_of_a_finished_run(small, tmp_path):
    train_iter, test_iter = iters(small)
    net = lenet()
    first = train_ch5(net, train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None, seed=0,
                      checkpoint_dir=tmp_path)
    names = sorted(os.listdir(tmp_path))
    assert names == sorted([CHECKPOINT_FILE, 'best.params', 'epoch-002-batch-00000.params',
                            'epoch-002-batch-00000.states'])
    state = json.loads((tmp_path / CHECKPOINT_FILE).read_text())
    assert state['epoch'] == 2 and state['batch'] == 0 and len(state['history']) == 2
    # more epochs on top of a finished run
    more = train_ch5(lenet(), train_iter, test_iter, 3, 0.9, ctx='cpu', reporter=None,
                     checkpoint_dir=tmp_path, resume=True)
    assert more.column('train_loss')[:2] == first.column('train_loss') and len(more) == 3
    with pytest.raises(ValueError, match='num_epochs must be at least the 3 epochs already'):
        train_ch5(lenet(), train_iter, test_iter, 2, 0.9, ctx='cpu', reporter=None,
                  checkpoint_dir=tmp_path, resume=True)


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / 'checkpoint.json'
    path.write_text('old')

    def fail(tmp):
        with open(tmp, 'w') as f:
            f.write('half')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _atomic_write(path, fail)
    assert path.read_text() == 'old'
    assert os.listdir(tmp_path) == ['checkpoint.json']


# -------------------------------------------------------------- NaN guard

def test_non_finite_loss_names_epoch_and_batch(small):
    X, y = small[0][:1024].copy(), small[1][:1024]
    X[2 * 128 + 5, 0, 3, 3] = onp.nan                 # in the third batch of 128
    batches = [(np.array(X[i:i + 128]), np.array(y[i:i + 128])) for i in range(0, 1024, 128)]
    with pytest.raises(FloatingPointError, match=r'epoch 1, batch 3: the learning rate lr=0.9 '
                                                 r'is probably too high; try a lower one'):
        train_ch5(lenet(), batches, batches, 1, 0.9, ctx='cpu', reporter=None, seed=0,
                  sync_every=2)


def test_divergence_is_caught(small):
    train_iter, test_iter = iters(small)
    with pytest.raises(FloatingPointError, match=r'training loss is (nan|inf) at epoch 1, batch'):
        train_ch5(lenet(), train_iter, test_iter, 1, 1e38, ctx='cpu', reporter=None,
                  seed=0)


# ---------------------------------------------------------- bad arguments

@pytest.mark.parametrize('kwargs, message', [
    ({'num_epochs': 0}, 'num_epochs must be an int >= 1, got 0'),
    ({'num_epochs': 2.5}, 'num_epochs must be an int >= 1, got 2.5'),
    ({'lr': 0}, 'lr must be a finite number > 0, got 0'),
    ({'lr': -0.1}, r'lr must be a finite number > 0, got -0.1'),
    ({'lr': float('nan')}, 'lr must be a finite number > 0, got nan'),
    ({'sync_every': 0}, 'sync_every must be an int >= 1, got 0'),
    ({'ctx': 'tpu'}, "ctx must be a Context, a list of them, 'cpu', 'gpu' or 'all', got 'tpu'"),
    ({'ctx': []}, r'ctx must be a Context or a non-empty list of Contexts, got \[\]'),
    ({'ctx': [mx.cpu(0), mx.cpu(0)]}, 'ctx must not repeat a device'),
    ({'reporter': 'tensorboard'}, "reporter must be 'auto', 'animator', 'tqdm', 'none'"),
    ({'resume': True}, 'resume=True needs checkpoint_dir, got None'),
    ({'lr_schedule': 'step'}, "lr_schedule must be None, 'cosine' or a callable"),
    ({'lr_schedule': lambda epoch: -0.1}, 'lr_schedule must give a finite learning rate >= 0, '
                                          'got -0.1 for epoch 0'),
    ({'pad_channels': 'yes'}, "pad_channels must be True or False, got 'yes'"),
    ({'pad_channels': 8}, 'pad_channels must be True or False, got 8'),
])
def test_bad_arguments(small, kwargs, message):
    train_iter, test_iter = iters(small)
    args = dict(num_epochs=1, lr=0.9, ctx='cpu', reporter=None)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        train_ch5(lenet(), train_iter, test_iter, **args)


def test_empty_iterators(small):
    _, test_iter = iters(small)
    with pytest.raises(ValueError, match='train_iter must yield at least one batch'):
        train_ch5(lenet(), [], test_iter, 1, 0.9, ctx='cpu', reporter=None)
    with pytest.raises(ValueError, match='train_iter must yield at least one batch'):
        train_ch5(lenet(), iter([]), test_iter, 1, 0.9, ctx='cpu', reporter=None)
    X, y = np.array(small[0][:8]), np.array(small[1][:8])
    with pytest.raises(ValueError, match='test_iter must yield at least one batch'):
        train_ch5(lenet(), [(X, y)], [], 1, 0.9, ctx='cpu', reporter=None)


def test_labels_that_do_not_match_the_batch(small):
    X, y = np.array(small[0][:8]), np.array(small[1][:8])
    with pytest.raises(ValueError, match=r'train_iter yielded labels y of shape \(8, 1\) for a '
                                         r'batch of 8 examples: expected \(8,\)'):
        train_ch5(lenet(), [(X, y.reshape(8, 1))], [(X, y)], 1, 0.9, ctx='cpu', reporter=None)
    with pytest.raises(ValueError, match=r'data_iter yielded labels y of shape \(7,\)'):
        net = lenet()
        net.initialize()
        evaluate_accuracy_gpu(net, [(X, y[:7])])


def test_resume_without_a_checkpoint(small, tmp_path):
    train_iter, test_iter = iters(small)
    with pytest.raises(ValueError, match='holds no checkpoint.json: nothing to resume'):
        train_ch5(lenet(), train_iter, test_iter, 1, 0.9, ctx='cpu', reporter=None,
                  checkpoint_dir=tmp_path, resume=True)


def test_resolve_ctx():
    assert resolve_ctx(None) == [mx.gpu(0) if mx.context.num_gpus() else mx.cpu()]
    assert resolve_ctx('cpu') == [mx.cpu()]
    assert resolve_ctx(mx.cpu(1)) == [mx.cpu(1)]
    assert resolve_ctx(TWO_CPUS) == TWO_CPUS
    if not mx.context.num_gpus():
        assert len(resolve_ctx('all')) == len(os.sched_getaffinity(0))
        with pytest.raises(ValueError, match="ctx='gpu' needs a GPU"):
            resolve_ctx('gpu')


# -------------------------------------------------------------- reporting

def test_tqdm_reporter_prints_the_books_closing_lines(small):
    train_iter, test_iter = iters(small)
    bar, out = io.StringIO(), io.StringIO()
    history = train_ch5(lenet(), train_iter, test_iter, 1, 0.9, ctx='cpu',
                        reporter=TqdmReporter(file=bar, out=out), seed=0, sync_every=3)
    assert out.getvalue().splitlines() == format_summary(history)
    assert 'epoch 1/1' in bar.getvalue() and '8/8' in bar.getvalue()


def test_get_reporter():
    assert type(get_reporter(None)) is Reporter and type(get_reporter('none')) is Reporter
    assert isinstance(get_reporter('tqdm'), TqdmReporter)
    mine = Reporter()
    assert get_reporter(mine) is mine
    if not sys.stderr.isatty():
        assert type(get_reporter('auto')) is Reporter


def test_plot_history():
    history = History('cpu(0)', [
        {'epoch': e, 'train_loss': 1 / e, 'train_acc': 0.5 + e / 10, 'test_acc': 0.4 + e / 10}
        for e in (1, 2, 3)])
    ax = plot_history(history)
    assert [line.get_label() for line in ax.get_lines()] == ['train loss', 'train acc',
                                                             'test acc']
    assert_allclose(ax.get_lines()[0].get_ydata(), [1, 1 / 2, 1 / 3])


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
    assert printed[0].startswith('loss ') and ', train acc ' in printed[0]
    assert printed[1].endswith('examples/sec on cpu(0)')
    saved = json.loads((out / 'history.json').read_text())
    assert saved['model'] == 'lenet' and saved['lr'] == 0.9 and saved['batch_size'] == 256
    assert len(saved['history']) == 2 and saved['summary'] == printed[:2]
    assert (out / 'training_curve.png').read_bytes()[:4] == b'\x89PNG'
    net = lenet()
    net.load_parameters(str(out / 'lenet.params'))
    assert load_checkpoint(out / 'checkpoint')['epoch'] == 2
    assert run_cli(argv[:4] + ['3'] + argv[5:] + ['--resume']) == 0
    assert len(json.loads((out / 'history.json').read_text())['history']) == 3


def test_command_line_errors(tmp_path, capsys):
    assert run_cli(['train', '--epochs', '0', '--limit', '300', '--out', str(tmp_path)]) == 2
    assert 'num_epochs must be an int >= 1, got 0' in capsys.readouterr().err
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
    assert lines[0].startswith('loss ') and lines[1].endswith('examples/sec on cpu(0)')
    assert (tmp_path / 'history.json').is_file() and (tmp_path / 'lenet.params').is_file()


@pytest.mark.gpu
@needs_gpu
def test_training_on_a_gpu(small):
    train_iter, test_iter = iters(small)
    history = train_ch5(lenet_improved(), train_iter, test_iter, 2, MODEL_LR['lenet-improved'],
                        ctx=mx.gpu(0), reporter=None, seed=0)
    assert history.ctx == 'gpu(0)' and history[-1]['test_acc'] > 0.6
    net = lenet()
    net.initialize(ctx=mx.gpu(0))
    assert 0 <= evaluate_accuracy_gpu(net, test_iter) <= 1
