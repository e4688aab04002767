"""Tests for d2l_ch6.training.model: the metric sums read in groups, the net on the devices.

References: float64 sums over fixed groups of SYNC_EVERY batches computed here
with numpy; batches numbered by hand.
"""
import math

import numpy as onp
import pytest
from mxnet import np

from d2l_ch6.training import model
from d2l_ch6.training.model import SYNC_EVERY, Metric


def stats(rng, n):
    """n batches of one part each, [loss sum, right] in float32, over 18 orders of magnitude:
    float64 sums of them depend on how they are grouped."""
    return (rng.uniform(1, 2, size=(n, 2)) * 10.0 ** rng.integers(0, 18, size=(n, 2))
            ).astype('float32')


def test_reading_late_gives_the_same_totals_to_the_last_digit():
    """Sums are taken over the same groups of SYNC_EVERY batches however late they are read."""
    rng = onp.random.default_rng(0)
    rows = stats(rng, 3 * SYNC_EVERY + 17)
    expected = onp.zeros(2)
    for start in range(0, len(rows), SYNC_EVERY):            # group by group, in float64
        expected += rows[start:start + SYNC_EVERY].astype('float64').sum(axis=0)
    metric = Metric(('loss', 'right'), 'epoch 1')
    for i, row in enumerate(rows):
        metric.queue(i, np.array(row), 256)
        assert len(metric.pending) <= 2 * SYNC_EVERY          # never more than two groups queued
    assert metric.last_read == SYNC_EVERY - 1 + SYNC_EVERY     # two groups read, one behind
    totals = metric.read()
    assert totals[0] == expected[0] and totals[1] == expected[1] and totals[2] == 256 * len(rows)
    assert metric.last_read == len(rows) - 1 and not metric.pending


def test_parts_of_a_batch_are_one_row_and_a_bad_one_is_named():
    metric = Metric(('loss', 'right'), 'epoch 2')
    metric.queue(0, np.array([1.0, 2.0]), 100)
    metric.queue(0, np.array([3.0, 4.0]), 28)                 # batch 0's second device
    metric.queue(1, np.array([math.nan, 1.0]), 128)
    with pytest.raises(FloatingPointError, match='training loss is nan at epoch 2, batch 2'):
        metric.read()
    metric = Metric(('loss', 'right'), 'epoch 2')
    metric.queue(0, np.array([1.0, 2.0]), 100)
    metric.queue(0, np.array([3.0, 4.0]), 28)
    assert list(metric.read()) == [4.0, 6.0, 128.0]
    assert metric.mean('loss') == 4.0 / 128


def test_an_input_check_names_its_batch():
    metric = Metric(('loss', 'right'), 'epoch 1')
    metric.queue(4, np.array([1.0, 2.0, 3.0, 0.0]), 10)        # 3 non-finite image values
    with pytest.raises(ValueError, match='the images of epoch 1, batch 5 hold 3 non-finite'):
        metric.read()
    assert model.SYNC_EVERY == 50
