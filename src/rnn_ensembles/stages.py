"""One function per workflow stage, from file paths and config values to files.

The Snakemake scripts in ``workflow/scripts`` only unpack ``snakemake.input``,
``output`` and ``params`` and call one of these, so every stage can be run and
tested without Snakemake.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from rnn_ensembles import aggregate, analysis, dataset
from rnn_ensembles.io import atomic_path, open_h5, read_array, write_json
from rnn_ensembles.network import Network

log = logging.getLogger("rnn_ensembles")


def make_dataset(output, task: dict, splits: dict, seed: int) -> None:
    """Generate a task's splits and write them to ``output`` (HDF5)."""
    params = {k: v for k, v in task.items() if k != "kind"}
    data = dataset.generate(task["kind"], params, splits, seed)
    for name, (inputs, _) in data.splits.items():
        log.info("%s: %d trials of %d steps", name, inputs.shape[0], inputs.shape[1])
    dataset.write(data, output)


def train_network(
    dataset_path,
    outputs: dict,
    architecture: str,
    size: int,
    seed: int,
    training: dict,
    threads: int = 1,
    checkpoint_dir=None,
) -> None:
    """Train one network and write ``outputs``: model (.keras), weights, initial weights
    (all HDF5 with named arrays) and history (TSV)."""
    from rnn_ensembles import training as tr

    config = tr.TrainingConfig(**training)
    tr.configure_tensorflow(threads, config.deterministic)
    data = dataset.read(dataset_path, splits=("train", "validation"))
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

    result = tr.train(
        data,
        architecture,
        size,
        seed,
        config,
        checkpoint_dir=checkpoint_dir,
        log=log.info,
        on_build=keep_initial,
    )
    attrs = {
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
        **tr.library_versions(),
    }
    write_history(result.history, outputs["history"])
    initial["network"].attrs.update(attrs, stage="initial")
    attrs["stage"] = "trained"
    initial["network"].save(outputs["initial_weights"])
    model_to_network(architecture, result.model, attrs).save(outputs["weights"])
    with atomic_path(outputs["model"]) as tmp:
        result.model.save(tmp)
    if checkpoint_dir:
        tr.Checkpoint(checkpoint_dir, "").remove()


def model_to_network(architecture: str, model, attrs: dict) -> Network:
    from rnn_ensembles.models import get_architecture

    return get_architecture(architecture).to_network(model, attrs)


def write_history(history: list[dict], path) -> None:
    from rnn_ensembles.training import HISTORY_COLUMNS

    frame = pd.DataFrame(history, columns=list(HISTORY_COLUMNS))
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False)


def analyse_network(
    weights_path, dataset_path, metrics_path, arrays_path, success_accuracy: float
) -> None:
    """All per-network analyses of one trained network."""
    network = Network.load(weights_path)
    data = dataset.read(dataset_path, splits=("test", "memory_states"))
    status = str(network.attrs.get("status", "converged"))
    row, arrays = analysis.analyse(network, data, success_accuracy, status)
    row.update(
        size=int(network.attrs.get("n_units", network.n_units)),
        seed=int(network.attrs.get("seed", -1)),
        epochs=int(network.attrs.get("epochs", 0)),
        wall_time_s=float(network.attrs.get("wall_time_s", np.nan)),
        training_status=status,
        training_reason=str(network.attrs.get("status_reason", "")),
    )
    log.info("%s", row["success_reason"])
    analysis.write(row, arrays, metrics_path, arrays_path)


def aggregate_ensemble(
    metrics_paths, arrays_paths, expected, outputs: dict, accuracy: float, fraction: float
) -> None:
    """Tables of the ensemble, the minimal size and the comparison of realisations."""
    rows = [json.loads(Path(p).read_text()) for p in metrics_paths]
    table = aggregate.network_table(rows, expected)
    positions = {}
    for row, path in zip(rows, arrays_paths, strict=True):
        with open_h5(path, "analysis") as handle:
            positions[(row["size"], row["seed"])] = read_array(handle, "state_positions", 2)
    summary = aggregate.size_summary(table)
    minimal = aggregate.minimal_size(summary, fraction, accuracy)
    pairs = aggregate.realisation_pairs(positions)
    realisations = aggregate.realisation_summary(table, pairs)
    for name, frame in (
        ("networks", table),
        ("sizes", summary),
        ("realisations", realisations),
        ("realisation_pairs", pairs),
    ):
        with atomic_path(outputs[name]) as tmp:
            frame.to_csv(tmp, sep="\t", index=False)
    write_json(outputs["minimal_size"], minimal)
    log.info("minimal size: %s (%s)", minimal["minimal_size"], minimal["reason"])


def log_to(path) -> None:
    """Send this process's log and stderr (TensorFlow's messages too) to ``path``."""
    import os
    import sys

    handle = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the job
    os.dup2(handle.fileno(), 2)  # TensorFlow's C++ side writes to file descriptor 2
    sys.stderr = handle
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
