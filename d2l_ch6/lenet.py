"""LeNet, its shape table and the exercises' variants (Book section 6.6).

The networks are ``HybridSequential``: iterable layer by layer exactly as the
book's ``nn.Sequential``, and hybridizable for speed (``train_ch5`` does it).
"""
import numpy as onp
from mxnet import np
from mxnet.gluon import nn

from ._arguments import check_array, check_int

__all__ = ['lenet', 'lenet_max', 'lenet_improved', 'get_model', 'MODELS', 'MODEL_LR',
           'MODEL_LR_SCHEDULE',
           'layer_summary', 'format_layer_summary', 'count_params',
           'conv_activations', 'plot_conv_activations']


def lenet():
    """Return the book's LeNet: 6 and 16 5x5 sigmoid convolutions, average pooling (Book section 6.6.1)."""
    net = nn.HybridSequential()
    net.add(nn.Conv2D(channels=6, kernel_size=5, padding=2, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=16, kernel_size=5, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            # Dense flattens (batch size, channel, height, width) itself
            nn.Dense(120, activation='sigmoid'),
            nn.Dense(84, activation='sigmoid'),
            nn.Dense(10))
    return net


def lenet_max():
    """Exercise 6.6.1: return the book's LeNet with max pooling in place of average pooling."""
    net = nn.HybridSequential()
    net.add(nn.Conv2D(channels=6, kernel_size=5, padding=2, activation='sigmoid'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=16, kernel_size=5, activation='sigmoid'),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120, activation='sigmoid'),
            nn.Dense(84, activation='sigmoid'),
            nn.Dense(10))
    return net


def lenet_improved():
    """Exercise 6.6.2: return LeNet with BatchNorm, ReLU, max pooling, wider and one more convolution.

    The book's two 5x5 convolutions widened to 16 and 32 channels, a third
    3x3 convolution of 64 channels on the 5x5 maps; each convolution followed
    by BatchNorm then ReLU; max pooling; ReLU in the dense layers. Train it
    with lr 0.1 decaying on a cosine per epoch (train_ch5's
    lr_schedule='cosine'); the variants tried on the way and their
    accuracies are in benchmarks/RESULTS.md.
    """
    net = nn.HybridSequential()
    net.add(nn.Conv2D(channels=16, kernel_size=5, padding=2), nn.BatchNorm(),
            nn.Activation('relu'),
            nn.MaxPool2D(pool_size=2, strides=2),                    # (B, 16, 14, 14)
            nn.Conv2D(channels=32, kernel_size=5), nn.BatchNorm(),
            nn.Activation('relu'),
            nn.MaxPool2D(pool_size=2, strides=2),                    # (B, 32, 5, 5)
            nn.Conv2D(channels=64, kernel_size=3, padding=1), nn.BatchNorm(),
            nn.Activation('relu'),                                   # (B, 64, 5, 5)
            nn.Dense(120, activation='relu'),
            nn.Dense(84, activation='relu'),
            nn.Dense(10))
    return net


MODELS = {'lenet': lenet, 'lenet-max': lenet_max, 'lenet-improved': lenet_improved}
# The learning rate each model is trained with: the book's 0.9 for its LeNet.
MODEL_LR = {'lenet': 0.9, 'lenet-max': 0.9, 'lenet-improved': 0.1}
# train_ch5's lr_schedule for each model: the book's constant rate (None) for its LeNet.
MODEL_LR_SCHEDULE = {'lenet': None, 'lenet-max': None, 'lenet-improved': 'cosine'}


def get_model(name):
    """Return a new network by name: 'lenet', 'lenet-max' or 'lenet-improved' (the package's addition)."""
    if name not in MODELS:
        raise ValueError(f'name must be one of {", ".join(MODELS)}, got {name!r}')
    return MODELS[name]()


def _layer_names(net):
    """Name the layers as the book prints them: conv0, pool0, conv1, ..., dense2."""
    counts, names = {}, []
    for layer in net:
        alias = layer._alias()
        names.append(f'{alias}{counts.get(alias, 0)}')
        counts[alias] = counts.get(alias, 0) + 1
    return names


