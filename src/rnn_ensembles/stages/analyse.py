"""The per-network analysis stage."""

from __future__ import annotations

import numpy as np

from rnn_ensembles import analysis, dataset
from rnn_ensembles.models import load_network
from rnn_ensembles.stages.log import log


def analyse_network(
    weights_path, dataset_path, metrics_path, arrays_path, success_accuracy: float
) -> None:
    """All per-network analyses of one trained network."""
    network = load_network(weights_path)
    data = dataset.read(dataset_path, splits=("test", "probe"))
    network.check_fits(data.task(), weights_path)
    status = str(network.attrs.get("status", "converged"))
    reason = str(network.attrs.get("status_reason", ""))
    row, arrays = analysis.analyse(network, data, success_accuracy, status, reason)
    row.update(
        variant=str(network.attrs.get("variant", network.architecture)),
        architecture=network.architecture,
        size=int(network.attrs.get("n_units", network.n_units)),
        seed=int(network.attrs.get("seed", -1)),
        epochs=int(network.attrs.get("epochs", 0)),
        wall_time_s=float(network.attrs.get("wall_time_s", np.nan)),
        training_status=status,
        training_reason=reason,
    )
    log.info("%s", row["success_reason"])
    analysis.write(row, arrays, metrics_path, arrays_path)
