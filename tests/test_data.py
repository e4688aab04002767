"""Fashion-MNIST from local files: found, verified, loaded, and every damage named."""
import gzip
import os
import pathlib
import subprocess
import sys

import numpy as onp
import pytest

import d2l_ch6
from d2l_ch6 import data
from d2l_ch6.__main__ import main

from conftest import copy_fashion

ALL_FILES = [n for pair in data.FILES.values() for n in pair]


# -- the real data ----------------------------------------------------------

def test_real_files_verify_and_have_the_expected_structure(fashion_dir):
    """Both splits load with the issue's counts, 28x28 images, labels 0..9 and SHA-256."""
    arrays = data.load_fashion_mnist_arrays()
    for split, n in (('train', 60000), ('test', 10000)):
        images, labels = arrays[split]
        assert images.shape == (n, 28, 28) and images.dtype == onp.uint8
        assert labels.shape == (n,)
        assert set(onp.unique(labels)) == set(range(10))
    # Each class is 10% of each split in Fashion-MNIST.
    assert onp.bincount(arrays['test'][1]).tolist() == [1000] * 10


def test_read_idx_checks_the_published_sha256(fashion_dir):
    labels = data.read_idx(fashion_dir / 't10k-labels-idx1-ubyte.gz', data.LABEL_MAGIC,
                           10000, (), data.SHA256['t10k-labels-idx1-ubyte.gz'])
    assert labels[:5].tolist() == [9, 2, 1, 1, 6]  # ankle boot, pullover, trouser, ...


def test_load_data_fashion_mnist_batches():
    """The book's signature: (train_iter, test_iter) of float32 batches in [0, 1]."""
    train_iter, test_iter = d2l_ch6.load_data_fashion_mnist(256)
    assert (len(train_iter), len(test_iter)) == (235, 40)  # ceil(60000/256), ceil(10000/256)
    X, y = next(iter(train_iter))
    assert X.shape == (256, 1, 28, 28) and str(X.dtype) == 'float32'
    assert y.shape == (256,) and 'int' in str(y.dtype)
    X_np = X.asnumpy()
    assert X_np.min() >= 0 and X_np.max() <= 1 and X_np.max() > 0.9
    sizes = [len(yb) for _, yb in test_iter]
    assert sum(sizes) == 10000 and sizes[-1] == 10000 - 39 * 256


def test_batches_match_the_decoded_images():
    _, test_iter = d2l_ch6.load_data_fashion_mnist(100)
    images, labels = data.load_fashion_mnist_arrays()['test']
    X, y = next(iter(test_iter))
    onp.testing.assert_allclose(X.asnumpy()[:, 0], images[:100] / 255, rtol=0, atol=1e-7)
    onp.testing.assert_array_equal(y.asnumpy(), labels[:100])


def test_train_reshuffles_every_epoch_and_test_does_not():
    train_iter, test_iter = d2l_ch6.load_data_fashion_mnist(1000)
    first = [y.asnumpy() for _, y in train_iter]
    second = [y.asnumpy() for _, y in train_iter]
    assert not all(onp.array_equal(a, b) for a, b in zip(first, second))
    # Every epoch is a permutation of the whole split.
    assert onp.array_equal(onp.sort(onp.concatenate(first)), onp.sort(onp.concatenate(second)))
    t1 = onp.concatenate([y.asnumpy() for _, y in test_iter])
    t2 = onp.concatenate([y.asnumpy() for _, y in test_iter])
    onp.testing.assert_array_equal(t1, t2)


def test_shuffle_follows_the_seed():
    X = onp.zeros((50, 1, 2, 2), onp.float32)
    y = onp.arange(50, dtype=onp.int32)
    runs = [[b.asnumpy() for _, b in data.DataIter(X, y, 10, shuffle=True, seed=7)]
            for _ in range(2)]
    for a, b in zip(*runs):
        onp.testing.assert_array_equal(a, b)


def test_resize_gives_the_requested_size():
    train_iter, _ = d2l_ch6.load_data_fashion_mnist(32, resize=(40, 36))
    X, _ = next(iter(train_iter))
    assert X.shape == (32, 1, 40, 36)
    assert 0 <= float(X.min()) and float(X.max()) <= 1.0 + 1e-6


def test_get_fashion_mnist_labels():
    assert d2l_ch6.get_fashion_mnist_labels([0, 9, 4]) == ['t-shirt', 'ankle boot', 'coat']
    with pytest.raises(ValueError, match='labels must be integers in 0..9, got 10'):
        d2l_ch6.get_fashion_mnist_labels([10])


# -- bad arguments -------------------------------------------------------------

