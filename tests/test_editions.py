"""The later editions' names (d2l_ch6.editions): train_ch6 runs train_ch5, device for ctx."""
import inspect

import mxnet as mx
import numpy as onp
import pytest

import d2l_ch6
from d2l_ch6 import data, lenet, train_ch5, train_ch6


@pytest.fixture(scope='module')
def tiny_iters():
    """512 real training images and 256 test images."""
    arrays = data.load_fashion_mnist_arrays()
    (X, y), (X_t, y_t) = arrays['train'], arrays['test']

    def make():
        return (data.DataIter(data._to_float(X[:512]), y[:512].astype(onp.int32), 128,
                              shuffle=True, seed=0),
                data.DataIter(data._to_float(X_t[:256]), y_t[:256].astype(onp.int32), 128))
    return make


def test_train_ch6_is_importable_from_the_top():
    assert d2l_ch6.train_ch6 is train_ch6 and 'train_ch6' in d2l_ch6.__all__


@pytest.mark.parametrize('call', [
    lambda net, tr, te: train_ch6(net, tr, te, 1, 0.9, mx.cpu(1), reporter=None, seed=3),
    lambda net, tr, te: train_ch6(net, tr, te, 1, 0.9, device=mx.cpu(1), reporter=None, seed=3),
    lambda net, tr, te: train_ch6(net, tr, te, 1, 0.9, ctx=mx.cpu(1), reporter=None, seed=3),
])
def test_train_ch6_gives_train_ch5s_numbers(tiny_iters, call):
    """The later editions' call, positional or device=, trains as train_ch5 does, on cpu(1)."""
    ours = train_ch5(lenet(), *tiny_iters(), 1, 0.9, mx.cpu(1), reporter=None, seed=3)
    theirs = call(lenet(), *tiny_iters())
    for key in ('train_loss', 'train_acc', 'test_acc'):
        assert theirs.column(key) == ours.column(key), key
    assert theirs.ctx == ours.ctx


def test_train_ch6_refuses_device_and_ctx_together(tiny_iters):
    with pytest.raises(TypeError, match='device or as ctx, not both'):
        train_ch6(lenet(), *tiny_iters(), 1, 0.9, device=mx.cpu(1), ctx=mx.cpu(1))


def test_train_ch6_has_the_later_editions_signature():
    """d2l 1.0.3's d2l/mxnet.py: train_ch6(net, train_iter, test_iter, num_epochs, lr, device)."""
    from d2l import mxnet as d2l_later
    theirs = list(inspect.signature(d2l_later.train_ch6).parameters)
    ours = list(inspect.signature(train_ch6).parameters)
    assert ours[:len(theirs)] == theirs
