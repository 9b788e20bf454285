"""The Keras model is Eq. 7; the saved weights reproduce it in numpy; the file contract holds."""

import numpy as np
import pytest

from rnn_ensembles.io import DataFileError
from rnn_ensembles.models import get_architecture
from rnn_ensembles.network import Network


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
    loaded = Network.load(tmp_path / "w.h5")
    # Eq. 7 written out here, independently of Network.run, in float64.
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


@pytest.mark.parametrize("steps", [40, 37, 4])
def test_hand_written_bptt_equals_keras_gradients(keras_model, steps):
    """The training step's BPTT gives Keras' MSE and its gradients, also when the trial
    length is not a whole number of chunks (37) or shorter than one (4)."""
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(5, steps, 3)).astype(np.float32))
    y = tf.constant(rng.choice([-1.0, 0.0, 1.0], size=(5, steps, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        expected = keras.losses.MeanSquaredError()(y, keras_model(x))
    expected_grads = tape.gradient(expected, keras_model.trainable_variables)
    arch = get_architecture("simple_rnn")
    loss, grads = tf.function(lambda x, y: arch.loss_and_gradients(keras_model, x, y))(x, y)
    np.testing.assert_allclose(float(loss), float(expected), rtol=1e-6)
    for grad, want in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(grad, want, rtol=1e-4, atol=1e-6 * np.abs(want).max())


def test_model_has_no_recurrent_bias_and_the_paper_initialisers(keras_model):
    recurrent = keras_model.get_layer("recurrent")
    assert len(recurrent.get_weights()) == 2  # kernel and recurrent kernel, no bias
    w_rec = recurrent.get_weights()[1]
    np.testing.assert_allclose(w_rec @ w_rec.T, np.eye(12), atol=1e-5)  # orthogonal


def test_weights_file_with_missing_array_is_named(tmp_path):
    import h5py

    path = tmp_path / "bad.h5"
    rng = np.random.default_rng(0)
    Network(
        rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), rng.normal(size=(4, 3)), np.zeros(3)
    ).save(path)
    with h5py.File(path, "a") as handle:
        del handle["W_out"]
    with pytest.raises(DataFileError, match=r"bad\.h5.*W_out.*missing"):
        Network.load(path)


def test_foreign_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("not hdf5")
    with pytest.raises(DataFileError, match="notes.h5"):
        Network.load(path)
