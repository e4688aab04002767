"""Exercises 6.6.1 and 6.6.2 measured: pooling and the knobs of an improved LeNet (the package's addition).

    .venv/bin/python benchmarks/improve_lenet.py                        # every variant, seeds 0 1
    .venv/bin/python benchmarks/improve_lenet.py --variants book book-max --seeds 0 1 2
    .venv/bin/python benchmarks/improve_lenet.py --table                # print the saved table

Each variant is trained with train_ch5 for 10 epochs, batch 256, on the full
Fashion-MNIST, on the default devices, once per seed. The variants walk from
the book's LeNet to lenet_improved one change at a time (activation, pooling,
width, batch normalisation, a third convolution, the learning-rate schedule),
then change one knob of lenet_improved at a time: the convolution window, the
number of dense layers, the initialisation, the learning rate, and cheaper
networks (fewer layers or channels, a stride-2 first convolution). Every run's
per-epoch history, speed and the machine's CPU are saved to --out as they
finish (a rerun skips the runs already there), and the table goes to
benchmarks/RESULTS.md by hand.
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

from bench_train import cpu_line  # noqa: E402

# package data: the 6.6 notebook shows these runs from a wheel as from a clone
OUT = os.path.join(ROOT, 'd2l_ch6', 'recorded', 'improve_lenet.json')

# What lenet_improved is, as build() reads it; each variant below changes some of it.
IMPROVED = dict(act='relu', pool='max', channels=(16, 32), kernel=5, third=64, batchnorm=True,
                dense=(120, 84), init=None, stride=1)
BOOK = dict(act='sigmoid', pool='avg', channels=(6, 16), kernel=5, third=0, batchnorm=False,
            dense=(120, 84), init=None, stride=1)


def _v(description, lr, schedule=None, **changes):
    base = BOOK if changes.pop('from_book', False) else IMPROVED
    return {'description': description, 'lr': lr, 'schedule': schedule,
            'spec': dict(base, **changes)}


# name: what changes, the learning rate, the schedule and the network's spec.
VARIANTS = {
    'book': _v("the book's LeNet (lenet)", 0.9, from_book=True),
    'book-max': _v('max pooling (lenet_max, exercise 6.6.1)', 0.9, from_book=True,
                   pool='max'),
    'relu': _v('ReLU instead of sigmoid', 0.1, from_book=True, act='relu'),
    'relu-max': _v('ReLU and max pooling', 0.1, from_book=True, act='relu', pool='max'),
    'relu-max-wide': _v('... and 16, 32 channels', 0.1, from_book=True, act='relu',
                        pool='max', channels=(16, 32)),
    'relu-max-wide-bn': _v('... and BatchNorm after each convolution', 0.1, third=0),
    'improved-constant': _v('... and a third 3x3 convolution of 64 channels', 0.1),
    'improved': _v('... and a cosine learning rate (lenet_improved)', 0.1, 'cosine'),
    'improved-lr0.05': _v('lenet_improved, lr 0.05', 0.05, 'cosine'),
    'improved-lr0.2': _v('lenet_improved, lr 0.2', 0.2, 'cosine'),
    'window-3': _v('lenet_improved with 3x3 windows', 0.1, 'cosine', kernel=3),
    'window-7': _v('lenet_improved with 7x7 windows', 0.1, 'cosine', kernel=7),
    'dense-1': _v('lenet_improved with one dense layer (10)', 0.1, 'cosine', dense=()),
    'dense-2': _v('lenet_improved with two dense layers (84, 10)', 0.1, 'cosine', dense=(84,)),
    'dense-4': _v('lenet_improved with four dense layers (256, 120, 84, 10)', 0.1, 'cosine',
                  dense=(256, 120, 84)),
    'init-normal': _v('lenet_improved, weights from N(0, 0.01)', 0.1, 'cosine', init='normal'),
    'init-uniform': _v("lenet_improved, weights from U(-0.07, 0.07) (MXNet's default)", 0.1,
                       'cosine', init='uniform'),
    'init-msra': _v('lenet_improved, He (MSRA) initialisation', 0.1, 'cosine', init='msra'),
    'no-third': _v('lenet_improved without the third convolution', 0.1, 'cosine', third=0),
    'narrow': _v("lenet_improved with the book's 6, 16 channels", 0.1, 'cosine',
                 channels=(6, 16)),
    'no-bn': _v('lenet_improved without BatchNorm', 0.1, 'cosine', batchnorm=False),
    'stride-2': _v('lenet_improved, a stride-2 first convolution instead of the first pooling',
                   0.1, 'cosine', stride=2),
    'stride-2-narrow': _v('... and 8, 16, 32 channels', 0.1, 'cosine', stride=2, channels=(8, 16),
                          third=32),
}


def _initializer(name):
    from mxnet import init
    return {None: None, 'normal': init.Normal(0.01), 'uniform': init.Uniform(0.07),
            'msra': init.MSRAPrelu(factor_type='in', slope=0)}[name]


def build(spec):
    """Return the LeNet that spec describes (lenet_improved for IMPROVED, lenet for BOOK)."""
    from mxnet.gluon import nn
    w_init = _initializer(spec['init'])
    Pool = {'avg': nn.AvgPool2D, 'max': nn.MaxPool2D}[spec['pool']]
    k, bn, act = spec['kernel'], spec['batchnorm'], spec['act']
    net = nn.HybridSequential()

    def conv(channels, kernel, padding, strides=1):
        # As lenet_improved: BatchNorm between the convolution and its activation
        if bn:
            net.add(nn.Conv2D(channels, kernel, strides, padding, weight_initializer=w_init),
                    nn.BatchNorm(), nn.Activation(act))
        else:
            net.add(nn.Conv2D(channels, kernel, strides, padding, activation=act,
                              weight_initializer=w_init))

    c1, c2 = spec['channels']
    # Padding k // 2 keeps 28x28 (the book's 2 for 5x5), which the pooling halves;
    # stride 2 halves it in the convolution itself, so no pooling follows
    conv(c1, k, k // 2, spec['stride'])
    if spec['stride'] == 1:
        net.add(Pool(pool_size=2, strides=2))
    conv(c2, k, 0)
    net.add(Pool(pool_size=2, strides=2))
    if spec['third']:
        conv(spec['third'], 3, 1)
    for units in spec['dense']:
        net.add(nn.Dense(units, activation=act, weight_initializer=w_init))
    net.add(nn.Dense(10, weight_initializer=w_init))
    return net


def run(name, seed, epochs, train_iter, test_iter):
    """Train variant name with seed; return its result as a JSON-able dict."""
    from d2l_ch6 import train_ch5
    variant = VARIANTS[name]
    net = build(variant['spec'])
    start = time.perf_counter()
    history = train_ch5(net, train_iter, test_iter, epochs, variant['lr'], reporter=None,
                        seed=seed, lr_schedule=variant['schedule'])
    return {'variant': name, 'description': variant['description'], 'seed': seed,
            'epochs': epochs, 'lr': variant['lr'],
            'schedule': variant['schedule'], 'spec': variant['spec'],
            'test_acc': history[-1].test_acc, 'train_loss': history[-1].train_loss,
            'train_acc': history[-1].train_acc, 'examples_per_sec': history.examples_per_sec,
            'seconds': time.perf_counter() - start, 'ctx': history.ctx,
            'history': history.to_dict()['epochs'],
            'start': history.start.to_dict() if getattr(history, 'start', None) else None,
            'num_train': train_iter.num_examples, 'cpu': cpu_line(),
            'date': datetime.date.today().isoformat()}


def load(path):
    """Return the saved runs of path (an empty list when there is none), described as VARIANTS now are."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        runs = json.load(f)['runs']
    for r in runs:
        if r['variant'] in VARIANTS:
            r['description'] = VARIANTS[r['variant']]['description']
    return runs


