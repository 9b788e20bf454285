"""How long a training job may run: the ``runtime`` a scheduler grants it.

On SLURM the runtime becomes the job's time limit (``sbatch -t``) and a job that
outlives it is killed, so the estimate errs on the generous side: the measured cost
of training times ``SAFETY``, times the attempt number on a retry. Locally it
only informs.

The cost model is backpropagation through time of a ``SimpleRNN``: every step of a
batch costs a fixed overhead (the loop, kernel launches) plus the recurrent matrix
products, which grow with the batch size times N². Measured with
:func:`rnn_ensembles.training.train` on one CPU thread of a 2-core x86-64 machine,
trials of 340 steps, batch 128: 0.10 ms per step at N = 4, 0.27 ms at N = 64, 1.2 ms
at N = 200 and 3.4 ms at N = 400 (so the paper's protocol at N = 400 takes about 1.5 h;
this model says 1.5 h, and grants 3 h). A second thread did not make it faster. A GPU
is faster for large N: then the estimate is an upper bound.
"""

from __future__ import annotations

import math
from pathlib import Path

#: Seconds of one time step of one batch, whatever the size (loop and kernel overhead).
STEP_SECONDS = 1.0e-4
#: Seconds per trial of a batch, per time step and per N² (recurrent products, forward
#: and backward); fitted to N = 400, where it matters most.
TRIAL_UNIT2_SECONDS = 1.6e-10
#: Importing TensorFlow, tracing the training step, reading the dataset, writing outputs.
STARTUP_SECONDS = 60
#: Cluster cores are often slower or shared; a job killed at its limit wastes all of it.
SAFETY = 2
#: Never ask for less: a job that loads TensorFlow from a busy shared file system can
#: take a minute before its first step.
MIN_MINUTES = 5


def training_seconds(
    n_units: int, n_train: int, n_validation: int, steps: int, batch_size: int, epochs: int
) -> float:
    """Expected seconds of a training run that uses its whole epoch budget.

    Each epoch is one pass over the training trials in batches and one forward pass over
    the validation trials (counted like a training batch: an overestimate).
    """
    batches = math.ceil(n_train / batch_size) + 1
    per_epoch = steps * (
        batches * STEP_SECONDS + (n_train + n_validation) * TRIAL_UNIT2_SECONDS * n_units**2
    )
    return STARTUP_SECONDS + epochs * per_epoch


def training_minutes(
    n_units: int,
    n_train: int,
    n_validation: int,
    steps: int,
    batch_size: int,
    epochs: int,
    attempt: int = 1,
    networks: int = 1,
) -> int:
    """The runtime to ask for, in whole minutes: the estimate for ``networks`` networks
    trained one after another, times ``SAFETY`` times the attempt (the second try after a
    timeout gets twice as long), at least ``MIN_MINUTES``."""
    seconds = networks * training_seconds(n_units, n_train, n_validation, steps, batch_size, epochs)
    return max(MIN_MINUTES, math.ceil(SAFETY * attempt * seconds / 60))


#: Rules of the analysis and aggregation stages, against whose cost training is measured.
ANALYSIS_RULES = ("analyse_network", "aggregate_ensemble")
#: The dynamics, topology and comparison rules, measured besides.
DYNAMICS_RULES = (
    "analyse_dynamics",
    "classify_solutions",
    "compare_realisations",
    "summarise_fixed_points",
    "summarise_robustness",
)


def stage_costs(*benchmark_dirs) -> dict[str, dict]:
    """Jobs and summed wall seconds of every rule, from the Snakemake benchmark files of a
    run (``results/<task>/benchmarks/<rule>.tsv`` or ``.../<rule>/<job>.tsv``, the job's
    name itself a path for a network), added up over every folder given (one per task)."""
    import pandas as pd

    costs: dict[str, dict] = {}
    for root in map(Path, benchmark_dirs):
        for path in sorted(root.rglob("*.tsv")):
            parts = path.relative_to(root).parts
            rule = parts[0] if len(parts) > 1 else path.stem
            entry = costs.setdefault(rule, {"jobs": 0, "seconds": 0.0})
            entry["jobs"] += 1
            entry["seconds"] += float(pd.read_csv(path, sep="\t")["s"].sum())
    return costs


def analysis_share(costs: dict[str, dict], rules=ANALYSIS_RULES) -> float:
    """Summed seconds of ``rules`` as a fraction of the seconds of training."""
    training = costs.get("train_stack", {}).get("seconds", 0.0)
    if training <= 0:
        raise ValueError("no train_stack benchmark: cannot compare against training")
    return sum(costs.get(rule, {}).get("seconds", 0.0) for rule in rules) / training
