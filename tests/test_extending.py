"""The worked examples of docs/extending.md run: a new task (registered and in the schema),
a new architecture (trained, its numpy network the same as its Keras model), and a new
analysis (on the tiny run, in Python and as a rule of the workflow)."""

import shutil
import sys

import numpy as np
import pandas as pd
import pytest
import test_tasks as task_contract
import yaml
from conftest import REPO, snakemake
from test_defaults import documented_defaults, field_defaults, schema_defaults

from rnn_ensembles import dataset, models, tasks
from rnn_ensembles.config import ConfigError, check_config
from rnn_ensembles.fixed_points import FixedPointFinder
from rnn_ensembles.models import get_architecture, load_network
from rnn_ensembles.results import Results

EXAMPLES = REPO / "docs/examples"
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


@pytest.fixture
def examples(monkeypatch):
    """The examples registered as the docs say: the task in tasks.REGISTRY, the
    architecture in models.ARCHITECTURES (its module under rnn_ensembles.models)."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setitem(tasks.REGISTRY, "go_nogo", "go_nogo:GoNoGoTask")
    import relu_rnn

    monkeypatch.setitem(sys.modules, "rnn_ensembles.models.relu_rnn", relu_rnn)
    monkeypatch.setattr(models, "ARCHITECTURES", (*models.ARCHITECTURES, "relu_rnn"))


def schema_with_task() -> dict:
    """The config schema with the example task's block and kind added."""
    schema = yaml.safe_load(SCHEMA.read_text())
    task = schema["properties"]["tasks"]["additionalProperties"]
    task["properties"]["kind"]["enum"].append("go_nogo")
    task["allOf"] += yaml.safe_load((EXAMPLES / "go_nogo.schema.yaml").read_text())
    return schema


# -- a new task ---------------------------------------------------------------------------


def test_new_task_keeps_the_task_interface(examples):
    task = tasks.make_task("go_nogo", delay=10)
    task_contract.test_every_task_keeps_the_interface(task)
    task_contract.test_every_task_documents_itself(type(task))
    # Its rule: after a go cue the output holds 1 from the response on, else 0.
    trials = task.trials(20, np.random.default_rng(0))
    go = trials.conditions["go"]
    response = trials.targets[:, task.response_start :, 0]
    np.testing.assert_array_equal(response, np.broadcast_to(go[:, None], response.shape))
    assert not trials.targets[:, : task.response_start].any()
    cue = trials.inputs[:, task.cue_start : task.cue_start + task.cue_length, 0].mean(axis=1)
    np.testing.assert_array_equal(cue > 0, go == 1)
    # An output at rest answers every trial no-go.
    still = task.score(np.zeros_like(trials.targets), trials.targets, trials.mask)
    assert still["accuracy"] == pytest.approx(np.mean(go == 0))
    with pytest.raises(tasks.ParameterError, match="delay"):
        tasks.make_task("go_nogo", trial_length=50, delay=30)


def test_new_task_schema_block_checks_configs_and_states_the_defaults(examples, tmp_path):
    schema = schema_with_task()
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(schema))
    network = {"sizes": [4], "seeds": [1]}
    check_config({"tasks": {"gng": {"kind": "go_nogo", "delay": 5}}, "network": network}, path)
    with pytest.raises(ConfigError, match="tasks.gng.*pulse_length"):
        check_config(
            {"tasks": {"gng": {"kind": "go_nogo", "pulse_length": 5}}, "network": network}, path
        )
    block = next(
        b["then"]
        for b in schema["properties"]["tasks"]["additionalProperties"]["allOf"]
        if b["then"]["title"] == "go_nogo"
    )
    cls = tasks.task_class("go_nogo")
    assert schema_defaults(block) == field_defaults(cls) == documented_defaults(cls)


