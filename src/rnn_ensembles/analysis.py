"""Per-network analyses (paper Sec. 5): error, spectrum of the recurrent matrix, SVD of the
activity.

Everything here works on the network interface
(:class:`~rnn_ensembles.models.base.RecurrentNetwork`) with numpy alone,
without TensorFlow: the analysis job of every network then starts in well under a second
(scikit-learn and scipy.spatial took 1-2 s to import, more than all the analysis itself).
tests/test_analysis.py checks the SVD against scikit-learn's ``TruncatedSVD`` and the
Procrustes disparity against ``scipy.spatial.procrustes``.
"""

from __future__ import annotations

import itertools

import h5py
import numpy as np

from rnn_ensembles import metrics
from rnn_ensembles.io import (
    DataFileError,
    atomic_path,
    check_format,
    open_h5,
    read_array,
    write_json,
)

FORMAT_VERSION = 2
N_PROBE_SHOWN = 4  # probe trials kept for the figures
N_COMPONENTS = 3
STEPS_PER_SECOND = 1000  # one step stands for 1 ms (paper Sec. 3)
# Weights are float32: an orthogonal W_rec stored so has |λ| off 1 by up to ~1e-7.
UNIT_CIRCLE_TOLERANCE = 1e-6


SPECTRUM_STATISTICS = (
    "spectral_radius",
    "n_outside_unit_circle",
    "dominant_real",
    "dominant_imag",
    "dominant_frequency_hz",
)


def spectrum(w_rec: np.ndarray) -> dict:
    """Eigenvalues of a recurrent matrix and their summary statistics (all NaN for a
    non-finite matrix)."""
    w_rec = np.asarray(w_rec, dtype=np.float64)
    if not np.all(np.isfinite(w_rec)):
        # A diverged or failed network: LAPACK refuses NaN and inf.
        return {
            "eigenvalues": np.full(w_rec.shape[0], np.nan, dtype=complex),
            **dict.fromkeys(SPECTRUM_STATISTICS, float("nan")),
        }
    eigenvalues = np.linalg.eigvals(w_rec)
    dominant = eigenvalues[np.argmax(eigenvalues.real)]
    return {
        "eigenvalues": eigenvalues,
        "spectral_radius": float(np.max(np.abs(eigenvalues))),
        # The tolerance keeps an orthogonal matrix (all |λ| = 1 up to rounding) at zero.
        "n_outside_unit_circle": int(np.sum(np.abs(eigenvalues) > 1.0 + UNIT_CIRCLE_TOLERANCE)),
        "dominant_real": float(dominant.real),
        "dominant_imag": float(dominant.imag),
        # A complex pair rotates the state by its angle each step; with 1 ms steps:
        "dominant_frequency_hz": float(abs(np.angle(dominant)) / (2 * np.pi) * STEPS_PER_SECOND),
    }


def state_labels(targets: np.ndarray) -> np.ndarray:
    """Memory-state label per step of a (time, bits) target: bit k set when channel k is +1;
    -1 where some channel has no state yet (target 0)."""
    bits = (targets > 0).astype(int) @ (1 << np.arange(targets.shape[-1]))
    return np.where(np.all(targets != 0, axis=-1), bits, -1)


def settled_steps(labels: np.ndarray, window: int, quiet: np.ndarray | None = None) -> np.ndarray:
    """Mask of the last ``window`` steps of every run of a constant, defined label:
    the steps where the network should sit at that memory state.

    With ``quiet`` (per step: no input), each run is cut at its first step with input: the
    target switches only ``delay`` steps after the next pulse ends, so the end of a run
    would otherwise catch the network already moving to the next state."""
    mask = np.zeros(labels.shape, bool)
    change = np.flatnonzero(np.diff(labels)) + 1
    for start, stop in itertools.pairwise([0, *change, len(labels)]):
        if quiet is not None:
            busy = np.flatnonzero(~quiet[start:stop])
            stop = start + busy[0] if len(busy) else stop
        if labels[start] >= 0:
            mask[max(start, stop - window) : stop] = True
    return mask


def hypercube(n_bits: int) -> np.ndarray:
    """Vertices (2**n_bits, n_bits) of the ±1 hypercube, row i the state with label i."""
    labels = np.arange(2**n_bits)[:, None]
    return np.where((labels >> np.arange(n_bits)) & 1, 1.0, -1.0)


