"""A finished run's results folder in Python: its tables as pandas objects, any network as
the numpy network that the analyses use, with its dataset, fixed points and topology.

Example, on the results of ``snakemake --cores all``::

    from rnn_ensembles.results import Results

    results = Results("results")
    results.tasks                         # ["flipflop3"]
    results.sizes("flipflop3")            # success rate per size (sizes.tsv)
    results.minimal_size("flipflop3")     # {"minimal_size": 32, "reason": ..., ...}
    network = results.network("flipflop3", size=32, seed=1)
    data = results.dataset("flipflop3")
    activity, outputs = network.run(data.inputs("test"))

Every method reads the files the workflow wrote (their layout: ``docs/rules.md``) with the
package's own readers, so a file that is missing or damaged raises
:class:`~rnn_ensembles.io.DataFileError` naming it; a task, variant, network or table
that the folder does not hold raises :class:`ResultsError` naming what it does hold.
A task with one variant needs no ``variant`` argument.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from rnn_ensembles import dataset as datasets
from rnn_ensembles.analysis import FIGURE_ARRAYS, read_analysis
from rnn_ensembles.fixed_points import FixedPoints
from rnn_ensembles.io import read_json, read_table
from rnn_ensembles.models import RecurrentNetwork, load_network
from rnn_ensembles.topology import Topology

# Folders under results/<task>/ that are not variants.
TASK_FOLDERS = ("summary", "external", "figures", "benchmarks")
NETWORK_FOLDER = re.compile(r"N(?P<size>\d+)")


class ResultsError(LookupError):
    """A task, variant, network or table that the results folder does not hold; the message
    names what it holds instead."""


class Results:
    """The results folder of a run (``results/`` in the folder the workflow ran in).

    Args:
        path: the results folder. Default "results".
    """

    def __init__(self, path="results"):
        self.path = Path(path)
        if not self.path.is_dir():
            raise ResultsError(
                f"{self.path}: no such results folder (the workflow writes results/ in the "
                "folder it runs in: snakemake --cores all)"
            )

    def __repr__(self) -> str:
        return f"Results({str(self.path)!r}: tasks {', '.join(self.tasks) or 'none'})"

    # -- what the folder holds --------------------------------------------------------------
    @property
    def tasks(self) -> list[str]:
        """The tasks of the run: the folders that hold a ``dataset.h5``."""
        return sorted(p.parent.name for p in self.path.glob("*/dataset.h5"))

    def variants(self, task: str) -> list[str]:
        """The variants of ``task``: its folders that hold networks (``N<size>/``)."""
        folder = self._task_folder(task)
        return sorted(
            p.name
            for p in folder.iterdir()
            if p.is_dir()
            and p.name not in TASK_FOLDERS
            and any(NETWORK_FOLDER.fullmatch(q.name) for q in p.iterdir() if q.is_dir())
        )

    def externals(self, task: str) -> list[str]:
        """The networks trained elsewhere that the run analysed for ``task`` (by name)."""
        folder = self._task_folder(task) / "external"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def labels(self, task: str) -> list[str]:
        """Every network of ``task`` by its folder under ``results/<task>/``, as the distance
        matrices and ``clusters.tsv`` name them: ``<variant>/N<size>/seed<seed>``, then
        ``external/<name>``."""
        folder = self._task_folder(task)
        ensemble = [
            str(p.parent.relative_to(folder))
            for variant in self.variants(task)
            for p in (folder / variant).glob("N*/seed*/weights.h5")
        ]
        return sorted(ensemble, key=_label_order) + [f"external/{n}" for n in self.externals(task)]

    # -- tables -----------------------------------------------------------------------------
    def networks(self, task: str, variant: str | None = None) -> pd.DataFrame:
        """One row per network of a variant: its metrics, success and training status
        (``summary/networks.tsv``)."""
        return self.table(task, "networks", variant)

    def sizes(self, task: str, variant: str | None = None) -> pd.DataFrame:
        """One row per size of a variant: networks, successes, success rate with its 95 %
        Wilson interval, error mean and sd (``summary/sizes.tsv``)."""
        return self.table(task, "sizes", variant)

    def minimal_size(self, task: str, variant: str | None = None) -> dict:
        """The smallest size of a variant whose success rate reaches the criterion
        (``minimal_size``, None where no size does), the ``criterion`` and the ``reason``
        (``summary/minimal_size.json``)."""
        path = self._summary_folder(task, variant) / "minimal_size.json"
        return read_json(path, "minimal size", ("minimal_size", "criterion", "reason"))

    def table(self, task: str, name: str, variant: str | None = None) -> pd.DataFrame:
        """Any table of the summaries: ``<name>.tsv`` of a variant's ``summary/`` (networks,
        sizes, realisations, ...) or, where the variant's has none, of the task's
        (variants, clusters, fixed_points, robustness, solution_types, distances_cka, ...;
        a distance matrix indexed by network label)."""
        variants = self.variants(task)
        folders = [self._task_folder(task) / "summary"]
        if variant is not None or len(variants) == 1:
            folders.insert(0, self._summary_folder(task, variant))
        for folder in folders:
            path = folder / f"{name}.tsv"
            if path.is_file():
                return read_table(path, name, index=name.startswith("distances_"))
        if variant is None and len(variants) > 1:
            self._variant(task, variant)  # a variant's table: says to name one
        held = sorted({p.stem for folder in folders for p in folder.glob("*.tsv")})
        raise ResultsError(
            f"no table {name!r} in {' or '.join(map(str, folders))}: tables are "
            f"{', '.join(held) or 'none (has the run finished?)'}"
        )

    # -- one network --------------------------------------------------------------------------
    def folder(
        self,
        task: str,
        size: int | None = None,
        seed: int | None = None,
        variant: str | None = None,
        external: str | None = None,
    ) -> Path:
        """The folder of one network: of the ensemble by ``size`` and ``seed`` (and
        ``variant`` where the task has several), or trained elsewhere by its ``external``
        name."""
        if external is not None:
            names = self.externals(task)
            if external not in names:
                raise ResultsError(
                    f"no external network {external!r} for task {task!r}: external networks "
                    f"are {', '.join(names) or 'none'}"
                )
            return self._task_folder(task) / "external" / external
        if size is None or seed is None:
            raise ResultsError("name a network by size and seed, or by its external name")
        variant = self._variant(task, variant)
        path = self._task_folder(task) / variant / f"N{size}" / f"seed{seed}"
        if not path.is_dir():
            grid = sorted(
                (int(p.parent.name[1:]), int(p.name[4:]))
                for p in (self._task_folder(task) / variant).glob("N*/seed*")
            )
            raise ResultsError(
                f"no network N = {size}, seed {seed} in {task}/{variant}: networks are "
                + ", ".join(f"N{n}/seed{s}" for n, s in grid)
            )
        return path

    def network(self, task: str, size=None, seed=None, variant=None, external=None):
        """The trained network (``weights.h5``) as a
        :class:`~rnn_ensembles.models.base.RecurrentNetwork`: ``run``, ``step``,
        ``jacobian``, ``recurrent_matrix`` and its training record in ``attrs``."""
        return self._network_file(task, size, seed, variant, external, "weights.h5")

    def initial_network(self, task: str, size, seed, variant=None) -> RecurrentNetwork:
        """The same network before training (``initial_weights.h5``)."""
        return self._network_file(task, size, seed, variant, None, "initial_weights.h5")

    def metrics(self, task: str, size=None, seed=None, variant=None, external=None) -> dict:
        """The network's measures on the test trials and its success (``metrics.json``)."""
        path = self.folder(task, size, seed, variant, external) / "metrics.json"
        return read_json(path, "metrics", ("accuracy", "success"))

    def history(self, task: str, size, seed, variant=None) -> pd.DataFrame:
        """Loss and validation accuracy per epoch of its training (``history.tsv``)."""
        return read_table(self.folder(task, size, seed, variant) / "history.tsv", "history")

    def robustness(self, task: str, size=None, seed=None, variant=None, external=None):
        """Its accuracy, MSE and error under each perturbation level (``robustness.tsv``)."""
        path = self.folder(task, size, seed, variant, external) / "robustness.tsv"
        return read_table(path, "robustness")

    def fixed_points(self, task: str, size=None, seed=None, variant=None, external=None):
        """Its fixed points with their Jacobian eigenvalues and stability
        (``fixed_points.h5``) as :class:`~rnn_ensembles.fixed_points.FixedPoints`."""
        path = self.folder(task, size, seed, variant, external) / "fixed_points.h5"
        return FixedPoints.restore(path)

    def topology(self, task: str, size=None, seed=None, variant=None, external=None):
        """The graph of its dynamics (``topology.json``) as
        :class:`~rnn_ensembles.topology.Topology`."""
        path = self.folder(task, size, seed, variant, external) / "topology.json"
        return Topology.restore(path)

    def analysis(
        self, task: str, size=None, seed=None, variant=None, external=None, names=FIGURE_ARRAYS
    ) -> dict:
        """Arrays of its analysis (``analysis.h5``) by name: eigenvalues, the probe trials'
        outputs, the SVD projection of their activity, the memory states' positions, ..."""
        path = self.folder(task, size, seed, variant, external) / "analysis.h5"
        return read_analysis(path, names)

    # -- the task ---------------------------------------------------------------------------
    def dataset(self, task: str, splits=datasets.SPLITS) -> datasets.Dataset:
        """The trials of the task (``dataset.h5``): ``inputs(split)``, ``targets(split)``,
        ``mask(split)``, ``conditions(split)`` and ``task()``, for the splits train,
        validation, test and probe."""
        return datasets.read(self._task_folder(task) / "dataset.h5", splits)

    # -- helpers ----------------------------------------------------------------------------
    def _task_folder(self, task: str) -> Path:
        if task not in self.tasks:
            raise ResultsError(
                f"no task {task!r} in {self.path}: tasks are {', '.join(self.tasks) or 'none'}"
            )
        return self.path / task

    def _variant(self, task: str, variant: str | None) -> str:
        variants = self.variants(task)
        if variant is None and len(variants) == 1:
            return variants[0]
        if variant in variants:
            return variant
        named = "name one" if variant is None else f"no variant {variant!r}"
        raise ResultsError(
            f"{named} of task {task!r}: variants are {', '.join(variants) or 'none'}"
        )

    def _summary_folder(self, task: str, variant: str | None) -> Path:
        return self._task_folder(task) / self._variant(task, variant) / "summary"

    def _network_file(self, task, size, seed, variant, external, name) -> RecurrentNetwork:
        return load_network(self.folder(task, size, seed, variant, external) / name)


def _label_order(label: str) -> tuple:
    """Sort key of ``<variant>/N<size>/seed<seed>``: by variant, then size and seed as numbers."""
    variant, size, seed = label.split("/")
    return variant, int(size[1:]), int(seed[4:])
