"""Time the book's LeNet loop and train_ch5 side by side on Fashion-MNIST (Book section 6.6.2).

    .venv/bin/python benchmarks/bench_train.py                # 3 epochs each, 2 rounds
    .venv/bin/python benchmarks/bench_train.py --epochs 10 --rounds 1
    .venv/bin/python benchmarks/bench_train.py --compare ../other-checkout   # a third loop

Each measurement runs in a fresh process, the two loops alternating, so that
both see the same machine:

* book: the book's loop as d2l writes it (d2l.load_data_fashion_mnist itself,
  over Gluon's FashionMNIST dataset with only its download replaced, and
  benchmarks/book_loop.py, d2l.train_ch6's body, the book's train_ch5, without
  the Animator, which the tests compare train_ch5 with too): a Gluon
  DataLoader with Compose([ToTensor()]) and 4 workers, the net not hybridized,
  a float() per batch, test accuracy once per epoch. It runs with MXNet's own
  defaults (d2l_ch6's environment defaults switched off), as a reader would.
  (The book's printed listing indents the test evaluation into the batch
  loop; d2l's package, and this benchmark, evaluate once per epoch.)
* train_ch5: d2l_ch6.load_data_fashion_mnist and d2l_ch6.training.train_ch5,
  with d2l_ch6's environment defaults (d2l_ch6/_env.py) and --ctx; on CPU its
  convolutions run on zero-padded channels (d2l_ch6/training/channel_pad.py) unless
  --no-pad-channels.
* with --compare DIR, also train_ch5 as the checkout in DIR has it (an older
  commit, say), in the same rounds: before and after side by side.
* with --notebook, also train_ch5 as the 6.6 notebook runs it: in a Jupyter
  kernel (this interpreter's ipykernel, as `d2l-ch6 notebooks` starts it),
  reporter='animator', its figure redrawn inline as the notebook shows it.

Both use the book's LeNet, lr 0.9, batch 256, Xavier initialisation and SGD.
Throughput is training examples per second of wall time per epoch, end to end:
fetching the data, training and evaluating the test set. The ratio compares
medians over all epochs but each run's first (which includes start-up); the
totals include loading the data and everything else.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def book_run(epochs, lr, batch_size):
    """The book's loop, as d2l's train_ch6 and load_data_fashion_mnist write it; per-epoch records."""
    start = time.perf_counter()
    from d2l import mxnet as d2l
    import numpy as onp
    from mxnet import gluon, nd, np, npx
    from mxnet.gluon import nn
    from mxnet.util import is_np_array
    npx.set_np()
    sys.path.insert(0, ROOT)
    from d2l_ch6.data import load_fashion_mnist_arrays  # decoding only; the book's Gluon data path
    arrays = load_fashion_mnist_arrays()

    class FashionMNIST(gluon.data.vision.FashionMNIST):
        """Gluon's FashionMNIST, its arrays built as its _get_data builds them, minus the download.

        (Gluon checks the SHA-1 of the *compressed* files, which Debian's
        recompressed copies fail, and then downloads.)
        """

        def _get_data(self):
            images, labels = arrays['train' if self._train else 'test']
            label = labels.astype(onp.int32)
            if is_np_array():
                label = np.array(label, dtype=label.dtype)
            data = images.reshape(len(label), 28, 28, 1)
            self._data = (np.array if is_np_array() else nd.array)(data, dtype=data.dtype)
            self._label = label

    # d2l's own load_data_fashion_mnist: Compose([ToTensor()]), transform_first, 4 workers
    gluon.data.vision.FashionMNIST = FashionMNIST
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    net = nn.Sequential()
    net.add(nn.Conv2D(channels=6, kernel_size=5, padding=2, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=16, kernel_size=5, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Dense(120, activation='sigmoid'),
            nn.Dense(84, activation='sigmoid'),
            nn.Dense(10))
    device = d2l.try_gpu()
    sys.path.insert(0, HERE)
    from book_loop import book_train_ch5
    records = book_train_ch5(net, train_iter, test_iter, epochs, lr, device)
    return {'loop': 'book', 'ctx': str(device), 'records': records,
            'total_seconds': time.perf_counter() - start}


def ours_run(epochs, lr, batch_size, ctx, model, pad_channels, seed, root=ROOT, reporter=None):
    """d2l_ch6's data and train_ch5, from the checkout in root; per-epoch records."""
    start = time.perf_counter()
    sys.path.insert(0, root)
    from d2l_ch6 import _env
    from d2l_ch6.data import load_data_fashion_mnist
    from d2l_ch6.lenet import get_model
    from d2l_ch6.training import train_ch5
    train_iter, test_iter = load_data_fashion_mnist(batch_size)
    history = train_ch5(get_model(model), train_iter, test_iter, epochs, lr, ctx=ctx,
                        reporter=reporter, pad_channels=pad_channels, seed=seed)
    loop = 'train_ch5' if root == ROOT else f'train_ch5@{os.path.basename(root)}'
    if reporter == 'animator':
        loop = 'notebook'
    return {'loop': loop, 'ctx': history.ctx, 'records': history.to_dict()['epochs'],
            'env': _env.effective(), 'total_seconds': time.perf_counter() - start}


