"""The GRU and LSTM networks: their equations, written out here independently of the
classes, the option variants that tests/test_architectures.py does not build, and the
connectivity of gated kernels (one (N, N) block per gate)."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_ensembles.models import get_architecture, load_network
from rnn_ensembles.models.gru import GRUNetwork
from rnn_ensembles.models.lstm import LSTMNetwork

N, N_IN, N_OUT, BATCH = 5, 3, 2, 4


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


GATE_FUNCTIONS = {
    "sigmoid": sigmoid,
    "hard_sigmoid": lambda a: np.minimum(np.maximum(a + 3.0, 0.0), 6.0) / 6.0,
    "hard_sigmoid_keras2": lambda a: np.minimum(np.maximum(0.2 * a + 0.5, 0.0), 1.0),
}


def random_arrays(n_gates, bias_shape, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "W_in": rng.normal(size=(N_IN, n_gates * N)),
        "W_rec": rng.normal(size=(N, n_gates * N)) / np.sqrt(N),
        "bias": rng.normal(size=bias_shape),
        "W_out": rng.normal(size=(N, N_OUT)),
        "b_out": rng.normal(size=N_OUT),
    }


def gru(reset_after=True, activation="sigmoid", seed=0):
    shape = (2, 3 * N) if reset_after else (3 * N,)
    options = {"recurrent_activation": activation, "reset_after": reset_after}
    return GRUNetwork(random_arrays(3, shape, seed), options)


def lstm(activation="sigmoid", seed=0):
    return LSTMNetwork(random_arrays(4, (4 * N,), seed), {"recurrent_activation": activation})


def gru_by_hand(arrays, reset_after, activation, h, x):
    """One GRU step for one trial, column vectors, each gate's matrices taken apart."""
    gate = GATE_FUNCTIONS[activation]
    w_in, w_rec = arrays["W_in"].T, arrays["W_rec"].T  # (3N, I) and (3N, N)
    wz, wr, wh = w_in[:N], w_in[N : 2 * N], w_in[2 * N :]
    uz, ur, uh = w_rec[:N], w_rec[N : 2 * N], w_rec[2 * N :]
    if reset_after:
        b_in, b_rec = arrays["bias"]
    else:
        b_in, b_rec = arrays["bias"], np.zeros(3 * N)
    z = gate(wz @ x + b_in[:N] + uz @ h + b_rec[:N])
    r = gate(wr @ x + b_in[N : 2 * N] + ur @ h + b_rec[N : 2 * N])
    if reset_after:
        candidate = np.tanh(wh @ x + b_in[2 * N :] + r * (uh @ h + b_rec[2 * N :]))
    else:
        candidate = np.tanh(wh @ x + b_in[2 * N :] + uh @ (r * h))
    return z * h + (1 - z) * candidate


def lstm_by_hand(arrays, activation, h, c, x):
    """One LSTM step for one trial, column vectors: the new h and c."""
    gate = GATE_FUNCTIONS[activation]
    a = arrays["W_in"].T @ x + arrays["W_rec"].T @ h + arrays["bias"]
    i, f, g, o = a[:N], a[N : 2 * N], a[2 * N : 3 * N], a[3 * N :]
    c_new = gate(f) * c + gate(i) * np.tanh(g)
    return gate(o) * np.tanh(c_new), c_new


