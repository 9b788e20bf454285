"""Robustness of a trained network (paper Sec. 5.1): accuracy under perturbed inputs and
after removing recurrent connections.

Four perturbations, each a curve of accuracy against a level:

* ``noise``: input noise of standard deviation ``level``;
* ``amplitude``: input pulses scaled by ``level`` (the task's own noise kept);
* ``prune_magnitude``: a fraction ``level`` of the existing recurrent connections cut, the
  weakest first (:meth:`~rnn_ensembles.models.base.RecurrentNetwork.connection_strength`);
* ``prune_random``: the same fraction, chosen at random.

Pruning removes existing connections only (a sparse network's absent ones do not count)
and keeps the sign of every remaining weight: it goes through the network's own
``without_connections``, so it applies to every architecture.

Perturbed trials come from the task's own generator, so they have the statistics of the
training trials apart from the perturbation; networks are run with
:meth:`~rnn_ensembles.models.base.RecurrentNetwork.run` in numpy.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rnn_ensembles import metrics
from rnn_ensembles.models.base import RecurrentNetwork

PERTURBATIONS = ("noise", "amplitude", "prune_magnitude", "prune_random")
COLUMNS = ("perturbation", "level", "accuracy", "mse", "euclidean_error_mean")


def perturbed_trials(task, n_trials: int, seed: int, noise_std: float, amplitude: float = 1.0):
    """Trials of ``task`` with input noise ``noise_std`` and the clean input scaled by
    ``amplitude``; targets, mask and conditions are the task's
    (:class:`~rnn_ensembles.tasks.Trials`).

    The same ``seed`` gives the same pulses at every level, so curves compare like with
    like; at ``amplitude = 1`` and the task's noise the trials are ``task.trials``'s.
    """
    if noise_std < 0:
        raise ValueError(f"noise level {noise_std}: must be 0 or more")
    clean = dataclasses.replace(task, noise_std=0.0).trials(n_trials, np.random.default_rng(seed))
    noisy = dataclasses.replace(task, noise_std=noise_std).trials(
        n_trials, np.random.default_rng(seed)
    )
    # The noise is what the noisy draw adds to the clean one: both draw the same pulses.
    noise = noisy.inputs.astype(np.float64) - clean.inputs
    noisy.inputs = amplitude * clean.inputs.astype(np.float64) + noise
    return noisy


def pruned(network: RecurrentNetwork, fraction: float, order: np.ndarray) -> RecurrentNetwork:
    """``network`` with the first ``round(fraction * len(order))`` connections of ``order``
    (flat indices into the (N, N) connection matrix, every existing one) cut."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"pruning fraction {fraction}: must be between 0 and 1")
    remove = np.zeros(network.n_units**2, bool)
    remove[order[: int(round(fraction * len(order)))]] = True
    return network.without_connections(remove.reshape(network.n_units, network.n_units))


def pruning_orders(network: RecurrentNetwork, seed: int) -> dict[str, np.ndarray]:
    """Removal order of the existing recurrent connections: by increasing strength, and a
    random permutation (one per network, so the random masks are nested as the fraction
    grows)."""
    existing = np.flatnonzero(network.connections())
    strength = network.connection_strength().ravel()[existing]
    return {
        "prune_magnitude": existing[np.argsort(strength, kind="stable")],
        "prune_random": np.random.default_rng(seed).permutation(existing),
    }


def score(network: RecurrentNetwork, task, trials) -> dict:
    """The task's primary accuracy, the masked MSE and the mean masked Euclidean error."""
    _, outputs = network.run(trials.inputs)
    targets, mask = trials.targets, trials.mask
    return {
        "accuracy": task.score(outputs, targets, mask, trials.conditions)["accuracy"],
        "mse": metrics.mean_squared_error(outputs, targets, mask),
        "euclidean_error_mean": float(np.mean(metrics.euclidean_error(outputs, targets, mask))),
    }


def robustness_curves(
    network: RecurrentNetwork,
    task,
    n_trials: int,
    seed: int,
    noise_levels,
    amplitudes,
    prune_fractions,
) -> pd.DataFrame:
    """Accuracy, MSE and mean Euclidean error of ``network`` under every perturbation level;
    one row per (perturbation, level)."""
    rows = []
    for level in noise_levels:
        trials = perturbed_trials(task, n_trials, seed, level)
        rows.append({"perturbation": "noise", "level": level, **score(network, task, trials)})
    for level in amplitudes:
        trials = perturbed_trials(task, n_trials, seed, task.noise_std, level)
        rows.append({"perturbation": "amplitude", "level": level, **score(network, task, trials)})
    trials = perturbed_trials(task, n_trials, seed, task.noise_std)
    for kind, order in pruning_orders(network, seed).items():
        for level in prune_fractions:
            rows.append(
                {
                    "perturbation": kind,
                    "level": level,
                    **score(pruned(network, level, order), task, trials),
                }
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def size_curves(curves: pd.DataFrame) -> pd.DataFrame:
    """Per variant, size, perturbation and level: networks, mean and sd of the accuracy
    and MSE.

    ``curves`` holds the rows of every network with ``variant`` and ``size`` columns."""
    grouped = curves.groupby(["variant", "size", "perturbation", "level"], sort=True)
    out = grouped.agg(
        networks=("accuracy", "size"),
        accuracy_mean=("accuracy", "mean"),
        accuracy_sd=("accuracy", "std"),
        mse_mean=("mse", "mean"),
        mse_sd=("mse", "std"),
    )
    return out.reset_index()


def success_under_noise(curves: pd.DataFrame, noise_level: float, accuracy: float) -> list[dict]:
    """Per network (rows with ``size``, ``seed`` and ``diverged``): success at input noise
    ``noise_level``, as the rows :func:`rnn_ensembles.aggregate.network_table` takes."""
    at_level = curves[
        (curves["perturbation"] == "noise") & np.isclose(curves["level"], noise_level)
    ]
    return [
        {
            "size": int(row["size"]),
            "seed": int(row["seed"]),
            "accuracy": float(row["accuracy"]),
            "success": bool(not row["diverged"] and row["accuracy"] >= accuracy),
        }
        for _, row in at_level.iterrows()
    ]
