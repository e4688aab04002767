"""The command line: `d2l-ch6 data`, `train`, `notebooks`, `doctor`, `check`, `exercises`, `autograder`, `site`."""
import argparse
import logging
import pathlib
import sys
import time

from . import data
from .grading.cli import add_check_parser
from .training.cli import add_train_parser
from .doctor import add_doctor_parser
from .grading.student import add_exercises_parser
from .grading.platforms.bundle import add_autograder_parser
from .publishing.runner import add_notebooks_parser
from .publishing.site import add_site_parser


def add_data_parser(subparsers):
    """Register `data`: find, verify and preview Fashion-MNIST."""
    p = subparsers.add_parser('data', help='find, verify and load Fashion-MNIST, '
                              'and write a grid of labelled samples')
    p.add_argument('--root', default=None,
                   help=f'folder with the IDX files (default: ${data.ENV_VAR}, then '
                        f'{data.DEBIAN_DIR}, then MXNet\'s cache)')
    p.add_argument('--out', default='build', help='output folder (default: build)')
    p.add_argument('--find', action='store_true',
                   help='only print the folder found; exit 3 when there is none')
    p.set_defaults(func=run_data)


def run_data(args):
    """Load both splits, report what was found and write the sample grid."""
    if args.find:
        try:
            print(data.find_data_dir(args.root))
        except data.DataError as e:
            print(f'd2l-ch6: {e}', file=sys.stderr)
            return 3
        return 0
    start = time.perf_counter()
    folder, source = data.locate_data_dir(args.root)
    arrays = data.load_fashion_mnist_arrays(args.root)
    seconds = time.perf_counter() - start
    print(f'Fashion-MNIST in {folder} (from {"--root" if source == "root" else source})')
    for split, names in data.FILES.items():
        images, labels = arrays[split]
        print(f'  {split:5s} {len(images):6d} images {"x".join(map(str, images.shape[1:]))}, '
              f'{len(labels):6d} labels  ({", ".join(names)})')
    print(f'  SHA-256 of all four decompressed files verified; loaded in {seconds:.2f} s')
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'fashion_mnist_samples.png'
    write_sample_grid(arrays['train'], path)
    print(f'  wrote {path}')
    return 0


def write_sample_grid(split, path, num_rows=2, num_cols=9):
    """Save the book's show_images grid of the first training images with their labels."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    images, labels = split
    n = num_rows * num_cols
    axes = data.show_images(images[:n], num_rows, num_cols,
                            titles=data.get_fashion_mnist_labels(labels[:n]))
    fig = axes[0].figure
    fig.savefig(path, dpi=100, bbox_inches='tight')
    plt.close(fig)


def build_parser():
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog='d2l-ch6', description='Dive into Deep Learning, chapter 6 '
        '(Convolutional Neural Networks), MXNet/Gluon edition.')
    parser.add_argument('-v', '--verbose', action='store_true', help='log details')
    subparsers = parser.add_subparsers(dest='command', required=True)
    add_data_parser(subparsers)
    add_train_parser(subparsers)
    add_notebooks_parser(subparsers)
    add_doctor_parser(subparsers)
    add_check_parser(subparsers)
    add_exercises_parser(subparsers)
    add_autograder_parser(subparsers)
    add_site_parser(subparsers)
    return parser


def main(argv=None):
    """Run the command line."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='%(name)s: %(message)s')
    try:
        return args.func(args)
    except data.DataError as e:
        print(f'd2l-ch6: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
