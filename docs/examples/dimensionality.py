"""The dimensionality of each network's activity: a new analysis (docs/extending.md).

The participation ratio of a network's activity on the test trials, (sum l)^2 / sum l^2
over the eigenvalues l of its covariance: 1 when the activity moves along one direction,
N when it fills all N dimensions evenly. As a function of the arrays, as a table over the
networks of a finished run, and as the script of the rule analyse_dimensionality
(dimensionality.smk), which writes that table for every variant of a task.
"""

# No `from __future__` import: Snakemake puts its own lines before a script's first line.
import numpy as np
import pandas as pd

from rnn_ensembles import dataset
from rnn_ensembles.io import atomic_path
from rnn_ensembles.models import load_network
from rnn_ensembles.results import Results


def participation_ratio(activity: np.ndarray) -> float:
    """(sum l)^2 / sum l^2 of the eigenvalues l of the covariance of ``activity``
    (..., units), every leading axis a sample; NaN where the activity does not move."""
    samples = np.reshape(activity, (-1, np.shape(activity)[-1]))
    eigenvalues = np.linalg.eigvalsh(np.atleast_2d(np.cov(samples, rowvar=False)))
    total = eigenvalues.sum()
    return float(total**2 / np.sum(eigenvalues**2)) if total > 0 else float("nan")


def dimensionality(network, inputs: np.ndarray) -> float:
    """The participation ratio of ``network``'s activity on ``inputs`` (trials, time, I)."""
    activity, _ = network.run(inputs)
    return participation_ratio(activity)


def dimensionality_table(results: Results, task: str, variant: str | None = None):
    """One row per network of a variant of ``task`` in ``results``: its size, seed, success
    and the participation ratio of its activity on the test trials."""
    inputs = results.dataset(task, splits=("test",)).inputs("test")
    rows = [
        {
            "size": row.size,
            "seed": row.seed,
            "success": row.success,
            "participation_ratio": dimensionality(
                results.network(task, row.size, row.seed, variant), inputs
            ),
        }
        for row in results.networks(task, variant).itertuples()
    ]
    return pd.DataFrame(rows)


def write_table(weights_paths, dataset_path, output) -> None:
    """The rule's job: the table of the networks in ``weights_paths`` as a TSV."""
    inputs = dataset.read(dataset_path, splits=("test",)).inputs("test")
    rows = []
    for path in weights_paths:
        network = load_network(path)
        rows.append(
            {
                "size": network.n_units,
                "seed": int(network.attrs["seed"]),
                "participation_ratio": dimensionality(network, inputs),
            }
        )
    with atomic_path(output) as tmp:
        pd.DataFrame(rows).to_csv(tmp, sep="\t", index=False)


if __name__ == "__main__":  # run by Snakemake as the script of rule analyse_dimensionality
    from rnn_ensembles.stages.log import log_to

    log_to(snakemake.log[0])
    write_table(snakemake.input["weights"], snakemake.input["dataset"], snakemake.output[0])
