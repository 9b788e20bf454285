"""The network interface: what every analysis needs of a trained network, in numpy.

Each architecture (``rnn_ensembles.models.<name>``) provides a subclass of
:class:`RecurrentNetwork` and the Keras side (``build``, ``to_network``).  The analyses
see only this interface, never the weights of a particular architecture: fixed points
minimise ``|step(s, x) - s|^2`` and classify them by the eigenvalues of ``jacobian``
(as fixed-point-finder takes the RNN cell, not its weights), spectra and connectivity
come from ``recurrent_matrix``, pruning goes through ``without_connections``.

Conventions (Keras's): states and inputs are row vectors, batched along the first axis,
``state(t+1) = step(state(t), x(t))``; ``jacobian`` is d step / d state in column
convention, ``J[k, i, j] = d next_i / d state_j`` of batch element ``k``, so its
eigenvalues are those of the linearised map.  The analysed *activity* is the part of the
state that the readout sees (the whole state, but for the LSTM, whose state is (h, c)).

The weights file (HDF5, ``content="network"``, format version 2) holds the architecture
(attribute ``architecture``), every option needed to rebuild it (attribute ``options``,
JSON), one dataset per array of the architecture and the training record as attributes.
Files of format version 1 (before architectures) hold Eq. 7 and load as ``simple_rnn``.
"""

from __future__ import annotations

import json
from typing import ClassVar

import h5py
import numpy as np

from rnn_ensembles.io import DataFileError, atomic_path, attribute_value, open_h5, read_array

FORMAT_VERSION = 2
# Format 1 held W_in, W_rec, W_out, b_out of Eq. 7 and nothing else.
LEGACY_FORMAT_VERSION = 1
RESERVED_ATTRS = ("content", "format_version", "architecture", "options")


