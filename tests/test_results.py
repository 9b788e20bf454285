"""rnn_ensembles.results on the tiny run: the tables are the files, the networks reproduce
their metrics, the fixed points are fixed points, and names it does not hold are refused
naming what it holds."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from rnn_ensembles.io import DataFileError
from rnn_ensembles.results import Results, ResultsError

SIZES, SEEDS = (2, 8), (1, 2)
LABELS = [f"simple_rnn/N{n}/seed{s}" for n in SIZES for s in SEEDS]


@pytest.fixture(scope="module")
def results(tiny_run):
    return Results(tiny_run / "results")


def test_what_the_folder_holds(results):
    assert results.tasks == ["tiny"]
    assert results.variants("tiny") == ["simple_rnn"]
    assert results.externals("tiny") == []
    assert results.labels("tiny") == LABELS
    assert "tiny" in repr(results)


def test_tables_are_the_files(results, tiny_run):
    summary = tiny_run / "results/tiny/simple_rnn/summary"
    for name, frame in (
        ("networks", results.networks("tiny")),
        ("sizes", results.sizes("tiny", "simple_rnn")),
        ("realisations", results.table("tiny", "realisations")),
    ):
        pd.testing.assert_frame_equal(frame, pd.read_csv(summary / f"{name}.tsv", sep="\t"))
    assert results.minimal_size("tiny") == json.loads((summary / "minimal_size.json").read_text())
    assert list(results.networks("tiny")[["size", "seed"]].itertuples(index=False)) == [
        (n, s) for n in SIZES for s in SEEDS
    ]
    # A task-level table; a distance matrix is indexed by the networks' labels.
    clusters = results.table("tiny", "clusters")
    assert sorted(clusters["network"]) == LABELS
    cka = results.table("tiny", "distances_cka")
    assert list(cka.index) == list(cka.columns) == LABELS
    assert np.allclose(np.diag(cka.to_numpy()), 0.0)


def test_each_network_reproduces_its_metrics(results):
    data = results.dataset("tiny")
    task, test = data.task(), data.trials("test")
    for size in SIZES:
        for seed in SEEDS:
            network = results.network("tiny", size=size, seed=seed)
            metrics = results.metrics("tiny", size, seed)
            assert network.n_units == size and network.attrs["seed"] == seed
            _, outputs = network.run(test.inputs)
            scores = task.score(outputs, test.targets, test.mask, test.conditions)
            assert scores["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-12)
            history = results.history("tiny", size, seed)
            assert len(history) == network.attrs["epochs"] == metrics["epochs"]
            # The config's recurrent_initializer: the identity before training.
            initial = results.initial_network("tiny", size, seed)
            np.testing.assert_array_equal(initial.recurrent_matrix(), np.eye(size))


def test_fixed_points_are_fixed_points_of_the_network(results, tiny_run):
    for size in SIZES:
        for seed in SEEDS:
            network = results.network("tiny", size=size, seed=seed)
            found = results.fixed_points("tiny", size, seed)
            assert len(found) > 0
            inputs = np.zeros(network.n_inputs)  # the flip-flop's only constant input
            moved = np.linalg.norm(network.step(found.points, inputs) - found.points, axis=1)
            assert moved.max() < 1e-4
            summary = json.loads(
                (
                    tiny_run / f"results/tiny/simple_rnn/N{size}/seed{seed}/fixed_points.json"
                ).read_text()
            )
            assert found.counts()["n_stable"] == summary["n_stable"]
            # Every node of the topology is one of those points.
            topology = results.topology("tiny", size, seed)
            assert {node["index"] for node in topology.nodes} <= set(range(len(found)))
            curves = results.robustness("tiny", size, seed)
            assert set(curves["perturbation"]) >= {"noise", "amplitude"}
            arrays = results.analysis("tiny", size, seed, names=("eigenvalues",))
            np.testing.assert_allclose(
                np.sort_complex(arrays["eigenvalues"]),
                np.sort_complex(np.linalg.eigvals(network.recurrent_matrix())),
                atol=1e-10,
            )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.network("flipflop", 2, 1), "no task 'flipflop' in .*: tasks are tiny"),
        (
            lambda r: r.network("tiny", 2, 1, variant="gru"),
            "no variant 'gru' of task 'tiny': variants are simple_rnn",
        ),
        (
            lambda r: r.network("tiny", size=4, seed=1),
            "no network N = 4, seed 1 in tiny/simple_rnn: networks are N2/seed1, N2/seed2, "
            "N8/seed1, N8/seed2",
        ),
        (
            lambda r: r.network("tiny", external="paper"),
            "no external network 'paper' for task 'tiny': external networks are none",
        ),
        (lambda r: r.network("tiny", size=2), "name a network by size and seed"),
        (lambda r: r.table("tiny", "cluster"), "no table 'cluster' in .*: tables are .*clusters"),
    ],
)
def test_names_it_does_not_hold_are_refused_naming_what_it_holds(results, call, message):
    with pytest.raises(ResultsError, match=message):
        call(results)


def test_a_missing_folder_or_file_is_named(tiny_run, tmp_path):
    with pytest.raises(ResultsError, match="no such results folder"):
        Results(tmp_path / "results")
    copy = tmp_path / "results"
    shutil.copytree(tiny_run / "results/tiny", copy / "tiny")
    folder = copy / "tiny/simple_rnn/N2/seed1"
    (folder / "metrics.json").unlink()
    (folder / "history.tsv").write_text("")
    results = Results(copy)
    with pytest.raises(DataFileError, match=f"{folder / 'metrics.json'}: metrics file does not"):
        results.metrics("tiny", 2, 1)
    with pytest.raises(DataFileError, match=f"{folder / 'history.tsv'}: not a readable history"):
        results.history("tiny", 2, 1)
