"""Seeds trained as one stacked model: each member ends with the weights, history and stop of
the same seed trained alone (``training.train``: Keras's Adam, the plain BPTT), to the last
bit, on this process's threads (as many as TensorFlow takes by default);
a member that stops or diverges leaves the others untouched; a killed stack resumes every
member from its own checkpoint; and the workflow's stacks write each network's files."""

from __future__ import annotations

import re

import h5py
import numpy as np
import pytest
import yaml
from conftest import CONFIGS, REPO, snakemake

from rnn_ensembles import dataset, training
from rnn_ensembles.models import ARCHITECTURES
from rnn_ensembles.stacking import train_stack

TINY = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
TINY_TASK = {k: v for k, v in TINY["tasks"]["tiny"].items() if k != "kind"}
TINY_SPLITS = {name: TINY["dataset"][f"n_{name}"] for name in ("train", "validation", "test")}
TASKS = yaml.safe_load((CONFIGS / "tasks.yaml").read_text())["tasks"]
CONSTRAINED = {"dale": True, "connection_probability": 0.5, "dale_inputs": "nonnegative"}
STACKED_VARIANTS = [
    ("simple_rnn", {}),
    ("simple_rnn", {"connection_probability": 0.5, "autapses": False}),
    ("leaky_rnn", {"tau": 4.0, "recurrent_initializer": "orthogonal", **CONSTRAINED}),
]
SEEDS = (1, 2, 3)
QUIET = {"log": lambda _: None}


class Killed(Exception):
    """Stands for the job being killed."""


@pytest.fixture(scope="module")
def flipflop():
    return dataset.generate("flipflop", TINY_TASK, TINY_SPLITS, 7)


@pytest.fixture(scope="module")
def decision():
    """A task with a loss mask (the fixation and grace periods are free)."""
    spec = TASKS["context"]
    data = dataset.generate(
        spec["kind"], {k: v for k, v in spec.items() if k != "kind"}, TINY_SPLITS, 7
    )
    assert not np.all(data.mask("train") == 1)
    return data