def test_new_task_makes_a_dataset_file(examples, tmp_path):
    data = dataset.generate("go_nogo", {}, {"train": 8, "validation": 4, "test": 4}, seed=3)
    dataset.write(data, tmp_path / "dataset.h5")
    again = dataset.read(tmp_path / "dataset.h5")
    assert again.task() == data.task()
    np.testing.assert_array_equal(again.inputs("probe"), data.inputs("probe"))


# -- a new architecture -------------------------------------------------------------------


def test_new_architecture_trains_and_is_its_keras_model(examples, tmp_path):
    from rnn_ensembles.training import TrainingConfig, train

    data = dataset.generate("go_nogo", {}, {"train": 64, "validation": 16, "test": 16}, 5)
    config = TrainingConfig(max_epochs=3, batch_size=32)
    result = train(data, "relu_rnn", 8, seed=1, config=config, log=lambda *_: None)
    assert len(result.history) == 3 and np.isfinite(result.history[-1]["loss"])
    network = get_architecture("relu_rnn").to_network(result.model, {"seed": 1})
    # The numpy network runs the Keras model's computation.
    inputs = data.inputs("test")
    _, outputs = network.run(inputs)
    np.testing.assert_allclose(outputs, result.model(inputs).numpy(), atol=1e-4)
    # Saved and loaded by its architecture's name.
    network.save(tmp_path / "weights.h5")
    loaded = load_network(tmp_path / "weights.h5")
    assert loaded.architecture == "relu_rnn" and loaded.attrs["seed"] == 1
    np.testing.assert_array_equal(loaded.W_rec, network.W_rec)
    # Its Jacobian is the derivative of its step (column convention).
    rng = np.random.default_rng(0)
    states, x = rng.normal(size=(3, 8)), rng.normal(size=(3, 1))
    eps = 1e-6
    numeric = np.stack(
        [
            (network.step(states + eps * e, x) - network.step(states - eps * e, x)) / (2 * eps)
            for e in np.eye(8)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(network.jacobian(states, x), numeric, atol=1e-6)
    # The fixed-point search works on it as on any architecture.
    trajectories = network.states(inputs).reshape(-1, network.state_size)
    found = FixedPointFinder(network, n_initial=16, max_rounds=2).search(trajectories)
    assert len(found) > 0
    moved = np.abs(network.step(found.points, np.zeros(1)) - found.points)
    assert moved.max() < 1e-6


# -- a new analysis -----------------------------------------------------------------------


@pytest.fixture
def dimensionality_module(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import dimensionality

    return dimensionality


def test_participation_ratio_counts_the_dimensions_the_activity_fills(dimensionality_module):
    participation_ratio = dimensionality_module.participation_ratio
    # Equal variance along k orthonormal directions of 6 units: exactly k.
    basis = np.linalg.qr(np.random.default_rng(0).normal(size=(6, 6)))[0]
    signs = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], float)
    for k in (1, 2, 3):
        activity = signs[:, :k] @ basis[:k]
        assert participation_ratio(activity) == pytest.approx(k)
    assert np.isnan(participation_ratio(np.ones((5, 3))))


def test_new_analysis_runs_on_a_run_and_as_a_rule(tiny_run, tmp_path, dimensionality_module):
    table = dimensionality_module.dimensionality_table(Results(tiny_run / "results"), "tiny")
    assert list(zip(table["size"], table["seed"], strict=True)) == [(2, 1), (2, 2), (8, 1), (8, 2)]
    assert (
        (table["participation_ratio"] >= 1) & (table["participation_ratio"] <= table["size"])
    ).all()
    # The rule, in the workflow, on a copy of the run: only it runs, and writes the same.
    shutil.copytree(tiny_run, tmp_path / "run", symlinks=True)
    target = "results/tiny/simple_rnn/summary/dimensionality.tsv"
    proc = snakemake(tmp_path / "run", "--cores", "1", target, snakefile=EXAMPLES / "Snakefile")
    assert "analyse_dimensionality" in proc.stderr and "train_stack" not in proc.stderr
    written = pd.read_csv(tmp_path / "run" / target, sep="\t")
    pd.testing.assert_frame_equal(written, table.drop(columns="success"))
