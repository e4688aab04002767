"""`d2l-ch6 train`: train LeNet on Fashion-MNIST from the command line (the package's addition).

It calls the package's one loop, ``train_ch5``, with a progress bar, prints
the book's closing lines and writes history.json, training_curve.png and the
final parameters to --out. Checkpoints go to --checkpoint-dir (default
OUT/checkpoint) after every epoch and on Ctrl-C; --resume continues there.
"""
import json
import pathlib
import sys
import time

__all__ = ['add_train_parser', 'run_train']


def add_train_parser(subparsers):
    """Register the `train` subcommand and its flags on an argparse subparsers object."""
    from ..lenet import MODEL_LR, MODELS
    p = subparsers.add_parser(
        'train', help="train LeNet on Fashion-MNIST (Book section 6.6)",
        description="Train LeNet with train_ch5, the book's loop, and write "
                    'history.json, training_curve.png and the final parameters.')
    p.add_argument('--model', choices=list(MODELS), default='lenet',
                   help="network: the book's lenet, lenet-max (Exercise 6.6.1) or "
                        'lenet-improved (Exercise 6.6.2) (default: lenet)')
    p.add_argument('--epochs', type=int, default=10, help='number of epochs (default: 10)')
    p.add_argument('--lr', type=float, default=None,
                   help='learning rate (default: the model\'s: ' + ', '.join(
                       f'{k} {v:g}' for k, v in MODEL_LR.items()) + "; the book's is 0.9)")
    p.add_argument('--lr-schedule', choices=['model', 'none', 'cosine'], default='model',
                   help="per-epoch learning rate: the model's (lenet-improved decays it on "
                        "a cosine, the book's LeNet keeps it constant), none (constant) or "
                        'cosine (default: model)')
    p.add_argument('--batch-size', type=int, default=256, help='minibatch size (default: 256)')
    p.add_argument('--seed', type=int, default=None,
                   help='seed initialisation and shuffling for a repeatable run '
                        '(default: none)')
    p.add_argument('--device', choices=['cpu', 'gpu', 'all'], default='all',
                   help='cpu: one CPU context; gpu: gpu(0); all: every GPU, or without '
                        'one, one CPU context per core up to 4, data parallel (default: all)')
    p.add_argument('--out', default='build/train',
                   help='folder for history.json, training_curve.png and the parameters '
                        '(default: build/train)')
    p.add_argument('--checkpoint-dir', default=None,
                   help='folder for the per-epoch checkpoint (default: OUT/checkpoint)')
    p.add_argument('--resume', action='store_true',
                   help='continue from the checkpoint in --checkpoint-dir (default: start anew)')
    p.add_argument('--root', default=None,
                   help='folder of the Fashion-MNIST IDX files (default: searched as by '
                        '`d2l-ch6 data`)')
    p.add_argument('--mnist-dir', default=None,
                   help='train on the original MNIST in this folder instead, same file '
                        'names (Exercise 6.6.3) (default: none)')
    p.add_argument('--limit', type=int, default=None,
                   help='use only the first N training and N/6 test images, for a quick '
                        'try (default: all)')
    p.add_argument('--no-progress', action='store_true',
                   help='hide the progress bar (default: shown)')
    p.set_defaults(func=run_train)
    return p


def _check_args(args, lr):
    """Raise ValueError naming the first bad flag, before any data is read (the load takes seconds)."""
    from .._arguments import check_int, check_real
    for flag, value, minimum, maximum in (('--epochs', args.epochs, 1, None),
                                          ('--batch-size', args.batch_size, 1, None),
                                          ('--limit', args.limit, 1, None),
                                          ('--seed', args.seed, 0, 2**32 - 1)):
        if value is not None:
            check_int(flag, value, minimum, maximum)
    check_real('--lr', lr, 0, inclusive=False)
    if args.checkpoint_dir is not None and not args.checkpoint_dir.strip():
        raise ValueError("--checkpoint-dir must be a folder path, got '': leave it out for "
                         "OUT/checkpoint, or pass '.' for the current folder")


