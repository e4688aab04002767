"""The names later editions of the book give this chapter's helpers (the package's addition).

This package follows the MXNet NumPy-interface edition, where section 6.6's
training loop is ``train_ch5(net, train_iter, test_iter, num_epochs, lr,
ctx=d2l.try_gpu())``. Later editions (d2l 0.14 onwards, and ``d2l/mxnet.py``
of the d2l 1.0 package) call the same loop ``train_ch6`` and its device
argument ``device``: ``train_ch6(net, train_iter, test_iter, num_epochs, lr,
device)``. ``train_ch6`` here is that name for our ``train_ch5``, so code
written against a later edition runs unchanged. The chapter's other helpers
(``corr2d``, ``comp_conv2d``, ``corr2d_multi_in``, ``corr2d_multi_in_out``,
``corr2d_multi_in_out_1x1``, ``pool2d``, ``evaluate_accuracy_gpu``,
``try_gpu``, ``try_all_gpus``, ``load_data_fashion_mnist``) kept their names;
d2l 1.0's class API (``d2l.LeNet``, ``d2l.Trainer``) is a different design,
not a renaming, and is not mirrored.
"""
from .training import train_ch5

__all__ = ['train_ch6']


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device=None, **kwargs):
    """Run train_ch5 as later editions call it (Book section 6.6.2; the package's addition).

    device: what train_ch5 takes as ``ctx`` (a context, a list of them,
    'cpu', 'gpu', 'all'; None is try_gpu(), chosen now). The keyword
    arguments are train_ch5's. Returns train_ch5's History.
    """
    if 'ctx' in kwargs:
        if device is not None:
            raise TypeError(f'train_ch6 takes the device as device or as ctx, not both: got '
                            f'device={device!r} and ctx={kwargs["ctx"]!r}')
        device = kwargs.pop('ctx')
    return train_ch5(net, train_iter, test_iter, num_epochs, lr, device, **kwargs)
