"""A trained recurrent network as plain arrays: the framework-agnostic core of the analyses.

The weights follow the Keras convention, row vectors multiplied on the right::

    h(t+1) = tanh(x(t) @ W_in + h(t) @ W_rec)        (paper Eq. 7)
    z(t)   = h(t) @ W_out + b_out

so the paper's W^Rec (acting on column vectors) is ``W_rec.T``; both have the same
eigenvalues.  The weights file (format version 1) holds the arrays ``W_in``,
``W_rec``, ``W_out``, ``b_out`` and the training record as attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import h5py
import numpy as np

from rnn_ensembles.io import (
    DataFileError,
    atomic_path,
    attribute_value,
    check_format,
    open_h5,
    read_array,
)

FORMAT_VERSION = 1
WEIGHT_NAMES = ("W_in", "W_rec", "W_out", "b_out")


@dataclass
class Network:
    """Weights of a vanilla tanh RNN with a linear readout, and what is known of its training."""

    W_in: np.ndarray
    W_rec: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        n = self.W_rec.shape[0]
        if self.W_rec.shape != (n, n):
            raise ValueError(f"W_rec must be square, got {self.W_rec.shape}")
        if self.W_in.ndim != 2 or self.W_in.shape[1] != n:
            raise ValueError(f"W_in must be (inputs, {n}), got {self.W_in.shape}")
        if self.W_out.ndim != 2 or self.W_out.shape[0] != n:
            raise ValueError(f"W_out must be ({n}, outputs), got {self.W_out.shape}")
        if self.b_out.shape != (self.W_out.shape[1],):
            raise ValueError(f"b_out must be ({self.W_out.shape[1]},), got {self.b_out.shape}")

    @property
    def n_units(self) -> int:
        return self.W_rec.shape[0]

    def run(self, inputs: np.ndarray, h0: np.ndarray | None = None):
        """Activity (trials, time, units) and outputs (trials, time, outputs) for ``inputs``.

        Computed in float64 with numpy, step by step as Eq. 7, from ``h0`` (zeros by default).
        """
        inputs = np.asarray(inputs, dtype=np.float64)
        # Time-major, so that every step reads and writes one contiguous block.
        drive = np.moveaxis(inputs, 1, 0) @ self.W_in.astype(np.float64)
        w_rec = self.W_rec.astype(np.float64)
        h = np.zeros((inputs.shape[0], self.n_units)) if h0 is None else np.asarray(h0, float)
        activity = np.empty(drive.shape)
        for t in range(drive.shape[0]):
            h = np.tanh(drive[t] + h @ w_rec)
            activity[t] = h
        activity = np.moveaxis(activity, 0, 1)
        outputs = activity @ self.W_out.astype(np.float64) + self.b_out
        return activity, outputs

    def save(self, path) -> None:
        """Write the weights file atomically."""
        with atomic_path(path) as tmp, h5py.File(tmp, "w") as handle:
            handle.attrs["content"] = "network"
            handle.attrs["format_version"] = FORMAT_VERSION
            for name in WEIGHT_NAMES:
                handle.create_dataset(name, data=getattr(self, name))
            for key, value in self.attrs.items():
                handle.attrs[key] = attribute_value(value)

    @classmethod
    def load(cls, path) -> Network:
        """Read a weights file written by :meth:`save`, checking every array."""
        with open_h5(path, "network") as handle:
            check_format(handle, "network", FORMAT_VERSION)
            w_rec = read_array(handle, "W_rec", 2)
            n = w_rec.shape[0]
            if w_rec.shape != (n, n):
                raise DataFileError(f"{path}: W_rec has shape {w_rec.shape}, expected square")
            w_in = read_array(handle, "W_in", 2, (None, n))
            w_out = read_array(handle, "W_out", 2, (n, None))
            b_out = read_array(handle, "b_out", 1, (w_out.shape[1],))
            attrs = {
                k: (v.item() if isinstance(v, np.generic) else v) for k, v in handle.attrs.items()
            }
        for key in ("content", "format_version"):
            attrs.pop(key, None)
        return cls(w_in, w_rec, w_out, b_out, attrs)
