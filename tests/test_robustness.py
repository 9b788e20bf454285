"""Robustness curves on a hand-built flip-flop network with a known switching threshold."""

import numpy as np
import pytest
from conftest import eq7_network

from rnn_ensembles.robustness import perturbed_trials, pruned, pruning_orders, robustness_curves
from rnn_ensembles.tasks import make_task

# Three self-exciting units (w = 1.5), one per channel, read out directly: each unit is a
# bistable switch.  With input gain 1 a held input u flips it only above the saddle-node
# value u_c = w h - atanh(h) at h^2 = 1 - 1/w, about 0.21.
W = 1.5
U_C = W * np.sqrt(1 - 1 / W) - np.arctanh(np.sqrt(1 - 1 / W))


@pytest.fixture(scope="module")
def task():
    return make_task("flipflop", delay=0)


@pytest.fixture(scope="module")
def switches():
    return eq7_network(np.eye(3), W * np.eye(3), np.eye(3), np.zeros(3))


def test_nominal_perturbation_is_the_task_generator(task):
    trials = perturbed_trials(task, 6, seed=3, noise_std=task.noise_std)
    expected = task.trials(6, np.random.default_rng(3))
    np.testing.assert_allclose(trials.inputs, expected.inputs, atol=1e-6)
    np.testing.assert_array_equal(trials.targets, expected.targets)
    np.testing.assert_array_equal(trials.mask, expected.mask)
    # Without noise the pulses are exactly +-amplitude; the targets do not depend on it.
    scaled = perturbed_trials(task, 6, seed=3, noise_std=0.0, amplitude=0.4)
    assert set(np.unique(np.round(scaled.inputs, 12))) == {-0.4, 0.0, 0.4}
    np.testing.assert_array_equal(scaled.targets, expected.targets)
    with pytest.raises(ValueError, match="-0.5"):
        perturbed_trials(task, 2, seed=0, noise_std=-0.5)


def test_curves_follow_the_switching_threshold(task, switches):
    assert 0.19 < U_C < 0.23
    curves = robustness_curves(
        switches, task, 40, 0, noise_levels=[0.0, 2.0], amplitudes=[0.1, 1.0], prune_fractions=[0.0]
    ).set_index(["perturbation", "level"])["accuracy"]
    assert curves["amplitude", 1.0] > 0.9
    # Below u_c a pulse cannot flip a switch that is already set.
    assert curves["amplitude", 0.1] < curves["amplitude", 1.0] - 0.2
    assert curves["noise", 2.0] < curves["noise", 0.0] - 0.2


def test_pruning_cuts_existing_connections_weakest_first(task, switches):
    # Only the three self-connections exist: zero weights are no connections to cut.
    orders = pruning_orders(switches, seed=0)
    assert sorted(orders["prune_magnitude"]) == sorted(orders["prune_random"]) == [0, 4, 8]
    assert not pruned(switches, 1.0, orders["prune_magnitude"]).W_rec.any()
    # Weak cross-talk on top of the switches: its 6 connections go first, the switches stay.
    weak = eq7_network(np.eye(3), W * np.eye(3) + 0.01 * (1 - np.eye(3)), np.eye(3), np.zeros(3))
    order = pruning_orders(weak, seed=0)["prune_magnitude"]
    np.testing.assert_array_equal(pruned(weak, 6 / 9, order).W_rec, W * np.eye(3))
    curves = robustness_curves(
        weak, task, 20, 0, [], [], prune_fractions=[0.0, 0.6, 1.0]
    ).set_index(["perturbation", "level"])["accuracy"]
    assert curves["prune_magnitude", 0.6] == curves["prune_magnitude", 0.0]
    assert curves["prune_magnitude", 1.0] < curves["prune_magnitude", 0.0] - 0.2
    # Random masks are nested as the fraction grows.
    rng = np.random.default_rng(1)
    dense = eq7_network(np.eye(3), rng.normal(size=(3, 3)) + 5, np.eye(3), np.zeros(3))
    order = pruning_orders(dense, seed=2)["prune_random"]
    removed = [pruned(dense, f, order).W_rec == 0 for f in (0.2, 0.5, 0.8)]
    assert [m.sum() for m in removed] == [2, 4, 7]
    assert np.all(removed[0] <= removed[1]) and np.all(removed[1] <= removed[2])
    with pytest.raises(ValueError, match="1.5"):
        pruned(dense, 1.5, order)
