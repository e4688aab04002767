"""Tests for d2l_ch6.lenet (Book section 6.6.1 and Exercises 6.6.1-6.6.4).

The networks are checked against a forward pass written independently with
scipy and numpy from the book's description, and against the book's printed
shape table and its 61,706 parameters. The graded cases (d2l_ch6.cases, which
d2l_ch6.check runs on students' nets) run here on ours, and their numpy
reference is checked against the scipy one.
"""
import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import numpy as onp  # noqa: E402
import pytest  # noqa: E402
from mxnet import np  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402
from scipy import signal  # noqa: E402

from conftest import case_params  # noqa: E402
from d2l_ch6 import data  # noqa: E402
from d2l_ch6.grading.cases import ref_lenet  # noqa: E402
from d2l_ch6.grading.verdict import assert_case  # noqa: E402
from d2l_ch6.lenet import (MODEL_LR, MODEL_LR_SCHEDULE, conv_activations,  # noqa: E402
                           count_params, format_layer_summary, get_model, layer_summary, lenet,
                           lenet_improved, lenet_max, plot_conv_activations)
from d2l_ch6.training import train_ch5  # noqa: E402

# The book's printed table (Book section 6.6.1).
BOOK_TABLE = """\
conv0 output shape: (1, 6, 28, 28)
pool0 output shape: (1, 6, 14, 14)
conv1 output shape: (1, 16, 10, 10)
pool1 output shape: (1, 16, 5, 5)
dense0 output shape: (1, 120)
dense1 output shape: (1, 84)
dense2 output shape: (1, 10)"""


def _initialised(net, X=None):
    net.initialize()
    net(np.zeros((1, 1, 28, 28)) if X is None else X)
    return net


@pytest.mark.parametrize('make', [lenet, lenet_max])
def test_shape_table_matches_book(make):
    """The table printed layer by layer equals the book's (whitespace as printed there)."""
    net = _initialised(make())
    lines = format_layer_summary(layer_summary(net))
    assert [' '.join(line.split()) for line in lines] == BOOK_TABLE.splitlines()
    assert lines[0] == 'conv0 output shape:\t (1, 6, 28, 28)'


def test_shape_table_names_do_not_depend_on_earlier_nets():
    """Gluon's global counters would call a second net's first layer conv2; the table still says conv0."""
    _initialised(lenet())
    rows = layer_summary(_initialised(lenet()), np.ones((2, 1, 28, 28)))
    assert [r[0] for r in rows][:2] == ['conv0', 'pool0']
    assert rows[-1] == ('dense2', (2, 10))


def test_parameter_count_is_the_books():
    """Weights plus biases of each layer, counted by hand: 61,706."""
    by_hand = ((1 * 6 * 5 * 5 + 6) + (6 * 16 * 5 * 5 + 16) + (16 * 5 * 5 * 120 + 120)
               + (120 * 84 + 84) + (84 * 10 + 10))
    assert by_hand == 61706
    assert count_params(_initialised(lenet())) == 61706
    assert count_params(_initialised(lenet_max())) == 61706


@pytest.mark.parametrize('name, case', case_params('net', 'lenet_max', 'conv_activations'))
def test_graded_cases(name, case):
    """The book's table of shapes, 61,706 parameters and the forward pass with set weights, for
    lenet (the book's net) and lenet_max (Exercise 6.6.1); conv_activations (Exercise 6.6.4)."""
    fn = {'net': lenet, 'lenet_max': lenet_max, 'conv_activations': conv_activations}[name]
    assert_case(case, fn)


@pytest.mark.parametrize('make, how', [(lenet, 'avg'), (lenet_max, 'max')])
def test_case_reference_is_the_scipy_one(make, how):
    """The cases' numpy LeNet (d2l_ch6.cases.ref_lenet) equals this file's scipy reference."""
    net = _initialised(make())
    for p in net.collect_params().values():
        p.set_data(np.random.uniform(-0.5, 0.5, size=p.shape))
    X = onp.random.uniform(size=(2, 1, 28, 28))
    ours = ref_lenet([p.data() for p in net.collect_params().values()], X, how)
    theirs = _reference_forward(net, X, how)
    for a, b in zip(ours, theirs):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_count_params_needs_shapes():
    net = lenet()
    net.initialize()
    with pytest.raises(ValueError, match='net has a parameter .* of unknown shape'):
        count_params(net)


def _sigmoid(x):
    return 1 / (1 + onp.exp(-x))