def save(path, runs):
    """Write runs to path atomically."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'runs': runs}, f, indent=1)
    os.replace(tmp, path)


def table(runs):
    """Return the runs as Markdown table lines: one row per variant, the seeds' test accuracies."""
    lines = ['| variant | what changes | lr | test acc per seed | mean | examples/s |',
             '|---|---|---|---|---|---|']
    for name, variant in VARIANTS.items():
        mine = sorted((r for r in runs if r['variant'] == name), key=lambda r: r['seed'])
        if not mine:
            continue
        accs = ', '.join(f"{r['test_acc']:.3f} ({r['seed']})" for r in mine)
        lr = f"{variant['lr']:g}" + (', cosine' if variant['schedule'] else '')
        speed = statistics.median(r['examples_per_sec'] for r in mine)
        lines.append(f"| {name} | {variant['description']} | {lr} | {accs} | "
                     f"{statistics.mean(r['test_acc'] for r in mine):.3f} | {speed:,.0f} |")
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--variants', nargs='+', choices=list(VARIANTS), default=list(VARIANTS))
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--limit', type=int, help='train on the first LIMIT images only (tests)')
    p.add_argument('--out', default=OUT, help=f'the results file (default: {OUT})')
    p.add_argument('--table', action='store_true', help='print the saved table and stop')
    args = p.parse_args(argv)
    runs = load(args.out)
    if runs:
        save(args.out, runs)                # the descriptions as VARIANTS has them now
    if args.table:
        print('\n'.join(table(runs)))
        return 0
    from d2l_ch6.data import DataIter, load_data_fashion_mnist
    train_iter, test_iter = load_data_fashion_mnist(256)
    if args.limit:
        train_iter = DataIter(train_iter.X[:args.limit], train_iter.y[:args.limit], 256,
                              shuffle=True)
        test_iter = DataIter(test_iter.X[:args.limit], test_iter.y[:args.limit], 256)
    print(cpu_line(), flush=True)
    for name in args.variants:
        for seed in args.seeds:
            key = (name, seed, args.epochs, train_iter.num_examples)
            if any((r['variant'], r['seed'], r['epochs'], r['num_train']) == key for r in runs):
                continue
            result = run(name, seed, args.epochs, train_iter, test_iter)
            runs.append(result)
            save(args.out, runs)
            print(f"{name:18s} seed {seed}: test acc {result['test_acc']:.3f}, "
                  f"{result['examples_per_sec']:,.0f} examples/s, {result['seconds']:.0f} s",
                  flush=True)
    print('\n'.join(table(runs)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