@pytest.mark.parametrize('batch_size', [0, -5, 2.5, '256', None, True])
def test_bad_batch_size_is_a_value_error(batch_size):
    with pytest.raises(ValueError, match='batch_size must be a positive int'):
        d2l_ch6.load_data_fashion_mnist(batch_size)


@pytest.mark.parametrize('resize', [0, (28,), (28, -1), 'big'])
def test_bad_resize_is_a_value_error(resize):
    with pytest.raises(ValueError, match='resize must be'):
        d2l_ch6.load_data_fashion_mnist(256, resize=resize)


# -- where the files are looked for --------------------------------------------

@pytest.fixture
def no_default_dirs(monkeypatch, tmp_path):
    """Hide Debian's folder, MXNet's cache and $D2L_CH6_DATA."""
    monkeypatch.setattr(data, 'DEBIAN_DIR', tmp_path / 'no-debian')
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'no-mxnet'))
    monkeypatch.delenv(data.ENV_VAR, raising=False)


def test_nothing_found_says_what_to_install(no_default_dirs):
    with pytest.raises(data.DataError, match='apt-get install dataset-fashion-mnist'):
        data.find_data_dir()


def test_env_var_is_searched(no_default_dirs, monkeypatch, tmp_path, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path / 'mine')
    monkeypatch.setenv(data.ENV_VAR, str(folder))
    assert data.find_data_dir() == folder


def test_root_comes_first_and_must_hold_the_files(tmp_path, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path / 'root')
    assert data.find_data_dir(folder) == folder
    with pytest.raises(data.DataError, match="root=.*missing train-images-idx3-ubyte.gz, .*t10k-labels-idx1-ubyte.gz"):
        data.find_data_dir(tmp_path)


def test_missing_file_is_named(tmp_path, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path, skip=['train-labels-idx1-ubyte.gz'])
    with pytest.raises(data.DataError, match='missing train-labels-idx1-ubyte.gz'):
        d2l_ch6.load_data_fashion_mnist(256, root=folder)
    with pytest.raises(data.DataError, match='train-labels-idx1-ubyte.gz: file not found'):
        data.read_idx(folder / 'train-labels-idx1-ubyte.gz', data.LABEL_MAGIC)


# -- damaged files ----------------------------------------------------------------

def _replace(folder, name, payload):
    """Replace the link folder/name by a file of our own."""
    (folder / name).unlink()
    (folder / name).write_bytes(payload)


def test_truncated_gzip_is_named(tmp_path, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path)
    whole = (fashion_dir / 't10k-images-idx3-ubyte.gz').read_bytes()
    _replace(folder, 't10k-images-idx3-ubyte.gz', whole[:len(whole) // 2])
    with pytest.raises(data.DataError,
                       match='t10k-images-idx3-ubyte.gz: not a complete gzip file'):
        d2l_ch6.load_data_fashion_mnist(256, root=folder)


def test_not_gzip_at_all_is_named(tmp_path):
    path = tmp_path / 'x.gz'
    path.write_bytes(b'this is not gzip')
    with pytest.raises(data.DataError, match='x.gz: not a complete gzip file'):
        data.read_idx(path, data.LABEL_MAGIC)


def test_wrong_magic_is_named(tmp_path, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path)
    (folder / 't10k-labels-idx1-ubyte.gz').unlink()
    # An image file where the labels should be.
    data.write_idx(folder / 't10k-labels-idx1-ubyte.gz', onp.zeros((10000, 28, 28)))
    with pytest.raises(data.DataError,
                       match='t10k-labels-idx1-ubyte.gz: magic number 2051, expected 2049'):
        d2l_ch6.load_data_fashion_mnist(256, root=folder)


def test_wrong_count_is_named(tmp_path, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path)
    (folder / 't10k-labels-idx1-ubyte.gz').unlink()
    data.write_idx(folder / 't10k-labels-idx1-ubyte.gz', onp.zeros(9999))
    with pytest.raises(data.DataError,
                       match='t10k-labels-idx1-ubyte.gz: 9999 items, expected 10000'):
        d2l_ch6.load_data_fashion_mnist(256, root=folder)


def test_wrong_image_size_is_named(tmp_path):
    path = tmp_path / 'images.gz'
    data.write_idx(path, onp.zeros((3, 32, 32)))
    with pytest.raises(data.DataError, match='items of size 32x32, expected 28x28'):
        data.read_idx(path, data.IMAGE_MAGIC, 3, (28, 28))


def test_short_payload_is_named(tmp_path):
    path = tmp_path / 'labels.gz'
    with gzip.open(path, 'wb') as f:  # header says 5 labels, 3 follow
        f.write(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3]))
    with pytest.raises(data.DataError, match='11 bytes after decompression, expected 13'):
        data.read_idx(path, data.LABEL_MAGIC)


