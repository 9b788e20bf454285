"""Task datasets as HDF5: the file contract between the dataset stage and the rest.

Layout (format version 2)::

    /                          attrs: content="dataset", format_version, task, seed,
                                      task_parameters (JSON), every task parameter,
                                      dt_ms, accuracy (what the primary accuracy counts),
                                      n_<split> for each split
    /<split>/inputs            float32 (trials, time, inputs)
    /<split>/targets           float32 (trials, time, outputs)
    /<split>/mask              float32 (trials, time, outputs): each step's weight in the loss
    /<split>/conditions/<name> (trials,): the variables that define each trial

with splits ``train``, ``validation``, ``test`` (noisy, random trials) and ``probe`` (the
task's noise-free probe trials: the flip-flop's trial that visits every memory state, the
paper's Fig. 6 test set; one trial per condition for the other tasks).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import h5py
import numpy as np

from rnn_ensembles.io import (
    DataFileError,
    atomic_path,
    attribute_value,
    check_format,
    open_h5,
    read_array,
)
from rnn_ensembles.tasks import Trials, make_task

FORMAT_VERSION = 2
RANDOM_SPLITS = ("train", "validation", "test")
SPLITS = (*RANDOM_SPLITS, "probe")


@dataclass
class Dataset:
    """The trials of every split plus the task that made them."""

    splits: dict[str, Trials]
    task_kind: str
    task_params: dict
    seed: int

    def trials(self, split: str) -> Trials:
        return self.splits[split]

    def inputs(self, split: str) -> np.ndarray:
        return self.splits[split].inputs

    def targets(self, split: str) -> np.ndarray:
        return self.splits[split].targets

    def mask(self, split: str) -> np.ndarray:
        return self.splits[split].mask

    def conditions(self, split: str) -> dict[str, np.ndarray]:
        return self.splits[split].conditions

    def task(self):
        return make_task(self.task_kind, **self.task_params)

    @property
    def fingerprint(self) -> str:
        """Hash of the task, seed and every array: identifies the data a network was trained on."""
        digest = hashlib.sha256(json.dumps([self.task_kind, self.task_params, self.seed]).encode())
        for name in sorted(self.splits):
            trials = self.splits[name]
            for array in (trials.inputs, trials.targets, trials.mask):
                digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]


def generate(task_kind: str, task_params: dict, sizes: dict[str, int], seed: int) -> Dataset:
    """Generate every split; the same seed gives identical arrays.

    Each split draws from its own stream (``SeedSequence`` spawned from ``seed``), so
    changing the size of one split leaves the trials of the others unchanged.
    """
    task = make_task(task_kind, **task_params)
    streams = np.random.SeedSequence(seed).spawn(len(RANDOM_SPLITS))
    splits = {
        name: task.trials(int(sizes[name]), np.random.default_rng(stream))
        for name, stream in zip(RANDOM_SPLITS, streams, strict=True)
    }
    splits["probe"] = task.probe_trials()
    return Dataset(splits, task_kind, task.parameters(), int(seed))


def write(dataset: Dataset, path) -> None:
    """Write ``dataset`` to ``path`` atomically, every parameter as an attribute."""
    task = dataset.task()
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as handle:
        handle.attrs["content"] = "dataset"
        handle.attrs["format_version"] = FORMAT_VERSION
        handle.attrs["task"] = dataset.task_kind
        handle.attrs["seed"] = dataset.seed
        handle.attrs["task_parameters"] = json.dumps(dataset.task_params)
        handle.attrs["dt_ms"] = float(task.dt_ms)
        handle.attrs["accuracy"] = task.ACCURACY
        for key, value in dataset.task_params.items():
            handle.attrs[key] = attribute_value(value)
        for name, trials in dataset.splits.items():
            group = handle.create_group(name)
            group.attrs["n_trials"] = len(trials)
            handle.attrs[f"n_{name}"] = len(trials)
            group.create_dataset("inputs", data=trials.inputs)
            group.create_dataset("targets", data=trials.targets)
            group.create_dataset("mask", data=trials.mask)
            columns = group.create_group("conditions")
            for column, values in trials.conditions.items():
                if values.dtype.kind in "OUS":  # text: HDF5's variable-length UTF-8 strings
                    values = values.astype(object).astype(str).astype(h5py.string_dtype())
                columns.create_dataset(column, data=values)


def read(path, splits=SPLITS) -> Dataset:
    """Read and check a dataset file; any mismatch raises ``DataFileError`` naming the file."""
    with open_h5(path, "dataset") as handle:
        check_format(handle, "dataset", FORMAT_VERSION)
        for name in ("task", "seed", "task_parameters"):
            if name not in handle.attrs:
                raise DataFileError(f"{path}: attribute {name!r} is missing")
        try:
            params = json.loads(handle.attrs["task_parameters"])
            task = make_task(str(handle.attrs["task"]), **params)
        except (TypeError, ValueError) as err:
            raise DataFileError(f"{path}: the task it was made for is not valid ({err})") from None
        arrays = {}
        for name in splits:
            if name not in handle:
                raise DataFileError(f"{path}: split {name!r} is missing")
            group = handle[name]
            inputs = read_array(group, "inputs", 3, (None, None, task.n_inputs))
            n, t, _ = inputs.shape
            targets = read_array(group, "targets", 3, (n, t, task.n_outputs))
            mask = read_array(group, "mask", 3, (n, t, task.n_outputs))
            conditions = {}
            for column, values in group.get("conditions", {}).items():
                values = values[()]
                if values.dtype.kind in "OS":
                    values = np.array([v.decode() if isinstance(v, bytes) else v for v in values])
                if values.shape != (n,):
                    raise DataFileError(
                        f"{path}: /{name}/conditions/{column} has shape {values.shape}, "
                        f"expected ({n},)"
                    )
                conditions[column] = values
            arrays[name] = Trials(inputs, targets, mask, conditions)
        return Dataset(arrays, str(handle.attrs["task"]), params, int(handle.attrs["seed"]))
