"""Time the book's loop corr2d against corr2d_fast side by side (Book section 6.2.1).

Each function runs on the same seeded input; each timing is the median of
several runs, each ended by npx.waitall() so MXNet's asynchronous engine has
finished. Prints both times and their ratio.

    .venv/bin/python benchmarks/bench_corr2d.py --size 64 --kernel 3
"""
import argparse
import statistics
import time

import numpy as onp
from mxnet import np, npx

from d2l_ch6.convolutions import corr2d, corr2d_fast


def parse_args(argv=None):
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=64, help='input height and width (default: 64)')
    p.add_argument('--kernel', type=int, default=3, help='kernel height and width (default: 3)')
    p.add_argument('--loop-runs', type=int, default=5,
                   help='timed runs of the book loop corr2d (default: 5)')
    p.add_argument('--fast-runs', type=int, default=200,
                   help='timed runs of corr2d_fast (default: 200)')
    p.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    return p.parse_args(argv)


def median_time(fn, X, K, runs):
    """Return the median wall time of fn(X, K) over runs, after one warm-up run."""
    fn(X, K)
    npx.waitall()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(X, K)
        npx.waitall()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    """Time both versions, check they agree, print the times and the ratio."""
    args = parse_args(argv)
    rng = onp.random.default_rng(args.seed)
    X = np.array(rng.normal(size=(args.size, args.size)), dtype='float32')
    K = np.array(rng.normal(size=(args.kernel, args.kernel)), dtype='float32')
    diff = float(abs(corr2d(X, K) - corr2d_fast(X, K)).max())
    t_loop = median_time(corr2d, X, K, args.loop_runs)
    t_fast = median_time(corr2d_fast, X, K, args.fast_runs)
    print(f'input {args.size}x{args.size}, kernel {args.kernel}x{args.kernel}, '
          f'max |corr2d - corr2d_fast| = {diff:.2e}')
    print(f'corr2d (book loop): {t_loop * 1e3:10.3f} ms  (median of {args.loop_runs})')
    print(f'corr2d_fast:        {t_fast * 1e3:10.3f} ms  (median of {args.fast_runs})')
    print(f'speed-up:           {t_loop / t_fast:10.0f}x')


if __name__ == '__main__':
    main()
