"""The training stage: one network trained and written with its record; a failure is
recorded, not raised."""

from __future__ import annotations

import json
import time

import numpy as np

from rnn_ensembles import dataset
from rnn_ensembles.io import atomic_path
from rnn_ensembles.stages.log import log


def train_network(
    dataset_path,
    outputs: dict,
    variant: str,
    architecture: str,
    size: int,
    seed: int,
    training: dict,
    threads: int = 1,
    checkpoint_dir=None,
    model_options: dict | None = None,
) -> None:
    """Train one network and write ``outputs``: model (.keras), weights, initial weights
    (all HDF5 with named arrays) and history (TSV). ``model_options`` go to the
    architecture's ``build`` (e.g. ``recurrent_initializer``)."""
    from rnn_ensembles import training as tr

    config = tr.TrainingConfig(**training)
    # The input is checked before TensorFlow is loaded: a bad file fails in a second.
    data = dataset.read(dataset_path, splits=("train", "validation"))
    tr.configure_tensorflow(threads, config.deterministic)
    log.info(
        "training %s N=%d seed=%d on %s (%s)",
        architecture,
        size,
        seed,
        dataset_path,
        tr.device_name(),
    )
    initial = {}

    def keep_initial(model):
        initial["network"] = model_to_network(architecture, model, {})
        initial["model"] = model  # last: a failure is recorded only with both at hand

    started = time.perf_counter()
    try:
        result = tr.train(
            data,
            architecture,
            size,
            seed,
            config,
            checkpoint_dir=checkpoint_dir,
            log=log.info,
            on_build=keep_initial,
            model_options=model_options,
        )
    except Exception as err:
        # Recorded rather than raised: a failed job would stop Snakemake from ever analysing
        # and aggregating the rest of the ensemble.  The exception text goes into the weights
        # file and networks.tsv and the traceback into the log, so that a bug in the code
        # is not taken for a failure of training.  Without a model there is nothing to write.
        if "model" not in initial:
            raise
        key = tr.run_key(data, architecture, size, seed, config, model_options)
        history = tr.Checkpoint(checkpoint_dir, key).history() if checkpoint_dir else []
        result = failed_training(err, initial["model"], history, started, f"N={size} seed={seed}")
    attrs = {
        "variant": variant,
        "architecture": architecture,
        "n_units": size,
        "seed": seed,
        "epochs": result.epochs,
        "final_loss": result.history[-1]["loss"] if result.history else float("nan"),
        "final_val_accuracy": result.history[-1]["val_accuracy"] if result.history else 0.0,
        "status": result.status,
        "status_reason": result.reason,
        "wall_time_s": result.wall_time_s,
        "threads": threads,
        "device": tr.device_name(),
        "dataset": str(dataset_path),
        "dataset_fingerprint": data.fingerprint,
        "training_config": json.dumps(training, sort_keys=True),
        "model_options": json.dumps(model_options or {}, sort_keys=True),
        **tr.package_versions(),
    }
    write_history(result.history, outputs["history"])
    initial["network"].attrs.update(attrs, stage="initial")
    attrs["stage"] = "trained"
    initial["network"].save(outputs["initial_weights"])
    model_to_network(architecture, result.model, attrs).save(outputs["weights"])
    with atomic_path(outputs["model"]) as tmp:
        result.model.save(tmp)
    # A failed network keeps its checkpoint: rerun, it resumes from its last epoch.
    if checkpoint_dir and result.status != "failed":
        tr.Checkpoint(checkpoint_dir, "").remove()


def failed_training(error: Exception, model, history: list[dict], started: float, name: str):
    """The record of a training that raised ``error``: no trained weights (all NaN, as a
    diverged network's), the epochs completed before it, the error as the reason."""
    from rnn_ensembles.training import TrainingResult

    reason = " ".join(f"{type(error).__name__}: {error}".split())
    log.error(
        "%s: training failed after %d epochs (%s); recorded as failed, its checkpoint kept",
        name,
        len(history),
        reason,
        exc_info=error,  # the traceback goes to the log file only
    )
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    wall = time.perf_counter() - started
    return TrainingResult(model, history, "failed", reason, wall, len(history))


def model_to_network(architecture: str, model, attrs: dict):
    from rnn_ensembles.models import get_architecture

    return get_architecture(architecture).to_network(model, attrs)


def write_history(history: list[dict], path) -> None:
    import pandas as pd

    from rnn_ensembles.training import HISTORY_COLUMNS

    # The fixed columns first, then any per-epoch extras (the accuracy of each channel).
    columns = list(dict.fromkeys([*HISTORY_COLUMNS, *(k for row in history for k in row)]))
    frame = pd.DataFrame(history, columns=columns)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False)
