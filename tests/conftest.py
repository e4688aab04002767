"""Shared fixtures: the real Fashion-MNIST folder, quiet, seeded tests, and the graded cases."""
import pathlib
import re

import d2l_ch6  # noqa: F401  (first: its MXNet environment defaults, then npx.set_np())

import numpy as onp
import pytest
from mxnet import random as mx_random
from numpy.testing import assert_allclose

from d2l_ch6 import data


@pytest.fixture(scope='session')
def fashion_dir():
    """Return the folder of the real Fashion-MNIST files (`make setup` installs them)."""
    return data.find_data_dir()


@pytest.fixture(autouse=True)
def _seed():
    """Seed numpy and MXNet so that every test is repeatable."""
    onp.random.seed(0)
    mx_random.seed(0)


@pytest.fixture(scope='session')
def small():
    """2,048 real training images and the first 1,001 test images, as float arrays."""
    arrays = data.load_fashion_mnist_arrays()
    (X, y), (X_test, y_test) = arrays['train'], arrays['test']
    return (data._to_float(X[:2048]), y[:2048].astype(onp.int32),
            data._to_float(X_test[:1001]), y_test[:1001].astype(onp.int32))


def iters(small, batch_size=256, seed=0, n=None):
    """A shuffled training DataIter (the first n images) and the test DataIter of small."""
    X, y, X_test, y_test = small
    return (data.DataIter(X[:n], y[:n], batch_size, shuffle=True, seed=seed),
            data.DataIter(X_test, y_test, batch_size))


def params_of(net):
    """net's parameters by structural name ('0.weight'), as numpy arrays from their first device."""
    return {name: p.data(p.list_ctx()[0]).asnumpy()
            for name, p in net._collect_params_with_prefix().items()}


def assert_same_params(a, b, **tol):
    assert list(a) == list(b)
    for k in a:
        assert_allclose(a[k], b[k], err_msg=k, **tol)


@pytest.fixture
def tmp_path_str(tmp_path):
    return str(tmp_path)


def case_params(*names):
    """pytest params (name, case) for the cases of d2l_ch6.cases that grade these functions."""
    from d2l_ch6.grading.cases import CASES
    return [pytest.param(name, case, id=f'{name}[{i}]')
            for name in names for i, case in enumerate(CASES[name])]


def copy_fashion(src, dst, skip=()):
    """Link the four real files into dst, except those named in skip."""
    dst = pathlib.Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for pair in data.FILES.values():
        for name in pair:
            if name not in skip:
                (dst / name).symlink_to(pathlib.Path(src) / name)
    return dst


class QuickRun:
    """The chapter's notebooks executed in quick mode into one folder, each at most once per session.

    tests/test_notebooks.py executes them; tests/test_site.py builds the site
    from the same folder, executing only what has not run yet.
    """

    def __init__(self, out):
        self.out = out
        self.results = {}

    def run(self, path):
        """Execute the notebook at path in quick mode (once); return its NotebookResult."""
        from d2l_ch6.publishing import runner
        path = pathlib.Path(path)
        if path.stem not in self.results:
            self.results[path.stem] = runner.run_notebook(path, self.out, quick=True)
        return self.results[path.stem]


@pytest.fixture(scope='session')
def quick_run(tmp_path_factory):
    """The session's QuickRun, writing to one temporary OUT folder (OUT/notebooks/...)."""
    return QuickRun(tmp_path_factory.mktemp('quick_run'))


# numpy 2 writes a scalar's repr as np.float64(2.4) where numpy 1 wrote 2.4: nothing a
# user sees may read so. A passing test whose printed output or log has one fails.
NUMPY2_SCALAR_REPR = re.compile(r'\bnp\.(?:float|int|uint|bool|complex|str_|bytes_)\w*\(')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == 'call' and report.passed:
        text = '\n'.join((report.capstdout, report.capstderr, report.caplog))
        found = NUMPY2_SCALAR_REPR.search(text)
        if found:
            report.outcome = 'failed'
            report.longrepr = ('numpy 2 scalar repr in what the test printed or logged: '
                               f'...{text[max(0, found.start() - 120):found.end() + 60]}...')