def layer_summary(net, X=None):
    """Return [(layer name, output shape)] for X passed layer by layer (Book section 6.6.1).

    X defaults to one uniform random 28x28 image, (1, 1, 28, 28), as in the
    book. The net must be initialised. Names count per layer kind within this
    net (conv0, pool0, ...), so they match the book whatever else was built.
    """
    if X is None:
        X = np.random.uniform(size=(1, 1, 28, 28))
    check_array('X', X)
    rows = []
    for name, layer in zip(_layer_names(net), net):
        X = layer(X)
        rows.append((name, tuple(X.shape)))
    return rows


def format_layer_summary(rows):
    """Return the book's table lines 'conv0 output shape:\\t (1, 6, 28, 28)' (Book section 6.6.1)."""
    return [f'{name} output shape:\t {shape}' for name, shape in rows]


def count_params(net):
    """Return the number of scalar parameters of an initialised net (Book section 6.6.1: 61,706)."""
    total = 0
    for p in net.collect_params().values():
        if p.shape is None or any(s <= 0 for s in p.shape):
            raise ValueError(f'net has a parameter {p.name} of unknown shape {p.shape}: '
                             'initialise it and pass one input through it first')
        total += int(onp.prod(p.shape))
    return total


def conv_activations(net, X, num_layers=2):
    """Exercise 6.6.4: return the first num_layers convolutions' activations for inputs X.

    Returns a list of numpy arrays, one per convolution, each (n, c, h, w):
    the output of the convolution's own activation (the book's sigmoid), or,
    where the convolution has none, of the first Activation layer after it.
    """
    check_array('X', X)
    if X.ndim != 4:
        raise ValueError(f'X must be a batch of images (n, c, h, w), got shape {tuple(X.shape)}')
    check_int('num_layers', num_layers, 1)
    outputs, pending = [], False
    for layer in net:
        X = layer(X)
        if isinstance(layer, nn.Conv2D):
            if pending:
                outputs.append(last)
            pending, last = layer.act is None, X
            if not pending:
                outputs.append(X)
        elif pending and isinstance(layer, nn.Activation):
            outputs.append(X)
            pending = False
        if len(outputs) == num_layers:
            return [A.asnumpy() for A in outputs]
    if pending:
        outputs.append(last)
    if len(outputs) < num_layers:
        raise ValueError(f'num_layers must be at most the {len(outputs)} convolutions '
                         f'of net, got {num_layers}')
    return [A.asnumpy() for A in outputs[:num_layers]]


def plot_conv_activations(activations, titles=None, max_channels=16, vmin=0, vmax=1, axes=None,
                          scale=0.9):
    """Exercise 6.6.4: draw every input's channels, layer by layer, on one colour scale; return the axes.

    activations: conv_activations' list. Rows are grouped by layer (conv0 for
    each input, then conv1, ...), columns are channels (at most
    max_channels), numbered above each layer's first row. titles: one label
    per input (e.g. get_fashion_mnist_labels(y)). Every panel shares the
    colours vmin..vmax (the sigmoid's 0..1; None: the activations' own
    range), so brightness compares across panels and layers. Draws on axes
    when given, else on a new figure with a colorbar; never shows it.
    """
    if not activations:
        raise ValueError('activations must hold at least one layer, got none')
    n = activations[0].shape[0]
    cols = min(max_channels, max(A.shape[1] for A in activations))
    rows = n * len(activations)
    vmin = min(float(A.min()) for A in activations) if vmin is None else vmin
    vmax = max(float(A.max()) for A in activations) if vmax is None else vmax
    new = axes is None
    if new:
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(rows, cols, figsize=(cols * scale + 1, rows * scale),
                                 squeeze=False, layout='constrained')
    axes = onp.asarray(axes).reshape(rows, cols)
    for j, A in enumerate(activations):
        for i in range(n):
            row = axes[j * n + i]
            for c, ax in enumerate(row):
                ax.set_xticks([])
                ax.set_yticks([])
                if c < A.shape[1]:
                    image = ax.imshow(A[i, c], cmap='viridis', vmin=vmin, vmax=vmax)
                    if i == 0:
                        ax.set_title(f'channel {c}', fontsize=7)
                else:
                    ax.axis('off')
            label = f'conv{j}' if titles is None else f'{titles[i]}\nconv{j}'
            row[0].set_ylabel(label, fontsize=8)
    if new:
        fig.colorbar(image, ax=axes, shrink=0.6, label='activation')
    return axes
