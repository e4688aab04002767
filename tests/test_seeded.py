"""The seeded LeNet gives the same numbers on every supported Python and numpy.

`make test` runs the whole suite on .venv and then the quick suite on the
other Pythons and numpys (scripts/test-range.sh) with D2L_CH6_SEEDED naming
one file: the first run records its numbers there, every later run must give
the same ones to the last bit, on the same machine (oneDNN's kernels differ
between processors, so the numbers are not pinned across machines).
"""
import json
import os
import pathlib
import sys

import numpy
import pytest

from d2l_ch6 import lenet, train_ch5
from conftest import iters


def seeded_numbers(small):
    history = train_ch5(lenet(), *iters(small), 2, 0.9, ctx='cpu', reporter=None, seed=0)
    return {column: [float(v).hex() for v in history.column(column)]
            for column in ('train_loss', 'train_acc', 'test_acc')}


def test_the_seeded_lenet_is_repeatable_in_one_process(small):
    assert seeded_numbers(small) == seeded_numbers(small)


@pytest.mark.skipif(not os.environ.get('D2L_CH6_SEEDED'),
                    reason='make test sets D2L_CH6_SEEDED to compare its Pythons and numpys')
def test_the_seeded_lenet_is_identical_across_pythons_and_numpys(small):
    path = pathlib.Path(os.environ['D2L_CH6_SEEDED'])
    here = {'python': sys.version.split()[0], 'numpy': numpy.__version__,
            'numbers': seeded_numbers(small)}
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(here))
        return
    first = json.loads(path.read_text())
    assert here['numbers'] == first['numbers'], (
        f"Python {here['python']} with numpy {here['numpy']} trains the seeded LeNet to other "
        f"numbers than Python {first['python']} with numpy {first['numpy']}")
