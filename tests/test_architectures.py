"""Every registered architecture (and every variant of its options in VARIANTS) keeps the
network interface: numpy ``run`` equals the Keras model, ``jacobian`` equals finite
differences of ``step``, the weights file round-trips, and the saved ``.keras`` model
loads with plain Keras once the package's layers are imported."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_ensembles.models import ARCHITECTURES, get_architecture, load_network

# Options worth checking beyond each architecture's defaults (only for those registered).
EXTRA_VARIANTS = {
    "simple_rnn": [{"dale": True, "connection_probability": 0.5, "autapses": False}],
    "leaky_rnn": [
        {"tau": 100.0, "dt": 20.0},
        {"tau": 10.0, "dt": 2.0, "dale": True, "dale_inputs": "nonnegative", "noise_std": 0.1},
    ],
}
VARIANTS = [(name, {}) for name in ARCHITECTURES] + [
    (name, options) for name in ARCHITECTURES for options in EXTRA_VARIANTS.get(name, [])
]
IDS = [f"{name}{'-' + '-'.join(map(str, o.values())) if o else ''}" for name, o in VARIANTS]
N_UNITS, N_IN, N_OUT = 7, 3, 2


def built(name, options):
    import keras

    keras.utils.set_random_seed(3)
    model = get_architecture(name).build(N_UNITS, N_IN, N_OUT, seed=3, **options)
    # Away from the initialisation, so that every weight (biases too) matters.
    rng = np.random.default_rng(0)
    model.set_weights([w + 0.3 * rng.normal(size=w.shape) for w in model.get_weights()])
    return model


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_numpy_run_equals_the_keras_model(name, options, tmp_path):
    model = built(name, options)
    network = get_architecture(name).to_network(model, {"seed": 3})
    assert network.architecture == name
    x = np.random.default_rng(1).normal(size=(4, 30, N_IN)).astype(np.float32)
    keras_out = np.asarray(model(x))
    _, numpy_out = network.run(x)
    np.testing.assert_allclose(numpy_out, keras_out, rtol=1e-5, atol=1e-5)
    activity, _ = network.run(x)
    assert activity.shape == (4, 30, N_UNITS)


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_jacobian_equals_finite_differences_of_step(name, options):
    network = get_architecture(name).to_network(built(name, options))
    rng = np.random.default_rng(2)
    states = 0.5 * rng.normal(size=(3, network.state_size))
    x = rng.normal(size=N_IN)  # a constant input, not only zero
    jac = network.jacobian(states, x)
    assert jac.shape == (3, network.state_size, network.state_size)
    eps = 1e-6
    numeric = np.empty_like(jac)
    for j in range(network.state_size):
        shift = np.zeros(network.state_size)
        shift[j] = eps
        numeric[:, :, j] = (network.step(states + shift, x) - network.step(states - shift, x)) / (
            2 * eps
        )
    np.testing.assert_allclose(jac, numeric, atol=1e-7)
    # The speed gradient (of q = |step - s|^2 / 2) is the Jacobian's, however it is computed.
    residual = network.step(states, x) - states
    expected = np.einsum("kij,ki->kj", jac, residual) - residual
    np.testing.assert_allclose(network.speed_gradient(states, x), expected, atol=1e-10)


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_weights_file_round_trip_is_identical(name, options, tmp_path):
    network = get_architecture(name).to_network(built(name, options), {"seed": 3, "epochs": 2})
    network.save(tmp_path / "weights.h5")
    loaded = load_network(tmp_path / "weights.h5")
    assert type(loaded) is type(network)
    assert loaded.options == network.options
    assert loaded.attrs == network.attrs
    assert sorted(loaded.arrays) == sorted(network.arrays)
    for key, value in network.arrays.items():
        np.testing.assert_array_equal(loaded.arrays[key], value)
    np.testing.assert_array_equal(loaded.recurrent_matrix(), network.recurrent_matrix())


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_saved_keras_model_loads_with_plain_keras(name, options, tmp_path):
    import keras

    import rnn_ensembles.models.layers  # noqa: F401 - registers the package's Keras objects

    model = built(name, options)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    x = np.random.default_rng(4).normal(size=(2, 12, N_IN)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(model(x)))


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=IDS)
def test_pruning_cuts_existing_connections_only(name, options):
    network = get_architecture(name).to_network(built(name, options))
    exists = network.connections()
    remove = np.zeros_like(exists)
    existing = np.argwhere(exists)  # a mask or a zero diagonal leaves some out
    remove[tuple(existing[[0, -1]].T)] = True
    cut = network.without_connections(remove)
    assert not cut.connections()[remove].any()
    kept = exists & ~remove
    np.testing.assert_array_equal(cut.connections()[kept], True)
    before, after = network.recurrent_matrix(), cut.recurrent_matrix()
    np.testing.assert_array_equal(after[~remove], before[~remove])
    assert np.all(after[remove] == 0)
    assert network.connections()[remove].all()  # the original is left as it was


def test_a_weights_file_of_format_1_loads_as_simple_rnn(tmp_path):
    """Files written before architectures existed: Eq. 7's four arrays, no architecture."""
    import h5py

    rng = np.random.default_rng(5)
    arrays = {
        "W_in": rng.normal(size=(3, 5)),
        "W_rec": rng.normal(size=(5, 5)),
        "W_out": rng.normal(size=(5, 3)),
        "b_out": rng.normal(size=3),
    }
    with h5py.File(tmp_path / "weights.h5", "w") as handle:
        handle.attrs.update(content="network", format_version=1, seed=4, status="converged")
        for key, value in arrays.items():
            handle.create_dataset(key, data=value)
    network = load_network(tmp_path / "weights.h5")
    assert network.architecture == "simple_rnn" and network.options == {}
    assert network.attrs == {"seed": 4, "status": "converged"}
    for key, value in arrays.items():
        np.testing.assert_array_equal(network.arrays[key], value)
    x = rng.normal(size=(2, 6, 3))
    h, expected = np.zeros((2, 5)), []
    for t in range(6):
        h = np.tanh(x[:, t] @ arrays["W_in"] + h @ arrays["W_rec"])
        expected.append(h @ arrays["W_out"] + arrays["b_out"])
    np.testing.assert_allclose(network.run(x)[1], np.stack(expected, axis=1), rtol=1e-12)
