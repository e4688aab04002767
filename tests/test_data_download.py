"""Data where the reader is: Fashion-MNIST (and MNIST) downloaded as the book does, once, verified.

Offline: the files are served from a local HTTP server on 127.0.0.1, laid out
as Gluon's repository (``gluon/dataset/<namespace>/<file>``), which
``$MXNET_GLUON_REPO`` points the downloader at. The served bytes are the
machine's real Fashion-MNIST files (Debian's), so what the loader returns is
compared with those files decoded here by gzip and numpy alone.
"""
import gzip
import hashlib
import http.server
import logging
import pathlib
import socket
import threading

import numpy as onp
import pytest
from numpy.testing import assert_array_equal

import d2l_ch6
from d2l_ch6 import data

NAMES = [n for pair in data.FILES.values() for n in pair]


class Repo:
    """A local stand-in for Gluon's dataset repository: {url path: bytes}, and the paths asked for."""

    def __init__(self):
        self.files, self.requests = {}, []
        repo = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                repo.requests.append(self.path)
                body = repo.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_port}/'
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, namespace, folder, names=NAMES):
        for name in names:
            self.files[f'/gluon/dataset/{namespace}/{name}'] = (pathlib.Path(folder) / name).read_bytes()


@pytest.fixture(scope='module')
def repo():
    server = Repo()
    yield server
    server.server.shutdown()


@pytest.fixture
def hidden(monkeypatch, tmp_path, repo):
    """No Fashion-MNIST on the machine; Gluon's repository is the local server; a fresh cache."""
    monkeypatch.setattr(data, 'DEBIAN_DIR', tmp_path / 'no-debian')
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'mxnet'))
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.delenv(data.MNIST_ENV_VAR, raising=False)
    monkeypatch.setenv(data.GLUON_REPO_ENV, repo.url)
    monkeypatch.setattr(data, '_CACHE', {})
    repo.files.clear()
    repo.requests.clear()
    return tmp_path / 'mxnet' / 'datasets' / 'fashion-mnist'


def decoded(path, header):
    """A gzip IDX file's payload as uint8, decoded independently of d2l_ch6."""
    return onp.frombuffer(gzip.decompress(pathlib.Path(path).read_bytes())[header:], onp.uint8)


def test_missing_data_is_downloaded_once_verified_saying_from_where_to_where(
        hidden, repo, fashion_dir, caplog):
    """The book's loader downloads when the files are nowhere; the next call reads the cache."""
    repo.serve('fashion-mnist', fashion_dir)
    with caplog.at_level(logging.WARNING, logger='d2l_ch6.data'):
        train_iter, test_iter = d2l_ch6.load_data_fashion_mnist(256)
    assert sorted(repo.requests) == sorted(f'/gluon/dataset/fashion-mnist/{n}' for n in NAMES)
    for name in NAMES:
        assert (hidden / name).read_bytes() == (fashion_dir / name).read_bytes()
        assert (f'downloading {name} from {repo.url}gluon/dataset/fashion-mnist/{name} '
                f'into {hidden}') in caplog.text
    assert sorted(p.name for p in hidden.iterdir()) == sorted(NAMES)    # no partial file left
    assert train_iter.num_examples == 60000 and test_iter.num_examples == 10000
    images, labels = data.load_fashion_mnist_arrays()['test']
    assert_array_equal(images.reshape(-1), decoded(fashion_dir / 't10k-images-idx3-ubyte.gz', 16))
    assert_array_equal(labels, decoded(fashion_dir / 't10k-labels-idx1-ubyte.gz', 8))
    repo.requests.clear()
    data._CACHE.clear()
    d2l_ch6.load_data_fashion_mnist(256)
    assert repo.requests == []
    assert data.locate_data_dir() == (hidden, "MXNet's cache")


@pytest.mark.parametrize('damage', ['one byte changed', 'truncated', 'not gzip'])
def test_a_damaged_download_is_refused_by_its_checksum_and_not_kept(hidden, repo, fashion_dir,
                                                                    damage):
    repo.serve('fashion-mnist', fashion_dir)
    key = '/gluon/dataset/fashion-mnist/t10k-labels-idx1-ubyte.gz'
    raw = bytearray(gzip.decompress(repo.files[key]))
    if damage == 'one byte changed':
        raw[100] = (raw[100] + 1) % 10                  # still a valid label
        repo.files[key] = gzip.compress(bytes(raw))
    elif damage == 'truncated':
        repo.files[key] = repo.files[key][:-100]
    else:
        repo.files[key] = bytes(raw)
    expected = {'one byte changed': 'SHA-256 of its decompressed bytes [0-9a-f]{64}, expected '
                                    + data.SHA256['t10k-labels-idx1-ubyte.gz'],
                'truncated': 'not a complete gzip file', 'not gzip': 'not a complete gzip file'}
    with pytest.raises(data.DataError, match=f'the download of {repo.url}gluon/dataset/'
                       f'fashion-mnist/t10k-labels-idx1-ubyte.gz is damaged \\({expected[damage]}'):
        d2l_ch6.load_data_fashion_mnist(256)
    assert not list(hidden.glob('.*.part'))
    assert data._missing_files(hidden) == f'missing {", ".join(NAMES)}'   # none, or all four
    # The verified three are kept aside: a second try fetches only the damaged file.
    assert sorted(p.name for p in hidden.iterdir()) == sorted(
        f'.{n}.verified' for n in NAMES if n != 't10k-labels-idx1-ubyte.gz')
    repo.serve('fashion-mnist', fashion_dir)
    repo.requests.clear()
    data._download_if_missing(None)                  # what the loader calls first
    assert repo.requests == [key]
    assert sorted(p.name for p in hidden.iterdir()) == sorted(NAMES)


