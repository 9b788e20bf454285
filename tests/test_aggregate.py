"""Minimal-size logic and ensemble statistics on hand-made tables."""

import numpy as np
import pytest
from scipy.stats import binomtest

from rnn_ensembles import aggregate


@pytest.mark.parametrize("k, n", [(0, 3), (2, 3), (3, 3), (7, 20), (1, 1)])
def test_wilson_interval_matches_scipy(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    np.testing.assert_allclose(aggregate.wilson_interval(k, n), (ci.low, ci.high), atol=1e-6)


def table(successes, expected=None):
    """successes: {(size, seed): bool}; expected defaults to the same grid."""
    rows = [
        {"size": n, "seed": s, "success": ok, "euclidean_error_mean": 1.0}
        for (n, s), ok in successes.items()
    ]
    return aggregate.network_table(rows, expected or list(successes))


def test_smallest_size_reaching_the_fraction_is_chosen():
    t = table(
        {(4, 1): False, (4, 2): False, (8, 1): True, (8, 2): False, (16, 1): True, (16, 2): True}
    )
    summary = aggregate.size_summary(t)
    assert aggregate.minimal_size(summary, 0.5, 0.99)["minimal_size"] == 8
    result = aggregate.minimal_size(summary, 1.0, 0.99)
    assert result["minimal_size"] == 16
    assert "N = 4 0/2" in result["reason"] and "N = 8 1/2" in result["reason"]


def test_ties_pick_the_smaller_size():
    t = table({(8, 1): True, (8, 2): True, (16, 1): True, (16, 2): True})
    assert aggregate.minimal_size(aggregate.size_summary(t), 1.0, 0.99)["minimal_size"] == 8


def test_no_qualifying_size_is_stated():
    t = table({(4, 1): False, (8, 1): False})
    result = aggregate.minimal_size(aggregate.size_summary(t), 0.5, 0.99)
    assert result["minimal_size"] is None
    assert "no size reached" in result["reason"]


def test_missing_networks_count_as_failures_and_are_reported():
    expected = [(8, 1), (8, 2), (8, 3), (16, 1)]
    t = table({(8, 1): True, (16, 1): True}, expected)
    assert t["missing"].tolist() == [False, True, True, False]
    summary = aggregate.size_summary(t).set_index("size")
    assert summary.loc[8, "missing"] == 2 and summary.loc[8, "success_rate"] == 1 / 3
    result = aggregate.minimal_size(summary.reset_index(), 0.5, 0.99)
    assert result["minimal_size"] == 16


def test_non_monotone_success_is_flagged():
    t = table({(4, 1): True, (8, 1): False})
    result = aggregate.minimal_size(aggregate.size_summary(t), 0.5, 0.99)
    assert result["minimal_size"] == 4 and "larger sizes below the criterion: 8" in result["reason"]


def test_realisation_pairs_only_within_a_size():
    cube = np.where((np.arange(8)[:, None] >> np.arange(3)) & 1, 1.0, -1.0)
    positions = {
        (8, 1): cube,
        (8, 2): cube * 3,
        (16, 1): cube,
        (16, 2): cube[::-1] @ np.diag([1, 2, 3]),
    }
    pairs = aggregate.realisation_pairs(positions)
    assert len(pairs) == 2
    same = pairs[pairs["size"] == 8]["procrustes_disparity"].iloc[0]
    other = pairs[pairs["size"] == 16]["procrustes_disparity"].iloc[0]
    assert same < 1e-12 and other > 0.01