def memory_state_geometry(
    activity: np.ndarray, targets: np.ndarray, window: int = 10, inputs: np.ndarray | None = None
) -> dict:
    """SVD of the activity (time, units) and the position of each memory state in that space.

    A truncated SVD (not centred, as the paper; the same components, signs and explained
    variance ratios as scikit-learn's ``TruncatedSVD``) of the eight-states trial; each
    memory state's position is the mean projection over its settled steps.
    """
    n_bits = targets.shape[-1]
    if not np.all(np.isfinite(activity)):
        # A diverged or failed network: every position is NaN.
        projection = np.full((activity.shape[0], N_COMPONENTS), np.nan)
        components = np.full((N_COMPONENTS, activity.shape[1]), np.nan)
        explained = np.full(N_COMPONENTS, np.nan)
    else:
        components = truncated_svd(activity, N_COMPONENTS)
        projection = activity @ components.T
        explained = np.var(projection, axis=0) / np.var(activity, axis=0).sum()
    projection = _pad(projection, N_COMPONENTS)
    labels = state_labels(targets)
    quiet = None if inputs is None else np.all(inputs == 0, axis=-1)
    settled = settled_steps(labels, window, quiet)
    positions = np.full((2**n_bits, N_COMPONENTS), np.nan)
    full_positions = np.full((2**n_bits, activity.shape[1]), np.nan)
    for label in range(2**n_bits):
        steps = settled & (labels == label)
        if steps.any():
            positions[label] = projection[steps].mean(axis=0)
            full_positions[label] = activity[steps].mean(axis=0)
    return {
        "projection": projection,
        "components": _pad(components.T, N_COMPONENTS).T,
        "explained_variance_ratio": _pad(np.asarray(explained)[None], N_COMPONENTS)[0],
        "state_positions": positions,
        "state_activity": full_positions,
        "labels": labels,
    }


def truncated_svd(activity: np.ndarray, n_components: int) -> np.ndarray:
    """The first ``n_components`` right singular vectors of ``activity``, (components, units),
    each signed so that its entry of largest magnitude is positive (scikit-learn's
    ``svd_flip`` convention: the same figures from run to run)."""
    _, _, vt = np.linalg.svd(activity, full_matrices=False)
    vt = vt[:n_components]
    largest = np.abs(vt).argmax(axis=1)
    return vt * np.sign(vt[np.arange(len(vt)), largest])[:, None]


