"""Fixed points of hand-built networks whose fixed points are known analytically."""

import itertools
import json

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
    searched = FixedPointFinder(diverged).search(np.ones((4, 3)))
    assert len(searched) == 0 and json.loads(searched.attrs["new_per_round"]) == [0, 0]


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


# -- the search in rounds --------------------------------------------------------------------
W_SELF = 1.5  # three self-exciting units: 27 fixed points, 8 stable corners, 18 saddles


def three_bit_network():
    """The diagonal network of three self-exciting units and its 27 analytic fixed points."""
    h = bistable_level(W_SELF)
    points = np.array(list(itertools.product([-h, 0.0, h], repeat=3)))
    return autonomous(W_SELF * np.eye(3)), points


def near_the_corners(n_visits=20, seed=0):
    """A trajectory that only ever rests near the 8 stable corners: no saddle is visited."""
    corners = bistable_level(W_SELF) * np.array(list(itertools.product([-1, 1], repeat=3)))
    noise = np.random.default_rng(seed).normal(0.0, 0.02, size=(n_visits, 8, 3))
    return (corners[None] + noise).reshape(-1, 3)


def assert_same_points(found, expected, atol=1e-9):
    distance = np.linalg.norm(found[:, None] - expected[None], axis=-1)
    assert len(found) == len(expected)
    assert np.all(distance.min(axis=1) < atol) and np.all(distance.min(axis=0) < atol)


@pytest.mark.parametrize("minimiser", ["trust_region", "adam"])
def test_search_from_the_attractors_alone_finds_every_saddle_and_saturates(minimiser):
    # Round 0 can only find the corners; the boundary states between them give the 12
    # saddles on the edges, the 6 on the faces and the origin, a round later nothing new.
    network, expected = three_bit_network()
    found = FixedPointFinder(network, minimiser=minimiser).search(near_the_corners())
    assert_same_points(found.points, expected)
    assert found.counts() == {"n_stable": 8, "n_saddle": 18, "n_unstable": 1}
    new_per_round = json.loads(found.attrs["new_per_round"])
    assert new_per_round[0] == 8 and new_per_round[-1] == 0 and sum(new_per_round) == 27
    assert found.attrs["saturated"] is True
    assert found.attrs["n_rounds"] == len(new_per_round) and found.attrs["minimiser"] == minimiser
    assert found.attrs["n_candidates"] > 128 and found.attrs["search_time_s"] > 0


def test_a_search_cut_short_reports_its_rounds_and_is_not_saturated():
    network, _ = three_bit_network()
    trajectory = near_the_corners()
    one = FixedPointFinder(network, max_rounds=1).search(trajectory)
    assert one.counts()["n_stable"] == 8 and len(one) == 8
    assert json.loads(one.attrs["new_per_round"]) == [8] and one.attrs["saturated"] is False
    # Round 1 adds the 19 saddles; whether a third would add more is not known.
    two = FixedPointFinder(network, max_rounds=2).search(trajectory)
    assert json.loads(two.attrs["new_per_round"]) == [8, 19] and len(two) == 27
    assert two.attrs["saturated"] is False and two.attrs["n_rounds"] == 2


def test_trust_region_converges_to_saddles_at_rounding_level():
    network, expected = three_bit_network()
    saddles = expected[np.abs(expected).min(axis=1) == 0]  # every point with a 0 unit
    start = saddles + np.random.default_rng(7).normal(0.0, 0.05, size=saddles.shape)
    finder = FixedPointFinder(network, trust_region_iterations=20)
    end, iterations = finder.trust_region(start)
    assert np.all(finder.speed(end) < 1e-20) and iterations <= 20
    np.testing.assert_allclose(end, saddles, atol=1e-10)
    # Adam from the same states is still far from there after as many iterations.
    adam_end, _ = FixedPointFinder(network, minimiser="adam", max_iterations=20).adam(start)
    assert np.all(finder.speed(adam_end) > 1e-8)


def test_a_candidate_near_a_known_point_is_moved_onto_it():
    network, expected = three_bit_network()
    known = expected[:1]
    finder = FixedPointFinder(network)
    end, _ = finder.trust_region(known + 1e-4, known)
    np.testing.assert_array_equal(end, known)
    # find leaves out the known points.
    assert len(finder.find(known + 1e-4, known)) == 0 and len(finder.find(known + 1e-4)) == 1