@pytest.mark.parametrize("activation", list(GATE_FUNCTIONS))
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_is_the_gru_equations(reset_after, activation):
    network = gru(reset_after, activation)
    rng = np.random.default_rng(1)
    states, inputs = 2 * rng.normal(size=(BATCH, N)), 3 * rng.normal(size=(BATCH, N_IN))
    expected = [
        gru_by_hand(network.arrays, reset_after, activation, h, x)
        for h, x in zip(states, inputs, strict=True)
    ]
    np.testing.assert_allclose(network.step(states, inputs), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", list(GATE_FUNCTIONS))
def test_lstm_step_is_the_lstm_equations_on_the_state_h_c(activation):
    network = lstm(activation)
    rng = np.random.default_rng(1)
    states, inputs = 2 * rng.normal(size=(BATCH, 2 * N)), 3 * rng.normal(size=(BATCH, N_IN))
    expected = [
        np.concatenate(lstm_by_hand(network.arrays, activation, s[:N], s[N:], x))
        for s, x in zip(states, inputs, strict=True)
    ]
    np.testing.assert_allclose(network.step(states, inputs), expected, rtol=1e-12, atol=1e-12)


def test_lstm_state_is_h_and_c_and_its_activity_is_h():
    network = lstm()
    assert network.state_size == 2 * N and network.n_units == N
    np.testing.assert_array_equal(network.initial_state(3), np.zeros((3, 2 * N)))
    inputs = np.random.default_rng(2).normal(size=(2, 6, N_IN))
    states = network.states(inputs)
    activity, outputs = network.run(inputs)
    assert states.shape == (2, 6, 2 * N)
    np.testing.assert_array_equal(activity, states[..., :N])
    np.testing.assert_allclose(outputs, states[..., :N] @ network.W_out + network.b_out)
    h, c = np.zeros(N), np.zeros(N)
    for t in range(6):
        h, c = lstm_by_hand(network.arrays, "sigmoid", h, c, inputs[0, t])
    np.testing.assert_allclose(states[0, -1], np.concatenate([h, c]), rtol=1e-12, atol=1e-12)


VARIANTS = [
    ("gru-reset-before", lambda: gru(reset_after=False)),
    ("gru-hard-sigmoid", lambda: gru(activation="hard_sigmoid")),
    ("gru-reset-before-hard-sigmoid-keras2", lambda: gru(False, "hard_sigmoid_keras2")),
    ("lstm-hard-sigmoid", lambda: lstm("hard_sigmoid")),
    ("lstm-hard-sigmoid-keras2", lambda: lstm("hard_sigmoid_keras2")),
]


@pytest.mark.parametrize("make", [make for _, make in VARIANTS], ids=[n for n, _ in VARIANTS])
def test_jacobian_and_speed_gradient_of_every_variant(make):
    network = make()
    rng = np.random.default_rng(3)
    states = 0.5 * rng.normal(size=(3, network.state_size))
    x = rng.normal(size=N_IN)
    jac = network.jacobian(states, x)
    eps = 1e-6
    numeric = np.stack(
        [
            (network.step(states + eps * unit, x) - network.step(states - eps * unit, x))
            / (2 * eps)
            for unit in np.eye(network.state_size)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(jac, numeric, atol=1e-7)
    residual = network.step(states, x) - states
    expected = np.einsum("kij,ki->kj", jac, residual) - residual
    np.testing.assert_allclose(network.speed_gradient(states, x), expected, atol=1e-10)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("gru", {"reset_after": False}),
        ("gru", {"recurrent_activation": "hard_sigmoid"}),
        ("lstm", {"recurrent_activation": "hard_sigmoid"}),
    ],
    ids=["gru-reset-before", "gru-hard-sigmoid", "lstm-hard-sigmoid"],
)
def test_keras_variants_run_the_same_in_numpy(name, options, tmp_path):
    import keras

    architecture = get_architecture(name)
    keras.utils.set_random_seed(5)
    model = architecture.build(N, N_IN, N_OUT, **options)
    rng = np.random.default_rng(0)
    model.set_weights([w + 0.3 * rng.normal(size=w.shape) for w in model.get_weights()])
    network = architecture.to_network(model)
    for key, value in options.items():
        assert network.options[key] == value
    x = 2 * rng.normal(size=(3, 20, N_IN)).astype(np.float32)
    np.testing.assert_allclose(network.run(x)[1], np.asarray(model(x)), rtol=1e-5, atol=1e-5)
    network.save(tmp_path / "weights.h5")
    loaded = load_network(tmp_path / "weights.h5")
    assert loaded.options == network.options
    np.testing.assert_array_equal(loaded.arrays["bias"], network.arrays["bias"])


def test_keras3_hard_sigmoid_is_keras_own():
    import keras

    network = gru(activation="hard_sigmoid")
    pre = np.linspace(-4, 4, 81)
    np.testing.assert_allclose(
        network._gate(pre)[0], np.asarray(keras.activations.hard_sigmoid(pre)), atol=1e-7
    )


def test_build_refuses_a_gate_activation_keras_does_not_have():
    for name in ("gru", "lstm"):
        with pytest.raises(ValueError, match="hard_sigmoid_keras2"):
            get_architecture(name).build(N, N_IN, N_OUT, recurrent_activation="hard_sigmoid_keras2")


@pytest.mark.parametrize("make", [gru, lstm], ids=["gru", "lstm"])
def test_connections_are_those_of_any_gate_block(make):
    network = make()
    n_gates = len(network.GATES)
    blocks = [network.W_rec[:, g * N : (g + 1) * N] for g in range(n_gates)]
    np.testing.assert_array_equal(network.recurrent_matrix(), blocks[2])
    np.testing.assert_allclose(
        network.connection_strength(), np.sqrt(sum(block**2 for block in blocks))
    )
    # A connection that only one gate (not the candidate) still has exists.
    w_rec = network.W_rec.copy()
    for g in range(1, n_gates):
        w_rec[0, g * N + 1] = 0.0
    only_first_gate = network.replace(W_rec=w_rec)
    assert only_first_gate.connections()[0, 1]
    assert only_first_gate.recurrent_matrix()[0, 1] == 0

    remove = np.zeros((N, N), bool)
    remove[0, 1] = remove[3, 2] = True
    cut = network.without_connections(remove)
    for g in range(n_gates):
        block, before = cut.W_rec[:, g * N : (g + 1) * N], blocks[g]
        assert np.all(block[remove] == 0)
        np.testing.assert_array_equal(block[~remove], before[~remove])
    np.testing.assert_array_equal(cut.bias, network.bias)
    np.testing.assert_array_equal(cut.W_in, network.W_in)
    assert not cut.connections()[remove].any()
    assert cut.options == network.options


@pytest.mark.parametrize(
    ("make", "change", "message"),
    [
        (gru, {"W_rec": np.zeros((N, 4 * N))}, r"gru: W_rec must be \(5, 15\)"),
        (gru, {"bias": np.zeros((2, 4 * N))}, r"gru: bias must be \(2, 15\)"),
        (gru, {"W_in": np.zeros((N_IN, N))}, r"gru: W_in must be \('any', 15\)"),
        (lstm, {"bias": np.zeros(3 * N)}, r"lstm: bias must be \(20,\)"),
        (lstm, {"W_rec": np.zeros((N, N))}, r"lstm: W_rec must be \(5, 20\)"),
    ],
)
def test_arrays_that_do_not_fit_are_refused(make, change, message):
    with pytest.raises(ValueError, match=message):
        make().replace(**change)


def test_options_that_do_not_fit_are_refused():
    arrays = gru().arrays
    with pytest.raises(ValueError, match="bias must have 1 dimensions"):
        GRUNetwork(arrays, {"reset_after": False})
    with pytest.raises(ValueError, match="recurrent_activation 'relu' is not one of"):
        GRUNetwork(arrays, {"recurrent_activation": "relu"})
