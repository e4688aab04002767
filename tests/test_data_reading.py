"""Tests for how d2l_ch6.data reads its files: the cache notices a replaced file, the IDX header is checked first.

References: the labels written by hand into the replacement file; a gzip bomb
built from concatenated members (3 GiB of zeros in 3 MB), whose header the
reader must trust no further than the file can hold.
"""
import gzip
import os
import time
import tracemalloc

import numpy as onp
import pytest
from numpy.testing import assert_array_equal

from d2l_ch6 import data

from conftest import copy_fashion

LABELS = 't10k-labels-idx1-ubyte.gz'


def stored(labels):
    """Return labels as an IDX file in an uncompressed gzip (its size depends on the length only)."""
    payload = bytes([0, 0, 8, 1]) + len(labels).to_bytes(4, 'big') + \
        onp.asarray(labels, onp.uint8).tobytes()
    return gzip.compress(payload, compresslevel=0, mtime=0)


def write_stored(path, labels):
    path.write_bytes(stored(labels))


def test_a_file_replaced_in_place_with_its_size_and_mtime_kept_is_read_again(tmp_path,
                                                                            fashion_dir):
    """Rewritten in place (same inode, same size), its mtime put back as cp -p does: the new labels."""
    folder = copy_fashion(fashion_dir, tmp_path, skip=[LABELS])
    old = onp.arange(10000) % 10
    write_stored(folder / LABELS, old)
    first = data.load_fashion_mnist_arrays(folder, verify=False)['test'][1]
    assert_array_equal(first, old)
    st = os.stat(folder / LABELS)
    new = old.copy()
    new[[0, 1]] = new[[1, 0]]                           # two labels swapped: same size
    with open(folder / LABELS, 'r+b') as f:              # the same file, rewritten
        f.write(stored(new))
    os.utime(folder / LABELS, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(folder / LABELS)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns,
                                                                st.st_ino)
    assert_array_equal(data.load_fashion_mnist_arrays(folder, verify=False)['test'][1], new)


def test_the_same_files_are_decoded_once(tmp_path, fashion_dir, monkeypatch):
    folder = copy_fashion(fashion_dir, tmp_path, skip=[LABELS])
    write_stored(folder / LABELS, onp.arange(10000) % 10)
    data.load_fashion_mnist_arrays(folder, verify=False)
    monkeypatch.setattr(data, 'read_idx', pytest.fail)   # a second load must come from the cache
    data.load_fashion_mnist_arrays(folder, verify=False)


def write_bomb(path, header, gib):
    """Write an IDX header then gib GiB of zeros, as 1 MiB gzip members (about 1 KB each)."""
    member = gzip.compress(bytes(1 << 20), compresslevel=9, mtime=0)
    with open(path, 'wb') as f:
        f.write(gzip.compress(header, mtime=0))
        for _ in range(gib * 1024):
            f.write(member)
    return path


def read_bounded(*args, **kwargs):
    """Call read_idx; return its DataError, the seconds it took and its peak Python memory in MiB."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(data.DataError) as error:
            data.read_idx(*args, **kwargs)
        return str(error.value), time.perf_counter() - start, \
            tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_after_a_true_header_is_refused_quickly_in_small_memory(tmp_path):
    """A labels header of 60,000 items, then 3 GiB: stopped at the 60,001st byte (was 22 s, 6.5 GB)."""
    path = write_bomb(tmp_path / 'labels.gz', bytes([0, 0, 8, 1]) + (60000).to_bytes(4, 'big'), 3)
    assert path.stat().st_size < 4 << 20
    message, seconds, peak = read_bounded(path, data.LABEL_MAGIC, 60000, ())
    assert message == (f'{path}: more than 60008 bytes after decompression, expected 60008 '
                       'for shape (60000,)')
    assert seconds < 5 and peak < 16, (seconds, peak)


@pytest.mark.parametrize('dims', [(2**31 - 1,), (2**22, 28, 28)])
def test_a_header_larger_than_its_file_can_hold_is_refused_before_decompressing(tmp_path, dims):
    """Sizes the file cannot hold at gzip's 1032:1 at most: refused on the header alone."""
    header = bytes([0, 0, 8, len(dims)]) + b''.join(d.to_bytes(4, 'big') for d in dims)
    path = write_bomb(tmp_path / 'bomb.gz', header, 1)
    magic = data.LABEL_MAGIC if len(dims) == 1 else data.IMAGE_MAGIC
    message, seconds, peak = read_bounded(path, magic)   # no count: MNIST's way
    assert message.startswith(f'{path}: its IDX header claims shape {dims}, '
                              f'{8 + 4 * (len(dims) - 1) + int(onp.prod(dims)):,} bytes, more '
                              f'than a gzip file of {path.stat().st_size:,} bytes can hold')
    assert message.endswith('refused before decompressing')
    assert seconds < 1 and peak < 4, (seconds, peak)


def test_the_whole_payload_is_still_checked(tmp_path):
    """The incremental reader still refuses short data and a damaged stream, and checks the SHA-256."""
    path = tmp_path / 'labels.gz'
    write_stored(path, [1, 2, 3])
    assert_array_equal(data.read_idx(path, data.LABEL_MAGIC, 3, ()), [1, 2, 3])
    import hashlib
    good = hashlib.sha256(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])).hexdigest()
    assert_array_equal(data.read_idx(path, data.LABEL_MAGIC, sha256=good), [1, 2, 3])
    with pytest.raises(data.DataError, match='SHA-256 .* does not match'):
        data.read_idx(path, data.LABEL_MAGIC, sha256='0' * 64)
    blob = bytearray(path.read_bytes())
    blob[-8] ^= 0xFF                                   # the trailer's CRC-32
    path.write_bytes(bytes(blob))
    with pytest.raises(data.DataError, match='not a complete gzip file'):
        data.read_idx(path, data.LABEL_MAGIC)