def test_boundary_state_of_two_corners_lies_at_the_saddle_between_them():
    network, _ = three_bit_network()
    h = bistable_level(W_SELF)
    start, end = np.array([[h, h, h]]), np.array([[-h, h, h]])
    finder = FixedPointFinder(network)
    states = finder.boundary_states(start, end, seed=0)
    assert states.shape == (finder.hps["n_paths"], 3)
    # The straight path crosses the boundary x_0 = 0 at the saddle (0, h, h), to within
    # the bisection's precision; the strong instability (1.5) stops the tracking at once.
    np.testing.assert_allclose(states[0], [0.0, h, h], atol=2 * h / 2**finder.BISECTIONS)
    # The bent paths (their bends keep x_1, x_2 > 0.2 h) cross the same boundary, and the
    # tracking along it moves x_0 a little: every state leads to that saddle.
    assert np.all(np.abs(states[:, 0]) < 0.05 * h)
    assert_same_points(finder.find(states).points, np.array([[0.0, h, h]]))


def test_saddle_states_follow_its_unstable_manifold_to_the_attractors():
    network, _ = three_bit_network()
    h = bistable_level(W_SELF)
    finder = FixedPointFinder(network)
    states = finder.saddle_states(np.array([[0.0, h, h]]))
    # One unstable direction, both ways, kept part of the way and at the end.
    assert states.shape == (2 * len(finder.MANIFOLD_SNAPSHOTS), 3)
    np.testing.assert_allclose(np.sort(states[-2:, 0]), [-h, h], atol=1e-8)
    np.testing.assert_allclose(states[-2:, 1:], h, atol=1e-8)


def coupled_network(n=5, coupling=0.2, seed=0):
    """Self-exciting units, randomly coupled: dozens of fixed points, found over rounds."""
    w_rec = W_SELF * np.eye(n) + coupling * np.random.default_rng(seed).normal(size=(n, n))
    return eq7_network(np.ones((1, n)), w_rec, np.eye(n), np.zeros(n))


def test_search_is_deterministic_for_a_seed():
    network = coupled_network()
    trajectories = network.states(np.random.default_rng(0).normal(size=(10, 50, 1)))
    first, second = (FixedPointFinder(network, seed=5).search(trajectories) for _ in range(2))
    assert len(first) > 20 and len(json.loads(first.attrs["new_per_round"])) > 2
    np.testing.assert_array_equal(first.points, second.points)
    np.testing.assert_array_equal(first.eigenvalues, second.eigenvalues)
    assert first.attrs["new_per_round"] == second.attrs["new_per_round"]


def test_old_search_is_one_round_of_adam_from_the_samples():
    network = coupled_network()
    trajectories = network.states(np.random.default_rng(1).normal(size=(10, 50, 1)))
    finder = FixedPointFinder(network, minimiser="adam", max_rounds=1)
    searched = finder.search(trajectories)
    found = finder.find(finder.sample_states(trajectories))
    np.testing.assert_array_equal(searched.points, found.points)
    assert searched.attrs["n_rounds"] == 1 and searched.attrs["minimiser"] == "adam"


def test_merged_searches_add_up_and_saturate_only_together(tmp_path):
    network, _ = three_bit_network()
    trajectory = near_the_corners()
    parts = {
        "no input": FixedPointFinder(network).search(trajectory),
        "cue": FixedPointFinder(network, inputs=[0.5], max_rounds=1).search(trajectory),
    }
    merged = FixedPoints.merge(parts)
    assert len(merged) == 27 + len(parts["cue"])
    np.testing.assert_array_equal(merged.input_index, [0] * 27 + [1] * len(parts["cue"]))
    assert merged.attrs["saturated"] is False  # the cue's search was cut short
    assert merged.attrs["n_candidates"] == sum(p.attrs["n_candidates"] for p in parts.values())
    assert json.loads(merged.attrs["new_per_round"]) == {
        name: json.loads(part.attrs["new_per_round"]) for name, part in parts.items()
    }
    merged.save(tmp_path / "fp.h5")
    back = FixedPoints.restore(tmp_path / "fp.h5")
    assert back.attrs["saturated"] is False
    assert back.under(0).counts() == parts["no input"].counts()


def test_search_in_the_lstm_state_space():
    from rnn_ensembles.models.lstm import LSTMNetwork

    n = 4
    rng = np.random.default_rng(2)
    arrays = {
        "W_in": rng.normal(size=(1, 4 * n)),
        "W_rec": 2.0 * rng.normal(size=(n, 4 * n)) / np.sqrt(n),
        "bias": rng.normal(size=4 * n),
        "W_out": rng.normal(size=(n, 1)),
        "b_out": np.zeros(1),
    }
    network = LSTMNetwork(arrays, {"recurrent_activation": "sigmoid"})
    trajectories = network.states(rng.normal(size=(10, 50, 1)))
    found = FixedPointFinder(network).search(trajectories)
    assert len(found) >= 1 and found.points.shape[1] == 2 * n
    assert np.all(speed(network, found.points) < 1e-20)
    assert found.activity.shape == (len(found), n)


def test_an_unknown_minimiser_is_refused():
    with pytest.raises(ValueError, match="minimiser 'lbfgs'"):
        FixedPointFinder(autonomous(np.eye(2)), minimiser="lbfgs")