def test_out_of_range_label_is_named(tmp_path, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path)
    labels = data.read_idx(fashion_dir / 't10k-labels-idx1-ubyte.gz', data.LABEL_MAGIC).copy()
    labels[1234] = 10
    (folder / 't10k-labels-idx1-ubyte.gz').unlink()
    data.write_idx(folder / 't10k-labels-idx1-ubyte.gz', labels)
    with pytest.raises(data.DataError, match=r't10k-labels-idx1-ubyte.gz: label 10 at '
                                             r'index 1234, expected 0\.\.9'):
        d2l_ch6.load_data_fashion_mnist(256, root=folder)


def test_checksum_mismatch_is_named(tmp_path, fashion_dir):
    """A well-formed file with one label changed (still in 0..9) fails its SHA-256."""
    folder = copy_fashion(fashion_dir, tmp_path)
    labels = data.read_idx(fashion_dir / 't10k-labels-idx1-ubyte.gz', data.LABEL_MAGIC).copy()
    labels[0] = (labels[0] + 1) % 10
    (folder / 't10k-labels-idx1-ubyte.gz').unlink()
    data.write_idx(folder / 't10k-labels-idx1-ubyte.gz', labels)
    with pytest.raises(data.DataError, match='t10k-labels-idx1-ubyte.gz: SHA-256 .* does '
                                             'not match the expected 0402a96d'):
        d2l_ch6.load_data_fashion_mnist(256, root=folder)


def test_recompressed_files_pass(tmp_path, fashion_dir):
    """The checksum is of the decompressed bytes, so any gzip level is accepted."""
    folder = copy_fashion(fashion_dir, tmp_path)
    name = 't10k-labels-idx1-ubyte.gz'
    raw = gzip.decompress((fashion_dir / name).read_bytes())
    _replace(folder, name, gzip.compress(raw, compresslevel=9))
    _, test_iter = d2l_ch6.load_data_fashion_mnist(10000, root=folder)
    assert len(test_iter) == 1


# -- another IDX set with the same names (Exercise 6.6.3) ---------------------------

def write_digits(folder, n_train=120, n_test=40):
    """Write a tiny MNIST-like IDX set whose label is the brightness of the image."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = onp.random.default_rng(0)
    for split, n in (('train', n_train), ('test', n_test)):
        labels = rng.integers(0, 10, n).astype(onp.uint8)
        images = (labels[:, None, None] * 25 + rng.integers(0, 5, (n, 28, 28))).astype(onp.uint8)
        images_name, labels_name = data.FILES[split]
        data.write_idx(folder / images_name, images)
        data.write_idx(folder / labels_name, labels)
    return folder


def test_mnist_folder_loads_with_the_same_reader(tmp_path):
    folder = write_digits(tmp_path / 'mnist')
    train_iter, test_iter = d2l_ch6.load_data_mnist(32, root=folder)
    assert (train_iter.num_examples, test_iter.num_examples) == (120, 40)
    X, y = next(iter(test_iter))
    onp.testing.assert_allclose(X.asnumpy().mean(axis=(1, 2, 3)),
                                (y.asnumpy() * 25 + 2) / 255, atol=0.02)
    # The Fashion-MNIST loader still insists on Fashion-MNIST's counts.
    with pytest.raises(data.DataError, match='120 items, expected 60000'):
        d2l_ch6.load_data_fashion_mnist(32, root=folder)


def test_mnist_needs_a_root():
    with pytest.raises(ValueError, match='root must name the folder'):
        d2l_ch6.load_data_mnist(32, root=None)


# -- the package and the command line ------------------------------------------

def test_import_prints_nothing():
    out = subprocess.run([sys.executable, '-c', 'import d2l_ch6'], capture_output=True,
                         text=True, check=True)
    assert out.stdout == '' and out.stderr == ''


def test_cli_data_writes_the_sample_grid(tmp_path, capsys):
    assert main(['data', '--out', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert '60000 images 28x28' in out and '10000 labels' in out and 'verified' in out
    png = tmp_path / 'fashion_mnist_samples.png'
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and png.stat().st_size > 10000


def test_cli_reports_missing_data(no_default_dirs, capsys):
    assert main(['data', '--find']) == 3
    assert 'dataset-fashion-mnist' in capsys.readouterr().err
    assert main(['data']) == 2


def test_images_and_labels_of_different_lengths_are_named(tmp_path):
    folder = write_digits(tmp_path / 'mnist')
    (folder / 't10k-labels-idx1-ubyte.gz').unlink()
    data.write_idx(folder / 't10k-labels-idx1-ubyte.gz', onp.zeros(39))
    with pytest.raises(data.DataError, match='t10k-labels-idx1-ubyte.gz: 39 labels for 40 '
                                             'images in t10k-images-idx3-ubyte.gz'):
        d2l_ch6.load_data_mnist(32, root=folder)
