"""What the GRU and the LSTM share: gate blocks side by side in one kernel, a gate activation.

Keras stores a gated layer's weights as ``kernel`` (I, G N) and ``recurrent_kernel``
(N, G N), the G gates' (N, N) blocks side by side in the layer's gate order: block ``g``
of ``W_rec`` is ``W_rec[:, g N:(g + 1) N]``.  A recurrent connection i -> j is then the
G weights ``W_rec[i, g N + j]``, one per gate, and the analyses cut or weigh all of them
together (:meth:`GatedNetwork.connections`, :meth:`GatedNetwork.without_connections`).

The gates' activation (Keras's ``recurrent_activation``) is one of
:data:`RECURRENT_ACTIVATIONS`: ``sigmoid`` (the Keras default), ``hard_sigmoid`` as
Keras 3 defines it, ``clip(x / 6 + 1/2, 0, 1)``, and ``hard_sigmoid_keras2``,
``clip(0.2 x + 1/2, 0, 1)``, which is what ``hard_sigmoid`` meant in files of Keras 2.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from rnn_ensembles.models.base import RecurrentNetwork


def _sigmoid(pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # The tanh form does not overflow for large |pre|, unlike 1 / (1 + exp(-pre)).
    value = 0.5 * (1.0 + np.tanh(0.5 * pre))
    return value, value * (1.0 - value)


def _hard_sigmoid(slope: float):
    def activation(pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        linear = slope * pre + 0.5
        return np.clip(linear, 0.0, 1.0), np.where((linear > 0) & (linear < 1), slope, 0.0)

    return activation


# Gate activation name -> function of the pre-activation giving (value, derivative).
RECURRENT_ACTIVATIONS = {
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid(1.0 / 6.0),
    "hard_sigmoid_keras2": _hard_sigmoid(0.2),
}
# The gate activations that Keras 3 itself knows, so that a model can be built with them.
KERAS_RECURRENT_ACTIVATIONS = ("sigmoid", "hard_sigmoid")


def gated_option_problems(architecture: str, options: dict, gate_bias: str) -> list[str]:
    """One line for each bad build option of a gated architecture whose gate-bias option is
    ``gate_bias`` (the other options' types are Keras's to check)."""
    out = []
    activation = options.get("recurrent_activation", "sigmoid")
    if activation not in KERAS_RECURRENT_ACTIVATIONS:
        out.append(
            f"recurrent_activation = {activation!r}: must be one of "
            f"{', '.join(KERAS_RECURRENT_ACTIVATIONS)}"
        )
    bias = options.get(gate_bias, 0.0)
    if isinstance(bias, bool) or not isinstance(bias, int | float) or not np.isfinite(bias):
        out.append(f"{gate_bias} = {bias!r}: must be a finite number")
    return out


def gated_model(layer: str, n_units, n_inputs, n_outputs, gate_bias: tuple, **layer_options):
    """Input -> Keras ``layer`` ("GRU" or "LSTM", return_sequences) -> Dense readout, the
    recurrent layer named ``recurrent``, the input bias of gate block ``gate_bias[0]``
    started at ``gate_bias[1]``.

    Raises:
        ValueError: for a gate activation that Keras does not have.
    """
    import keras

    activation = layer_options["recurrent_activation"]
    if activation not in KERAS_RECURRENT_ACTIVATIONS:
        raise ValueError(
            f"{layer.lower()}: recurrent_activation {activation!r} cannot be built, expected "
            f"one of {', '.join(KERAS_RECURRENT_ACTIVATIONS)}"
        )
    model = keras.Sequential(
        [
            keras.Input(shape=(None, n_inputs)),
            getattr(keras.layers, layer)(
                n_units, return_sequences=True, name="recurrent", **layer_options
            ),
            keras.layers.Dense(n_outputs, name="readout"),
        ],
        name=f"{layer.lower()}_N{n_units}",
    )
    set_gate_bias(model.get_layer("recurrent"), *gate_bias)
    return model


def gated_arrays(model) -> dict:
    """The arrays of a model built by :func:`gated_model`, by the networks' names."""
    w_in, w_rec, bias = model.get_layer("recurrent").get_weights()
    w_out, b_out = model.get_layer("readout").get_weights()
    return {"W_in": w_in, "W_rec": w_rec, "bias": bias, "W_out": w_out, "b_out": b_out}


