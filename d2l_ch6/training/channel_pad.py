"""Run LeNet's 6-channel convolutions on oneDNN's fast kernels by zero-padding channels (the package's addition).

MXNet 1.9.1 hands CPU convolutions to oneDNN, but only takes an oneDNN
implementation whose memory layout needs no padding. oneDNN's direct JIT
kernels keep channels in blocks of 8 (AVX2) or 16 (AVX-512), so LeNet's
6-channel layers fall back to an im2col GEMM, several times slower per layer
(DNNL_VERBOSE timings in benchmarks/RESULTS.md).

``ChannelPadded(net)`` shares net's parameters and computes net's function,
with each ``Conv2D`` whose c_o is not a multiple of 8 widened to the next one,
when only channel-wise layers (its activation, pooling, Activation) lead to the
next ``Conv2D``:

* the widened ``Conv2D`` gets extra filters that are all zeros, with zero bias;
* the channel-wise layers carry the extra channels along, each on its own;
* the next ``Conv2D`` gets zero weights for the extra input channels, so they
  add exact zeros to every output.

oneDNN has no JIT kernel for the first layer's weight gradient at 8 channels,
only at 16, and padding to 16 costs more in the layers after it than it saves.
``pair_images=True`` gets 16 without waste: the first convolution takes images
2m and 2m+1 as its two input channels, (B/2, 2, h, w), with weights
[[W, 0], [0, W]], so its 16 output channels are 8 of each image; the
channel-wise layers keep the pairs, and a reshape before the next ``Conv2D``
gives (B, 8, h', w') back. It needs an even batch of 1-channel images
(``accepts``); train_ch5 uses the plain padded graph for any other batch.

The zeros are constants of the graph (``np.pad`` of the weights), so the
gradients of the real weights are the unpadded network's, and no extra
parameter exists or is trained. Outputs, losses and gradients agree with
``net``'s to float rounding (tests/test_devices.py). Dropout, BatchNorm,
Dense, Flatten or anything else between two convolutions stops the padding
there, so a layer with random draws or per-channel parameters never sees an
extra channel. ``d2l_ch6.training.model.Model`` uses it where ``pays`` says so.
"""
import os

import mxnet as mx
from mxnet import autograd
from mxnet.gluon import nn

MULTIPLE = 8   # oneDNN's AVX2 block; 16 (AVX-512) measured slower on LeNet: more wasted work


def onednn_enabled():
    """Return True when MXNet runs CPU operators through oneDNN (MKLDNN build, not switched off)."""
    return (mx.runtime.Features().is_enabled('MKLDNN')
            and os.environ.get('MXNET_MKLDNN_ENABLED', '1') != '0')


def pays(net, ctxs):
    """Return True when ChannelPadded(net) runs faster on ctxs: CPU contexts with oneDNN, and a layer to widen."""
    return (all(c.device_type == 'cpu' for c in ctxs) and onednn_enabled()
            and bool(padding_plan(net)))


