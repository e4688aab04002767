"""Shared fixtures: the real Fashion-MNIST folder, quiet, seeded tests, and the graded cases."""
import pathlib

import d2l_ch6  # noqa: F401  (first: its MXNet environment defaults, then npx.set_np())

import numpy as onp
import pytest
from mxnet import random as mx_random

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


@pytest.fixture
def tmp_path_str(tmp_path):
    return str(tmp_path)


def case_params(*names):
    """pytest params (name, case) for the cases of d2l_ch6.cases that grade these functions."""
    from d2l_ch6.cases import CASES
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
