"""The real workflow, run by Snakemake on the tiny config, against the file contracts."""

import json

import h5py
import numpy as np
import pandas as pd

from rnn_ensembles import dataset
from rnn_ensembles.models import load_network
from rnn_ensembles.training import HISTORY_COLUMNS

SIZES, SEEDS = (2, 8), (1, 2)


def test_dataset_file_contract(tiny_run):
    path = tiny_run / "results/tiny/dataset.h5"
    with h5py.File(path) as handle:
        assert handle.attrs["content"] == "dataset" and handle.attrs["format_version"] == 2
        for key in (
            "seed",
            "n_bits",
            "pulse_length",
            "delay",
            "noise_std",
            "trial_length",
            "pulse_offsets",
            "jitter",
            "first_pulse_window",
        ):
            assert key in handle.attrs, key
        assert handle.attrs["trial_length"] == 120 and handle.attrs["seed"] == 7
        for split, n in (("train", 64), ("validation", 16), ("test", 16), ("probe", 1)):
            assert handle[split]["inputs"].dtype == np.float32
            assert handle[split]["inputs"].shape[0] == n
            assert handle[split]["inputs"].shape == handle[split]["targets"].shape
            assert handle[split]["mask"].shape == handle[split]["targets"].shape
            # Every step of every bit counts in the flip-flop's loss.
            assert (handle[split]["mask"][()] == 1).all()
        conditions = handle["train"]["conditions"]
        assert conditions["bit0_pulse0_sign"].shape == (64,)
        assert set(np.unique(conditions["bit0_pulse0_sign"][()])) <= {-1.0, 0.0, 1.0}
    # The same seed regenerates the same arrays.
    data = dataset.read(path)
    again = dataset.generate(
        "flipflop", data.task_params, {"train": 64, "validation": 16, "test": 16}, 7
    )
    np.testing.assert_array_equal(again.inputs("train"), data.inputs("train"))


def test_network_files_contract(tiny_run):
    for size in SIZES:
        for seed in SEEDS:
            folder = tiny_run / f"results/tiny/simple_rnn/N{size}/seed{seed}"
            net = load_network(folder / "weights.h5")
            assert net.W_rec.shape == (size, size) and net.W_in.shape == (3, size)
            assert net.W_out.shape == (size, 3) and net.b_out.shape == (3,)
            for key in (
                "n_units",
                "seed",
                "epochs",
                "final_loss",
                "wall_time_s",
                "status",
                "tensorflow_version",
                "keras_version",
            ):
                assert key in net.attrs, key
            assert net.attrs["seed"] == seed and net.attrs["epochs"] == 2
            # The config's default recurrent_initializer, recorded with the weights.
            assert json.loads(net.attrs["model_options"]) == {"recurrent_initializer": "identity"}
            initial = load_network(folder / "initial_weights.h5")
            np.testing.assert_array_equal(initial.W_rec, np.eye(size))
            assert not np.allclose(initial.W_rec, net.W_rec)
            history = pd.read_csv(folder / "history.tsv", sep="\t")
            channels = tuple(f"val_accuracy_bit{bit}" for bit in range(3))
            assert tuple(history.columns) == HISTORY_COLUMNS + channels and len(history) == 2
            assert (folder / "model.keras").stat().st_size > 0
            assert not (folder / "checkpoint").exists()
            metrics = json.loads((folder / "metrics.json").read_text())
            assert metrics["size"] == size and metrics["seed"] == seed
            assert 0 <= metrics["accuracy"] <= 1
            with h5py.File(folder / "analysis.h5") as arrays:
                assert arrays["eigenvalues"].shape == (size,)
                assert arrays["state_positions"].shape == (8, 3)


def test_keras_model_file_reproduces_the_weights_file(tiny_run):
    import keras

    folder = tiny_run / "results/tiny/simple_rnn/N8/seed1"
    model = keras.models.load_model(folder / "model.keras")
    net = load_network(folder / "weights.h5")
    x = dataset.read(tiny_run / "results/tiny/dataset.h5").inputs("test")
    np.testing.assert_allclose(np.asarray(model(x)), net.run(x)[1], atol=1e-4)


def test_summary_tables(tiny_run):
    summary = tiny_run / "results/tiny/simple_rnn/summary"
    networks = pd.read_csv(summary / "networks.tsv", sep="\t")
    assert sorted(zip(networks["size"], networks["seed"], strict=True)) == [
        (n, s) for n in SIZES for s in SEEDS
    ]
    assert not networks["missing"].any()
    sizes = pd.read_csv(summary / "sizes.tsv", sep="\t")
    assert sizes["size"].tolist() == list(SIZES) and (sizes["networks"] == 2).all()
    assert (
        (sizes["success_rate_low"] <= sizes["success_rate"])
        & (sizes["success_rate"] <= sizes["success_rate_high"])
    ).all()
    minimal = json.loads((summary / "minimal_size.json").read_text())
    assert set(minimal) == {"minimal_size", "criterion", "reason"} and minimal["reason"]
    pairs = pd.read_csv(summary / "realisation_pairs.tsv", sep="\t")
    assert len(pairs) == 2 and (pairs["seed_a"] < pairs["seed_b"]).all()
    realisations = pd.read_csv(summary / "realisations.tsv", sep="\t")
    assert "spectral_radius_sd" in realisations


def test_every_output_has_its_log(tiny_run):
    logs = sorted((tiny_run / "results/tiny").rglob("*.log"))
    n_networks = len(SIZES) * len(SEEDS)
    # dataset, train and analyse per network, aggregate (one variant), compare_variants
    stages = 1 + 2 * n_networks + 1 + 1
    # dataset, per network, per size, per variant, all variants
    figures = 1 + n_networks + len(SIZES) + 1 + 1
    # dynamics.smk: analysis and figures per network; comparison, two summaries, figures
    dynamics = 2 * n_networks + 4
    # solutions.smk: classify_solutions and its figures
    solutions = 2
    assert len(logs) == stages + figures + dynamics + solutions
    assert "epoch 2" in (tiny_run / "results/tiny/simple_rnn/N8/seed1/train.log").read_text()