def _round_up(c, multiple):
    return -(-c // multiple) * multiple


def _plain_conv(layer):
    """A Conv2D exactly (not a subclass), ungrouped, NCHW: its forward is the one rewritten here."""
    return (type(layer) is nn.Conv2D and layer._kwargs['num_group'] == 1
            and layer._kwargs['layout'] == 'NCHW')


def _channel_wise(layer):
    """A layer that maps each channel on its own, with no parameters and no random draws."""
    if type(layer) is nn.Activation:
        return True
    return type(layer) in (nn.MaxPool2D, nn.AvgPool2D) and layer._kwargs['layout'] == 'NCHW'


def padding_plan(net, multiple=MULTIPLE):
    """Return {index of a Conv2D in net: its widened c_o} for the layers ChannelPadded widens."""
    layers = list(net) if isinstance(net, (nn.Sequential, nn.HybridSequential)) else []
    plan = {}
    for k, layer in enumerate(layers):
        if not _plain_conv(layer) or layer._channels % multiple == 0:
            continue
        j = k + 1
        while j < len(layers) and _channel_wise(layers[j]):
            j += 1
        if j < len(layers) and _plain_conv(layers[j]):
            plan[k] = _round_up(layer._channels, multiple)
    return plan


def complete_init(net, X):
    """Finish net's deferred initialisation with one prediction on X, if a shape is still unknown.

    Prediction mode draws no random numbers and changes no state (BatchNorm's
    running statistics), and the parameters are initialised in the order
    net's first forward pass would use: the numbers are those of a run without it.
    Return True when every shape is known (they stay known: callers need not
    ask again), False when X is a symbol and some are not.
    """
    if all(p.shape is not None and min(p.shape, default=1) > 0   # 0 or -1: not known yet
           for p in net.collect_params().values()):
        return True
    if not isinstance(X, mx.nd.NDArray):
        return False
    with autograd.pause(train_mode=False):
        net(X)
    return True


class _PaddedConv2D(nn.HybridBlock):
    """conv's layer on zero-padded channels: c_i + extra_in inputs, c_o + extra_out outputs.

    pair: the input holds two images as channels, (B/2, 2, h, w), and the
    weights are [[W, 0], [0, W]]: image 2m's c_o + extra_out channels, then
    image 2m+1's.
    """

    def __init__(self, conv, extra_in, extra_out, pair=False):
        super().__init__(prefix=conv.prefix, params=conv.params)   # conv's own Parameters
        self.weight = self.params.get('weight')
        self.bias = self.params.get('bias') if conv.bias is not None else None
        self.act = conv.act
        self._pair = pair
        c_o = conv._channels + extra_out
        self._kwargs = dict(conv._kwargs, num_filter=2 * c_o if pair else c_o)
        self._weight_pad = ((0, extra_out), (0, extra_in), (0, 0), (0, 0))   # (c_o, c_i, k_h, k_w)
        self._bias_pad = ((0, extra_out), (0, 0))   # on (c_o, 1): MXNet's pad rejects 1-D arrays

    def hybrid_forward(self, F, X, weight, bias=None):
        weight = F.np.pad(weight, self._weight_pad)
        if bias is not None:
            bias = F.np.pad(bias.reshape((-1, 1)), self._bias_pad).reshape((-1,))
        if self._pair:
            weight = F.np.concatenate([F.np.pad(weight, ((0, 0), (0, 1), (0, 0), (0, 0))),
                                       F.np.pad(weight, ((0, 0), (1, 0), (0, 0), (0, 0)))])
            bias = None if bias is None else F.np.concatenate([bias, bias])
        if bias is None:
            Y = F.npx.convolution(X, weight, **self._kwargs)
        else:
            Y = F.npx.convolution(X, weight, bias, **self._kwargs)
        return Y if self.act is None else self.act(Y)


class ChannelPadded(nn.HybridBlock):
    """Compute net with zero-padded channels on oneDNN's fast kernels, sharing its parameters (the package's addition).

    pair_images: also give the first convolution two images at once as two
    input channels (its weights block-diagonal), so that it has twice the
    output channels: 16 for LeNet, where oneDNN has a JIT kernel for the
    weight gradient. Needs an even batch of 1-channel images (``accepts``).
    """

    def __init__(self, net, multiple=MULTIPLE, pair_images=False):
        super().__init__()
        self.plan = padding_plan(net, multiple)
        if pair_images and 0 not in self.plan:
            raise ValueError('pair_images=True needs a first layer that padding_plan widens, '
                             f'got the plan {self.plan}')
        self.pair_images = pair_images
        self.net = net
        self._shapes_known = False                    # complete_init: once, not per batch
        self.body = nn.HybridSequential()
        self._unpair_at = None                        # where the images go back to the batch
        extra_in = 0                                  # extra channels the previous layer passes on
        for k, layer in enumerate(net):
            if _plain_conv(layer) and (extra_in or k in self.plan):
                if pair_images and k > 0 and self._unpair_at is None:
                    self._unpair_at = k
                extra_out = self.plan.get(k, layer._channels) - layer._channels
                self.body.add(_PaddedConv2D(layer, extra_in, extra_out, pair_images and k == 0))
                extra_in = extra_out
            else:
                self.body.add(layer)                  # the same layer object: shared
                extra_in = extra_in if _channel_wise(layer) else 0

    def accepts(self, X):
        """Return True when X (B, c_i, h, w) suits this block: always, or with pair_images an even B and c_i = 1."""
        return not self.pair_images or (X.shape[0] % 2 == 0 and X.shape[1] == 1)

    def forward(self, X, *args):
        if isinstance(X, mx.nd.NDArray) and not self.accepts(X):
            raise ValueError(f'ChannelPadded(pair_images=True) needs an even batch of 1-channel '
                             f'images, got X of shape {X.shape}')
        # the padded weights hide c_i from shape inference
        self._shapes_known = self._shapes_known or complete_init(self.net, X)
        return super().forward(X, *args)

    def hybrid_forward(self, F, X):
        for k, layer in enumerate(self.body):
            if self.pair_images and k == 0:
                X = F.npx.reshape(X, (-6, -1, 2, -3, -4))       # (B/2, 2, h, w): images 2m, 2m+1
            elif k == self._unpair_at:
                X = F.npx.reshape(F.npx.reshape(X, (-2, -6, 2, -1, -4)), (-5, -4))  # (B, c, h, w)
            X = layer(X)
        return X
