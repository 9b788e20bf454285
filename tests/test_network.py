"""The Keras model is Eq. 7; the saved weights reproduce it in numpy; the file contract holds;
the training step's hand-written BPTT gives the gradients of every rate variant."""

import numpy as np
import pytest

from rnn_ensembles.io import DataFileError
from rnn_ensembles.models import get_architecture, load_network
from rnn_ensembles.models.simple_rnn import SimpleRNNNetwork

# The rate variants the hand-written BPTT serves: Eq. 7, Eq. 6, and each with constraints.
BPTT_VARIANTS = [
    ("simple_rnn", {}),
    (
        "simple_rnn",
        {
            "dale": True,
            "dale_inputs": "nonnegative",
            "connection_probability": 0.5,
            "autapses": False,
        },
    ),
    ("leaky_rnn", {}),
    ("leaky_rnn", {"tau": 10.0, "dt": 2.0, "dale": True, "connection_probability": 0.3}),
]
BPTT_IDS = ["simple_rnn", "simple_rnn-constrained", "leaky_rnn", "leaky_rnn-constrained"]


@pytest.fixture(scope="module")
def keras_model():
    import keras

    keras.utils.set_random_seed(0)
    return get_architecture("simple_rnn").build(12, 3, 3)


def test_keras_forward_pass_equals_eq7_in_numpy(keras_model, tmp_path):
    x = np.random.default_rng(0).normal(size=(5, 40, 3)).astype(np.float32)
    keras_out = np.asarray(keras_model(x))
    network = get_architecture("simple_rnn").to_network(keras_model, {"seed": 0})
    network.save(tmp_path / "w.h5")
    loaded = load_network(tmp_path / "w.h5")
    # Eq. 7 written out here, independently of the network's run, in float64.
    x64 = x.astype(np.float64)
    h = np.zeros((5, 12))
    expected = []
    for t in range(40):
        h = np.tanh(x64[:, t] @ loaded.W_in + h @ loaded.W_rec)
        expected.append(h @ loaded.W_out + loaded.b_out)
    expected = np.stack(expected, axis=1)
    np.testing.assert_allclose(keras_out, expected, atol=1e-5)
    _, numpy_out = loaded.run(x)
    np.testing.assert_allclose(numpy_out, expected, atol=1e-10)
    assert loaded.attrs["seed"] == 0
    assert loaded.options == {}


@pytest.fixture(scope="module", params=BPTT_VARIANTS, ids=BPTT_IDS)
def bptt_model(request):
    """A model of each variant, its variables moved off the initialisation (some of Dale's
    raw weights negative, so that both signs of |W|'s derivative are taken)."""
    import keras

    name, options = request.param
    keras.utils.set_random_seed(0)
    model = get_architecture(name).build(12, 3, 3, seed=5, **options)
    rng = np.random.default_rng(0)
    for variable in model.trainable_variables:
        variable.assign(variable + 0.2 * rng.normal(size=variable.shape).astype(np.float32))
    return name, model


