"""Tests for d2l_ch6.training.devices and d2l_ch6.training.channel_pad: contexts, data on them, the fast graphs.

References: one device for several (data-parallel training and evaluation
must give the single-device numbers on every batch, uneven ones included); the
plain graph for the channel-padded one; numpy for the accuracy.
"""
import subprocess
import sys
import warnings

import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, gluon, init, np
from mxnet.gluon import nn
from numpy.testing import assert_allclose

from d2l_ch6 import data
from d2l_ch6.training import channel_pad, devices
from d2l_ch6.lenet import lenet, lenet_improved, lenet_max
from d2l_ch6.training import evaluate_accuracy_gpu, train_ch5
from conftest import assert_same_params, iters, params_of  # noqa: E402

TWO_CPUS = [mx.cpu(0), mx.cpu(1)]


# ----------------------------------------------------------------- contexts

def test_resolve_ctx():
    assert resolve(None) == ([mx.gpu(0)] if mx.context.num_gpus() else devices.cpu_contexts())
    assert resolve('cpu') == [mx.cpu()]
    assert resolve(mx.cpu(1)) == [mx.cpu(1)]
    assert resolve(TWO_CPUS) == TWO_CPUS
    assert resolve(tuple(TWO_CPUS)) == TWO_CPUS
    if not mx.context.num_gpus():
        assert resolve('all') == devices.cpu_contexts()
        for ctx in ('gpu', mx.gpu(0), [mx.cpu(), mx.gpu(1)]):
            with pytest.raises(ValueError, match=r'ctx gpu\(\d\) needs a GPU that MXNet sees'):
                resolve(ctx)


def resolve(ctx):
    return devices.resolve_ctx(ctx)


def test_cpu_contexts_one_per_core_up_to_the_cap(monkeypatch):
    for cores, expected in ((1, 1), (2, 2), (3, 3), (16, devices.MAX_CPU_CONTEXTS),
                            (64, devices.MAX_CPU_CONTEXTS)):
        monkeypatch.setattr(devices, '_num_cores', lambda: cores)
        assert devices.cpu_contexts() == [mx.cpu(i) for i in range(expected)]
    assert devices.cpu_contexts(8) == [mx.cpu(i) for i in range(8)]   # asked for: not capped
    with pytest.raises(ValueError, match='n must be an integer >= 1, got 0'):
        devices.cpu_contexts(0)
    with pytest.raises(TypeError, match='n must be an integer >= 1, got float 2.0'):
        devices.cpu_contexts(2.0)


# ------------------------------------------------- exact data parallelism

@pytest.mark.parametrize('n, batch_size', [(33, 32), (65, 32), (5, 1), (3, 2)])
def test_batches_smaller_than_the_devices_train_as_on_one(small, n, batch_size):
    """A last batch of 1 example (or batch size 1) on 2 contexts: the idle one adds no stale gradient."""
    runs = []
    for ctx in ([mx.cpu(0)], TWO_CPUS):
        X, y = small[0][:n], small[1][:n]
        it = data.DataIter(X, y, batch_size, shuffle=True, seed=0)
        net = lenet()
        with warnings.catch_warnings():
            warnings.simplefilter('error')      # MXNet's stale-gradient UserWarning fails
            history = train_ch5(net, it, data.DataIter(X, y, 64), 3, 0.9, ctx=ctx,
                                reporter=None, seed=0)
        runs.append((history, params_of(net)))
    (one, p_one), (two, p_two) = runs
    assert_same_params(p_two, p_one, rtol=1e-4, atol=1e-6)
    assert_allclose(two.column('train_loss'), one.column('train_loss'), rtol=1e-5)
    assert two.column('num_examples') == [n] * 3
    assert_allclose(two.column('train_acc'), one.column('train_acc'), atol=1e-12)


def test_evaluation_of_an_uneven_last_batch_counts_every_part(small):
    """1,001 examples in batches of 100 on 2 contexts: the last batch has 1 part, and it counts."""
    X, y = small[2], small[3]
    net = lenet()
    net.initialize(init.Xavier(), ctx=TWO_CPUS)
    expected = (net(np.array(X)).asnumpy().argmax(axis=1) == y).mean()
    for it in (data.DataIter(X, y, 100),
               [(np.array(X[i:i + 100]), np.array(y[i:i + 100])) for i in range(0, 1001, 100)]):
        assert evaluate_accuracy_gpu(net, it) == pytest.approx(expected, abs=1e-12)
        assert evaluate_accuracy_gpu(net, it, ctx=mx.cpu(1)) == pytest.approx(expected, abs=1e-12)