def notebook_run(args):
    """train_ch5 with the Animator in a Jupyter kernel, as the 6.6 notebook runs it; its records."""
    import nbformat
    from nbclient import NotebookClient
    sys.path.insert(0, ROOT)
    from d2l_ch6.publishing.runner import _kernel_manager_class
    call = (f'ours_run({args.epochs}, {args.lr}, {args.batch_size}, {args.ctx!r}, '
            f'{args.model!r}, {not args.no_pad_channels}, {args.seed}, reporter="animator")')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f'import json, sys\nsys.path.insert(0, {HERE!r})\nfrom bench_train import ours_run\n'
        f"print('RESULT ' + json.dumps({call}))")])
    os.environ['MPLBACKEND'] = 'module://matplotlib_inline.backend_inline'
    NotebookClient(nb, timeout=3600, kernel_name='python3',
                   kernel_manager_class=_kernel_manager_class(),
                   resources={'metadata': {'path': HERE}}).execute()
    text = ''.join(o.get('text', '') for o in nb.cells[0].outputs if o.output_type == 'stream')
    figures = sum('image/png' in o.get('data', {}) for o in nb.cells[0].outputs)
    result = json.loads([x for x in text.splitlines() if x.startswith('RESULT ')][-1][7:])
    result['figures'] = figures
    return result


def child(args):
    if args.child == 'book':
        result = book_run(args.epochs, args.lr, args.batch_size)
    elif args.child == 'notebook':
        result = notebook_run(args)
    else:
        result = ours_run(args.epochs, args.lr, args.batch_size, args.ctx, args.model,
                          not args.no_pad_channels, args.seed,
                          os.path.abspath(args.compare) if args.child == 'other' else ROOT)
    print('RESULT ' + json.dumps(result))


def spawn(which, args):
    env = dict(os.environ)
    if which == 'book':   # MXNet's own defaults, as a reader has them
        sys.path.insert(0, ROOT)
        from d2l_ch6 import _env
        env = _env.without_defaults(env)
    cmd = [sys.executable, os.path.abspath(__file__), '--child', which, '--epochs',
           str(args.epochs), '--lr', str(args.lr), '--batch-size', str(args.batch_size),
           '--ctx', args.ctx, '--model', args.model, '--seed', str(args.seed)]
    if args.compare:
        cmd += ['--compare', args.compare]
    if args.no_pad_channels:
        cmd.append('--no-pad-channels')
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f'{which} run failed:\n{out.stderr[-3000:]}')
    line = [x for x in out.stdout.splitlines() if x.startswith('RESULT ')][-1]
    return json.loads(line[len('RESULT '):])