def set_gate_bias(layer, block: int, value: float) -> None:
    """Start the input bias of gate block ``block`` of a built Keras GRU or LSTM layer at
    ``value`` (the recurrent bias of a GRU with reset_after stays 0)."""
    bias = layer.cell.bias.numpy()
    n = layer.cell.units
    if bias.ndim == 2:  # GRU with reset_after: (input bias, recurrent bias)
        bias[0, block * n : (block + 1) * n] = value
    else:
        bias[block * n : (block + 1) * n] = value
    layer.cell.bias.assign(bias)


class GatedNetwork(RecurrentNetwork):
    """A network whose recurrent kernel holds one (N, N) block per gate, in :attr:`GATES`
    order; its :meth:`recurrent_matrix` is the block :attr:`CANDIDATE`.

    Option ``recurrent_activation``: the gates' activation, a key of
    :data:`RECURRENT_ACTIVATIONS` ("sigmoid" when absent).
    """

    ARRAYS = {"W_in": 2, "W_rec": 2, "bias": 2, "W_out": 2, "b_out": 1}
    # The gates in the order of the kernels' blocks, and the index of the candidate block.
    GATES: ClassVar[tuple[str, ...]] = ()
    CANDIDATE: ClassVar[int] = 2

    @property
    def W_in(self) -> np.ndarray:  # noqa: N802 - Keras's kernel, named as in the paper
        return self.arrays["W_in"]

    @property
    def W_rec(self) -> np.ndarray:  # noqa: N802
        return self.arrays["W_rec"]

    @property
    def bias(self) -> np.ndarray:
        return self.arrays["bias"]

    @property
    def recurrent_activation(self) -> str:
        return str(self.options.get("recurrent_activation", "sigmoid"))

    def _gate(self, pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The gate activation and its derivative at the pre-activations ``pre``."""
        return RECURRENT_ACTIVATIONS[self.recurrent_activation](pre)

    def blocks(self) -> np.ndarray:
        """The recurrent kernel as (N, gates, N): ``blocks[:, g]`` is gate g's (N, N) block."""
        n = self.n_units
        return self.W_rec.reshape(n, len(self.GATES), n)

    def _check(self, n_units: int) -> None:
        width = len(self.GATES) * n_units
        self._shape("W_in", (None, width))
        self._shape("W_rec", (n_units, width))
        if self.recurrent_activation not in RECURRENT_ACTIVATIONS:
            raise ValueError(
                f"{self.architecture}: recurrent_activation {self.recurrent_activation!r} is "
                f"not one of {', '.join(RECURRENT_ACTIVATIONS)}"
            )

    def _through_blocks(self, coefficients: np.ndarray) -> np.ndarray:
        """sum_g diag(coefficients[:, g]) W_g^T, (k, N, N): the Jacobian of a quantity whose
        derivative by gate g's pre-activation is ``coefficients[:, g]`` (k, gates, N)."""
        return np.einsum("kgi,jgi->kij", coefficients, self.blocks())

    def _back_through_blocks(self, weighted: np.ndarray) -> np.ndarray:
        """The vector-Jacobian product matching :meth:`_through_blocks`, for coefficients
        already multiplied by the vector: (k, gates, N) -> (k, N), without any Jacobian."""
        return weighted.reshape(len(weighted), -1) @ self.W_rec.T

    # -- connectivity -----------------------------------------------------------------------
    def recurrent_matrix(self) -> np.ndarray:
        return self.blocks()[:, self.CANDIDATE]

    def connections(self) -> np.ndarray:
        """i -> j exists when any gate's block has a non-zero weight at [i, j]."""
        return np.any(self.blocks() != 0, axis=1)

    def connection_strength(self) -> np.ndarray:
        """The Euclidean norm of the gates' weights at [i, j], (N, N)."""
        return np.linalg.norm(self.blocks(), axis=1)

    def without_connections(self, remove: np.ndarray) -> GatedNetwork:
        """A copy with every gate's weight at [i, j] set to exactly 0 where ``remove`` is
        true; the biases and every other weight unchanged."""
        remove = np.asarray(remove, bool)
        blocks = np.where(remove[:, None, :], 0.0, self.blocks())
        return self.replace(W_rec=blocks.reshape(self.W_rec.shape))
