"""Task datasets as HDF5: the file contract between the dataset stage and the rest.

Layout (format version 1)::

    /                      attrs: content="dataset", format_version, task, seed,
                                  every task parameter, n_<split> for each split
    /<split>/inputs        float32 (trials, time, inputs)
    /<split>/targets       float32 (trials, time, outputs)

with splits ``train``, ``validation``, ``test`` (noisy, random trials) and
``memory_states`` (one noise-free trial visiting every memory state, the paper's
Fig. 6 test set).
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
from rnn_ensembles.tasks import make_task

FORMAT_VERSION = 1
RANDOM_SPLITS = ("train", "validation", "test")
SPLITS = (*RANDOM_SPLITS, "memory_states")


@dataclass
class Dataset:
    """Arrays of every split plus the task that made them."""

    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    task_kind: str
    task_params: dict
    seed: int

    def inputs(self, split: str) -> np.ndarray:
        return self.splits[split][0]

    def targets(self, split: str) -> np.ndarray:
        return self.splits[split][1]

    def task(self):
        return make_task(self.task_kind, **self.task_params)

    @property
    def fingerprint(self) -> str:
        """Hash of the task, seed and every array: identifies the data a network was trained on."""
        digest = hashlib.sha256(json.dumps([self.task_kind, self.task_params, self.seed]).encode())
        for name in sorted(self.splits):
            for array in self.splits[name]:
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
    splits["memory_states"] = task.memory_states()
    return Dataset(splits, task_kind, task.parameters(), int(seed))


def write(dataset: Dataset, path) -> None:
    """Write ``dataset`` to ``path`` atomically, every parameter as an attribute."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as handle:
        handle.attrs["content"] = "dataset"
        handle.attrs["format_version"] = FORMAT_VERSION
        handle.attrs["task"] = dataset.task_kind
        handle.attrs["seed"] = dataset.seed
        handle.attrs["task_parameters"] = json.dumps(dataset.task_params)
        for key, value in dataset.task_params.items():
            handle.attrs[key] = attribute_value(value)
        for name, (inputs, targets) in dataset.splits.items():
            group = handle.create_group(name)
            group.attrs["n_trials"] = inputs.shape[0]
            handle.attrs[f"n_{name}"] = inputs.shape[0]
            group.create_dataset("inputs", data=inputs.astype(np.float32))
            group.create_dataset("targets", data=targets.astype(np.float32))


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
            inputs = read_array(handle[name], "inputs", 3, (None, None, task.n_inputs))
            n, t, _ = inputs.shape
            targets = read_array(handle[name], "targets", 3, (n, t, task.n_outputs))
            arrays[name] = (inputs, targets)
        return Dataset(arrays, str(handle.attrs["task"]), params, int(handle.attrs["seed"]))
