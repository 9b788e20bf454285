"""The rate network of the paper's Eq. 6 in numpy, of which Eq. 7 is the case alpha = 1.

Row vectors, Keras convention::

    h(t+1) = (1 - alpha) h(t) + alpha tanh(x(t) W_in + h(t) W_rec),   alpha = dt / tau
    z(t)   = h(t) W_out + b_out

so the paper's W^Rec (acting on column vectors) is ``W_rec.T``; both have the same
eigenvalues.  ``W_in`` and ``W_rec`` are the *effective* matrices, after the sparsity mask
and the sign constraint of Dale's law (``W_rec = diag(signs) |W| * mask``, Song, Yang &
Wang 2016), so the weights file holds exactly what acts on the state; the optional arrays
``mask`` (N, N; 1 where a connection exists) and ``signs`` (N; +1 excitatory, -1
inhibitory) record the constraints, and :meth:`RateNetwork.constraint_violations` checks
the matrix against them.
"""

from __future__ import annotations

import numpy as np

from rnn_ensembles.models.base import RecurrentNetwork


class RateNetwork(RecurrentNetwork):
    """Eq. 6 with alpha from ``options["alpha"]`` (1 when absent: Eq. 7)."""

    ARRAYS = {"W_in": 2, "W_rec": 2, "W_out": 2, "b_out": 1}
    OPTIONAL_ARRAYS = {"mask": 2, "signs": 1}
    RECURRENT_MATRIX = "W_rec, the effective recurrent matrix (after mask and signs)"

    @property
    def W_in(self) -> np.ndarray:  # noqa: N802 - the paper's name
        return self.arrays["W_in"]

    @property
    def W_rec(self) -> np.ndarray:  # noqa: N802
        return self.arrays["W_rec"]

    @property
    def alpha(self) -> float:
        return float(self.options.get("alpha", 1.0))

    def _check(self, n_units: int) -> None:
        self._shape("W_rec", (n_units, n_units))
        self._shape("W_in", (None, n_units))
        if "mask" in self.arrays:
            self._shape("mask", (n_units, n_units))
        if "signs" in self.arrays:
            self._shape("signs", (n_units,))
        if not 0 < self.alpha <= 1:
            raise ValueError(f"alpha = {self.alpha}: must be in (0, 1]")

    def step(self, states, inputs):
        drive = np.asarray(inputs, dtype=np.float64) @ self.W_in
        return self._update(states, drive)

    def _update(self, states, drive):
        new = np.tanh(drive + states @ self.W_rec)
        if self.alpha == 1.0:  # Eq. 7 exactly, without the blend's rounding
            return new
        return (1.0 - self.alpha) * states + self.alpha * new

    def jacobian(self, states, inputs):
        """(1 - alpha) I + alpha diag(1 - tanh(u)^2) W_rec^T, u = x W_in + h W_rec."""
        u = np.asarray(inputs, dtype=np.float64) @ self.W_in + states @ self.W_rec
        slope = 1.0 - np.tanh(u) ** 2
        jac = self.alpha * slope[:, :, None] * self.W_rec.T[None]
        if self.alpha != 1.0:
            jac += (1.0 - self.alpha) * np.eye(self.n_units)
        return jac

    def speed_gradient(self, states, inputs):
        """J^T r - r with r = step(h) - h, in O(N^2) per state (no Jacobian built)."""
        u = np.asarray(inputs, dtype=np.float64) @ self.W_in + states @ self.W_rec
        f = np.tanh(u)
        new = f if self.alpha == 1.0 else (1.0 - self.alpha) * states + self.alpha * f
        r = new - states
        jt_r = self.alpha * ((r * (1.0 - f * f)) @ self.W_rec.T)
        if self.alpha != 1.0:
            jt_r += (1.0 - self.alpha) * r
        return jt_r - r

    def states(self, inputs, state0=None):
        inputs = np.asarray(inputs, dtype=np.float64)
        # Time-major, so that every step reads and writes one contiguous block.
        drive = np.moveaxis(inputs, 1, 0) @ self.W_in
        h = self.initial_state(len(inputs)) if state0 is None else np.asarray(state0, float)
        out = np.empty(drive.shape)
        for t in range(drive.shape[0]):
            h = self._update(h, drive[t])
            out[t] = h
        return np.moveaxis(out, 0, 1)

    def recurrent_matrix(self) -> np.ndarray:
        return self.W_rec

    def without_connections(self, remove: np.ndarray) -> RateNetwork:
        remove = np.asarray(remove, bool)
        w_rec = self.W_rec.copy()
        w_rec[remove] = 0.0
        arrays = {"W_rec": w_rec}
        if "mask" in self.arrays:
            mask = self.arrays["mask"].copy()
            mask[remove] = 0.0
            arrays["mask"] = mask
        return self.replace(**arrays)

    def constraint_violations(self) -> list[str]:
        """Where the effective matrices break the recorded mask, signs or autapse rule."""
        out = []
        if "mask" in self.arrays:
            off = (self.arrays["mask"] == 0) & (self.W_rec != 0)
            if off.any():
                out.append(f"{int(off.sum())} masked recurrent weights are not 0")
        if "signs" in self.arrays:
            signs = self.arrays["signs"][:, None]
            wrong = self.W_rec * signs < 0  # row i: the outgoing weights of unit i
            if wrong.any():
                out.append(f"{int(wrong.sum())} recurrent weights have the wrong sign")
            if self.options.get("dale_inputs") == "nonnegative" and np.any(self.W_in < 0):
                out.append(f"{int(np.sum(self.W_in < 0))} input weights are negative")
        if self.options.get("autapses") is False and np.any(np.diag(self.W_rec) != 0):
            out.append("the diagonal (autapses) is not 0")
        return out
