"""The workflow on every architecture and constraint at once (tests/configs/variants.yaml):
each variant trains, is analysed and compared; the files say what holds of the networks
beside them (the Keras model reproduces the reported accuracy, the trained weights keep
their constraints)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import CONFIGS, snakemake

from rnn_ensembles import dataset
from rnn_ensembles.metrics import sign_accuracy
from rnn_ensembles.models import load_network

CONFIG = CONFIGS / "variants.yaml"
VARIANTS = yaml.safe_load(CONFIG.read_text())["network"]["variants"]
NETWORKS = [
    f"{name}/N{size}/seed1" for name, spec in VARIANTS.items() for size in spec.get("sizes", [6])
]


@pytest.fixture(scope="module")
def variants_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("variants_run")
    snakemake(workdir, "--cores", "2", configfile=CONFIG)
    return workdir / "results/tiny"


def test_every_variant_is_trained_as_its_architecture(variants_run):
    for label in NETWORKS:
        variant = label.split("/")[0]
        network = load_network(variants_run / label / "weights.h5")
        assert network.architecture == VARIANTS[variant]["architecture"], label
        assert network.attrs["variant"] == variant
        metrics = json.loads((variants_run / label / "metrics.json").read_text())
        assert metrics["variant"] == variant and metrics["architecture"] == network.architecture
    leaky = load_network(variants_run / "leaky/N6/seed1/weights.h5")
    assert leaky.alpha == pytest.approx(0.2)  # dt / tau = 2 / 10
    assert load_network(variants_run / "lstm/N6/seed1/weights.h5").state_size == 12


def test_saved_keras_model_reproduces_the_reported_accuracy(variants_run):
    import keras

    import rnn_ensembles.models.layers  # noqa: F401 - registers the package's Keras objects

    data = dataset.read(variants_run / "dataset.h5", splits=("test",))
    inputs, targets = data.inputs("test"), data.targets("test")
    for label in NETWORKS:
        model = keras.models.load_model(variants_run / label / "model.keras")
        outputs = np.asarray(model(inputs))
        reported = json.loads((variants_run / label / "metrics.json").read_text())
        # float32 in Keras, float64 in the analysis: only outputs within rounding of 0 may
        # differ in sign, and none does on these trials.
        assert sign_accuracy(outputs, targets) == pytest.approx(reported["accuracy"]), label
        _, numpy_outputs = load_network(variants_run / label / "weights.h5").run(inputs)
        np.testing.assert_allclose(outputs, numpy_outputs, rtol=1e-4, atol=1e-5)


def test_constraints_hold_on_the_trained_weights(variants_run):
    dale = load_network(variants_run / "dale/N6/seed1/weights.h5")
    initial = load_network(variants_run / "dale/N6/seed1/initial_weights.h5")
    assert not np.allclose(dale.W_rec, initial.W_rec)  # it did train
    signs = np.where(np.arange(6) < 3, 1.0, -1.0)  # excitatory_fraction 0.5 of 6 units
    np.testing.assert_array_equal(dale.arrays["signs"], signs)
    assert np.all(dale.W_rec * signs[:, None] >= 0)  # row i: the outgoing weights of unit i
    sparse = load_network(variants_run / "sparse/N6/seed1/weights.h5")
    first = load_network(variants_run / "sparse/N6/seed1/initial_weights.h5")
    mask = sparse.arrays["mask"]
    np.testing.assert_array_equal(mask, first.arrays["mask"])  # fixed through training
    assert np.all(sparse.W_rec[mask == 0] == 0) and np.all(first.W_rec[mask == 0] == 0)
    assert np.all(np.diag(sparse.W_rec) == 0) and np.all(np.diag(mask) == 0)
    assert not np.allclose(sparse.W_rec, first.W_rec)
    for network in (dale, sparse):
        assert network.constraint_violations() == []


def test_summaries_per_variant_and_comparison_across_variants(variants_run):
    table = pd.read_csv(variants_run / "summary/variants.tsv", sep="\t")
    assert list(dict.fromkeys(table["variant"])) == list(VARIANTS)
    assert table.loc[table["variant"] == "gru", "size"].tolist() == [4, 6]
    assert set(table["architecture"]) == {"simple_rnn", "leaky_rnn", "gru", "lstm"}
    for variant in VARIANTS:
        minimal = json.loads((variants_run / variant / "summary/minimal_size.json").read_text())
        assert set(minimal) == {"minimal_size", "criterion", "reason"}
    clusters = pd.read_csv(variants_run / "summary/clusters.tsv", sep="\t")
    assert clusters["network"].tolist() == NETWORKS
    assert clusters["variant"].tolist() == [label.split("/")[0] for label in NETWORKS]
    fixed_points = pd.read_csv(variants_run / "summary/fixed_points.tsv", sep="\t")
    assert fixed_points["variant"].tolist() == clusters["variant"].tolist()
    noise = json.loads((variants_run / "summary/minimal_size_noise.json").read_text())
    assert set(noise) == set(VARIANTS)
    for name in ("variants_by_size", "distances", "fixed_points_by_size", "robustness_by_size"):
        assert (variants_run / "summary/figures" / f"{name}.png").stat().st_size > 0
    for label in NETWORKS:
        assert (variants_run / label / "figures/jacobian_spectra.png").stat().st_size > 0