def test_batches_split_as_split_and_load_does(small):
    X, y = small[2][:11], small[3][:11]
    for ctxs, sizes in (([mx.cpu(0)], [[5], [5], [1]]), (TWO_CPUS, [[2, 3], [2, 3], [1]]),
                        ([mx.cpu(i) for i in range(4)], [[1, 1, 1, 2], [1, 1, 1, 2], [1]])):
        for it in (data.DataIter(X, y, 5), [(np.array(X[i:i + 5]), np.array(y[i:i + 5]))
                                            for i in range(0, 11, 5)]):
            batches = list(devices.device_data(it, ctxs, 'it').batches())
            assert [[len(yk) for _, yk in b.parts] for b in batches] == sizes
            assert [b.size for b in batches] == [5, 5, 1]
            got = onp.concatenate([Xk.asnumpy() for b in batches for Xk, _ in b.parts])
            assert_allclose(got, X, atol=0)
            assert all(Xk.ctx == c for b in batches for (Xk, _), c in zip(b.parts, ctxs))


@pytest.mark.slow
def test_batch_size_101_on_every_context_matches_one_cpu(tmp_path):
    """The issue's case: 10,000 test images in batches of 101 leave a last batch of 1."""
    accs = []
    for device in ('cpu', 'all'):
        out = subprocess.run([sys.executable, '-m', 'd2l_ch6', 'train', '--batch-size', '101',
                              '--epochs', '1', '--seed', '0', '--device', device,
                              '--no-progress', '--out', str(tmp_path / device)],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        accs.append(out.stdout.splitlines()[1])
    assert accs[0] == accs[1]


def test_cpu_contexts_share_one_copy_of_the_data(small):
    """The arrays go to the host once for every CPU context; a GPU would get its own."""
    it = data.DataIter(small[0], small[1], 256)
    eight = devices.device_data(it, [mx.cpu(i) for i in range(8)], 'train_iter')
    assert list(eight.X) == [mx.cpu(0)] and list(eight.y) == [mx.cpu(0)]


@pytest.mark.slow
def test_eight_contexts_add_less_than_400_mib_over_one():
    """Peak memory of a full-size epoch of LeNet on 1 and on 8 CPU contexts, in fresh processes."""
    script = ('import resource, sys, d2l_ch6\n'
              'from d2l_ch6 import *\n'
              'tr, te = load_data_fashion_mnist(256)\n'
              'train_ch5(lenet(), tr, te, 1, 0.9, ctx=cpu_contexts(int(sys.argv[1])), '
              'reporter=None, seed=0)\n'
              'print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n')
    peak = {}
    for n in (1, 8):
        out = subprocess.run([sys.executable, '-c', script, str(n)], capture_output=True,
                             text=True)
        assert out.returncode == 0, out.stderr
        peak[n] = int(out.stdout.split()[-1]) / 1024          # MiB
    assert peak[8] - peak[1] < 400, peak


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
    assert channel_pad.padding_plan(net) == plan


def test_padding_plan_of_a_block_that_is_not_sequential():
    assert channel_pad.padding_plan(nn.Conv2D(6, 3)) == {}


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
    padded = channel_pad.ChannelPadded(net, pair_images=pair_images)
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
    paired = channel_pad.ChannelPadded(net, pair_images=True)
    assert paired.accepts(np.zeros((4, 1, 28, 28)))
    assert not paired.accepts(np.zeros((5, 1, 28, 28)))
    assert not paired.accepts(np.zeros((4, 3, 28, 28)))
    assert channel_pad.ChannelPadded(net).accepts(np.zeros((5, 1, 28, 28)))
    with pytest.raises(ValueError, match=r'needs an even batch of 1-channel images, got X of '
                                         r'shape \(5, 1, 28, 28\)'):
        paired(np.zeros((5, 1, 28, 28)))
    with pytest.raises(ValueError, match='pair_images=True needs a first layer that '
                                         'padding_plan widens'):
        channel_pad.ChannelPadded(lenet_improved(), pair_images=True)


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
    assert not channel_pad.onednn_enabled()
    monkeypatch.delenv('MXNET_MKLDNN_ENABLED')
    assert channel_pad.onednn_enabled() == mx.runtime.Features().is_enabled('MKLDNN')




def test_channel_padding_pays_only_on_cpu_contexts_with_onednn(monkeypatch):
    assert channel_pad.pays(lenet(), TWO_CPUS) == channel_pad.onednn_enabled()
    assert not channel_pad.pays(lenet(), [mx.gpu(0)])
    assert not channel_pad.pays(lenet_improved(), TWO_CPUS)      # nothing to widen
    monkeypatch.setenv('MXNET_MKLDNN_ENABLED', '0')
    assert not channel_pad.pays(lenet(), TWO_CPUS)
