"""Keras ``LSTM`` (tanh, biases on, unit_forget_bias) plus a ``Dense`` readout.

Row vectors, Keras's gate order i (input), f (forget), c (cell candidate), o (output),
``sigma`` the gate activation, ``a = x W_in + h W_rec + bias`` split into the four
blocks ``a_i = a[:, :N]``, ``a_f = a[:, N:2N]``, ``a_c = a[:, 2N:3N]``, ``a_o = a[:, 3N:]``::

    c(t+1) = sigma(a_f) * c + sigma(a_i) * tanh(a_c)
    h(t+1) = sigma(a_o) * tanh(c(t+1))

The state is (h, c), concatenated; the readout, and so the analysed activity, is h.
"""

from __future__ import annotations

import numpy as np

from rnn_ensembles.models.gated import (
    GatedNetwork,
    gated_arrays,
    gated_model,
    gated_option_problems,
)


class LSTMNetwork(GatedNetwork):
    """The Keras LSTM layer's dynamics; state = (h, c), state_size = 2N, activity = h.

    Option ``recurrent_activation`` (see :mod:`rnn_ensembles.models.gated`).
    :meth:`recurrent_matrix` is the cell-candidate block ``W_rec[:, 2N:3N]``, the weights
    through which h drives the candidate cell input; as that is not the whole linearised
    dynamics, the analyses also report the spectrum of the state Jacobian
    (:meth:`jacobian`, over (h, c)) at the stable fixed points.
    """

    architecture = "lstm"
    ARRAYS = {**GatedNetwork.ARRAYS, "bias": 1}
    GATES = ("i", "f", "c", "o")
    RECURRENT_MATRIX = "W_rec[:, 2N:3N], the LSTM's cell-candidate block"

    @property
    def state_size(self) -> int:
        return 2 * self.n_units

    def activity(self, states: np.ndarray) -> np.ndarray:
        """The h part of states (..., 2N)."""
        return states[..., : self.n_units]

    def _check(self, n_units: int) -> None:
        super()._check(n_units)
        self._shape("bias", (4 * n_units,))

    def _forward(self, states, inputs):
        """The gates' values and derivatives, tanh of the new cell, and the next state."""
        n = self.n_units
        h, c = states[..., :n], states[..., n:]
        pre = np.asarray(inputs, dtype=np.float64) @ self.W_in + h @ self.W_rec + self.bias
        i, di = self._gate(pre[..., :n])
        f, df = self._gate(pre[..., n : 2 * n])
        g = np.tanh(pre[..., 2 * n : 3 * n])
        o, do = self._gate(pre[..., 3 * n :])
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        new = np.concatenate([o * tanh_c, c_new], axis=-1)
        # d c_new / d a_g for the four gates g: the output gate does not reach the cell.
        into_cell = np.stack([g * di, c * df, i * (1.0 - g * g), np.zeros_like(o)], axis=1)
        return into_cell, f, o, do, tanh_c, new

    def step(self, states, inputs):
        return self._forward(states, inputs)[-1]

    def jacobian(self, states, inputs):
        """Blocks [[dh'/dh, dh'/dc], [dc'/dh, dc'/dc]] with dc'/dc = diag(f), dh'/dc =
        diag(s f), s = o (1 - tanh(c')^2), and dh'/dh = s dc'/dh + diag(tanh(c') o') W_o^T."""
        into_cell, f, o, do, tanh_c, _ = self._forward(states, inputs)
        n = self.n_units
        through_cell = o * (1.0 - tanh_c**2)
        into_h = through_cell[:, None, :] * into_cell
        into_h[:, 3] = tanh_c * do
        jac = np.zeros((len(f), 2 * n, 2 * n))
        jac[:, :n, :n] = self._through_blocks(into_h)
        jac[:, n:, :n] = self._through_blocks(into_cell)
        diagonal = np.arange(n)
        jac[:, diagonal, n + diagonal] = through_cell * f
        jac[:, n + diagonal, n + diagonal] = f
        return jac

    def speed_gradient(self, states, inputs):
        """J^T e - e with e = step(s) - s, in O(N^2) per state (no Jacobian built)."""
        into_cell, f, o, do, tanh_c, new = self._forward(states, inputs)
        n = self.n_units
        e = new - states
        e_h, e_c = e[:, :n], e[:, n:]
        # The residual carried back to the new cell, directly and through h' = o tanh(c').
        by_cell = e_c + e_h * o * (1.0 - tanh_c**2)
        weighted = by_cell[:, None, :] * into_cell
        weighted[:, 3] = tanh_c * do * e_h
        jt_e = np.concatenate([self._back_through_blocks(weighted), by_cell * f], axis=-1)
        return jt_e - e


NETWORK = LSTMNetwork
OPTIONS = {
    "recurrent_initializer": "orthogonal",
    "input_initializer": "glorot_uniform",
    "recurrent_activation": "sigmoid",
    "forget_gate_bias": 3.0,
    "unroll": False,
}


def option_problems(options: dict) -> list[str]:
    """One readable line for each option of ``lstm`` that :func:`build` would refuse."""
    return gated_option_problems("lstm", options, "forget_gate_bias")


def build(
    n_units: int,
    n_inputs: int,
    n_outputs: int,
    recurrent_initializer: str = "orthogonal",
    input_initializer: str = "glorot_uniform",
    recurrent_activation: str = "sigmoid",
    forget_gate_bias: float = 3.0,
    unroll: bool = False,
    seed: int = 0,
):
    """LSTM(n_units, return_sequences=True) -> Dense(n_outputs), Keras defaults otherwise.

    Args:
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        recurrent_initializer: Keras initializer of W_rec. Default "orthogonal".
        input_initializer: Keras initializer of W_in. Default "glorot_uniform".
        recurrent_activation: the gates' activation, "sigmoid" (default) or "hard_sigmoid".
        forget_gate_bias: initial bias of the forget gate (Keras's unit_forget_bias starts
            it at 1). A larger one starts every cell as a memory that holds its state: from
            1 the 3-bit flip-flop reached 0.67 sign accuracy in 1,600 steps (N = 8, Adam
            1e-3, batch 64), from 3 it reached 0.98 in 290 steps (N = 16). Default 3.0.
        unroll: unroll the time loop (faster for short trials, more memory). Default False.
        seed: the network's seed (the initializers draw from Keras's global seed).

    Raises:
        ValueError: for a gate activation that Keras does not have.
    """
    return gated_model(
        "LSTM",
        n_units,
        n_inputs,
        n_outputs,
        (1, forget_gate_bias),
        recurrent_activation=recurrent_activation,
        kernel_initializer=input_initializer,
        recurrent_initializer=recurrent_initializer,
        unroll=unroll,
    )


def to_network(model, attrs: dict | None = None) -> LSTMNetwork:
    """The weights of a model built by :func:`build`, as an :class:`LSTMNetwork`."""
    arrays = gated_arrays(model)
    options = {
        "recurrent_activation": model.get_layer("recurrent").get_config()["recurrent_activation"]
    }
    return LSTMNetwork(arrays, options, dict(attrs or {}))
