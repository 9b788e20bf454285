"""Networks trained elsewhere: the paper's Keras 2.3.1 files, GRU and LSTM layers of Keras 2
and Keras 3 files, Keras 3 archives, and refusals."""

import json

import h5py
import numpy as np
import pytest
from conftest import (
    PAPER_NETWORK_FILES,
    PAPER_NETWORKS_ABSENT,
    PAPER_NETWORKS_FOLDER,
    PAPER_NETWORKS_VARIABLE,
    PAPER_REPOSITORY,
    needs_paper_network,
    paper_network,
)

from rnn_ensembles import metrics
from rnn_ensembles.importers import import_network
from rnn_ensembles.io import DataFileError
from rnn_ensembles.models import get_architecture
from rnn_ensembles.models.gru import GRUNetwork
from rnn_ensembles.models.lstm import LSTMNetwork
from rnn_ensembles.models.simple_rnn import SimpleRNNNetwork
from rnn_ensembles.tasks import make_task

PAPER_TRAINED = paper_network("trained")


def random_network(n=5, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "W_in": rng.normal(size=(3, n)),
        "W_rec": rng.normal(size=(n, n)),
        "W_out": rng.normal(size=(n, 3)),
        "b_out": rng.normal(size=3),
    }
    return SimpleRNNNetwork(arrays, {}, {})


def write_keras2_layout(path, rnn_weights, readout_weights, rnn_config=None, version="2.3.1"):
    """A file in the Keras 2 full-model HDF5 layout (as Keras 2.3.1 writes it), the
    recurrent layer's config ``rnn_config`` (with its ``class_name``); without a config,
    the layout of Keras 2 ``save_weights``."""
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = version
        if rnn_config is not None:
            rnn_config = dict(rnn_config)
            layers = [
                {
                    "class_name": rnn_config.pop("class_name"),
                    "config": {"name": "rnn_7", **rnn_config},
                },
                {"class_name": "Dense", "config": {"name": "dense_7", "activation": "linear"}},
            ]
            config = {
                "class_name": "Sequential",
                "config": {"name": "sequential_3", "layers": layers},
            }
            handle.attrs["model_config"] = json.dumps(config)
        root = handle.create_group("model_weights")
        root.attrs["layer_names"] = [b"rnn_7", b"dense_7"]
        for name, weights in (("rnn_7", rnn_weights), ("dense_7", readout_weights)):
            group = root.create_group(name)
            group.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w in weights]
            for w, value in weights.items():
                group.create_dataset(f"{name}/{w}:0", data=np.asarray(value, np.float32))


def write_keras2(
    path,
    net,
    layer="SimpleRNN",
    activation="tanh",
    recurrent_shape=None,
    with_config=True,
    **config,
):
    """``net``'s weights in the Keras 2 layout, its recurrent layer said to be ``layer``
    with ``activation`` and ``config``, its recurrent kernel replaced by zeros of
    ``recurrent_shape`` when given."""
    rnn = {
        "kernel": net.W_in,
        "recurrent_kernel": net.W_rec if recurrent_shape is None else np.zeros(recurrent_shape),
    }
    readout = {"kernel": net.W_out, "bias": net.b_out}
    rnn_config = {"class_name": layer, "activation": activation, **config}
    write_keras2_layout(path, rnn, readout, rnn_config if with_config else None)


@needs_paper_network("trained")
def test_paper_network_solves_the_task_it_was_trained_on():
    net = import_network(PAPER_TRAINED)
    assert isinstance(net, SimpleRNNNetwork)
    assert net.W_in.shape == (3, 400) and net.W_rec.shape == (400, 400)
    assert net.W_out.shape == (400, 3) and net.b_out.shape == (3,)
    assert net.attrs["source_format"] == "keras2_hdf5"
    task = make_task("flipflop")  # the paper's parametrization
    net.check_fits(task, PAPER_TRAINED)
    trials = task.trials(150, np.random.default_rng(0))
    inputs, targets = trials.inputs, trials.targets
    _, outputs = net.run(inputs)
    assert metrics.sign_accuracy(outputs, targets) > 0.995  # 0.999 on 600 trials
    assert metrics.mean_squared_error(outputs, targets) < 0.03  # about 0.015


@needs_paper_network("initial")
def test_paper_initial_network_starts_orthogonal():
    net = import_network(paper_network("initial"))
    assert isinstance(net, SimpleRNNNetwork) and net.W_rec.shape == (400, 400)
    # The paper's recurrent initializer: an orthogonal matrix, every eigenvalue on the unit
    # circle.
    np.testing.assert_allclose(net.W_rec @ net.W_rec.T, np.eye(400), atol=1e-5)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(net.W_rec)), 1.0, atol=1e-5)


