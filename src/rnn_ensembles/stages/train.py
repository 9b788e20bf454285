"""The training stage: a stack of networks (the seeds of one size) trained and each written
with its record; a failure is recorded, not raised."""

from __future__ import annotations

import json
import time

import numpy as np

from rnn_ensembles import dataset
from rnn_ensembles.io import atomic_path
from rnn_ensembles.stages.log import log

# The files of a trained network, as the training rule names them.
FILES = ("model", "weights", "initial_weights", "history")


def train_networks(
    dataset_path,
    outputs: list[dict],
    variant: str,
    architecture: str,
    size: int,
    seeds: list[int],
    training: dict,
    threads: int = 1,
    checkpoint_dirs=None,
    model_options: dict | None = None,
) -> None:
    """Train one network per seed of ``seeds`` as one stack and write each network's
    ``outputs`` (in the order of ``seeds``): model (.keras), weights, initial weights (all
    HDF5 with named arrays) and history (TSV). ``model_options`` go to the architecture's
    ``build`` (e.g. ``recurrent_initializer``)."""
    from rnn_ensembles import training as tr
    from rnn_ensembles.stacking import train_stack

    config = tr.TrainingConfig(**training)
    # The input is checked before TensorFlow is loaded: a bad file fails in a second.
    data = dataset.read(dataset_path, splits=("train", "validation"))
    tr.configure_tensorflow(threads, config.deterministic)
    log.info(
        "training %s N=%d seeds %s on %s (%s)",
        architecture,
        size,
        seeds,
        dataset_path,
        tr.device_name(),
    )
    dirs = list(checkpoint_dirs) if checkpoint_dirs else [None] * len(seeds)
    initial = {}

    def keep_initial(seed, model):
        initial[seed] = (model_to_network(architecture, model, {}), model)

    started = time.perf_counter()
    try:
        results = train_stack(
            data,
            architecture,
            size,
            seeds,
            config,
            checkpoint_dirs=checkpoint_dirs,
            log=log.info,
            on_build=keep_initial,
            model_options=model_options,
        )
    except Exception as err:
        # Recorded rather than raised: a failed job would stop Snakemake from ever analysing
        # and aggregating the rest of the ensemble.  The exception text goes into the weights
        # file and networks.tsv and the traceback into the log, so that a bug in the code
        # is not taken for a failure of training.  Without a model there is nothing to write.
        if len(initial) < len(seeds):
            raise
        results = []
        for seed, directory in zip(seeds, dirs, strict=True):
            key = tr.run_key(data, architecture, size, seed, config, model_options)
            history = tr.Checkpoint(directory, key).history() if directory else []
            name = f"N={size} seed={seed}"
            results.append(failed_training(err, initial[seed][1], history, started, name))
    for seed, result, files, directory in zip(seeds, results, outputs, dirs, strict=True):
        if result.attrs.get("error") is not None:  # this member alone failed
            name = f"N={size} seed={seed}"
            result = failed_training(result.attrs["error"], result.model, result.history,
                                     started, name)  # fmt: skip
        write_network(
            result,
            initial[seed][0],
            files,
            directory,
            variant=variant,
            architecture=architecture,
            n_units=size,
            seed=seed,
            stack_seeds=json.dumps(seeds),
            threads=threads,
            device=tr.device_name(),
            dataset=str(dataset_path),
            dataset_fingerprint=data.fingerprint,
            training_config=json.dumps(training, sort_keys=True),
            model_options=json.dumps(model_options or {}, sort_keys=True),
        )


def write_network(result, initial, outputs: dict, checkpoint_dir, **attrs) -> None:
    """The files of one trained network, its training record in their attributes."""
    from rnn_ensembles import training as tr

    attrs = {
        **attrs,
        "epochs": result.epochs,
        "final_loss": result.history[-1]["loss"] if result.history else float("nan"),
        "final_val_accuracy": result.history[-1]["val_accuracy"] if result.history else 0.0,
        "status": result.status,
        "status_reason": result.reason,
        "wall_time_s": result.wall_time_s,
        **tr.package_versions(),
    }
    write_history(result.history, outputs["history"])
    initial.attrs.update(attrs, stage="initial")
    attrs["stage"] = "trained"
    initial.save(outputs["initial_weights"])
    model_to_network(attrs["architecture"], result.model, attrs).save(outputs["weights"])
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