def _conv(X, W, b, pad):
    """Cross-correlate (n, c_i, h, w) with (c_o, c_i, k_h, k_w) using scipy; add the bias."""
    X = onp.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = onp.stack([onp.stack([sum(signal.correlate2d(x[c], w[c], mode='valid')
                                    for c in range(x.shape[0])) for w in W]) for x in X])
    return out + b[None, :, None, None]


def _pool(X, how):
    n, c, h, w = X.shape
    windows = X.reshape(n, c, h // 2, 2, w // 2, 2)
    return windows.mean(axis=(3, 5)) if how == 'avg' else windows.max(axis=(3, 5))


def _reference_forward(net, X, how):
    """LeNet from the book's description, in numpy and scipy, with net's parameters."""
    P = [p.data().asnumpy() for p in net.collect_params().values()]
    H1 = _sigmoid(_conv(X, P[0], P[1], pad=2))                    # (n, 6, 28, 28)
    H2 = _sigmoid(_conv(_pool(H1, how), P[2], P[3], pad=0))       # (n, 16, 10, 10)
    F = _pool(H2, how).reshape(len(X), -1)                        # (n, 400)
    F = _sigmoid(F @ P[4].T + P[5])
    F = _sigmoid(F @ P[6].T + P[7])
    return F @ P[8].T + P[9], H1, H2


@pytest.mark.parametrize('make, how', [(lenet, 'avg'), (lenet_max, 'max')])
@pytest.mark.parametrize('hybridize', [False, True])
def test_forward_matches_independent_reference(make, how, hybridize):
    X = onp.random.uniform(size=(3, 1, 28, 28)).astype(onp.float32)
    net = _initialised(make())
    net.collect_params().initialize(force_reinit=True)  # uniform weights, not zero biases
    for p in net.collect_params().values():
        p.set_data(np.random.uniform(-0.5, 0.5, size=p.shape))
    if hybridize:
        net.hybridize()
    expected, H1, H2 = _reference_forward(net, X.astype(onp.float64), how)
    assert_allclose(net(np.array(X)).asnumpy(), expected, rtol=1e-4, atol=1e-5)
    acts = conv_activations(net, np.array(X))
    assert_allclose(acts[0], H1, rtol=1e-4, atol=1e-6)
    assert_allclose(acts[1], H2, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('make, nonzero_per_window', [(lenet, 4), (lenet_max, 1)])
def test_max_pooling_routes_each_window_gradient_to_one_input(make, nonzero_per_window):
    """Exercise 6.6.1: "Replace the average pooling with max pooling. What happens?"

    The parameters (61,706) and shapes stay; what changes is that each 2x2
    window passes on its strongest response, so the gradient reaching the first
    convolution's output goes to one input per window instead of a quarter to
    each of four: checked on the autograd gradient of the network's own layers.
    """
    from mxnet import autograd
    net = _initialised(make())
    X = np.random.uniform(size=(2, 1, 28, 28))
    H1 = net[0](X)                                              # (2, 6, 28, 28)
    H1.attach_grad()
    with autograd.record():
        out = H1
        for layer in list(net)[1:]:
            out = layer(out)
        out.sum().backward()
    G = H1.grad.asnumpy().reshape(2, 6, 14, 2, 14, 2)            # 2x2 windows
    nonzero = (onp.abs(G) > 0).sum(axis=(3, 5))
    assert (nonzero == nonzero_per_window).all()
    if make is lenet:  # average pooling: a quarter to each input of the window
        assert_allclose(G, onp.broadcast_to(G.mean(axis=(3, 5), keepdims=True), G.shape),
                        rtol=1e-6, atol=1e-12)
    assert count_params(net) == 61706


def test_improved_lenet_layers():
    """Exercise 6.6.2: ReLU after BatchNorm, max pooling, 16, 32 and 64 channels."""
    net = _initialised(lenet_improved())
    rows = dict(layer_summary(net))
    assert rows['conv0'] == (1, 16, 28, 28) and rows['pool0'] == (1, 16, 14, 14)
    assert rows['conv1'] == (1, 32, 10, 10) and rows['pool1'] == (1, 32, 5, 5)
    assert rows['conv2'] == (1, 64, 5, 5) and rows['dense2'] == (1, 10)
    acts = conv_activations(net, np.random.normal(size=(2, 1, 28, 28)))
    assert [a.shape for a in acts] == [(2, 16, 28, 28), (2, 32, 10, 10)]
    assert all(a.min() >= 0 for a in acts)  # taken after the ReLU


def test_get_model():
    assert count_params(_initialised(get_model('lenet'))) == 61706
    assert set(MODEL_LR) == set(MODEL_LR_SCHEDULE) == {'lenet', 'lenet-max', 'lenet-improved'}
    assert MODEL_LR['lenet'] == 0.9 and MODEL_LR_SCHEDULE['lenet'] is None  # the book's
    with pytest.raises(ValueError, match="name must be one of lenet, lenet-max, "
                                         "lenet-improved, got 'alexnet'"):
        get_model('alexnet')


def test_conv_activations_bad_input():
    net = _initialised(lenet())
    with pytest.raises(ValueError, match=r'X must be a batch of images \(n, c, h, w\), '
                                         r'got shape \(28, 28\)'):
        conv_activations(net, np.zeros((28, 28)))
    with pytest.raises(ValueError, match='num_layers must be at most the 2 convolutions'):
        conv_activations(net, np.zeros((1, 1, 28, 28)), num_layers=3)
    with pytest.raises(ValueError, match='num_layers must be an integer >= 1, got 0'):
        conv_activations(net, np.zeros((1, 1, 28, 28)), num_layers=0)
    with pytest.raises(TypeError, match='X must be an array'):
        conv_activations(net, [[0.0]])


def test_plot_conv_activations_for_sweater_and_coat(fashion_dir):
    """Exercise 6.6.4: rows grouped by layer, one column per channel, one 0..1 colour scale."""
    images, labels = data.load_fashion_mnist_arrays()['test']
    pick = [int(onp.flatnonzero(labels == k)[0]) for k in (2, 4)]  # pullover, coat
    X = np.array(images[pick][:, None] / 255.0, dtype='float32')
    net = _initialised(lenet())
    acts = conv_activations(net, X)
    axes = plot_conv_activations(acts, titles=data.get_fashion_mnist_labels(labels[pick]))
    assert axes.shape == (4, 16)                       # all of conv1's 16 channels
    assert [axes[r, 0].get_ylabel() for r in range(4)] == [
        'pullover\nconv0', 'coat\nconv0', 'pullover\nconv1', 'coat\nconv1']
    assert len(axes[0, 5].images) == 1 and len(axes[0, 6].images) == 0  # 6 channels in conv0
    assert_allclose(axes[1, 0].images[0].get_array(), acts[0][1, 0], rtol=1e-6)   # coat, conv0
    assert_allclose(axes[2, 15].images[0].get_array(), acts[1][0, 15], rtol=1e-6)
    assert {ax.images[0].get_clim() for ax in axes.flat if ax.images} == {(0, 1)}
    assert (axes[0, 3].get_title(), axes[2, 12].get_title(), axes[1, 3].get_title()) == \
        ('channel 3', 'channel 12', '')
    assert len(axes[0, 0].figure.axes) == 4 * 16 + 1   # and the colorbar
    fig, given = plt.subplots(4, 3)
    drawn = plot_conv_activations(acts, max_channels=3, axes=given, vmax=None)
    assert drawn.shape == (4, 3) and (drawn == given).all()
    assert len(given[3, 2].images) == 1
    assert given[3, 2].images[0].get_clim() == (0, max(float(A.max()) for A in acts))
    plt.close('all')
    with pytest.raises(ValueError, match='activations must hold at least one layer'):
        plot_conv_activations([])


def _synthetic_digits(n, rng):
    """Ten classes of 28x28 images: class k is a bright bar in row band k plus noise."""
    y = rng.integers(0, 10, size=n)
    images = rng.integers(0, 60, size=(n, 28, 28))
    for i, k in enumerate(y):
        images[i, 2 + 2 * k:4 + 2 * k, 4:24] = 250
    return images.astype(onp.uint8), y.astype(onp.uint8)


def test_mnist_folder_trains(tmp_path):
    """Exercise 6.6.3: a folder of IDX files named as MNIST's trains through the same reader."""
    rng = onp.random.default_rng(0)
    for split, count in (('train', 1200), ('test', 300)):
        images, labels = _synthetic_digits(count, rng)
        images_file, labels_file = data.FILES[split]
        data.write_idx(tmp_path / images_file, images)
        data.write_idx(tmp_path / labels_file, labels)
    train_iter, test_iter = data.load_data_mnist(128, root=tmp_path)
    assert train_iter.num_examples == 1200 and test_iter.num_examples == 300
    history = train_ch5(lenet_improved(), train_iter, test_iter, 3, MODEL_LR['lenet-improved'],
                        ctx='cpu', reporter=None, seed=0,
                        lr_schedule=MODEL_LR_SCHEDULE['lenet-improved'])
    assert history[-1].test_acc > 0.5  # chance is 0.1
