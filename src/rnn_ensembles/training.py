"""Training one network: seeded, resumable, stopped early on the task criterion.

A small custom loop over ``tf.function`` steps rather than ``model.fit``: the batch
order of every epoch comes from ``numpy.random.default_rng([seed, epoch])``, so a
run killed after epoch k and resumed from its checkpoint draws exactly the batches
the uninterrupted run would have drawn, and ends with the same weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import h5py
import numpy as np

from rnn_ensembles.io import atomic_path, partial_path
from rnn_ensembles.metrics import mean_squared_error

HISTORY_COLUMNS = ("epoch", "loss", "val_loss", "val_accuracy", "seconds")
_log = logging.getLogger(__name__)
# Followed in history.tsv by every other metric of the task's score, as val_<metric>.


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters of one training run.

    Args:
        learning_rate: Adam learning rate. Default 1e-3 (from an identity W_rec; from the
            paper's orthogonal W_rec it often drove every flip-flop output to 0 for good).
        batch_size: trials per gradient step. Default 64.
        max_epochs: passes over the training split at most. Default 50.
        clipnorm: clip each gradient to this norm; ``None`` for no clipping. Default 1.0.
        loss_threshold: stop once an epoch's mean training loss is below this (the paper's
            0.009); ``None`` to disable. Default None.
        target_accuracy: stop once the task's stopping accuracy on the validation split
            (``task.criterion``: the primary accuracy; for the flip-flop the lowest of its
            channels) reaches this; ``None`` to disable. Default 0.995.
        deterministic: TensorFlow op determinism (same seed, same weights). Default True.
    """

    learning_rate: float = 1e-3
    batch_size: int = 64
    max_epochs: int = 50
    clipnorm: float | None = 1.0
    loss_threshold: float | None = None
    target_accuracy: float | None = 0.995
    deterministic: bool = True


@dataclass
class TrainingResult:
    model: object
    history: list[dict]
    status: str  # "converged", "budget_exhausted" or "diverged"
    reason: str
    wall_time_s: float
    epochs: int
    attrs: dict = field(default_factory=dict)


def configure_tensorflow(threads: int = 1, deterministic: bool = True) -> None:
    """Thread pools, determinism and GPU memory growth; call before any TensorFlow op."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(max(1, int(threads)))
    tf.config.threading.set_inter_op_parallelism_threads(max(1, int(threads)))
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    for gpu in tf.config.list_physical_devices("GPU"):
        # Several training jobs may share one GPU: take memory as needed, not all at once.
        tf.config.experimental.set_memory_growth(gpu, True)


def fingerprint(*parts) -> str:
    """A short hash of JSON-able parts, to recognise a checkpoint of the same run."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checkpoint:
    """Weights, optimizer state and history after the last completed epoch, in one HDF5 file."""

    def __init__(self, directory, key: str):
        self.path = Path(directory) / "state.h5"
        self.key = key

    def save(self, model, optimizer, epoch: int, history: list[dict], wall_time: float) -> None:
        with atomic_path(self.path) as tmp, h5py.File(tmp, "w") as handle:
            handle.attrs["key"] = self.key
            handle.attrs["epoch"] = epoch
            handle.attrs["wall_time_s"] = wall_time
            handle.attrs["history"] = json.dumps(history)
            # model.variables, not model.weights: the state of the recurrent-noise generator
            # too, so that a resumed noisy run draws the noise of the uninterrupted one.
            for group, variables in (
                ("model", model.variables),
                ("optimizer", optimizer.variables),
            ):
                grp = handle.create_group(group)
                for i, var in enumerate(variables):
                    grp.create_dataset(str(i), data=np.asarray(var))

    def restore(self, model, optimizer):
        """Load the state into ``model``/``optimizer``; ``None`` when there is none for this run.

        Everything is read and checked before anything is assigned: an unusable file leaves
        the freshly initialised model untouched, and the run starts over (same seed, same
        result) with a warning in the log.
        """
        state = self._read(arrays=True)
        if state is None:
            return None
        groups = {"model": model.variables, "optimizer": optimizer.variables}
        for group, variables in groups.items():
            if [a.shape for a in state[group]] != [tuple(v.shape) for v in variables]:
                _log.warning("%s: saved %s state does not fit; starting over", self.path, group)
                return None
        for group, variables in groups.items():
            for var, value in zip(variables, state[group], strict=True):
                var.assign(value)
        return state["epoch"], state["history"], state["wall_time_s"]

    def history(self) -> list[dict]:
        """The epochs of this run completed so far (empty without a checkpoint of it)."""
        state = self._read(arrays=False)
        return state["history"] if state else []

    def _read(self, arrays: bool):
        if not self.path.exists():
            return None
        try:
            with h5py.File(self.path, "r") as handle:
                if handle.attrs.get("key") != self.key:
                    _log.warning(
                        "%s: checkpoint of another configuration or dataset, not resumed",
                        self.path,
                    )
                    return None
                state = {
                    "epoch": int(handle.attrs["epoch"]),
                    "history": json.loads(handle.attrs["history"]),
                    "wall_time_s": float(handle.attrs["wall_time_s"]),
                }
                for group in ("model", "optimizer") if arrays else ():
                    state[group] = [handle[group][str(i)][()] for i in range(len(handle[group]))]
                return state
        except (OSError, KeyError, ValueError) as err:
            # Written atomically, so only damage from outside gets here; losing it only
            # costs the epochs it held.
            _log.warning("%s: unreadable checkpoint (%s), not resumed", self.path, err)
            return None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        partial_path(self.path).unlink(missing_ok=True)  # left by a job killed while saving
        if self.path.parent.exists() and not any(self.path.parent.iterdir()):
            self.path.parent.rmdir()


