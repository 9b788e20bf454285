"""Networks trained elsewhere, read into :class:`~rnn_ensembles.network.Network` objects.

Three kinds of file are recognised, by content rather than by name:

* a weights file of this workflow (HDF5, ``content="network"``);
* a Keras 2 full-model or weights-only HDF5 file, as written by the published code of
  Jarne (2024) with Keras 2.3.1, which Keras 3 cannot load: the layers are found through
  the ``layer_names`` / ``weight_names`` attributes of the Keras 2 HDF5 layout and the
  ``model_config`` JSON (when present) says which layer is which;
* a Keras 3 ``.keras`` archive, loaded with Keras.

The network must be one ``SimpleRNN`` layer (tanh, no bias) followed by one linear
``Dense`` readout, i.e. Eq. 7 of the paper; anything else raises
:class:`~rnn_ensembles.io.DataFileError` naming the file and what was found.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import h5py
import numpy as np

from rnn_ensembles.io import DataFileError, open_h5
from rnn_ensembles.network import Network


def import_network(path, attrs: dict | None = None) -> Network:
    """Read the recurrent network stored in ``path``, whatever of the known formats it is."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: network file does not exist")
    if zipfile.is_zipfile(path):
        network = _from_keras_archive(path)
    else:
        with open_h5(path, "network") as handle:
            own = handle.attrs.get("content") == "network"
            network = None if own else _from_keras2_h5(handle, path)
        if own:
            network = Network.load(path)
    network.attrs.update(attrs or {})
    network.attrs.setdefault("n_units", network.n_units)
    network.attrs["source"] = str(path)
    return network


def check_task(network: Network, task, path) -> None:
    """Refuse a network whose input or output width does not match the task's."""
    found = (network.W_in.shape[0], network.W_out.shape[1])
    wanted = (task.n_inputs, task.n_outputs)
    if found != wanted:
        raise DataFileError(
            f"{path}: the network has {found[0]} inputs and {found[1]} outputs, the task "
            f"needs {wanted[0]} and {wanted[1]}"
        )


# -- Keras 2 HDF5 ------------------------------------------------------------------------
def _from_keras2_h5(handle: h5py.File, path) -> Network:
    root = handle["model_weights"] if "model_weights" in handle else handle
    names = [_text(n) for n in root.attrs.get("layer_names", [])]
    if not names:
        raise DataFileError(
            f"{path}: not a recurrent network file (neither a weights file of this workflow "
            "nor a Keras HDF5 model: no 'layer_names' attribute)"
        )
    configs = _layer_configs(handle)
    weights = {name: _layer_weights(root, name, path) for name in names}
    recurrent = [n for n in names if "recurrent_kernel" in weights[n]]
    dense = [n for n in names if n not in recurrent and weights[n]]
    layers = [(n, configs.get(n, {})) for n in names if weights[n]]
    _check_layers(path, layers, recurrent, dense, configs)
    rnn, readout = weights[recurrent[0]], weights[dense[0]]
    if "bias" in rnn and np.any(rnn["bias"]):
        raise DataFileError(f"{path}: layer {recurrent[0]!r} has a recurrent bias, Eq. 7 has none")
    if "kernel" not in readout or "bias" not in readout:
        raise DataFileError(f"{path}: readout layer {dense[0]!r} lacks a kernel or a bias")
    return _network(path, rnn.get("kernel"), rnn["recurrent_kernel"], readout, "keras2_hdf5")


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _layer_configs(handle: h5py.File) -> dict:
    """Class name and config of every layer, by name, from the ``model_config`` attribute."""
    raw = handle.attrs.get("model_config")
    if raw is None:
        return {}
    config = json.loads(_text(raw))
    layers = config.get("config", {})
    layers = layers.get("layers", []) if isinstance(layers, dict) else layers
    return {
        layer["config"]["name"]: {"class_name": layer["class_name"], **layer["config"]}
        for layer in layers
    }