def report(runs):
    lines, medians = [], {}
    for loop in dict.fromkeys(r['loop'] for r in runs):
        mine = [r for r in runs if r['loop'] == loop]
        speeds = [rec['num_examples'] / rec['seconds'] for r in mine for rec in r['records'][1:]]
        if not speeds:  # one epoch per run: nothing but the first to use
            speeds = [rec['num_examples'] / rec['seconds'] for r in mine for rec in r['records']]
        medians[loop] = statistics.median(speeds)
        for r in mine:
            last = r['records'][-1]
            lines.append(f"{loop:9s} on {r['ctx']}: per epoch " + ' '.join(
                f"{rec['num_examples'] / rec['seconds']:.0f}" for rec in r['records'])
                + f" examples/s; total {r['total_seconds']:.1f} s; after {last['epoch']} epochs "
                f"loss {last['train_loss']:.3f}, train acc {last['train_acc']:.3f}, "
                f"test acc {last['test_acc']:.3f}")
        if loop != 'book':   # seeded: the same digits in every round, and before and after
            lines.append(f'{loop:9s} train losses: ' + ', '.join(
                repr(rec['train_loss']) for rec in mine[0]['records']))
        lines.append(f'{loop:9s} median end-to-end throughput: {medians[loop]:.0f} examples/s')
    total = {loop: statistics.median(r['total_seconds'] for r in runs if r['loop'] == loop)
             for loop in medians}
    for loop in medians:
        if loop != 'book':
            lines.append(f"ratio {loop} / book: {medians[loop] / medians['book']:.2f}x per epoch "
                         f"(medians), {total['book'] / total[loop]:.2f}x in total wall time")
    env = next(r['env'] for r in runs if r['loop'] == 'train_ch5')
    lines.append('train_ch5 environment: ' + ', '.join(f'{k}={v}' for k, v in env.items()))
    return lines


def cpu_line():
    """The CPU's model name and vector units, from /proc/cpuinfo (what lscpu shows)."""
    try:
        info = open('/proc/cpuinfo').read()
    except OSError:
        return 'CPU: unknown'
    model = next((line.split(':', 1)[1].strip() for line in info.splitlines()
                  if line.startswith('model name')), 'unknown')
    flags = set(next((line.split(':', 1)[1].split() for line in info.splitlines()
                      if line.startswith('flags')), []))
    units = 'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'
    return f'CPU: {model}, {units}, {os.cpu_count()} cores'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--epochs', type=int, default=3, help='epochs per run (default: 3)')
    p.add_argument('--rounds', type=int, default=2,
                   help='runs of each loop, alternating (default: 2)')
    p.add_argument('--lr', type=float, default=0.9, help="learning rate (default: 0.9, the book's)")
    p.add_argument('--batch-size', type=int, default=256, help='batch size (default: 256)')
    p.add_argument('--ctx', default='all',
                   help="train_ch5's ctx: cpu, gpu or all (default: all)")
    p.add_argument('--model', default='lenet', help="train_ch5's model (default: lenet)")
    p.add_argument('--seed', type=int, default=0,
                   help="train_ch5's seed, so that two checkouts' losses can be compared to the "
                        'last digit (default: 0)')
    p.add_argument('--no-pad-channels', action='store_true',
                   help="run train_ch5 with pad_channels=False (default: padded)")
    p.add_argument('--compare', default=None,
                   help='also time train_ch5 from the checkout in this folder (default: none)')
    p.add_argument('--notebook', action='store_true',
                   help="also time train_ch5 in a Jupyter kernel with the notebook's Animator")
    p.add_argument('--child', choices=['book', 'ours', 'other', 'notebook'],
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args)
    print(cpu_line(), flush=True)
    runs = []
    for r in range(args.rounds):
        order = (['book', 'ours'] + (['other'] if args.compare else [])
                 + (['notebook'] if args.notebook else []))
        order = order if r % 2 == 0 else order[::-1]
        for which in order:
            runs.append(spawn(which, args))
            print(f"round {r + 1}: {runs[-1]['loop']} done in "
                  f"{runs[-1]['total_seconds']:.1f} s", flush=True)
    print('\n'.join(report(runs)))


if __name__ == '__main__':
    main()
