"""Networks trained elsewhere: the paper's Keras 2.3.1 files, Keras 3 archives, and refusals."""

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from rnn_ensembles import metrics
from rnn_ensembles.importers import check_task, import_network
from rnn_ensembles.io import DataFileError
from rnn_ensembles.models import get_architecture
from rnn_ensembles.network import Network
from rnn_ensembles.tasks import make_task

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference"
PAPER_TRAINED = REFERENCE / "paper-network-N400-trained.hdf5"
needs_paper = pytest.mark.skipif(
    not PAPER_TRAINED.exists(), reason=f"the paper's networks are not in {REFERENCE}"
)


def random_network(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return Network(
        rng.normal(size=(3, n)),
        rng.normal(size=(n, n)),
        rng.normal(size=(n, 3)),
        rng.normal(size=3),
    )


def write_keras2(
    path, net, layer="SimpleRNN", activation="tanh", recurrent_shape=None, with_config=True
):
    """A file in the Keras 2 full-model HDF5 layout (as Keras 2.3.1 writes it); without
    its config, the layout of Keras 2 ``save_weights``."""
    n = net.n_units
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential_3",
            "layers": [
                {"class_name": layer, "config": {"name": "rnn_7", "activation": activation}},
                {"class_name": "Dense", "config": {"name": "dense_7", "activation": "linear"}},
            ],
        },
    }
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = "2.3.1"
        if with_config:
            handle.attrs["model_config"] = json.dumps(config)
        root = handle.create_group("model_weights")
        root.attrs["layer_names"] = [b"rnn_7", b"dense_7"]
        arrays = {
            "rnn_7": {
                "kernel:0": net.W_in,
                "recurrent_kernel:0": net.W_rec
                if recurrent_shape is None
                else np.zeros(recurrent_shape),
            },
            "dense_7": {"kernel:0": net.W_out, "bias:0": net.b_out},
        }
        for name, weights in arrays.items():
            group = root.create_group(name)
            group.attrs["weight_names"] = [f"{name}/{w}".encode() for w in weights]
            for w, value in weights.items():
                group.create_dataset(f"{name}/{w}", data=value.astype(np.float32))
    assert n == net.W_rec.shape[0]


@needs_paper
def test_paper_network_solves_the_task_it_was_trained_on():
    net = import_network(PAPER_TRAINED)
    assert net.W_in.shape == (3, 400) and net.W_rec.shape == (400, 400)
    assert net.W_out.shape == (400, 3) and net.b_out.shape == (3,)
    assert net.attrs["source_format"] == "keras2_hdf5"
    task = make_task("flipflop")  # the paper's parametrization
    check_task(net, task, PAPER_TRAINED)
    inputs, targets = task.trials(150, np.random.default_rng(0))
    _, outputs = net.run(inputs)
    assert metrics.sign_accuracy(outputs, targets) > 0.995  # 0.999 on 600 trials
    assert metrics.mean_squared_error(outputs, targets) < 0.03  # about 0.015


def test_keras2_layout_is_read_whatever_the_layer_numbers(tmp_path):
    net = random_network()
    write_keras2(tmp_path / "old.hdf5", net)
    back = import_network(tmp_path / "old.hdf5", {"name": "old"})
    for name in ("W_in", "W_rec", "W_out", "b_out"):
        np.testing.assert_allclose(getattr(back, name), getattr(net, name), rtol=1e-6)
    assert back.attrs["name"] == "old" and back.attrs["source"].endswith("old.hdf5")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layer": "LSTM", "recurrent_shape": (5, 20)}, "LSTM"),
        ({"recurrent_shape": (5, 20), "with_config": False}, r"\(5, 20\) is not the square"),
        ({"layer": "GRU"}, "GRU"),
        ({"activation": "relu"}, "'relu'"),
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


def test_keras3_archives_and_own_weights_files(tmp_path):
    import keras

    keras.utils.set_random_seed(1)
    architecture = get_architecture("simple_rnn")
    model = architecture.build(6, 3, 3)
    model.save(tmp_path / "model.keras")
    expected = architecture.to_network(model)
    back = import_network(tmp_path / "model.keras")
    np.testing.assert_array_equal(back.W_rec, expected.W_rec)
    np.testing.assert_array_equal(back.b_out, expected.b_out)
    assert back.attrs["source_format"] == "keras3"
    expected.save(tmp_path / "weights.h5")
    np.testing.assert_array_equal(import_network(tmp_path / "weights.h5").W_in, expected.W_in)

    lstm = keras.Sequential(
        [keras.Input((None, 3)), keras.layers.LSTM(4, return_sequences=True), keras.layers.Dense(3)]
    )
    lstm.save(tmp_path / "lstm.keras")
    with pytest.raises(DataFileError, match=r"lstm\.keras.*LSTM"):
        import_network(tmp_path / "lstm.keras")


def test_network_of_another_task_width_is_refused():
    with pytest.raises(
        DataFileError, match=r"x\.h5: the network has 3 inputs and 3 outputs.*2 and 2"
    ):
        check_task(random_network(), make_task("flipflop", n_bits=2), "x.h5")
