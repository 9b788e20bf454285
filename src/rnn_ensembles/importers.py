"""Networks trained elsewhere, read into :class:`~rnn_ensembles.models.RecurrentNetwork`
objects of their architecture.

Three kinds of file are recognised, by content rather than by name:

* a weights file of this workflow (HDF5, ``content="network"``), of any architecture;
* a Keras HDF5 full-model or weights-only file, as written by the published code of
  Jarne (2024) with Keras 2.3.1, which Keras 3 cannot load (or by Keras 3's
  ``model.save("*.h5")``): the layers are found through the ``layer_names`` /
  ``weight_names`` attributes of the Keras 2 HDF5 layout and the ``model_config`` JSON
  (when present) says which layer is which;
* a Keras 3 ``.keras`` archive, loaded with Keras.

The network must be one recurrent layer followed by one linear ``Dense`` readout.  The
recurrent layer is read as the architecture of :data:`RECURRENT_LAYERS`: a ``SimpleRNN``
(tanh, no bias: Eq. 7 of the paper) as ``simple_rnn``, a ``GRU`` as ``gru`` and an
``LSTM`` as ``lstm`` (tanh, gate activation sigmoid or hard_sigmoid, with the GRU's
``reset_after`` from the layer's config).  Keras 2 defined ``hard_sigmoid`` as
``clip(0.2 x + 1/2, 0, 1)`` and Keras 3 as ``clip(x / 6 + 1/2, 0, 1)``; the file's
``keras_version`` says which one it means.  Without the model config (a weights-only
file) only a SimpleRNN can be recognised, since a gated layer's kernels do not say its
gate activation.  Anything else raises :class:`~rnn_ensembles.io.DataFileError` naming
the file and what was found.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from rnn_ensembles.io import DataFileError, open_h5
from rnn_ensembles.models import RecurrentNetwork, load_network, network_class
from rnn_ensembles.models.gated import KERAS_RECURRENT_ACTIVATIONS

# Keras recurrent layer class -> the architecture it is read as.
RECURRENT_LAYERS = {"SimpleRNN": "simple_rnn", "GRU": "gru", "LSTM": "lstm"}


def import_network(path, attrs: dict | None = None) -> RecurrentNetwork:
    """Read the recurrent network stored in ``path``, whatever of the known formats it is."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: network file does not exist")
    if zipfile.is_zipfile(path):
        network = _from_keras_archive(path)
    else:
        with open_h5(path, "network") as handle:
            own = handle.attrs.get("content") == "network"
            network = None if own else _from_keras_h5(handle, path)
        if own:
            network = load_network(path)
            network.attrs.setdefault("source_format", "weights_file")
    network.attrs.update(attrs or {})
    network.attrs.setdefault("n_units", network.n_units)
    network.attrs["source"] = str(path)
    return network


@dataclass(eq=False)
class _Layer:
    """A layer with weights, as found in a file: its config ({} when the file has none,
    else with the key ``class_name``) and its arrays by short name (``kernel``, ...)."""

    name: str
    config: dict
    weights: dict

    @property
    def class_name(self) -> str | None:
        return self.config.get("class_name")


# -- Keras HDF5 --------------------------------------------------------------------------
def _from_keras_h5(handle: h5py.File, path) -> RecurrentNetwork:
    root = handle["model_weights"] if "model_weights" in handle else handle
    names = [_text(n) for n in root.attrs.get("layer_names", [])]
    if not names:
        raise DataFileError(
            f"{path}: not a recurrent network file (neither a weights file of this workflow "
            "nor a Keras HDF5 model: no 'layer_names' attribute)"
        )
    configs = _layer_configs(handle)
    layers = [_Layer(n, configs.get(n, {}), _layer_weights(root, n, path)) for n in names]
    # Keras 3 writes this layout too (model.save("*.h5")), with its own hard_sigmoid.
    version = _major_version(handle.attrs.get("keras_version", root.attrs.get("keras_version")))
    return _assemble(
        path,
        [layer for layer in layers if layer.weights],
        "keras3_hdf5" if version >= 3 else "keras2_hdf5",
        keras3=version >= 3,
    )


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _major_version(value) -> int:
    """The major version of a ``keras_version`` attribute; 2 when absent or unreadable."""
    try:
        return int(_text(value).split(".")[0])
    except ValueError:
        return 2


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


# -- Keras 3 archive ---------------------------------------------------------------------
def _from_keras_archive(path) -> RecurrentNetwork:
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # Keras raises many kinds; the user needs the file name
        raise DataFileError(f"{path}: Keras cannot load this .keras file ({err})") from None
    layers = [
        _Layer(
            layer.name, {"class_name": type(layer).__name__, **layer.get_config()}, _names(layer)
        )
        for layer in _flat_layers(model)
        if layer.weights
    ]
    return _assemble(path, layers, "keras3", keras3=True)


def _flat_layers(model):
    for layer in model.layers:
        yield from _flat_layers(layer) if hasattr(layer, "layers") else (layer,)


def _names(layer) -> dict:
    """A Keras 3 layer's weights by short name (``kernel``, ``recurrent_kernel``, ``bias``)."""
    return {w.path.rsplit("/", 1)[-1]: np.asarray(w.numpy(), np.float64) for w in layer.weights}