def test_no_network_says_exactly_what_to_install_or_set(hidden, monkeypatch):
    with socket.socket() as s:                      # a port nothing listens on
        s.bind(('127.0.0.1', 0))
        closed = f'http://127.0.0.1:{s.getsockname()[1]}/'
    monkeypatch.setenv(data.GLUON_REPO_ENV, closed)
    with pytest.raises(data.DataError) as info:
        d2l_ch6.load_data_fashion_mnist(256)
    text = str(info.value)
    assert text.startswith(f'could not download {closed}gluon/dataset/fashion-mnist/'
                           f'train-images-idx3-ubyte.gz into {hidden} (')
    for needle in ('set $MXNET_GLUON_REPO to a mirror', 'apt-get install dataset-fashion-mnist',
                   'point $D2L_CH6_DATA at a folder holding train-images-idx3-ubyte.gz'):
        assert needle in text
    assert 'download=True' not in text


def test_an_empty_env_folder_is_where_the_download_goes(hidden, repo, tmp_path, monkeypatch,
                                                       fashion_dir):
    """$D2L_CH6_DATA naming an empty folder (a Drive folder on Colab, say): the files land there."""
    repo.serve('fashion-mnist', fashion_dir)
    mine = tmp_path / 'drive'
    mine.mkdir()
    monkeypatch.setenv(data.ENV_VAR, str(mine))
    data._download_if_missing(None)                  # what the loader calls first
    assert sorted(p.name for p in mine.iterdir()) == sorted(NAMES)
    assert not hidden.exists()
    assert data.locate_data_dir() == (mine, '$D2L_CH6_DATA')


def test_a_named_folder_is_never_replaced_by_a_download(hidden, repo, tmp_path, monkeypatch,
                                                        fashion_dir):
    """root= or a set $D2L_CH6_DATA that lacks the files is an error, not a download; nor download=False."""
    repo.serve('fashion-mnist', fashion_dir)
    with pytest.raises(data.DataError, match='root=.*mine.: no such folder'):
        d2l_ch6.load_data_fashion_mnist(256, root=tmp_path / 'mine')
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / 'env'))
    with pytest.raises(data.DataError, match=r'\$D2L_CH6_DATA=.*env.: no such folder'):
        d2l_ch6.load_data_fashion_mnist(256)
    monkeypatch.delenv(data.ENV_VAR)
    with pytest.raises(data.DataError, match='Fashion-MNIST not found in any of'):
        d2l_ch6.load_data_fashion_mnist(256, download=False)
    assert repo.requests == []


def test_mnist_download_is_checked_by_gluons_sha1(hidden, repo, fashion_dir, monkeypatch):
    """Exercise 6.6.3's download=True: Gluon's MNIST URLs, each file checked by its SHA-1."""
    mnist_home = hidden.parent / 'mnist'
    repo.serve('mnist', fashion_dir)                # IDX files of MNIST's shape
    sha1 = {n: hashlib.sha1((fashion_dir / n).read_bytes()).hexdigest() for n in NAMES}
    monkeypatch.setattr(data, 'MNIST_SHA1', sha1)
    train_iter, test_iter = d2l_ch6.load_data_mnist(1000, download=True)
    assert train_iter.num_examples == 60000 and test_iter.num_examples == 10000
    assert sorted(p.name for p in mnist_home.iterdir()) == sorted(NAMES)
    for name in NAMES:
        (mnist_home / name).unlink()
    wrong = dict(sha1, **{'train-images-idx3-ubyte.gz': '0' * 40})
    monkeypatch.setattr(data, 'MNIST_SHA1', wrong)
    with pytest.raises(data.DataError, match=f'SHA-1 {sha1["train-images-idx3-ubyte.gz"]}, '
                                             f'expected {"0" * 40}'):
        d2l_ch6.load_data_mnist(1000, download=True)
    assert not (mnist_home / 'train-images-idx3-ubyte.gz').exists()
