"""Fixed points of hand-built networks whose fixed points are known analytically."""

import itertools

import numpy as np
import pytest
from conftest import eq7_network
from scipy.optimize import brentq

from rnn_ensembles.fixed_points import (
    FixedPointFinder,
    FixedPoints,
    memory_state_match,
    speed,
    unique_states,
)


def autonomous(w_rec: np.ndarray):
    """The network of Eq. 7 with recurrent matrix ``w_rec``, its units read out directly."""
    n = len(w_rec)
    return eq7_network(np.ones((1, n)), w_rec, np.eye(n), np.zeros(n))


def bistable_level(w: float) -> float:
    """The positive solution of h = tanh(w h), w > 1."""
    return brentq(lambda h: np.tanh(w * h) - h, 1e-6, 1.0)


@pytest.mark.parametrize(
    "gains, counts",
    [
        # Three self-exciting units: each sits at -h*, 0 or +h*, so 27 fixed points; the 8
        # corners are stable, the origin (eigenvalues w > 1) is unstable, the rest saddles.
        ((1.5, 1.5, 1.5), {"n_stable": 8, "n_saddle": 18, "n_unstable": 1}),
        # A unit with w < 1 only has 0: 3 x 3 x 1 = 9 points, none fully unstable.
        ((1.5, 3.0, 0.5), {"n_stable": 4, "n_saddle": 5, "n_unstable": 0}),
    ],
)
def test_diagonal_network_has_its_analytic_fixed_points(gains, counts):
    # A permutation of the units must permute the fixed points, nothing else.
    perm = np.array([2, 0, 1])
    w_rec = np.diag(gains)[np.ix_(perm, perm)]
    levels = [[0.0] if w < 1 else [-bistable_level(w), 0.0, bistable_level(w)] for w in gains]
    expected = np.array(list(itertools.product(*levels)))[:, perm]

    start = np.random.default_rng(0).uniform(-1, 1, size=(300, 3))
    found = FixedPointFinder(autonomous(w_rec), n_initial=300).find(start)
    np.testing.assert_array_equal(found.activity, found.points)

    assert len(found) == len(expected)
    assert found.counts() == counts
    distance = np.linalg.norm(found.points[:, None] - expected[None], axis=-1)
    assert np.all(distance.min(axis=1) < 1e-9) and np.all(distance.min(axis=0) < 1e-9)
    assert np.all(found.q < 1e-20)
    # At a fixed point the Jacobian is diag(w (1 - h*^2)), permuted: its eigenvalues, and so
    # the stability, follow from the point alone.
    for point, eigenvalues, kind in zip(
        found.points, found.eigenvalues, found.stability, strict=True
    ):
        expected_eig = np.sort(np.asarray(gains)[perm] * (1 - point**2))
        np.testing.assert_allclose(np.sort(eigenvalues.real), expected_eig, atol=1e-9)
        assert kind == (
            "stable" if expected_eig[-1] < 1 else "unstable" if expected_eig[0] > 1 else "saddle"
        )


def test_jacobian_is_the_column_convention_derivative():
    # F(h) = tanh(h W) on row vectors; J[i, j] = dF_i / dh_j = (1 - F_i^2) W[j, i].
    rng = np.random.default_rng(1)
    w_rec = rng.normal(size=(5, 5))
    h = rng.normal(size=5) * 0.3
    f = np.tanh(h @ w_rec)
    expected = (1 - f**2)[:, None] * w_rec.T
    np.testing.assert_allclose(autonomous(w_rec).jacobian(h[None], np.zeros(1))[0], expected)


def test_gradient_of_q_is_its_derivative():
    rng = np.random.default_rng(5)
    network = autonomous(rng.normal(size=(4, 4)))
    h = rng.normal(size=(3, 4)) * 0.5
    eps = 1e-6
    numeric = np.stack(
        [
            (speed(network, h + eps * e) - speed(network, h - eps * e)) / (2 * eps)
            for e in np.eye(4)
        ],
        axis=1,
    )
    np.testing.assert_allclose(network.speed_gradient(h, np.zeros(1)), numeric, atol=1e-8)


def test_fixed_points_under_a_constant_input_move_with_it():
    # One self-exciting unit driven by u: its fixed points solve h = tanh(1.5 h + u); for
    # u above the saddle-node value only the upper branch is left.
    network = eq7_network(np.ones((1, 1)), 1.5 * np.eye(1), np.eye(1), np.zeros(1))
    start = np.linspace(-1, 1, 40)[:, None]
    found = FixedPointFinder(network, inputs=[0.5], n_initial=40).find(start)
    assert len(found) == 1 and found.counts()["n_stable"] == 1
    h = found.points[0, 0]
    assert h > 0.9 and abs(np.tanh(1.5 * h + 0.5) - h) < 1e-12