class RecurrentNetwork:
    """A trained recurrent network with a linear readout, as numpy arrays.

    Subclasses set :attr:`architecture`, :attr:`ARRAYS` (name -> rank of every saved
    array, ``W_out`` and ``b_out`` among them), :attr:`OPTIONAL_ARRAYS`, and implement
    :meth:`step`, :meth:`jacobian`, :meth:`recurrent_matrix` and :meth:`_check`.

    Args:
        arrays: the weights, by the names of :attr:`ARRAYS` (float64 copies are kept).
        options: the architecture's options (JSON-able), enough to rebuild it.
        attrs: what is known of the network's training (JSON-able values).
    """

    architecture: ClassVar[str] = ""
    ARRAYS: ClassVar[dict[str, int]] = {}
    OPTIONAL_ARRAYS: ClassVar[dict[str, int]] = {}
    # Which matrix recurrent_matrix returns, for figure captions and the README.
    RECURRENT_MATRIX: ClassVar[str] = "W_rec"

    def __init__(self, arrays: dict, options: dict | None = None, attrs: dict | None = None):
        known = {**self.ARRAYS, **self.OPTIONAL_ARRAYS}
        unknown = set(arrays) - set(known)
        missing = set(self.ARRAYS) - set(arrays)
        if unknown or missing:
            raise ValueError(
                f"{self.architecture}: arrays {sorted(arrays)} do not fit: missing "
                f"{sorted(missing)}, unknown {sorted(unknown)}"
            )
        self.arrays = {name: np.array(value, dtype=np.float64) for name, value in arrays.items()}
        for name, value in self.arrays.items():
            if value.ndim != known[name]:
                raise ValueError(f"{name} must have {known[name]} dimensions, got {value.shape}")
        self.options = dict(options or {})
        self.attrs = dict(attrs or {})
        n_units, n_outputs = self.W_out.shape
        if self.b_out.shape != (n_outputs,):
            raise ValueError(f"b_out must be ({n_outputs},), got {self.b_out.shape}")
        self._check(n_units)

    # -- what every architecture has --------------------------------------------------------
    @property
    def W_out(self) -> np.ndarray:  # noqa: N802 - the paper's name
        return self.arrays["W_out"]

    @property
    def b_out(self) -> np.ndarray:
        return self.arrays["b_out"]

    @property
    def n_units(self) -> int:
        return self.W_out.shape[0]

    @property
    def n_outputs(self) -> int:
        return self.W_out.shape[1]

    @property
    def n_inputs(self) -> int:
        return self.arrays["W_in"].shape[0]

    @property
    def state_size(self) -> int:
        """Length of the state vector (N; 2N for the LSTM's (h, c))."""
        return self.n_units

    @property
    def finite(self) -> bool:
        """Whether every weight is finite (a diverged or failed training leaves NaN)."""
        return all(np.all(np.isfinite(a)) for a in self.arrays.values())

    def check_fits(self, task, source) -> None:
        """Refuse, naming ``source``, a network whose input or output width is not the task's."""
        found, wanted = (self.n_inputs, self.n_outputs), (task.n_inputs, task.n_outputs)
        if found != wanted:
            raise DataFileError(
                f"{source}: the network has {found[0]} inputs and {found[1]} outputs, the "
                f"task needs {wanted[0]} and {wanted[1]}"
            )

    def initial_state(self, n: int) -> np.ndarray:
        """The state every trial starts from: zeros, (n, state_size)."""
        return np.zeros((n, self.state_size))

    def activity(self, states: np.ndarray) -> np.ndarray:
        """The analysed activity (..., N) of states (..., state_size): what the readout reads."""
        return states

    def readout(self, activity: np.ndarray) -> np.ndarray:
        """Outputs of the linear readout, z = h W_out + b_out."""
        return activity @ self.W_out + self.b_out

    # -- the dynamics, implemented by each architecture ------------------------------------
    def step(self, states: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The next states (k, state_size) from states (k, state_size) and inputs (k, I) or (I,)."""
        raise NotImplementedError

    def jacobian(self, states: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """d step / d state at each state, (k, state_size, state_size), column convention."""
        raise NotImplementedError

    def speed_gradient(self, states: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """Gradient of q(s) = 1/2 |step(s, x) - s|^2 at each state: (J - I)^T (step - s).

        Subclasses may give a cheaper form; this one builds every Jacobian.
        """
        residual = self.step(states, inputs) - states
        return np.einsum("kij,ki->kj", self.jacobian(states, inputs), residual) - residual

    def states(self, inputs: np.ndarray, state0: np.ndarray | None = None) -> np.ndarray:
        """Every state (trials, time, state_size) of a run on inputs (trials, time, I)."""
        inputs = np.asarray(inputs, dtype=np.float64)
        state = self.initial_state(len(inputs)) if state0 is None else np.asarray(state0, float)
        out = np.empty((inputs.shape[1], len(inputs), self.state_size))
        for t in range(inputs.shape[1]):
            state = self.step(state, inputs[:, t])
            out[t] = state
        return np.moveaxis(out, 0, 1)

    def run(self, inputs: np.ndarray, state0: np.ndarray | None = None):
        """Activity (trials, time, N) and outputs (trials, time, outputs) for ``inputs``,
        in float64, from ``state0`` (the initial state by default)."""
        activity = self.activity(self.states(inputs, state0))
        return activity, self.readout(activity)

    # -- connectivity -----------------------------------------------------------------------
    def recurrent_matrix(self) -> np.ndarray:
        """The (N, N) recurrent matrix whose spectrum and connectivity the analyses show,
        row convention (row i: the outgoing weights of unit i); see :attr:`RECURRENT_MATRIX`."""
        raise NotImplementedError

    def connections(self) -> np.ndarray:
        """Which recurrent connections exist, (N, N) bool, row convention (i -> j at [i, j])."""
        return self.recurrent_matrix() != 0

    def connection_strength(self) -> np.ndarray:
        """|weight| of each recurrent connection, (N, N): the order of magnitude pruning."""
        return np.abs(self.recurrent_matrix())

    def without_connections(self, remove: np.ndarray) -> RecurrentNetwork:
        """A copy with the recurrent connections where ``remove`` (N, N bool) is true cut:
        their weights set to exactly 0, every other weight and sign unchanged."""
        raise NotImplementedError

    def replace(self, **arrays) -> RecurrentNetwork:
        """A copy with some arrays replaced."""
        return type(self)({**self.arrays, **arrays}, self.options, self.attrs)

    def _check(self, n_units: int) -> None:
        """Raise ValueError when the arrays do not fit together."""

    def _shape(self, name: str, shape: tuple) -> None:
        got = self.arrays[name].shape
        if any(w is not None and w != g for w, g in zip(shape, got, strict=True)) or len(
            shape
        ) != len(got):
            want = tuple("any" if s is None else s for s in shape)
            raise ValueError(f"{self.architecture}: {name} must be {want}, got {got}")

    # -- the weights file -------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the weights file atomically."""
        with atomic_path(path) as tmp, h5py.File(tmp, "w") as handle:
            handle.attrs["content"] = "network"
            handle.attrs["format_version"] = FORMAT_VERSION
            handle.attrs["architecture"] = self.architecture
            handle.attrs["options"] = json.dumps(self.options, sort_keys=True)
            for name, value in self.arrays.items():
                handle.create_dataset(name, data=value)
            for key, value in self.attrs.items():
                if key not in RESERVED_ATTRS:
                    handle.attrs[key] = attribute_value(value)

    @classmethod
    def read(cls, handle: h5py.File, options: dict, attrs: dict) -> RecurrentNetwork:
        """The network of an open weights file of this architecture, every array checked."""
        arrays = {name: read_array(handle, name, ndim) for name, ndim in cls.ARRAYS.items()}
        for name, ndim in cls.OPTIONAL_ARRAYS.items():
            if name in handle:
                arrays[name] = read_array(handle, name, ndim)
        try:
            return cls(arrays, options, attrs)
        except ValueError as err:
            raise DataFileError(f"{handle.filename}: {err}") from None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} N={self.n_units} options={self.options}>"


def load_network(path) -> RecurrentNetwork:
    """Read a weights file of any architecture (and of format 1, as ``simple_rnn``)."""
    from rnn_ensembles.models import network_class

    with open_h5(path, "network") as handle:
        content, version = (
            v.item() if isinstance(v, np.generic) else v
            for v in (handle.attrs.get("content"), handle.attrs.get("format_version"))
        )
        if content != "network":
            raise DataFileError(f"{path}: expected a network file, found content={content!r}")
        if version not in (FORMAT_VERSION, LEGACY_FORMAT_VERSION):
            raise DataFileError(
                f"{path}: network format version {version!r} is not supported (this version "
                f"reads formats {LEGACY_FORMAT_VERSION} and {FORMAT_VERSION})"
            )
        attrs = {
            k: (v.item() if isinstance(v, np.generic) else v)
            for k, v in handle.attrs.items()
            if k not in RESERVED_ATTRS
        }
        if version == LEGACY_FORMAT_VERSION:
            name, options = "simple_rnn", {}
        else:
            name = str(handle.attrs.get("architecture", ""))
            try:
                options = json.loads(handle.attrs.get("options", "{}"))
            except json.JSONDecodeError as err:
                raise DataFileError(f"{path}: unreadable options attribute ({err})") from None
        try:
            cls = network_class(name)
        except ValueError as err:
            raise DataFileError(f"{path}: {err}") from None
        return cls.read(handle, options, attrs)
