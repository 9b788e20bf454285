"""The dataset stage: a task's trials, written as HDF5."""

from __future__ import annotations

from rnn_ensembles import dataset
from rnn_ensembles.stages.log import log


def make_dataset(output, task: dict, splits: dict, seed: int) -> None:
    """Generate a task's splits and write them to ``output`` (HDF5)."""
    params = {k: v for k, v in task.items() if k != "kind"}
    data = dataset.generate(task["kind"], params, splits, seed)
    for name, trials in data.splits.items():
        counted = float((trials.mask > 0).mean())
        log.info(
            "%s: %d trials of %d steps, %.0f %% of the steps counted in the loss",
            name,
            len(trials),
            trials.inputs.shape[1],
            100 * counted,
        )
    dataset.write(data, output)
