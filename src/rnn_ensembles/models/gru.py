"""Keras ``GRU`` (tanh candidate, biases on) plus a ``Dense`` readout.

Row vectors, Keras's gate order z (update), r (reset), h (candidate), ``sigma`` the
gate activation; with ``reset_after=True`` (the Keras default)::

    z = sigma(x W_in_z + b_in_z + h W_rec_z + b_rec_z)
    r = sigma(x W_in_r + b_in_r + h W_rec_r + b_rec_r)
    c = tanh(x W_in_h + b_in_h + r * (h W_rec_h + b_rec_h))
    h(t+1) = z * h + (1 - z) * c

where ``W_rec_z = W_rec[:, :N]``, ``W_rec_r = W_rec[:, N:2N]``, ``W_rec_h = W_rec[:, 2N:]``
(the same for ``W_in``) and ``bias`` is (2, 3N), row 0 the input bias, row 1 the recurrent
bias.  With ``reset_after=False`` (as many Keras 2 files have it) ``bias`` is (3N,), added
to the input drive, and the reset gate acts before the matrix product:
``c = tanh(x W_in_h + b_h + (r * h) W_rec_h)``.
"""

from __future__ import annotations

import numpy as np

from rnn_ensembles.io import DataFileError, read_array
from rnn_ensembles.models.gated import (
    GatedNetwork,
    gated_arrays,
    gated_model,
    gated_option_problems,
)


class GRUNetwork(GatedNetwork):
    """The Keras GRU layer's dynamics; state = activity = h, state_size = N.

    Options: ``recurrent_activation`` (see :mod:`rnn_ensembles.models.gated`) and
    ``reset_after`` (True when absent).  :meth:`recurrent_matrix` is the candidate block
    ``W_rec[:, 2N:3N]``, the weights through which h drives the candidate state; as that
    is not the whole linearised dynamics, the analyses also report the spectrum of the
    state Jacobian (:meth:`jacobian`) at the stable fixed points.
    """

    architecture = "gru"
    GATES = ("z", "r", "h")
    RECURRENT_MATRIX = "W_rec[:, 2N:3N], the GRU's candidate block"

    def __init__(self, arrays: dict, options: dict | None = None, attrs: dict | None = None):
        # The rank of the bias depends on an option, so the ranks are the instance's own.
        self.ARRAYS = self.array_ranks(options or {})
        super().__init__(arrays, options, attrs)

    @classmethod
    def array_ranks(cls, options: dict) -> dict[str, int]:
        """Name -> rank of every array for these options: ``bias`` is (3N,) without
        ``reset_after``, (2, 3N) with it."""
        return {**GatedNetwork.ARRAYS, "bias": 2 if options.get("reset_after", True) else 1}

    @property
    def reset_after(self) -> bool:
        return bool(self.options.get("reset_after", True))

    def _check(self, n_units: int) -> None:
        super()._check(n_units)
        self._shape("bias", (2, 3 * n_units) if self.reset_after else (3 * n_units,))

    @classmethod
    def read(cls, handle, options: dict, attrs: dict) -> GRUNetwork:
        ranks = cls.array_ranks(options)
        arrays = {name: read_array(handle, name, ndim) for name, ndim in ranks.items()}
        try:
            return cls(arrays, options, attrs)
        except ValueError as err:
            raise DataFileError(f"{handle.filename}: {err}") from None

    def _forward(self, states, inputs):
        """The gates z, r, their derivatives, the candidate c, the candidate's recurrent
        input ``h W_rec_h + b_rec_h`` (reset_after only) and the next state."""
        n = self.n_units
        inputs = np.asarray(inputs, dtype=np.float64)
        if self.reset_after:
            drive = inputs @ self.W_in + self.bias[0]
            recurrent = states @ self.W_rec + self.bias[1]
        else:
            drive = inputs @ self.W_in + self.bias
            recurrent = states @ self.W_rec[:, : 2 * n]
        z, dz = self._gate(drive[..., :n] + recurrent[..., :n])
        r, dr = self._gate(drive[..., n : 2 * n] + recurrent[..., n : 2 * n])
        if self.reset_after:
            candidate_input = recurrent[..., 2 * n :]
            candidate = np.tanh(drive[..., 2 * n :] + r * candidate_input)
        else:
            candidate_input = None
            candidate = np.tanh(drive[..., 2 * n :] + (r * states) @ self.W_rec[:, 2 * n :])
        new = z * states + (1.0 - z) * candidate
        return z, dz, r, dr, candidate, candidate_input, new

    def step(self, states, inputs):
        return self._forward(states, inputs)[-1]

    def jacobian(self, states, inputs):
        """diag(z) + diag((h - c) z') W_z^T + diag((1 - z)(1 - c^2)) dc_pre/dh, where
        dc_pre/dh = diag(r' (h W_rec_h + b_rec_h)) W_r^T + diag(r) W_h^T with reset_after,
        W_h^T (diag(r) + diag(h r') W_r^T) without; W_g is gate g's block of W_rec."""
        z, dz, r, dr, candidate, candidate_input, _ = self._forward(states, inputs)
        via_candidate = (1.0 - z) * (1.0 - candidate**2)
        if self.reset_after:
            coefficients = np.stack(
                [
                    (states - candidate) * dz,
                    via_candidate * candidate_input * dr,
                    via_candidate * r,
                ],
                axis=1,
            )
            jac = self._through_blocks(coefficients)
        else:
            w_z, w_r, w_h = (block.T for block in np.moveaxis(self.blocks(), 1, 0))
            by_state = w_h[None] * r[:, None, :] + (w_h[None] * (states * dr)[:, None, :]) @ w_r
            through_z = ((states - candidate) * dz)[:, :, None] * w_z
            jac = through_z + via_candidate[:, :, None] * by_state
        diagonal = np.arange(self.n_units)
        jac[:, diagonal, diagonal] += z
        return jac

    def speed_gradient(self, states, inputs):
        """J^T e - e with e = step(h) - h, in O(N^2) per state (no Jacobian built)."""
        z, dz, r, dr, candidate, candidate_input, new = self._forward(states, inputs)
        e = new - states
        via_candidate = (1.0 - z) * (1.0 - candidate**2) * e
        if self.reset_after:
            weighted = np.stack(
                [
                    (states - candidate) * dz * e,
                    via_candidate * candidate_input * dr,
                    via_candidate * r,
                ],
                axis=1,
            )
            jt_e = self._back_through_blocks(weighted)
        else:
            n = self.n_units
            # The gradient by (r * h), the candidate's recurrent input before W_rec_h.
            by_reset_state = via_candidate @ self.W_rec[:, 2 * n :].T
            jt_e = (
                ((states - candidate) * dz * e) @ self.W_rec[:, :n].T
                + (by_reset_state * states * dr) @ self.W_rec[:, n : 2 * n].T
                + by_reset_state * r
            )
        return jt_e + z * e - e


