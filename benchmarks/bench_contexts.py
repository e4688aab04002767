"""Time train_ch5 on 1, 2, 4 and 8 CPU contexts: throughput and memory (the package's addition).

    .venv/bin/python benchmarks/bench_contexts.py                  # 3 epochs, 1, 2, 4, 8
    .venv/bin/python benchmarks/bench_contexts.py --epochs 5 --contexts 1 2 16

Each count runs in a fresh process: the book's LeNet, lr 0.9, batch 256, on
the full Fashion-MNIST, with d2l_ch6's engine settings. Throughput is the
median over the epochs after the first of training examples per second of
wall time, end to end (data, training, test accuracy). Memory is the
process's peak resident set (ru_maxrss) and what training added to the
resident set measured after loading the data. The results back the default
cap MAX_CPU_CONTEXTS in d2l_ch6/training/devices.py and go to benchmarks/RESULTS.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from bench_train import cpu_line  # noqa: E402


def rss_mib():
    """The process's resident set now, in MiB, from /proc/self/status."""
    with open('/proc/self/status') as f:
        line = next(line for line in f if line.startswith('VmRSS:'))
    return int(line.split()[1]) / 1024


def child(n, epochs):
    import resource
    sys.path.insert(0, ROOT)
    from d2l_ch6 import cpu_contexts, lenet, load_data_fashion_mnist, train_ch5
    train_iter, test_iter = load_data_fashion_mnist(256)
    loaded = rss_mib()
    history = train_ch5(lenet(), train_iter, test_iter, epochs, 0.9, ctx=cpu_contexts(n),
                        reporter=None, seed=0)
    speeds = [r.num_examples / r.seconds for r in history][1:] or \
        [r.num_examples / r.seconds for r in history]
    print('RESULT ' + json.dumps({
        'contexts': n, 'examples_per_sec': statistics.median(speeds),
        'peak_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'loaded_mib': loaded, 'end_mib': rss_mib(), 'test_acc': history[-1].test_acc}))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--epochs', type=int, default=3, help='epochs per run (default: 3)')
    p.add_argument('--contexts', type=int, nargs='+', default=[1, 2, 4, 8],
                   help='numbers of CPU contexts (default: 1 2 4 8)')
    p.add_argument('--child', type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args.child, args.epochs)
    print(cpu_line())
    print('| CPU contexts | examples/s | peak RSS (MiB) | added by training (MiB) | test acc |')
    print('|---|---|---|---|---|')
    for n in args.contexts:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), '--child', str(n),
                              '--epochs', str(args.epochs)], capture_output=True, text=True)
        if out.returncode:
            sys.exit(f'{n} contexts failed:\n{out.stderr[-3000:]}')
        r = json.loads(out.stdout.split('RESULT ', 1)[1])
        print(f"| {n} | {r['examples_per_sec']:,.0f} | {r['peak_mib']:,.0f} | "
              f"{r['end_mib'] - r['loaded_mib']:,.0f} | {r['test_acc']:.3f} |", flush=True)


if __name__ == '__main__':
    sys.exit(main())
