"""The submission sources the grading tests share, each typed once.

- ``BOOK_LISTINGS``: the book's listings of the graded functions, typed in as
  ``shared/book/chapter6.md`` prints them (tests/test_grading_hostile.py holds
  them to the book's text); ``book_file`` makes a student's file of them.
- ``RIGHT_CORR2D``, ``RIGHT_POOL``, ``RIGHT_EXERCISES``: honest right answers
  in a student's own words.
- ``workers()``: the grading workers alive on this machine.
"""
import pathlib

# Each listing as chapter6.md prints it (corr2d_multi_in_out_1x1 is split by a page break in the
# extracted text; here it is whole).
BOOK_LISTINGS = {
    'corr2d': """
def corr2d(X, K):
    \"\"\"Compute 2D cross-correlation.\"\"\"
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
""",
    'Conv2D': """
class Conv2D(nn.Block):
    def __init__(self, kernel_size, **kwargs):
        super(Conv2D, self).__init__(**kwargs)
        self.weight = self.params.get('weight', shape=kernel_size)
        self.bias = self.params.get('bias', shape=(1,))

    def forward(self, x):
        return corr2d(x, self.weight.data()) + self.bias.data()
""",
    'comp_conv2d': """
def comp_conv2d(conv2d, X):
    conv2d.initialize()
    # (1, 1) indicates that the batch size and the number of channels
    # (described in later chapters) are both 1
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    # Exclude the first two dimensions that do not interest us: batch and
    # channel
    return Y.reshape(Y.shape[2:])
""",
    'corr2d_multi_in': """
def corr2d_multi_in(X, K):
    # First, traverse along the 0th dimension (channel dimension) of X and K.
    # Then, add them together by using * to turn the result list into a
    # positional argument of the add_n function
    return sum(d2l.corr2d(x, k) for x, k in zip(X, K))
""",
    'corr2d_multi_in_out': """
def corr2d_multi_in_out(X, K):
    # Traverse along the 0th dimension of K, and each time, perform
    # cross-correlation operations with input X. All of the results are merged
    # together using the stack function
    return np.stack([corr2d_multi_in(X, k) for k in K])
""",
    'corr2d_multi_in_out_1x1': """
def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape(c_i, h * w)
    K = K.reshape(c_o, c_i)
    Y = np.dot(K, X) # Matrix multiplication in the fully connected layer
    return Y.reshape(c_o, h, w)
""",
    'pool2d': """
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = np.max(X[i: i + p_h, j: j + p_w])
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y
""",
    'net': """
net = nn.Sequential()
net.add(nn.Conv2D(channels=6, kernel_size=5, padding=2, activation='sigmoid'),
        nn.AvgPool2D(pool_size=2, strides=2),
        nn.Conv2D(channels=16, kernel_size=5, activation='sigmoid'),
        nn.AvgPool2D(pool_size=2, strides=2),
        # Dense will transform the input of the shape (batch size, channel,
        # height, width) into the input of the shape (batch size,
        # channel * height * width) automatically by default
        nn.Dense(120, activation='sigmoid'),
        nn.Dense(84, activation='sigmoid'),
        nn.Dense(10))
""",
    'evaluate_accuracy_gpu': """
def evaluate_accuracy_gpu(net, data_iter, ctx=None):
    if not ctx: # Query the first device the first parameter is on
        ctx = list(net.collect_params().values())[0].list_ctx()[0]
    metric = d2l.Accumulator(2) # num_corrected_examples, num_examples
    for X, y in data_iter:
        X, y = X.as_in_context(ctx), y.as_in_context(ctx)
        metric.add(d2l.accuracy(net(X), y), y.size)
    return metric[0]/metric[1]
""",
}

# What the book's notebooks import before the listings (d2l is d2l 1.0's d2l.mxnet).
BOOK_PRELUDE = 'from mxnet import autograd, np, npx\nfrom mxnet.gluon import nn\nnpx.set_np()\n'


def book_file(*names, d2l=False):
    """A student's file of the book's listings of names, with the imports the book runs them under."""
    head = ('from d2l import mxnet as d2l\n' if d2l else '') + BOOK_PRELUDE
    return head + ''.join(BOOK_LISTINGS[n] for n in names)


RIGHT_CORR2D = [
    '''
from mxnet import np
def corr2d(X, K):
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
''',
    '''
from mxnet import np
def corr2d(X, K):
    k_h, k_w = K.shape
    rows = []
    for i in range(X.shape[0] - k_h + 1):
        rows.append(np.stack([(X[i:i + k_h, j:j + k_w] * K).sum()
                              for j in range(X.shape[1] - k_w + 1)]))
    return np.stack(rows)
''',
    '''
import numpy as onp
def corr2d(X, K):
    X, K = X.asnumpy().astype("float64"), K.asnumpy().astype("float64")
    h, w = K.shape
    out = onp.empty((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return out
''',
]

RIGHT_POOL = '''
from mxnet import np
def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = np.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
'''

RIGHT_EXERCISES = {
    'receptive_field': 'def receptive_field(num_layers, k):\n    return num_layers * (k - 1) + 1\n',
    'min_derivative_kernel_size': 'def min_derivative_kernel_size(d):\n    return d + 1\n',
    'conv_output_shape': '''
def conv_output_shape(n_h, n_w, k_h, k_w, p_h=0, p_w=0, s_h=1, s_w=1):
    return (n_h - k_h + p_h + s_h) // s_h, (n_w - k_w + p_w + s_w) // s_w
''',
    'diagonal_image': '''
from mxnet import np
def diagonal_image(n):
    X = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            X[i, j] = 1
    return X
''',
}


def workers():
    """PIDs of grading workers (and anything forked from one) alive on this machine."""
    pids = []
    for d in pathlib.Path('/proc').iterdir():
        if d.name.isdigit():
            try:
                if b'd2l_ch6.grading.worker' in (d / 'cmdline').read_bytes():
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids
