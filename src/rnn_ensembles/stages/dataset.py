"""The dataset stage: a task's trials, written as HDF5."""

from __future__ import annotations

from rnn_ensembles import dataset
from rnn_ensembles.stages.log import log


def make_dataset(output, task: dict, splits: dict, seed: int) -> None:
    """Generate a task's splits and write them to ``output`` (HDF5)."""
    params = {k: v for k, v in task.items() if k != "kind"}
    data = dataset.generate(task["kind"], params, splits, seed)
    for name, (inputs, _) in data.splits.items():
        log.info("%s: %d trials of %d steps", name, inputs.shape[0], inputs.shape[1])
    dataset.write(data, output)