# -- either format -----------------------------------------------------------------------
def _assemble(path, layers: list[_Layer], source_format: str, keras3: bool) -> RecurrentNetwork:
    """The network of a file's layers with weights, every layer and weight checked."""
    recurrent = [layer for layer in layers if "recurrent_kernel" in layer.weights]
    dense = [layer for layer in layers if "recurrent_kernel" not in layer.weights]
    if len(recurrent) != 1 or len(dense) != 1:
        found = ", ".join(f"{layer.name} ({layer.class_name or '?'})" for layer in layers)
        raise DataFileError(
            f"{path}: expected one SimpleRNN, GRU or LSTM layer and one Dense readout, found "
            f"layers: {found or 'none'}"
        )
    rnn, readout = recurrent[0], _readout(path, dense[0])
    # Without a config the kernels' shapes are all there is, which only Eq. 7 is read from.
    kind = rnn.class_name or "SimpleRNN"
    if kind not in RECURRENT_LAYERS:
        raise DataFileError(
            f"{path}: layer {rnn.name!r} is a {kind}; only {', '.join(RECURRENT_LAYERS)} "
            "layers are read"
        )
    activation = rnn.config.get("activation", "tanh")
    if activation != "tanh":
        raise DataFileError(
            f"{path}: layer {rnn.name!r} is a {kind} with activation {activation!r}; only "
            f"{kind} with tanh is {'Eq. 7' if kind == 'SimpleRNN' else 'read'}"
        )
    if rnn.config.get("go_backwards"):
        raise DataFileError(f"{path}: layer {rnn.name!r} runs backwards in time (go_backwards)")
    if kind == "SimpleRNN":
        arrays, options = _simple_rnn_arrays(path, rnn, bool(rnn.config))
    else:
        arrays, options = _gated_arrays(path, rnn, kind, keras3)
    architecture = RECURRENT_LAYERS[kind]
    try:
        return network_class(architecture)(
            {**arrays, "W_out": readout["kernel"], "b_out": readout["bias"]},
            options,
            {"source_format": source_format},
        )
    except ValueError as err:
        raise DataFileError(
            f"{path}: inconsistent weight shapes of the {kind} layer {rnn.name!r} and the "
            f"readout ({err})"
        ) from None


def _readout(path, layer: _Layer) -> dict:
    """The readout's kernel and bias (zeros for a Dense layer without bias)."""
    if layer.class_name not in (None, "Dense"):
        raise DataFileError(f"{path}: readout {layer.name!r} is a {layer.class_name}, not Dense")
    activation = layer.config.get("activation", "linear")
    if activation != "linear":
        raise DataFileError(
            f"{path}: readout {layer.name!r} has activation {activation!r}, expected linear"
        )
    weights = dict(layer.weights)
    if "kernel" in weights and "bias" not in weights and layer.config.get("use_bias") is False:
        weights["bias"] = np.zeros(weights["kernel"].shape[-1])
    if "kernel" not in weights or "bias" not in weights:
        raise DataFileError(f"{path}: readout layer {layer.name!r} lacks a kernel or a bias")
    return weights


def _simple_rnn_arrays(path, rnn: _Layer, with_config: bool) -> tuple[dict, dict]:
    w_in, w_rec = rnn.weights.get("kernel"), rnn.weights["recurrent_kernel"]
    if "bias" in rnn.weights and np.any(rnn.weights["bias"]):
        raise DataFileError(f"{path}: layer {rnn.name!r} has a recurrent bias, Eq. 7 has none")
    if w_in is None or w_rec.ndim != 2 or w_rec.shape[0] != w_rec.shape[1]:
        hint = (
            "" if with_config else " (without the model config, GRU and LSTM layers are not read)"
        )
        raise DataFileError(
            f"{path}: recurrent kernel of shape {w_rec.shape} is not the square matrix of a "
            f"SimpleRNN{hint}"
        )
    return {"W_in": w_in, "W_rec": w_rec}, {}


def _gated_arrays(path, rnn: _Layer, kind: str, keras3: bool) -> tuple[dict, dict]:
    if "kernel" not in rnn.weights:
        raise DataFileError(f"{path}: {kind} layer {rnn.name!r} has no input kernel")
    gate = rnn.config.get("recurrent_activation")
    if gate not in KERAS_RECURRENT_ACTIVATIONS:
        raise DataFileError(
            f"{path}: {kind} layer {rnn.name!r} has the gate activation {gate!r}; only "
            f"{' and '.join(KERAS_RECURRENT_ACTIVATIONS)} are read"
        )
    if gate == "hard_sigmoid" and not keras3:
        gate = "hard_sigmoid_keras2"
    options = {"recurrent_activation": gate}
    w_rec = rnn.weights["recurrent_kernel"]
    width = w_rec.shape[-1]
    if kind == "GRU":
        # Keras 2 GRUs without the option predate it and reset before the product.
        options["reset_after"] = bool(rnn.config.get("reset_after", False))
        bias_shape = (2, width) if options["reset_after"] else (width,)
    else:
        bias_shape = (width,)
    bias = rnn.weights.get("bias", np.zeros(bias_shape))
    return {"W_in": rnn.weights["kernel"], "W_rec": w_rec, "bias": bias}, options