def _pad(array: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros((array.shape[0], width))
    out[:, : min(width, array.shape[1])] = array[:, :width]
    return out


def configuration_disparity(a: np.ndarray, b: np.ndarray) -> float:
    """Procrustes disparity between two point configurations, after translation, scaling and
    the best rotation/reflection: 0 for the same shape, at most 1 (``scipy.spatial.procrustes``).

    Configurations of different dimension are compared in the larger one (zero-padded).
    """
    width = max(a.shape[1], b.shape[1])
    a, b = _pad(a, width), _pad(b, width)
    if np.isnan(a).any() or np.isnan(b).any() or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    # Both of unit norm: the best rotation leaves 1 - (sum of singular values of a^T b)^2.
    return float(max(0.0, 1.0 - np.linalg.svd(a.T @ b, compute_uv=False).sum() ** 2))


def probe_geometry(activity: np.ndarray, names: np.ndarray, window: int = 10) -> dict:
    """SVD of the probe trials' activity (trials, time, units) and the condition averages in
    that space: the mean trajectory of the trials of each name, and its end state (the mean of
    its last ``window`` steps, where the task's answer is held)."""
    names = np.asarray(names).astype(str)
    labels = list(dict.fromkeys(names))
    n_trials, steps, n_units = activity.shape
    averaged = np.stack([activity[names == name].mean(axis=0) for name in labels])
    if not np.all(np.isfinite(activity)):
        components = np.full((N_COMPONENTS, n_units), np.nan)
        explained = np.full(N_COMPONENTS, np.nan)
    else:
        flat = activity.reshape(-1, n_units)
        components = _pad(truncated_svd(flat, N_COMPONENTS).T, N_COMPONENTS).T
        explained = np.var(flat @ components.T, axis=0) / np.var(flat, axis=0).sum()
    projection = averaged @ components.T
    state_activity = averaged[:, -window:].mean(axis=1)
    return {
        "projection": projection,
        "components": components,
        "explained_variance_ratio": np.asarray(explained),
        "state_positions": state_activity @ components.T,
        "state_activity": state_activity,
        "state_names": np.array(labels),
    }


def analyse(
    network, dataset, success_accuracy: float, status: str = "converged", status_reason: str = ""
) -> tuple:
    """All per-network measures: a flat metrics dict and a dict of arrays.

    ``accuracy`` is the task's primary accuracy on the test split (``score``'s other metrics
    follow it); ``success`` needs both a finished training (neither ``diverged`` nor
    ``failed``) and an ``accuracy`` of at least ``success_accuracy``. The states compared
    across realisations are the flip-flop's memory states, and for the other tasks the end
    state of each condition of the probe trials.
    """
    from rnn_ensembles.tasks.flipflop import FlipFlopTask

    task = dataset.task()
    test = dataset.trials("test")
    _, outputs = network.run(test.inputs)
    # Steps outside the task's mask are free: they do not count in the error either.
    errors = metrics.euclidean_error(outputs, test.targets, test.mask)
    scores = task.score(outputs, test.targets, test.mask, test.conditions)
    accuracy = scores.pop("accuracy")

    probe = dataset.trials("probe")
    probe_activity, probe_outputs = network.run(probe.inputs)
    probe_accuracy = task.score(probe_outputs, probe.targets, probe.mask, probe.conditions)
    spec = spectrum(network.recurrent_matrix())
    flipflop = isinstance(task, FlipFlopTask)
    labels = np.array(["memory states"]) if flipflop else task.probe_labels(probe.conditions)
    if flipflop:
        geometry = memory_state_geometry(
            probe_activity[0], probe.targets[0], inputs=probe.inputs[0]
        )
        n_bits = task.n_bits
        geometry["state_names"] = np.array([state_name(i, n_bits) for i in range(2**n_bits)])
        visited = ~np.isnan(geometry["state_positions"][:, 0])
        task_measures = {
            "memory_states_visited": int(visited.sum()),
            # How far the memory states (in the full activity space) are from a hypercube.
            "cube_disparity": configuration_disparity(
                geometry["state_activity"], hypercube(n_bits)
            ),
        }
    else:
        geometry = probe_geometry(probe_activity, labels)
        task_measures = {}

    finite = bool(np.all(np.isfinite(outputs)))
    trained = status not in ("diverged", "failed")
    success = bool(trained and finite and accuracy >= success_accuracy)
    why = f"training {status}: {status_reason}" if status_reason else f"training {status}"
    if not trained:
        reason = why
    elif not finite:
        reason = "non-finite outputs"
    else:
        comparison = ">=" if success else "<"
        reason = f"test accuracy {accuracy:.4f} {comparison} {success_accuracy}"
    if trained and not success and status_reason:
        reason += f" ({why})"  # e.g. the epoch budget ran out first
    row = {
        "n_units": network.n_units,
        "euclidean_error_mean": float(np.mean(errors)),
        "euclidean_error_sd": float(np.std(errors)),
        "mse": metrics.mean_squared_error(outputs, test.targets, test.mask),
        "accuracy": accuracy,
        **scores,
        "probe_accuracy": probe_accuracy["accuracy"],
        **{k: v for k, v in spec.items() if k != "eigenvalues"},
        "svd_explained_variance": float(np.sum(geometry["explained_variance_ratio"])),
        **task_measures,
        "success": success,
        "success_reason": reason,
    }
    shown = probe_examples(labels)
    arrays = {
        "eigenvalues": spec["eigenvalues"],
        "test_euclidean_error": errors,
        "example_inputs": test.inputs[:4],
        "example_targets": test.targets[:4],
        "example_outputs": outputs[:4],
        "probe_inputs": probe.inputs[shown],
        "probe_targets": probe.targets[shown],
        "probe_outputs": probe_outputs[shown],
        "probe_names": labels[shown].astype(object),
        # Every probe trial, one after the other: the activity the realisations are compared on.
        "probe_activity": probe_activity.reshape(-1, probe_activity.shape[-1]),
        "svd_projection": geometry["projection"],
        "svd_components": geometry["components"],
        "svd_explained_variance_ratio": geometry["explained_variance_ratio"],
        "state_positions": geometry["state_positions"],
        "state_activity": geometry["state_activity"],
        "state_names": geometry["state_names"].astype(object),
        "state_cube": np.bool_(flipflop),
        "dt_ms": np.float64(task.dt_ms),  # a NeuroGym task's step may be 100 ms
    }
    if flipflop:
        arrays["state_labels"] = geometry["labels"]
    return row, arrays


def probe_examples(labels: np.ndarray, n: int = N_PROBE_SHOWN) -> np.ndarray:
    """Indices of the first probe trial of each of the first ``n`` distinct conditions."""
    _, first = np.unique(np.asarray(labels).astype(str), return_index=True)
    return np.sort(first)[:n]


def state_name(label: int, n_bits: int) -> str:
    """The sign of every bit in memory state ``label`` (bit k set = channel k at +1),
    bit 0 first, as :func:`state_labels` numbers them: 5 -> "+−+"."""
    return "".join("+" if (label >> k) & 1 else "\u2212" for k in range(n_bits))


def write(row: dict, arrays: dict, metrics_path, arrays_path) -> None:
    """Write the metrics row (JSON) and the arrays (HDF5), each atomically."""
    with atomic_path(arrays_path) as tmp, h5py.File(tmp, "w") as handle:
        handle.attrs["content"] = "analysis"
        handle.attrs["format_version"] = FORMAT_VERSION
        for name, value in arrays.items():
            if isinstance(value, np.ndarray) and value.dtype == object:  # text
                value = value.astype(str).astype(h5py.string_dtype())
            handle.create_dataset(name, data=value)
    write_json(metrics_path, row)


FIGURE_ARRAYS = (
    "eigenvalues",
    "example_inputs",
    "example_targets",
    "example_outputs",
    "probe_inputs",
    "probe_targets",
    "probe_outputs",
    "svd_projection",
    "svd_explained_variance_ratio",
    "state_positions",
    "probe_names",
    "state_names",
    "state_cube",
    "dt_ms",
)
TEXT_ARRAYS = ("state_names", "probe_names")
SCALARS = {"state_cube": bool, "dt_ms": float}


def read_analysis(path, names=FIGURE_ARRAYS) -> dict:
    """The named arrays of an ``analysis.h5``, checked; errors name the file."""
    with open_h5(path, "analysis") as handle:
        check_format(handle, "analysis", FORMAT_VERSION)
        out = {}
        for name in names:
            if name in TEXT_ARRAYS:
                if name not in handle:
                    raise DataFileError(f"{path}/{name}: array is missing")
                out[name] = handle[name].asstr()[()]
            elif name in SCALARS:
                out[name] = SCALARS[name](read_array(handle, name, 0))
            else:
                out[name] = read_array(handle, name)
        return out


def decoding_r2(activity: np.ndarray, values: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """How well a linear readout of the activity (trials, time, units) tells ``values``
    (trials,) at every step: the cross-validated R^2 (two folds, even and odd trials; a
    ridge of ``ridge`` times the mean squared activity), (time,); NaN for a non-finite
    activity. 1 where the value is carried exactly, about 0 where not at all."""
    activity = np.asarray(activity, np.float64)
    values = np.asarray(values, np.float64)
    if not np.all(np.isfinite(activity)):
        return np.full(activity.shape[1], np.nan)
    folds = [np.arange(len(values)) % 2 == k for k in (0, 1)]
    error = np.zeros(activity.shape[1])
    total = np.zeros(activity.shape[1])
    for train, test in (folds, folds[::-1]):
        mean = values[train].mean()
        for t in range(activity.shape[1]):
            x = np.column_stack([activity[train, t], np.ones(train.sum())])
            penalty = ridge * max(float(np.mean(x[:, :-1] ** 2)), 1e-12) * train.sum()
            gram = x.T @ x + penalty * np.diag([1.0] * (x.shape[1] - 1) + [0.0])
            weights = np.linalg.solve(gram, x.T @ values[train])
            predicted = np.column_stack([activity[test, t], np.ones(test.sum())]) @ weights
            error[t] += np.sum((values[test] - predicted) ** 2)
            total[t] += np.sum((values[test] - mean) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - error / total