def test_slow_points_are_not_fixed_points():
    # w slightly below 1: the origin is the only fixed point, and the map is slow around it.
    w_rec = np.diag([0.999, 0.5])
    start = np.random.default_rng(2).uniform(-1, 1, size=(50, 2))
    found = FixedPointFinder(autonomous(w_rec), n_initial=50, max_iterations=300).find(start)
    assert len(found) == 1 and np.allclose(found.points[0], 0, atol=1e-6)
    assert found.counts()["n_stable"] == 1


def test_a_diverged_network_has_no_fixed_points():
    diverged = autonomous(np.full((3, 3), np.nan))
    found = FixedPointFinder(diverged, max_iterations=100).find(np.ones((4, 3)))
    assert len(found) == 0 and found.counts() == {"n_stable": 0, "n_saddle": 0, "n_unstable": 0}


def test_fixed_points_save_and_restore(tmp_path):
    w_rec = 1.5 * np.eye(2)
    found = FixedPointFinder(autonomous(w_rec), n_initial=40).find(
        np.random.default_rng(3).uniform(-1, 1, size=(40, 2))
    )
    found.save(tmp_path / "fp.h5")
    back = FixedPoints.restore(tmp_path / "fp.h5")
    np.testing.assert_array_equal(back.points, found.points)
    np.testing.assert_array_equal(back.activity, found.activity)
    np.testing.assert_array_equal(back.eigenvalues, found.eigenvalues)
    np.testing.assert_array_equal(back.stability, found.stability)
    assert back.attrs["n_candidates"] == 40 and back.counts() == {
        "n_stable": 4,
        "n_saddle": 4,
        "n_unstable": 1,
    }


def test_sampling_draws_states_from_the_trajectories():
    trajectories = np.arange(60.0).reshape(2, 10, 3)
    finder = FixedPointFinder(
        autonomous(np.eye(3)), n_initial=8, initial_noise=0.0, seed=4, relaxation_steps=0
    )
    states = finder.sample_states(trajectories)
    rows = {tuple(r) for r in trajectories.reshape(-1, 3)}
    assert len(states) == 8 and all(tuple(s) in rows for s in states)
    assert len({tuple(s) for s in states}) == 8  # without replacement
    # Two sets share the candidates equally, however long each is.
    short, long = np.zeros((1, 5, 3)), np.ones((10, 50, 3))
    states = FixedPointFinder(
        autonomous(np.eye(3)), n_initial=8, initial_noise=0.0, relaxation_steps=0
    ).sample_states(short, long)
    assert (states == 0).all(axis=1).sum() == 4 and (states == 1).all(axis=1).sum() == 4
    with pytest.raises(ValueError, match="n_candidates"):
        FixedPointFinder(autonomous(np.eye(3)), n_candidates=3)


def test_every_other_initial_state_relaxes_towards_its_attractor():
    # Self-exciting units: the map carries every state to the corner of its orthant.
    w_rec = 1.5 * np.eye(3)
    h_star = bistable_level(1.5)
    trajectories = np.random.default_rng(6).uniform(-1, 1, size=(1, 40, 3))
    states = FixedPointFinder(
        autonomous(w_rec), n_initial=10, initial_noise=0.0, relaxation_steps=200
    ).sample_states(trajectories)
    np.testing.assert_allclose(np.abs(states[1::2]), h_star, atol=1e-6)
    assert np.all(np.abs(np.abs(states[::2]) - h_star) > 1e-3)  # left where sampled


def test_unique_states_keeps_the_slowest_of_each_group():
    states = np.array([[0.0, 0.0], [1e-5, 0.0], [1.0, 1.0], [1.0, 1.0 + 1e-5]])
    q = np.array([2.0, 1.0, 3.0, 4.0])
    kept = unique_states(states, q, 1e-3)
    np.testing.assert_array_equal(kept, [[1e-5, 0.0], [1.0, 1.0]])
    assert speed(autonomous(np.eye(2)), np.zeros((1, 2)))[0] == 0


def test_memory_state_match_is_one_to_one_within_half_the_separation():
    memory = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 10.0]])
    points = np.array([[0.5, 0.0], [2.1, 0.0], [0.0, 20.0]])
    match = memory_state_match(points, memory)
    assert match["separation"] == 4.0
    np.testing.assert_allclose(match["distance"], [0.5, 1.9, 10.0])
    np.testing.assert_array_equal(match["matched"], [True, True, False])
    np.testing.assert_array_equal(match["nearest"], [0, 1, 2])
