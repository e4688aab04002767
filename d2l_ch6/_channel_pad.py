"""Run LeNet's 6-channel convolutions on oneDNN's fast kernels by zero-padding channels (Book section 6.6.2).

MXNet 1.9.1 hands CPU convolutions to oneDNN, but only takes an oneDNN
implementation whose memory layout needs no padding. oneDNN's direct JIT
kernels keep channels in blocks of 8 (AVX2) or 16 (AVX-512), so LeNet's
6-channel layers fall back to an im2col GEMM. Measured with DNNL_VERBOSE on
the 2-core AMD EPYC (AVX-512), LeNet, 128 examples, ms per batch:

    first convolution, forward          2.67 GEMM  ->  0.82 JIT (8 channels)
    second convolution, backward data   2.23 GEMM  ->  1.20 JIT
    second convolution, backward weights 2.17 GEMM ->  1.02 JIT

(the first convolution's weight gradient stays a GEMM: oneDNN offered no
JIT kernel for it at 8 channels, one at 16). One CPU context trains about 12,600
examples/s instead of 9,500, two about 17,000 instead of 14,300 end to end.
Padding to 16 instead of 8 was slower (16,500): more wasted work.

``ChannelPadded(net)`` shares net's parameters and computes net's function,
with each ``Conv2D`` whose c_o is not a multiple of 8 widened to the next one,
when only channel-wise layers (its activation, pooling, Activation) lead to the
next ``Conv2D``:

* the widened ``Conv2D`` gets extra filters that are all zeros, with zero bias;
* the channel-wise layers carry the extra channels along, each on its own;
* the next ``Conv2D`` gets zero weights for the extra input channels, so they
  add exact zeros to every output.

The zeros are constants of the graph (``np.pad`` of the weights), so the
gradients of the real weights are the unpadded network's, and no extra
parameter exists or is trained. Outputs, losses and gradients agree with
``net``'s to float rounding (tests/test_training.py). Dropout, BatchNorm,
Dense, Flatten or anything else between two convolutions stops the padding
there, so a layer with random draws or per-channel parameters never sees an
extra channel.
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
    """
    if isinstance(X, mx.nd.NDArray) and any(
            p.shape is None or min(p.shape, default=1) <= 0   # 0 or -1: not known yet
            for p in net.collect_params().values()):
        with autograd.pause(train_mode=False):
            net(X)


class _PaddedConv2D(nn.HybridBlock):
    """conv's layer on zero-padded channels: c_i + extra_in inputs, c_o + extra_out outputs."""

    def __init__(self, conv, extra_in, extra_out):
        super().__init__(prefix=conv.prefix, params=conv.params)   # conv's own Parameters
        self.weight = self.params.get('weight')
        self.bias = self.params.get('bias') if conv.bias is not None else None
        self.act = conv.act
        self._kwargs = dict(conv._kwargs, num_filter=conv._channels + extra_out)
        self._weight_pad = ((0, extra_out), (0, extra_in), (0, 0), (0, 0))   # (c_o, c_i, k_h, k_w)
        self._bias_pad = ((0, extra_out), (0, 0))   # on (c_o, 1): MXNet's pad rejects 1-D arrays

    def hybrid_forward(self, F, X, weight, bias=None):
        weight = F.np.pad(weight, self._weight_pad)
        if bias is None:
            Y = F.npx.convolution(X, weight, **self._kwargs)
        else:
            bias = F.np.pad(bias.reshape((-1, 1)), self._bias_pad).reshape((-1,))
            Y = F.npx.convolution(X, weight, bias, **self._kwargs)
        return Y if self.act is None else self.act(Y)


class ChannelPadded(nn.HybridBlock):
    """Compute net with zero-padded channels on oneDNN's fast kernels, sharing its parameters (Book section 6.6.2)."""

    def __init__(self, net, multiple=MULTIPLE):
        super().__init__()
        self.plan = padding_plan(net, multiple)
        self.net = net
        self.body = nn.HybridSequential()
        extra_in = 0                                  # extra channels the previous layer passes on
        for k, layer in enumerate(net):
            if _plain_conv(layer) and (extra_in or k in self.plan):
                extra_out = self.plan.get(k, layer._channels) - layer._channels
                self.body.add(_PaddedConv2D(layer, extra_in, extra_out))
                extra_in = extra_out
            else:
                self.body.add(layer)                  # the same layer object: shared
                extra_in = extra_in if _channel_wise(layer) else 0

    def forward(self, X, *args):
        complete_init(self.net, X)   # the padded weights hide c_i from shape inference
        return super().forward(X, *args)

    def hybrid_forward(self, F, X):
        return self.body(X)