NETWORK = GRUNetwork
OPTIONS = {
    "recurrent_initializer": "orthogonal",
    "input_initializer": "glorot_uniform",
    "recurrent_activation": "sigmoid",
    "reset_after": True,
    "update_gate_bias": 2.0,
    "unroll": False,
}


def option_problems(options: dict) -> list[str]:
    """One readable line for each option of ``gru`` that :func:`build` would refuse."""
    return gated_option_problems("gru", options, "update_gate_bias")


def build(
    n_units: int,
    n_inputs: int,
    n_outputs: int,
    recurrent_initializer: str = "orthogonal",
    input_initializer: str = "glorot_uniform",
    recurrent_activation: str = "sigmoid",
    reset_after: bool = True,
    update_gate_bias: float = 2.0,
    unroll: bool = False,
    seed: int = 0,
):
    """GRU(n_units, return_sequences=True) -> Dense(n_outputs), Keras defaults otherwise.

    Args:
        n_units: number of recurrent units N.
        n_inputs: input channels.
        n_outputs: output channels.
        recurrent_initializer: Keras initializer of W_rec. Default "orthogonal".
        input_initializer: Keras initializer of W_in. Default "glorot_uniform".
        recurrent_activation: the gates' activation, "sigmoid" (default) or "hard_sigmoid".
        reset_after: apply the reset gate after the recurrent matrix product. Default True.
        update_gate_bias: initial input bias of the update gate z (Keras starts it at 0).
            With h <- z h + (1 - z) h~, a positive bias starts every unit as a memory that
            holds its state, as the identity start of the simple RNN does: from Keras's 0
            the 3-bit flip-flop stayed at chance (N = 8 for 1,600 steps, N = 16 for 290; Adam
            1e-3, batch 64), from 2 it reached 0.96 sign accuracy in 290 steps (N = 16).
            Default 2.0.
        unroll: unroll the time loop (faster for short trials, more memory). Default False.
        seed: the network's seed (the initializers draw from Keras's global seed).

    Raises:
        ValueError: for a gate activation that Keras does not have.
    """
    return gated_model(
        "GRU",
        n_units,
        n_inputs,
        n_outputs,
        (0, update_gate_bias),
        recurrent_activation=recurrent_activation,
        reset_after=reset_after,
        kernel_initializer=input_initializer,
        recurrent_initializer=recurrent_initializer,
        unroll=unroll,
    )


def to_network(model, attrs: dict | None = None) -> GRUNetwork:
    """The weights of a model built by :func:`build`, as a :class:`GRUNetwork`."""
    config = model.get_layer("recurrent").get_config()
    arrays = gated_arrays(model)
    options = {
        "recurrent_activation": config["recurrent_activation"],
        "reset_after": bool(config["reset_after"]),
    }
    return GRUNetwork(arrays, options, dict(attrs or {}))