def _layer_weights(root, name: str, path) -> dict:
    """A layer's arrays by short name (``kernel``, ``recurrent_kernel``, ``bias``)."""
    if name not in root:
        raise DataFileError(f"{path}: layer {name!r} is listed but has no weights group")
    group = root[name]
    out = {}
    for weight in group.attrs.get("weight_names", []):
        weight = _text(weight)
        short = weight.rsplit("/", 1)[-1].split(":")[0]
        if weight not in group:
            raise DataFileError(f"{path}: weight {name}/{weight} is listed but missing")
        out[short] = np.asarray(group[weight][()], dtype=np.float64)
    return out


def _check_layers(path, layers, recurrent, dense, configs) -> None:
    kinds = ", ".join(f"{n} ({c.get('class_name', '?')})" for n, c in layers) or "none"
    if len(recurrent) != 1 or len(dense) != 1:
        raise DataFileError(
            f"{path}: expected one SimpleRNN layer and one Dense readout, found layers: {kinds}"
        )
    rnn, readout = configs.get(recurrent[0]), configs.get(dense[0])
    if rnn is not None and (rnn["class_name"], rnn.get("activation")) != ("SimpleRNN", "tanh"):
        raise DataFileError(
            f"{path}: layer {recurrent[0]!r} is a {rnn['class_name']} with activation "
            f"{rnn.get('activation')!r}; only SimpleRNN with tanh is Eq. 7"
        )
    if readout is not None and readout.get("activation", "linear") != "linear":
        raise DataFileError(
            f"{path}: readout {dense[0]!r} has activation {readout['activation']!r}, "
            "expected linear"
        )


def _network(path, w_in, w_rec, readout: dict, source_format: str) -> Network:
    if w_in is None or w_rec.ndim != 2 or w_rec.shape[0] != w_rec.shape[1]:
        shape = None if w_rec is None else w_rec.shape
        raise DataFileError(
            f"{path}: recurrent kernel of shape {shape} is not the square matrix of a SimpleRNN"
        )
    try:
        return Network(
            w_in, w_rec, readout["kernel"], readout["bias"], {"source_format": source_format}
        )
    except ValueError as err:
        raise DataFileError(f"{path}: inconsistent weight shapes ({err})") from None


# -- Keras 3 archive ---------------------------------------------------------------------
def _from_keras_archive(path) -> Network:
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # Keras raises many kinds; the user needs the file name
        raise DataFileError(f"{path}: Keras cannot load this .keras file ({err})") from None
    layers = [layer for layer in _flat_layers(model) if layer.weights]
    recurrent = [layer for layer in layers if "recurrent_kernel" in _names(layer)]
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    found = ", ".join(f"{layer.name} ({type(layer).__name__})" for layer in layers) or "none"
    if len(layers) != 2 or len(recurrent) != 1 or len(dense) != 1:
        raise DataFileError(
            f"{path}: expected one SimpleRNN layer and one Dense readout, found layers: {found}"
        )
    rnn, readout = recurrent[0], dense[0]
    activation = getattr(rnn, "activation", None)
    if not isinstance(rnn, keras.layers.SimpleRNN) or activation is not keras.activations.tanh:
        raise DataFileError(
            f"{path}: layer {rnn.name!r} is a {type(rnn).__name__}; only SimpleRNN with tanh "
            "is Eq. 7"
        )
    if readout.activation is not keras.activations.linear:
        raise DataFileError(f"{path}: readout {readout.name!r} is not linear")
    arrays = {name: np.asarray(w, np.float64) for name, w in _names(rnn).items()}
    if "bias" in arrays and np.any(arrays["bias"]):
        raise DataFileError(f"{path}: layer {rnn.name!r} has a recurrent bias, Eq. 7 has none")
    out = {name: np.asarray(w, np.float64) for name, w in _names(readout).items()}
    if "bias" not in out:
        out["bias"] = np.zeros(out["kernel"].shape[1])
    return _network(path, arrays.get("kernel"), arrays["recurrent_kernel"], out, "keras3")


def _flat_layers(model):
    for layer in model.layers:
        yield from _flat_layers(layer) if hasattr(layer, "layers") else (layer,)


def _names(layer) -> dict:
    """A Keras 3 layer's weights by short name (``kernel``, ``recurrent_kernel``, ``bias``)."""
    return {w.path.rsplit("/", 1)[-1]: w.numpy() for w in layer.weights}