def train(
    dataset,
    architecture: str,
    n_units: int,
    seed: int,
    config: TrainingConfig,
    checkpoint_dir=None,
    log=print,
    model_options: dict | None = None,
    on_build=None,
) -> TrainingResult:
    """Train one network of ``n_units`` on ``dataset`` from ``seed``.

    Stops at the first of: a non-finite loss (``diverged``), the loss threshold or the
    validation accuracy target (``converged``), ``max_epochs`` (``budget_exhausted``).
    With ``checkpoint_dir`` the state is saved after every epoch and a rerun resumes there.
    ``on_build(model)`` is called once the model holds its initial weights.
    """
    import keras
    import tensorflow as tf

    from rnn_ensembles.models import get_architecture
    from rnn_ensembles.models.simple_rnn import masked_mse

    keras.utils.set_random_seed(int(seed))
    task = dataset.task()
    x_train = tf.constant(dataset.inputs("train"))
    y_train = tf.constant(dataset.targets("train"))
    # A mask of ones (every step counts, as the flip-flop's) is no mask: the unmasked loss
    # runs the ops it always ran, and gives the same weights to the bit.
    masked = not np.all(dataset.mask("train") == 1)
    m_train = tf.constant(dataset.mask("train")) if masked else None
    x_val = tf.constant(dataset.inputs("validation"))
    val = dataset.trials("validation")
    n_trials = x_train.shape[0]

    arch = get_architecture(architecture)
    model = arch.build(
        n_units, x_train.shape[-1], y_train.shape[-1], seed=int(seed), **(model_options or {})
    )
    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=config.clipnorm)
    optimizer.build(model.trainable_variables)
    if on_build:
        on_build(model)

    def tape_gradients(model, xb, yb, mb=None):
        with tf.GradientTape() as tape:
            loss = masked_mse(yb, model(xb, training=True), mb)
        return loss, tape.gradient(loss, model.trainable_variables)

    # An architecture may bring its own, faster, gradient of the same loss.
    loss_and_gradients = getattr(arch, "loss_and_gradients", tape_gradients)

    @tf.function(reduce_retracing=True)
    def train_step(xb, yb, *mb):
        loss, grads = loss_and_gradients(model, xb, yb, *mb)
        optimizer.apply(grads, model.trainable_variables)
        return loss

    @tf.function(reduce_retracing=True)
    def predict(xb):
        return model(xb, training=False)

    key = run_key(dataset, architecture, n_units, seed, config, model_options)
    checkpoint = Checkpoint(checkpoint_dir, key) if checkpoint_dir else None
    start_epoch, history, wall_before = 0, [], 0.0
    restored = checkpoint.restore(model, optimizer) if checkpoint else None
    if restored:
        start_epoch, history, wall_before = restored
        log(f"resuming from the checkpoint after epoch {start_epoch}")

    started = time.perf_counter()
    status, reason = "budget_exhausted", f"max_epochs = {config.max_epochs} reached"
    if history:
        status, reason = stop_reason(history[-1], config, task) or (status, reason)
    epoch = start_epoch
    while epoch < config.max_epochs and not (history and stop_reason(history[-1], config, task)):
        epoch_start = time.perf_counter()
        order = np.random.default_rng([int(seed), epoch]).permutation(n_trials)
        losses = []
        for first in range(0, n_trials, config.batch_size):
            idx = tf.constant(order[first : first + config.batch_size])
            batch = [tf.gather(x_train, idx), tf.gather(y_train, idx)]
            if masked:
                batch.append(tf.gather(m_train, idx))
            losses.append(train_step(*batch))
        loss = float(np.mean([float(v) for v in losses]))
        val_out = predict(x_val).numpy()
        epoch += 1
        scores = task.score(val_out, val.targets, val.mask, val.conditions)
        val_loss = mean_squared_error(val_out, val.targets, val.mask)
        row = epoch_row(epoch, loss, val_loss, scores, time.perf_counter() - epoch_start)
        history.append(row)
        log_epoch(row, log)
        if checkpoint:
            checkpoint.save(
                model, optimizer, epoch, history, wall_before + time.perf_counter() - started
            )
        stop = stop_reason(row, config, task)
        if stop:
            status, reason = stop
    wall = wall_before + time.perf_counter() - started
    log(f"{status}: {reason}")
    return TrainingResult(model, history, status, reason, wall, len(history))