@pytest.mark.parametrize("steps", [40, 37, 4])
def test_hand_written_bptt_equals_keras_gradients(bptt_model, steps):
    """The training step's BPTT gives Keras' MSE and its gradients, also when the trial
    length is not a whole number of chunks (37) or shorter than one (4)."""
    import keras
    import tensorflow as tf

    name, model = bptt_model
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(5, steps, 3)).astype(np.float32))
    y = tf.constant(rng.choice([-1.0, 0.0, 1.0], size=(5, steps, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        expected = keras.losses.MeanSquaredError()(y, model(x, training=True))
    expected_grads = tape.gradient(expected, model.trainable_variables)
    arch = get_architecture(name)
    loss, grads = tf.function(lambda x, y: arch.loss_and_gradients(model, x, y))(x, y)
    np.testing.assert_allclose(float(loss), float(expected), rtol=1e-6)
    for grad, want in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(grad, want, rtol=1e-4, atol=1e-6 * np.abs(want).max())


def test_masked_bptt_is_the_masked_mse_and_a_mask_of_ones_changes_nothing(bptt_model):
    """With a task's mask the BPTT gives mean(mask * (output - target)^2) and its gradients
    (against GradientTape on that formula); targets under a mask of 0 do not matter; and a
    mask of ones gives the unmasked loss and gradients to the bit (the flip-flop's numbers)."""
    import tensorflow as tf

    name, model = bptt_model
    arch = get_architecture(name)
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(5, 37, 3)).astype(np.float32))
    y = rng.choice([-1.0, 0.0, 1.0], size=(5, 37, 3)).astype(np.float32)
    mask = np.where(rng.random((5, 37, 1)) < 0.4, 0.0, 2.5).astype(np.float32) * np.ones(3)
    mask = tf.constant(mask.astype(np.float32))
    step = tf.function(lambda x, y, *m: arch.loss_and_gradients(model, x, y, *m))
    loss, grads = step(x, tf.constant(y), mask)
    with tf.GradientTape() as tape:
        out = model(x, training=True)
        expected = tf.reduce_sum(mask * tf.square(out - y)) / tf.cast(tf.size(out), tf.float32)
    np.testing.assert_allclose(float(loss), float(expected), rtol=1e-5)
    for grad, want in zip(grads, tape.gradient(expected, model.trainable_variables), strict=True):
        np.testing.assert_allclose(grad, want, rtol=1e-4, atol=1e-6 * np.abs(want).max())
    # Any target where the mask is 0: the same loss and gradients.
    free = np.where(mask.numpy() == 0, rng.normal(size=y.shape) * 9, y).astype(np.float32)
    loss_free, grads_free = step(x, tf.constant(free), mask)
    assert float(loss_free) == pytest.approx(float(loss), rel=1e-6)
    for a, b in zip(grads, grads_free, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    plain_loss, plain = step(x, tf.constant(y))
    ones_loss, ones = step(x, tf.constant(y), tf.ones_like(mask))
    assert float(ones_loss) == float(plain_loss)
    for a, b in zip(plain, ones, strict=True):
        np.testing.assert_array_equal(a, b)


def test_recurrent_noise_is_trained_through_by_gradient_tape():
    """With noise_std > 0 the training gradient is GradientTape's over the noisy model (the
    same noise draws give the same numbers); without training the model has no noise."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    arch = get_architecture("leaky_rnn")
    model = arch.build(6, 3, 3, seed=2, noise_std=0.3)
    seeds = model.get_layer("recurrent").cell.noise_seeds
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(4, 25, 3)).astype(np.float32))
    y = tf.constant(rng.choice([-1.0, 1.0], size=(4, 25, 3)).astype(np.float32))
    mse = keras.losses.MeanSquaredError()
    start = seeds.state.numpy()
    loss, grads = tf.function(lambda x, y: arch.loss_and_gradients(model, x, y))(x, y)
    seeds.state.assign(start)
    with tf.GradientTape() as tape:
        expected = mse(y, model(x, training=True))
    np.testing.assert_array_equal(float(loss), float(expected))
    for grad, want in zip(grads, tape.gradient(expected, model.trainable_variables), strict=True):
        np.testing.assert_allclose(grad, want, rtol=1e-5, atol=1e-7)
    clean = float(mse(y, model(x)))
    assert float(loss) != clean
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(model(x)))
    _, numpy_out = arch.to_network(model).run(x.numpy())
    np.testing.assert_allclose(numpy_out, np.asarray(model(x)), atol=1e-5)


def test_model_has_no_recurrent_bias_and_the_paper_initialisers(keras_model):
    recurrent = keras_model.get_layer("recurrent")
    assert len(recurrent.get_weights()) == 2  # kernel and recurrent kernel, no bias
    w_rec = recurrent.get_weights()[1]
    np.testing.assert_allclose(w_rec @ w_rec.T, np.eye(12), atol=1e-5)  # orthogonal


def test_weights_file_with_missing_array_is_named(tmp_path):
    import h5py

    path = tmp_path / "bad.h5"
    rng = np.random.default_rng(0)
    arrays = {
        "W_in": rng.normal(size=(3, 4)),
        "W_rec": rng.normal(size=(4, 4)),
        "W_out": rng.normal(size=(4, 3)),
        "b_out": np.zeros(3),
    }
    SimpleRNNNetwork(arrays).save(path)
    with h5py.File(path, "a") as handle:
        del handle["W_out"]
    with pytest.raises(DataFileError, match=r"bad\.h5.*W_out.*missing"):
        load_network(path)


def test_foreign_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("not hdf5")
    with pytest.raises(DataFileError, match="notes.h5"):
        load_network(path)