@pytest.mark.parametrize("layout", ["folder", "repository"])
def test_paper_networks_are_found_where_the_variable_points(tmp_path, monkeypatch, layout):
    folder = tmp_path if layout == "folder" else tmp_path / PAPER_NETWORKS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for name in PAPER_NETWORK_FILES.values():
        (folder / name).write_bytes(b"")
    monkeypatch.setenv(PAPER_NETWORKS_VARIABLE, str(tmp_path))
    for kind, name in PAPER_NETWORK_FILES.items():
        assert paper_network(kind) == folder / name


def test_without_the_paper_networks_the_skip_says_where_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv(PAPER_NETWORKS_VARIABLE, str(tmp_path))  # an empty folder
    assert paper_network("trained") is None and paper_network("initial") is None
    assert PAPER_REPOSITORY in PAPER_NETWORKS_ABSENT
    assert PAPER_NETWORKS_VARIABLE in PAPER_NETWORKS_ABSENT
    assert PAPER_NETWORKS_FOLDER in PAPER_NETWORKS_ABSENT


def test_keras2_layout_is_read_whatever_the_layer_numbers(tmp_path):
    net = random_network()
    write_keras2(tmp_path / "old.hdf5", net)
    back = import_network(tmp_path / "old.hdf5", {"name": "old"})
    assert isinstance(back, SimpleRNNNetwork)
    for name in ("W_in", "W_rec", "W_out", "b_out"):
        np.testing.assert_allclose(getattr(back, name), getattr(net, name), rtol=1e-6)
    assert back.attrs["name"] == "old" and back.attrs["source"].endswith("old.hdf5")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layer": "LSTM", "recurrent_shape": (5, 20), "recurrent_activation": "sigmoid"}, "LSTM"),
        ({"recurrent_shape": (5, 20), "with_config": False}, r"\(5, 20\) is not the square"),
        ({"layer": "GRU", "recurrent_activation": "sigmoid"}, "GRU"),
        ({"layer": "GRU", "recurrent_activation": "relu"}, "GRU layer 'rnn_7'.*'relu'"),
        ({"layer": "CuDNNGRU"}, "CuDNNGRU"),
        ({"activation": "relu"}, "'relu'"),
        ({"layer": "LSTM", "activation": "relu", "recurrent_activation": "sigmoid"}, "'relu'"),
        ({"go_backwards": True}, "backwards"),
    ],
)
def test_other_recurrent_layers_are_refused_with_the_file_name(tmp_path, kwargs, message):
    write_keras2(tmp_path / "other.hdf5", random_network(), **kwargs)
    with pytest.raises(DataFileError, match=f"other\\.hdf5.*{message}"):
        import_network(tmp_path / "other.hdf5")


def test_files_that_are_not_networks_are_named(tmp_path):
    (tmp_path / "notes.txt").write_text("not a network")
    with pytest.raises(DataFileError, match=r"notes\.txt"):
        import_network(tmp_path / "notes.txt")
    with h5py.File(tmp_path / "data.h5", "w") as handle:
        handle.create_dataset("x", data=np.zeros(3))
    with pytest.raises(DataFileError, match=r"data\.h5: not a recurrent network"):
        import_network(tmp_path / "data.h5")
    with pytest.raises(DataFileError, match=r"missing\.h5.*does not exist"):
        import_network(tmp_path / "missing.h5")


