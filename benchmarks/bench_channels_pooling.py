"""Time the loops corr2d_multi_in_out and pool2d against vectorised ones (Book sections 6.4-6.5).

Each function runs on the same seeded input; each timing is the median of
several runs, each ended by npx.waitall() so MXNet's asynchronous engine has
finished. Gluon's Conv2D and MaxPool2D are timed as a reference. Prints the
times, the speed-ups over the loops, and the largest disagreement.

    .venv/bin/python benchmarks/bench_channels_pooling.py --size 16 --channels 3
"""
import argparse
import statistics
import time

import numpy as onp

import d2l_ch6  # noqa: F401  (first: sets MXNet's environment defaults before mxnet loads)
from mxnet import np, npx  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

from d2l_ch6.channels import conv2d_matmul, corr2d_multi_in_out, corr2d_multi_in_out_fast
from d2l_ch6.pooling import pool2d, pool2d_fast


def parse_args(argv=None):
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=16, help='input height and width (default: 16)')
    p.add_argument('--channels', type=int, default=3, help='c_i and c_o (default: 3)')
    p.add_argument('--kernel', type=int, default=3, help='kernel and pool window (default: 3)')
    p.add_argument('--loop-runs', type=int, default=3, help='timed runs of each loop (default: 3)')
    p.add_argument('--fast-runs', type=int, default=100,
                   help='timed runs of each vectorised version (default: 100)')
    p.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    return p.parse_args(argv)


def median_time(fn, runs):
    """Return the median wall time of fn() over runs, after one warm-up run."""
    fn()
    npx.waitall()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        npx.waitall()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(title, results, runs):
    """Print one table: name, milliseconds, speed-up over the first (the loop)."""
    print(title)
    base = results[0][1]
    for (name, t), n in zip(results, runs):
        print(f'  {name:28s} {t * 1e3:10.3f} ms  {base / t:8.0f}x  (median of {n})')


def main(argv=None):
    """Time the loops and the vectorised versions, check they agree, print a table."""
    args = parse_args(argv)
    rng = onp.random.default_rng(args.seed)
    n, c, k = args.size, args.channels, args.kernel
    X = np.array(rng.normal(size=(c, n, n)), dtype='float32')
    K = np.array(rng.normal(size=(c, c, k, k)), dtype='float32')
    conv = nn.Conv2D(c, k, in_channels=c, use_bias=False)
    conv.initialize()
    conv.weight.set_data(K)
    pool = nn.MaxPool2D(k, strides=1)
    X4 = X.reshape(1, c, n, n)

    Y = corr2d_multi_in_out(X, K)
    diff_conv = max(float(abs(Y - f).max()) for f in (
        corr2d_multi_in_out_fast(X, K), conv2d_matmul(X4, K)[0], conv(X4)[0]))
    P = pool2d(X[0], (k, k))
    diff_pool = max(float(abs(P - f).max()) for f in (pool2d_fast(X[0], (k, k)),
                                                       pool(X4)[0, 0]))
    lr, fr = args.loop_runs, args.fast_runs
    print(f'input {c}x{n}x{n}, kernel {c}x{c}x{k}x{k}, pool window {k}x{k}')
    report(f'convolution (max disagreement {diff_conv:.2e})', [
        ('corr2d_multi_in_out (loop)', median_time(lambda: corr2d_multi_in_out(X, K), lr)),
        ('corr2d_multi_in_out_fast', median_time(lambda: corr2d_multi_in_out_fast(X, K), fr)),
        ('conv2d_matmul (batch of 1)', median_time(lambda: conv2d_matmul(X4, K), fr)),
        ('gluon nn.Conv2D', median_time(lambda: conv(X4), fr))], [lr, fr, fr, fr])
    report(f'max pooling, one channel (max disagreement {diff_pool:.2e})', [
        ('pool2d (loop)', median_time(lambda: pool2d(X[0], (k, k)), lr)),
        ('pool2d_fast', median_time(lambda: pool2d_fast(X[0], (k, k)), fr)),
        ('gluon nn.MaxPool2D', median_time(lambda: pool(X4[:, :1]), fr))], [lr, fr, fr])


if __name__ == '__main__':
    main()
