"""Every task beyond the flip-flop, and a NeuroGym environment, through the whole workflow,
crossed with two architecture variants (tests/configs/tasks.yaml): what each file says is
true of the task and of the network beside it."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import CONFIGS, snakemake

from rnn_ensembles import dataset
from rnn_ensembles.analysis import read_analysis
from rnn_ensembles.fixed_points import FixedPoints
from rnn_ensembles.models import load_network

CONFIGFILE = CONFIGS / "tasks.yaml"
CONFIG = yaml.safe_load(CONFIGFILE.read_text())
TASKS = list(CONFIG["tasks"])
VARIANTS = CONFIG["network"]["variants"]
SIZE = CONFIG["network"]["sizes"][0]
SEEDS = {v: spec.get("seeds", CONFIG["network"]["seeds"]) for v, spec in VARIANTS.items()}
NETWORKS = [(v, s) for v, seeds in SEEDS.items() for s in seeds]
PSYCHOMETRIC_KINDS = ("perceptual_decision", "context_decision", "delayed_comparison")
PSYCHOMETRIC = [t for t in TASKS if CONFIG["tasks"][t]["kind"] in PSYCHOMETRIC_KINDS]
SUCCESS_ACCURACY = 0.99  # the schema's default criterion.accuracy


@pytest.fixture(scope="module")
def tasks_run(tmp_path_factory):
    if importlib.util.find_spec("neurogym") is None:
        pytest.skip("NeuroGym is not installed (README: pip install --no-deps neurogym==2.3.1)")
    workdir = tmp_path_factory.mktemp("tasks_run")
    snakemake(workdir, "--cores", "2", configfile=CONFIGFILE, timeout=1200)
    return workdir / "results"


def network_folders(results, task):
    return [results / task / variant / f"N{SIZE}" / f"seed{seed}" for variant, seed in NETWORKS]


@pytest.mark.parametrize("task", TASKS)
def test_dataset_holds_the_task_s_mask_conditions_and_probe_trials(tasks_run, task):
    data = dataset.read(tasks_run / task / "dataset.h5")
    spec = CONFIG["tasks"][task]
    generator = data.task()
    assert generator.KIND == spec["kind"]
    sizes = {name: CONFIG["dataset"][f"n_{name}"] for name in dataset.RANDOM_SPLITS}
    again = dataset.generate(spec["kind"], data.task_params, sizes, CONFIG["dataset"]["seed"])
    for split in dataset.SPLITS:
        stored, fresh = data.trials(split), again.trials(split)
        np.testing.assert_array_equal(stored.mask, fresh.mask)
        assert stored.mask.shape == stored.targets.shape
        assert (stored.mask > 0).any(axis=(1, 2)).all(), f"{split}: a trial with no counted step"
        assert set(stored.conditions) == set(fresh.conditions) and stored.conditions
        for name, column in fresh.conditions.items():
            np.testing.assert_array_equal(stored.conditions[name], column)
    probe = data.trials("probe")
    np.testing.assert_array_equal(probe.inputs, generator.probe_trials().inputs)


@pytest.mark.parametrize("task", TASKS)
def test_reported_accuracy_is_the_saved_keras_model_s_on_the_task_s_score(tasks_run, task):
    import keras

    import rnn_ensembles.models.layers  # noqa: F401 - registers the custom cell

    data = dataset.read(tasks_run / task / "dataset.h5", splits=("test",))
    generator, test = data.task(), data.trials("test")
    for folder in network_folders(tasks_run, task):
        metrics = json.loads((folder / "metrics.json").read_text())
        outputs = keras.models.load_model(folder / "model.keras").predict(test.inputs, verbose=0)
        scores = generator.score(outputs, test.targets, test.mask, test.conditions)
        assert scores["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-12), folder
        mse = float(np.mean(test.mask * (outputs - test.targets) ** 2))
        assert mse == pytest.approx(metrics["mse"], rel=1e-4), folder
        for name, value in scores.items():  # counts are exact, errors up to float32 rounding
            tolerance = {"abs": 1e-12} if name.startswith("accuracy") else {"rel": 1e-4}
            assert metrics[name] == pytest.approx(value, nan_ok=True, **tolerance), (folder, name)
        assert metrics["success"] == (metrics["accuracy"] >= SUCCESS_ACCURACY)


@pytest.mark.parametrize("task", TASKS)
def test_fixed_points_are_searched_under_every_constant_input_of_the_task(tasks_run, task):
    generator = dataset.read(tasks_run / task / "dataset.h5", splits=()).task()
    inputs = generator.constant_inputs()
    for folder in network_folders(tasks_run, task):
        summary = json.loads((folder / "fixed_points.json").read_text())
        assert set(summary["fixed_points_by_input"]) == set(inputs)
        found = FixedPoints.restore(folder / "fixed_points.h5")
        assert found.input_names() == list(inputs)
        network = load_network(folder / "weights.h5")
        for index, vector in enumerate(inputs.values()):
            part = found.under(index)
            assert part.counts() == summary["fixed_points_by_input"][found.input_names()[index]]
            if len(part):  # each point is a fixed point of the step at its own input
                moved = network.step(part.points, vector) - part.points
                assert np.abs(moved).max() < 1e-3, (folder, index)


@pytest.mark.parametrize("task", TASKS)
def test_realisations_are_compared_on_the_task_s_probe_conditions(tasks_run, task):
    data = dataset.read(tasks_run / task / "dataset.h5", splits=("probe",))
    labels = data.task().probe_labels(data.conditions("probe"))
    conditions = list(dict.fromkeys(labels.astype(str)))
    for folder in network_folders(tasks_run, task):
        arrays = read_analysis(folder / "analysis.h5", ("state_names", "state_positions"))
        assert list(arrays["state_names"]) == conditions
        assert arrays["state_positions"].shape == (len(conditions), 3)
    pairs = pd.read_csv(tasks_run / task / "summary/distances_procrustes.tsv", sep="\t")
    assert len(pairs) == len(NETWORKS)


@pytest.mark.parametrize("task", PSYCHOMETRIC)
def test_psychometric_table_counts_every_test_trial_of_every_network(tasks_run, task):
    n_test = CONFIG["dataset"]["n_test"]
    for variant, seeds in SEEDS.items():
        table = pd.read_csv(tasks_run / task / variant / "summary/psychometric.tsv", sep="\t")
        assert sorted(table["seed"].unique()) == sorted(seeds)
        assert table["fraction_plus"].between(0, 1).all()
        for seed, rows in table.groupby("seed"):
            metrics = json.loads(
                (tasks_run / task / variant / f"N{SIZE}/seed{seed}/metrics.json").read_text()
            )
            if "coherence_of" in rows:  # each trial is in one relevant and one irrelevant row
                rows = rows[rows["coherence_of"] == "relevant"]
            assert rows["n_trials"].sum() == n_test
            correct = (rows["accuracy"] * rows["n_trials"]).sum() / n_test
            assert correct == pytest.approx(metrics["accuracy"], abs=1e-9)
        assert (tasks_run / task / variant / "summary/figures/psychometric.png").stat().st_size


def test_every_task_and_variant_is_summarised(tasks_run):
    for task in TASKS:
        variants = pd.read_csv(tasks_run / task / "summary/variants.tsv", sep="\t")
        assert set(variants["variant"]) == set(VARIANTS)
        for variant in VARIANTS:
            minimal = json.loads(
                (tasks_run / task / variant / "summary/minimal_size.json").read_text()
            )
            assert "minimal_size" in minimal
    gate = dataset.read(tasks_run / "gate/dataset.h5", splits=()).task()
    assert not hasattr(gate, "psychometric")
    assert not (tasks_run / "gate/simple_rnn/summary/psychometric.tsv").exists()


def test_report_has_a_section_per_task(tasks_run):
    report = tasks_run / "report.html"
    snakemake(tasks_run.parent, "--report", str(report), configfile=CONFIGFILE)
    page = report.read_text()
    for task in TASKS:
        assert f"{task}: 1. Dataset" in page and f"{task}: 4. Ensemble" in page