def keras2_hard_sigmoid(x):
    """Keras 2's hard_sigmoid, which Keras 3 no longer has under that name."""
    import keras

    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def gated_model(layer, seed=2, **options):
    """A Keras 3 model of one ``layer`` (GRU or LSTM) of 5 units and a Dense readout, its
    weights moved away from the initialisation so that the biases matter."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((None, 3)),
            getattr(keras.layers, layer)(5, return_sequences=True, name="rnn", **options),
            keras.layers.Dense(3, name="out"),
        ]
    )
    rng = np.random.default_rng(seed)
    model.set_weights([w + 0.3 * rng.normal(size=w.shape) for w in model.get_weights()])
    return model


def assert_same_outputs(network, model):
    x = np.random.default_rng(7).normal(size=(3, 25, 3)).astype(np.float32)
    np.testing.assert_allclose(network.run(x)[1], np.asarray(model(x)), rtol=1e-5, atol=1e-5)


KERAS2_GATED = [
    # Keras 2.3.1's own GRU resets before the product; tf.keras 2 after it.
    ("GRU", {"reset_after": False}, {"reset_after": False, "recurrent_activation": "sigmoid"}),
    ("GRU", {"reset_after": True}, {"reset_after": True, "recurrent_activation": "sigmoid"}),
    (
        "GRU",
        {"reset_after": False, "recurrent_activation": keras2_hard_sigmoid},
        {"reset_after": False, "recurrent_activation": "hard_sigmoid"},
    ),
    ("LSTM", {}, {"recurrent_activation": "sigmoid"}),
    (
        "LSTM",
        {"recurrent_activation": keras2_hard_sigmoid},
        {"recurrent_activation": "hard_sigmoid"},
    ),
]


@pytest.mark.parametrize(
    "layer, keras_options, file_config",
    KERAS2_GATED,
    ids=["gru-reset-before", "gru-reset-after", "gru-hard-sigmoid", "lstm", "lstm-hard-sigmoid"],
)
def test_keras2_gru_and_lstm_files_run_as_the_keras_layer(
    tmp_path, layer, keras_options, file_config
):
    model = gated_model(layer, **keras_options)
    rnn = dict(
        zip(
            ("kernel", "recurrent_kernel", "bias"),
            model.get_layer("rnn").get_weights(),
            strict=True,
        )
    )
    readout = dict(zip(("kernel", "bias"), model.get_layer("out").get_weights(), strict=True))
    config = {"class_name": layer, "activation": "tanh", "units": 5, **file_config}
    write_keras2_layout(tmp_path / "gated.hdf5", rnn, readout, config)
    network = import_network(tmp_path / "gated.hdf5")
    assert type(network) is (GRUNetwork if layer == "GRU" else LSTMNetwork)
    assert network.attrs["source_format"] == "keras2_hdf5"
    expected_gate = file_config["recurrent_activation"].replace(
        "hard_sigmoid", "hard_sigmoid_keras2"
    )
    assert network.options["recurrent_activation"] == expected_gate
    assert_same_outputs(network, model)


def test_keras3_hdf5_files_mean_keras3_hard_sigmoid(tmp_path):
    model = gated_model("GRU", recurrent_activation="hard_sigmoid")
    model.save(tmp_path / "legacy.h5")
    network = import_network(tmp_path / "legacy.h5")
    assert network.options == {"recurrent_activation": "hard_sigmoid", "reset_after": True}
    assert network.attrs["source_format"] == "keras3_hdf5"
    assert_same_outputs(network, model)


@pytest.mark.parametrize(
    "layer, options",
    [
        ("GRU", {}),
        ("GRU", {"reset_after": False, "recurrent_activation": "hard_sigmoid"}),
        ("LSTM", {}),
        ("LSTM", {"recurrent_activation": "hard_sigmoid", "use_bias": False}),
    ],
    ids=["gru", "gru-reset-before-hard-sigmoid", "lstm", "lstm-hard-sigmoid-no-bias"],
)
def test_keras3_gru_and_lstm_archives_run_as_the_keras_model(tmp_path, layer, options):
    model = gated_model(layer, **options)
    model.save(tmp_path / "gated.keras")
    network = import_network(tmp_path / "gated.keras")
    assert network.architecture == layer.lower()
    assert network.attrs["source_format"] == "keras3"
    assert network.options["recurrent_activation"] == options.get("recurrent_activation", "sigmoid")
    assert_same_outputs(network, model)


def test_keras3_archives_and_own_weights_files(tmp_path):
    import keras

    keras.utils.set_random_seed(1)
    architecture = get_architecture("simple_rnn")
    model = architecture.build(6, 3, 3)
    model.save(tmp_path / "model.keras")
    expected = architecture.to_network(model)
    back = import_network(tmp_path / "model.keras")
    assert isinstance(back, SimpleRNNNetwork)
    np.testing.assert_array_equal(back.W_rec, expected.W_rec)
    np.testing.assert_array_equal(back.b_out, expected.b_out)
    assert back.attrs["source_format"] == "keras3"
    expected.save(tmp_path / "weights.h5")
    np.testing.assert_array_equal(import_network(tmp_path / "weights.h5").W_in, expected.W_in)

    lstm = get_architecture("lstm")
    own = lstm.to_network(lstm.build(4, 3, 3))
    own.save(tmp_path / "lstm-weights.h5")
    back = import_network(tmp_path / "lstm-weights.h5", {"name": "own"})
    assert type(back) is LSTMNetwork and back.attrs["name"] == "own"
    np.testing.assert_array_equal(back.W_rec, own.W_rec)

    relu = keras.Sequential(
        [keras.Input((None, 3)), keras.layers.GRU(4, activation="relu"), keras.layers.Dense(3)]
    )
    relu.save(tmp_path / "relu.keras")
    with pytest.raises(DataFileError, match=r"relu\.keras.*GRU with activation 'relu'"):
        import_network(tmp_path / "relu.keras")
    both_ways = keras.Sequential(
        [
            keras.Input((None, 3)),
            keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True)),
            keras.layers.Dense(3),
        ]
    )
    both_ways.save(tmp_path / "bidirectional.keras")
    with pytest.raises(DataFileError, match=r"bidirectional\.keras.*Bidirectional"):
        import_network(tmp_path / "bidirectional.keras")


def test_network_of_another_task_width_is_refused():
    with pytest.raises(
        DataFileError, match=r"x\.h5: the network has 3 inputs and 3 outputs.*2 and 2"
    ):
        random_network().check_fits(make_task("flipflop", n_bits=2), "x.h5")