def _load(args):
    from .. import data
    if args.mnist_dir is not None:
        train_iter, test_iter = data.load_data_mnist(args.batch_size, root=args.mnist_dir)
    else:
        train_iter, test_iter = data.load_data_fashion_mnist(args.batch_size, root=args.root)
    if args.limit is not None:
        n, n_test = args.limit, max(1, args.limit // 6)
        train_iter = data.DataIter(train_iter.X[:n], train_iter.y[:n], args.batch_size,
                                   shuffle=True)
        test_iter = data.DataIter(test_iter.X[:n_test], test_iter.y[:n_test], args.batch_size)
    return train_iter, test_iter


def _write_outputs(out, args, lr, net, history, seconds):
    """Write the parameters, the curve, then history.json, each atomically: all new or all old."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from .checkpoint import atomic_write
    from . import format_summary, plot_history
    ax = plot_history(history)
    ax.set_title(f'{args.model}, lr {lr:g}, batch {args.batch_size}')
    record = json.dumps({
        'model': args.model, 'lr': lr, 'batch_size': args.batch_size, 'seed': args.seed,
        'epochs': args.epochs, 'data': args.mnist_dir or 'fashion-mnist', 'limit': args.limit,
        'summary': format_summary(history), 'seconds': seconds, **history.to_dict()}, indent=1)
    try:
        atomic_write(out / f'{args.model}.params', net.save_parameters)
        atomic_write(out / 'training_curve.png',
                     lambda tmp: ax.figure.savefig(tmp, format='png', dpi=100,
                                                   bbox_inches='tight'))
        atomic_write(out / 'history.json', lambda tmp: pathlib.Path(tmp).write_text(record))
    finally:
        plt.close(ax.figure)


def run_train(args):
    """Train the chosen model as the flags say; return the exit status."""
    from .checkpoint import check_output_dir
    from ..data import locate_data_dir
    from ..lenet import MODEL_LR, MODEL_LR_SCHEDULE, get_model
    from . import SummaryReporter, TqdmReporter, train_ch5

    lr = args.lr if args.lr is not None else MODEL_LR[args.model]
    lr_schedule = MODEL_LR_SCHEDULE[args.model] if args.lr_schedule == 'model' \
        else None if args.lr_schedule == 'none' else args.lr_schedule
    checkpoint_dir = args.checkpoint_dir or pathlib.Path(args.out) / 'checkpoint'
    try:   # flags and outputs checked before any data is read
        _check_args(args, lr)
        out = check_output_dir(args.out, '--out')
        checkpoint_dir = check_output_dir(checkpoint_dir, '--checkpoint-dir')
        if args.mnist_dir is None:
            folder, source = locate_data_dir(args.root)
            print(f'Fashion-MNIST in {folder} (from {"--root" if source == "root" else source})')
        train_iter, test_iter = _load(args)
        net = get_model(args.model)
        start = time.perf_counter()
        history = train_ch5(net, train_iter, test_iter, args.epochs, lr, ctx=args.device,
                            reporter=SummaryReporter() if args.no_progress else TqdmReporter(),
                            seed=args.seed, checkpoint_dir=checkpoint_dir,
                            resume=args.resume, lr_schedule=lr_schedule)
    except KeyboardInterrupt:
        print(f'd2l-ch6: interrupted; checkpoint in {checkpoint_dir}: add --resume to '
              'continue', file=sys.stderr)
        return 130
    except FloatingPointError as e:
        print(f'd2l-ch6: {e}', file=sys.stderr)
        return 1
    except (ValueError, TypeError) as e:
        print(f'd2l-ch6: {e}', file=sys.stderr)
        return 2
    except OSError as e:
        print(f'd2l-ch6: {e}', file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    try:
        _write_outputs(out, args, lr, net, history, seconds)
    except OSError as e:
        print(f'd2l-ch6: {e}; the checkpoint in {checkpoint_dir} holds the trained run',
              file=sys.stderr)
        return 1
    print(f'{seconds:.1f} s in all; wrote history.json, training_curve.png and '
          f'{args.model}.params to {out}')
    return 0