def epoch_row(epoch: int, loss: float, val_loss: float, scores: dict, seconds: float) -> dict:
    """One row of history.tsv: the epoch's training loss, validation loss and accuracy, its
    seconds, then every other metric of the task's score as val_<metric>."""
    scores = dict(scores)
    return {
        "epoch": epoch,
        "loss": loss,
        "val_loss": val_loss,
        "val_accuracy": scores.pop("accuracy"),
        "seconds": seconds,
        **{f"val_{name}": float(value) for name, value in scores.items()},
    }


def log_epoch(row: dict, log=print, prefix: str = "") -> None:
    others = [f"{k[4:]} {v:.4f}" for k, v in row.items() if k.startswith("val_accuracy_")]
    log(
        f"{prefix}epoch {row['epoch']}: loss {row['loss']:.5f}  val_loss {row['val_loss']:.5f}  "
        f"val_accuracy {row['val_accuracy']:.4f}"
        + (f" ({', '.join(others)})" if others else "")
        + f"  ({row['seconds']:.1f} s)"
    )


def run_key(dataset, architecture, n_units, seed, config, model_options=None) -> str:
    """What a checkpoint must match to be resumed: the same network, settings and data."""
    return fingerprint(
        architecture, n_units, seed, asdict(config), model_options, dataset.fingerprint
    )


def stop_reason(row: dict, config: TrainingConfig, task):
    if not np.isfinite(row["loss"]):
        return "diverged", f"training loss became {row['loss']} at epoch {row['epoch']}"
    if config.loss_threshold is not None and row["loss"] < config.loss_threshold:
        return (
            "converged",
            f"training loss {row['loss']:.5f} < loss_threshold {config.loss_threshold}",
        )
    if config.target_accuracy is not None:
        scores = {k[4:]: v for k, v in row.items() if k.startswith("val_")}
        criterion, described = task.criterion(scores)
        if criterion >= config.target_accuracy:
            return "converged", f"validation {described} >= {config.target_accuracy}"
    return None


def package_versions() -> dict:
    import h5py as _h5py
    import keras
    import tensorflow as tf

    return {
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
        "numpy_version": np.__version__,
        "h5py_version": _h5py.__version__,
    }


def device_name() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return f"GPU ({gpus[0].name})" if gpus else f"CPU ({os.cpu_count()} cores visible)"