def assert_same_network(got, want):
    for a, b in zip(got.model.get_weights(), want.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert (got.status, got.reason, got.epochs) == (want.status, want.reason, want.epochs)
    drop = ("seconds",)
    assert [{k: v for k, v in row.items() if k not in drop} for row in got.history] == [
        {k: v for k, v in row.items() if k not in drop} for row in want.history
    ]


def alone(data, name, options, config, seeds=SEEDS, n_units=6):
    return [
        training.train(data, name, n_units, seed, config, model_options=options, **QUIET)
        for seed in seeds
    ]


@pytest.mark.parametrize(("name", "options"), STACKED_VARIANTS, ids=str)
def test_a_member_of_a_stack_ends_as_the_same_seed_trained_alone(flipflop, name, options):
    config = training.TrainingConfig(max_epochs=3, batch_size=32, target_accuracy=None)
    stacked = train_stack(flipflop, name, 6, SEEDS, config, model_options=options, **QUIET)
    for got, want in zip(stacked, alone(flipflop, name, options, config), strict=True):
        assert_same_network(got, want)
        assert got.attrs["stack_seeds"] == list(SEEDS)
    # The members are different networks: each its own seed, batches and updates.
    assert not np.array_equal(stacked[0].model.get_weights()[1], stacked[1].model.get_weights()[1])
    if "connection_probability" in options:  # each member its own connection mask
        masks = [r.model.get_layer("recurrent").cell.mask for r in stacked]
        assert not np.array_equal(masks[0], masks[1])
        for result, mask in zip(stacked, masks, strict=True):
            w_rec = result.model.get_layer("recurrent").cell.effective_kernels()[1].numpy()
            assert np.all(w_rec[mask == 0] == 0)


def test_a_masked_task_stacks_to_the_same_weights(decision):
    # 64 trials in batches of 24: the last batch of each epoch is smaller (16), as in
    # config.yaml (2,000 in batches of 64).
    config = training.TrainingConfig(max_epochs=2, batch_size=24, target_accuracy=None)
    stacked = train_stack(decision, "simple_rnn", 6, SEEDS, config, **QUIET)
    for got, want in zip(stacked, alone(decision, "simple_rnn", {}, config), strict=True):
        assert_same_network(got, want)


def test_members_stop_at_their_own_epoch_and_the_rest_go_on(flipflop):
    free = training.TrainingConfig(max_epochs=4, batch_size=32, target_accuracy=None)
    losses = {r.history[0]["loss"]: r for r in alone(flipflop, "simple_rnn", {}, free)}
    # Just above the best first epoch: that member stops after one epoch, the others later
    # or never.
    threshold = min(losses) * (1 + 1e-6)
    config = training.TrainingConfig(
        max_epochs=4, batch_size=32, target_accuracy=None, loss_threshold=threshold
    )
    messages = []
    stacked = train_stack(flipflop, "simple_rnn", 6, SEEDS, config, log=messages.append)
    for got, want in zip(stacked, alone(flipflop, "simple_rnn", {}, config), strict=True):
        assert_same_network(got, want)
    assert len({r.epochs for r in stacked}) > 1, [r.epochs for r in stacked]
    assert stacked[[r.epochs for r in stacked].index(1)].status == "converged"
    # The stack went on without the member that stopped.
    assert sum(m.startswith("stack of seeds") for m in messages) >= 2


def test_a_diverging_member_leaves_the_others_untouched(flipflop):
    config = training.TrainingConfig(max_epochs=2, batch_size=32, target_accuracy=None)

    def blow_up_seed_2(seed, model):
        if seed == 2:  # a recurrent matrix whose state overflows float32 at the first step
            kernel = model.get_layer("recurrent").cell.recurrent_kernel
            kernel.assign(kernel * 1e38)
            model.get_layer("readout").kernel.assign(model.get_layer("readout").kernel * 1e38)

    stacked = train_stack(
        flipflop, "simple_rnn", 6, SEEDS, config, on_build=blow_up_seed_2, **QUIET
    )
    assert stacked[1].status == "diverged" and stacked[1].epochs == 1
    for got, want in zip(
        [stacked[0], stacked[2]],
        alone(flipflop, "simple_rnn", {}, config, seeds=(1, 3)),
        strict=True,
    ):
        assert_same_network(got, want)


def test_the_same_stack_trained_twice_is_identical(flipflop):
    config = training.TrainingConfig(max_epochs=2, batch_size=32, target_accuracy=None)
    options = STACKED_VARIANTS[2][1]
    first, second = (
        train_stack(flipflop, "leaky_rnn", 6, SEEDS, config, model_options=options, **QUIET)
        for _ in range(2)
    )
    for got, want in zip(first, second, strict=True):
        assert_same_network(got, want)


@pytest.mark.parametrize("kill_after", ["seed 1 epoch 2", "seed 3 epoch 2"])
def test_a_killed_stack_resumes_every_member_from_its_checkpoint(flipflop, tmp_path, kill_after):
    """Killed after seed 1 wrote the log line of its epoch 2 (and before its checkpoint), or
    after seed 3's: the members resume from different epochs, and every one ends as if the
    stack had never stopped."""
    config = training.TrainingConfig(max_epochs=3, batch_size=32, target_accuracy=None)
    dirs = [tmp_path / f"seed{seed}" for seed in SEEDS]
    straight = train_stack(flipflop, "simple_rnn", 6, SEEDS, config, **QUIET)

    def kill(message):
        if message.startswith(kill_after):
            raise Killed

    with pytest.raises(Killed):
        train_stack(flipflop, "simple_rnn", 6, SEEDS, config, dirs, log=kill)
    messages = []
    resumed = train_stack(flipflop, "simple_rnn", 6, SEEDS, config, dirs, log=messages.append)
    resumes = {m for m in messages if "resuming" in m}
    expected = {1: 1, 2: 1, 3: 1} if kill_after.startswith("seed 1") else {1: 2, 2: 2, 3: 1}
    assert resumes == {
        f"seed {seed}: resuming from the checkpoint after epoch {epoch}"
        for seed, epoch in expected.items()
    }
    for got, want in zip(resumed, straight, strict=True):
        assert_same_network(got, want)


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_every_architecture_trains_in_a_stack(flipflop, name):
    """The gated networks have no stacked form: their seeds train one after another in the
    stack's job, with the same result."""
    config = training.TrainingConfig(max_epochs=1, batch_size=32, target_accuracy=None)
    messages = []
    stacked = train_stack(flipflop, name, 4, (1, 2), config, log=messages.append)
    for got, want in zip(stacked, alone(flipflop, name, {}, config, (1, 2), 4), strict=True):
        assert_same_network(got, want)
    one_by_one = any("seeds trained one after another" in m for m in messages)
    assert one_by_one == (name in ("gru", "lstm"))


def test_a_large_network_on_a_cpu_trains_its_seeds_one_after_another(flipflop):
    """Above CPU_STACK_MAX_UNITS a CPU's batched matmuls are no faster than the members'."""
    from rnn_ensembles.stacking import CPU_STACK_MAX_UNITS

    config = training.TrainingConfig(max_epochs=1, batch_size=32, target_accuracy=None)
    messages = []
    n_units = CPU_STACK_MAX_UNITS + 1
    stacked = train_stack(flipflop, "simple_rnn", n_units, (1, 2), config, log=messages.append)
    assert any(f"N = {n_units} > {CPU_STACK_MAX_UNITS}" in m for m in messages), messages
    for got, want in zip(
        stacked, alone(flipflop, "simple_rnn", {}, config, (1, 2), n_units), strict=True
    ):
        assert_same_network(got, want)


def test_recurrent_noise_trains_its_seeds_one_after_another(flipflop):
    config = training.TrainingConfig(max_epochs=1, batch_size=32, target_accuracy=None)
    messages = []
    options = {"noise_std": 0.1}
    stacked = train_stack(
        flipflop, "leaky_rnn", 4, (1, 2), config, model_options=options, log=messages.append
    )
    assert any("noise_std = 0.1" in m for m in messages)
    for got, want in zip(
        stacked, alone(flipflop, "leaky_rnn", options, config, (1, 2), 4), strict=True
    ):
        assert_same_network(got, want)


def test_a_stack_holds_each_seed_once(flipflop):
    config = training.TrainingConfig(max_epochs=1)
    with pytest.raises(ValueError, match=r"seeds \[1, 1\]: a stack holds each seed once"):
        train_stack(flipflop, "simple_rnn", 4, (1, 1), config, **QUIET)


def test_stacked_gradients_of_each_member_are_its_own():
    """The stacked BPTT against each member alone (a stack of one), with a NaN member."""
    import tensorflow as tf

    from rnn_ensembles.models.simple_rnn import RateStack

    rng = np.random.default_rng(0)
    k, batch, steps, n_in, n_units, n_out = 3, 5, 27, 2, 7, 2
    variables = [
        rng.standard_normal((k, n_in, n_units)),
        rng.standard_normal((k, n_units, n_units)) / np.sqrt(n_units),
        rng.standard_normal((k, n_units, n_out)),
        rng.standard_normal((k, n_out)),
    ]
    variables = [tf.constant(v, tf.float32) for v in variables]
    variables[1] = tf.tensor_scatter_nd_update(variables[1], [[1, 0, 0]], [np.nan])
    x = tf.constant(rng.standard_normal((k, batch, steps, n_in)), tf.float32)
    y = tf.constant(rng.standard_normal((k, batch, steps, n_out)), tf.float32)
    mask = tf.constant(rng.random((k, batch, steps, n_out)) > 0.3, tf.float32)
    masks = (rng.random((k, n_units, n_units)) < 0.6).astype(float)
    stack = RateStack(0.5, np.where(np.arange(n_units) < 5, 1.0, -1.0), masks, True)
    loss, grads = stack.loss_and_gradients(variables, x, y, mask)
    assert np.isnan(loss[1]) and np.all(np.isfinite(loss.numpy()[[0, 2]]))
    for j in (0, 2):
        one = stack.subset([j])
        loss_j, grads_j = one.loss_and_gradients(
            [v[j : j + 1] for v in variables], x[j : j + 1], y[j : j + 1], mask[j : j + 1]
        )
        assert loss_j.numpy()[0] == loss.numpy()[j]
        for g, g_j in zip(grads, grads_j, strict=True):
            np.testing.assert_array_equal(g.numpy()[j], g_j.numpy()[0])
        # Against the model written out step by step in numpy, in float64.
        v = [np.asarray(a[j], np.float64) for a in variables]
        w_in, w_rec = np.abs(v[0]), np.abs(v[1]) * stack.signs[:, None] * masks[j]
        h = np.zeros((batch, n_units))
        outputs = []
        for t in range(steps):
            h = 0.5 * h + 0.5 * np.tanh(x.numpy()[j, :, t] @ w_in + h @ w_rec)
            outputs.append(h @ v[2] + v[3])
        error = np.stack(outputs, 1) - y.numpy()[j]
        np.testing.assert_allclose(
            loss_j.numpy()[0], np.mean(mask.numpy()[j] * error**2), rtol=1e-5
        )


def test_the_workflow_trains_a_stack_per_size_with_each_networks_files(tiny_run, tmp_path):
    """tiny.yaml stacks both seeds of a size (the default); stack_size 1, a job per
    network, writes the same weights to the bit."""
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config["training"]["stack_size"] = 1
    configfile = tmp_path / "one_per_job.yaml"
    configfile.write_text(yaml.safe_dump(config))
    snakemake(tmp_path, "--cores", "2", "--until", "train_stack", configfile=configfile)
    jobs = sorted((tiny_run / "results/tiny/benchmarks/train_stack").iterdir())
    assert [p.name for p in jobs] == ["simple_rnn_N2_seeds1_2.tsv", "simple_rnn_N8_seeds1_2.tsv"]
    singles = sorted((tmp_path / "results/tiny/benchmarks/train_stack").iterdir())
    assert len(singles) == 4
    for size in (2, 8):
        for seed in (1, 2):
            folder = f"results/tiny/simple_rnn/N{size}/seed{seed}"
            with (
                h5py.File(tiny_run / folder / "weights.h5") as a,
                h5py.File(tmp_path / folder / "weights.h5") as b,
            ):
                assert a.attrs["seed"] == seed and a.attrs["n_units"] == size
                assert a.attrs["stack_seeds"] == "[1, 2]" and b.attrs["stack_seeds"] == f"[{seed}]"
                for name in a:
                    np.testing.assert_array_equal(a[name][()], b[name][()])
            assert f"seed {seed} epoch 2" in (tiny_run / folder / "train.log").read_text()


def planned_training_jobs(workdir, configfile) -> set[tuple]:
    """(rule, variant, size, seed or None) of every training job a forced dry run lists."""
    out = snakemake(workdir, "--dry-run", "--forceall", configfile=configfile).stdout
    jobs = re.findall(r"^rule (train_stack\w*):\n(?:[ ].*\n)*?\s+wildcards: (.*)$", out, re.M)
    planned = set()
    for rule, text in jobs:
        wildcards = dict(item.split("=", 1) for item in text.split(", "))
        planned.add((rule, wildcards["variant"], int(wildcards["size"]), wildcards.get("seed")))
    return planned


@pytest.mark.parametrize("gpu", [False, True], ids=["cpu", "gpu"])
def test_by_default_only_what_a_stack_speeds_up_is_stacked(tmp_path, gpu):
    """stack_size null: the rate networks stack (on a CPU up to N = 32, on a GPU at every
    N), the others train a job per network, each network exactly once."""
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config["network"] = {
        "sizes": [8, 40],
        "seeds": [1, 2, 3],
        "variants": {
            "vanilla": {"architecture": "simple_rnn"},
            "noisy": {"architecture": "leaky_rnn", "noise_std": 0.1},
            "gru": {"architecture": "gru", "sizes": [8]},
        },
    }
    config["training"].update(stack_size=None, gpu=gpu)
    configfile = tmp_path / "auto.yaml"
    configfile.write_text(yaml.safe_dump(config))
    jobs = planned_training_jobs(tmp_path, configfile)
    stacked = {(v, n) for rule, v, n, seed in jobs if seed is None}
    alone = sorted((v, n, int(seed)) for rule, v, n, seed in jobs if seed is not None)
    assert stacked == ({("vanilla", 8), ("vanilla", 40)} if gpu else {("vanilla", 8)})
    lone = [("gru", 8), ("noisy", 8), ("noisy", 40)] + ([] if gpu else [("vanilla", 40)])
    assert alone == sorted((v, n, seed) for v, n in lone for seed in (1, 2, 3))
    # The stacks' rule is preferred where the networks of a variant train both ways.
    assert {rule for rule, *_, seed in jobs if seed is None} == {"train_stack"}
    assert {rule for rule, *_, seed in jobs if seed is not None} == {"train_stack_2"}


def test_stacks_of_a_given_size_become_one_rule_each(tmp_path):
    """stack_size 2 of seeds 1-3: stacks (1, 2) and (3); the GPU profile gives both one GPU."""
    from test_resources import job_resources

    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config["network"]["seeds"] = [1, 2, 3]
    config["training"]["stack_size"] = 2
    configfile = tmp_path / "stacks.yaml"
    configfile.write_text(yaml.safe_dump(config))
    for target, rule in [
        ("results/tiny/simple_rnn/N8/seed2/weights.h5", "train_stack"),
        ("results/tiny/simple_rnn/N8/seed3/weights.h5", "train_stack_2"),
    ]:
        jobs = job_resources(
            tmp_path, target, "--profile", str(REPO / "profiles/gpu"), configfile=configfile
        )
        assert jobs[rule]["gpu"] == "1", jobs


def test_a_stack_size_below_one_is_refused(tmp_path):
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config["training"]["stack_size"] = 0
    configfile = tmp_path / "bad.yaml"
    configfile.write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "-n", configfile=configfile, check=False)
    console = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "training.stack_size = 0" in console, console
