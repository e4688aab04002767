"""From dense layers to convolutions, and convolutions for images (Book sections 6.1 and 6.2).

``corr2d`` is the book's loop, kept as the teaching version; ``corr2d_fast``
computes the same thing with one MXNet convolution op. The exercise answers of
6.1 and 6.2 follow the section's own code.
"""
import logging

from mxnet import np, npx
from mxnet.gluon import nn

from ._checks import check_2d, check_kernel_fits

__all__ = ['corr2d', 'corr2d_fast', 'Conv2D', 'edge_image', 'edge_kernel']

log = logging.getLogger(__name__)


def _check_corr2d_args(X, K):
    """Raise unless X and K are 2-D arrays and K fits inside X."""
    check_2d('X', X)
    check_2d('K', K)
    check_kernel_fits(X, K)


def corr2d(X, K):
    """Compute 2D cross-correlation (Book section 6.2.1).

    The book's loop: one output element at a time, so only for small inputs.
    ``X`` is (n_h, n_w), ``K`` is (k_h, k_w); returns (n_h - k_h + 1, n_w - k_w + 1).
    """
    _check_corr2d_args(X, K)
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_fast(X, K):
    """Compute 2D cross-correlation with one MXNet op (vectorised Book section 6.2.1).

    Same result as ``corr2d``, on ``X``'s device and differentiable. Integer
    inputs are computed in float32, as ``corr2d``'s ``np.zeros`` output is.
    """
    _check_corr2d_args(X, K)
    dtype = X.dtype if X.dtype.kind == 'f' else 'float32'
    X = X.astype(dtype, copy=False)
    K = K.astype(dtype, copy=False).as_in_ctx(X.ctx)
    Y = npx.convolution(X.reshape(1, 1, *X.shape), K.reshape(1, 1, *K.shape),
                        kernel=K.shape, num_filter=1, no_bias=True)  # (1, 1, h', w')
    return Y.reshape(Y.shape[2:])


class Conv2D(nn.Block):
    """Two-dimensional convolutional layer built on ``corr2d`` (Book section 6.2.2)."""

    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.weight = self.params.get('weight', shape=kernel_size)
        self.bias = self.params.get('bias', shape=(1,))

    def forward(self, x):
        """Cross-correlate ``x`` with the weight and add the scalar bias."""
        return corr2d(x, self.weight.data()) + self.bias.data()


def edge_image():
    """Return the book's 6x8 image: white (1) with black (0) middle columns (Book section 6.2.3)."""
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    return X


def edge_kernel():
    """Return the vertical-edge kernel ``K = [[1, -1]]`` (Book section 6.2.3)."""
    return np.array([[1, -1]])
