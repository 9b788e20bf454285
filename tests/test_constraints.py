"""Dale's law, sparse connectivity and no autapses hold in trained networks, read back every
way the workflow reads them; the leaky network at alpha = 1 is simple_rnn; bad options are
refused one readable line each."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import CONFIGS

from rnn_ensembles import dataset
from rnn_ensembles.models import get_architecture, load_network

TINY = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
TINY_TASK = {k: v for k, v in TINY["tasks"]["tiny"].items() if k != "kind"}
TINY_SPLITS = {name: TINY["dataset"][f"n_{name}"] for name in ("train", "validation", "test")}
N_UNITS, SEED = 40, 3
CONSTRAINTS = {"dale": True, "connection_probability": 0.3, "autapses": False}
TRAINED_VARIANTS = [
    ("simple_rnn", CONSTRAINTS),
    ("leaky_rnn", {**CONSTRAINTS, "tau": 4.0, "dt": 1.0, "dale_inputs": "nonnegative"}),
]


@pytest.fixture(scope="module")
def data():
    return dataset.generate("flipflop", TINY_TASK, TINY_SPLITS, 7)


@pytest.fixture(scope="module", params=TRAINED_VARIANTS, ids=[n for n, _ in TRAINED_VARIANTS])
def trained(request, data, tmp_path_factory):
    """A constrained network trained for two epochs, with its initial weights and its files."""
    from rnn_ensembles import training

    name, options = request.param
    arch = get_architecture(name)
    initial = {}
    config = training.TrainingConfig(max_epochs=2, batch_size=32, target_accuracy=None)
    result = training.train(
        data,
        name,
        N_UNITS,
        SEED,
        config,
        log=lambda _: None,
        model_options=options,
        on_build=lambda model: initial.update(network=arch.to_network(model)),
    )
    folder = tmp_path_factory.mktemp(name)
    arch.to_network(result.model).save(folder / "weights.h5")
    result.model.save(folder / "model.keras")
    return name, options, result.model, initial["network"], folder


def trained_readings(trained):
    """The trained network as to_network gives it, from its weights file and from its
    model.keras loaded by plain Keras."""
    import keras

    import rnn_ensembles.models.layers  # noqa: F401 - registers the package's Keras objects

    name, _, model, _, folder = trained
    arch = get_architecture(name)
    reloaded = keras.models.load_model(folder / "model.keras")
    return {
        "to_network": arch.to_network(model),
        "weights file": load_network(folder / "weights.h5"),
        "model.keras": arch.to_network(reloaded),
    }


def test_trained_weights_keep_every_constraint(trained):
    name, options, _, _, _ = trained
    n_excitatory = round(0.8 * N_UNITS)
    expected_signs = np.r_[np.ones(n_excitatory), -np.ones(N_UNITS - n_excitatory)]
    masks = []
    for how, network in trained_readings(trained).items():
        assert network.architecture == name, how
        assert network.constraint_violations() == [], how
        assert {k: network.options[k] for k in options} == options, how
        w_rec, mask = network.W_rec, network.arrays["mask"]
        np.testing.assert_array_equal(network.arrays["signs"], expected_signs, err_msg=how)
        assert np.all(w_rec[:n_excitatory] >= 0), f"{how}: an excitatory unit's weight < 0"
        assert np.all(w_rec[n_excitatory:] <= 0), f"{how}: an inhibitory unit's weight > 0"
        assert np.all(w_rec[mask == 0] == 0), f"{how}: a masked connection is not 0"
        assert np.all(np.diag(w_rec) == 0) and np.all(np.diag(mask) == 0), how
        assert set(np.unique(mask)) == {0.0, 1.0}, how
        off_diagonal = mask[~np.eye(N_UNITS, dtype=bool)]
        # 1560 connections drawn with p = 0.3: a standard deviation of 0.012.
        assert abs(off_diagonal.mean() - 0.3) < 0.05, f"{how}: density {off_diagonal.mean()}"
        assert np.count_nonzero(w_rec) == mask.sum(), f"{how}: an allowed weight is exactly 0"
        if options.get("dale_inputs") == "nonnegative":
            assert np.all(network.W_in >= 0), how
        masks.append(mask)
    for mask in masks[1:]:
        np.testing.assert_array_equal(mask, masks[0])


def test_training_changed_the_weights_but_not_the_constraints(trained):
    _, _, model, initial, _ = trained
    network = trained_readings(trained)["to_network"]
    np.testing.assert_array_equal(network.arrays["mask"], initial.arrays["mask"])
    np.testing.assert_array_equal(network.arrays["signs"], initial.arrays["signs"])
    for key in ("W_in", "W_rec", "W_out"):
        assert not np.allclose(network.arrays[key], initial.arrays[key]), f"{key} did not train"
    # The variable itself is 0 at every absent connection, not only the effective matrix.
    raw = model.get_layer("recurrent").cell.recurrent_kernel.numpy()
    assert np.all(raw[network.arrays["mask"] == 0] == 0)


def test_numpy_run_of_the_trained_network_equals_keras(trained, data):
    _, _, model, _, _ = trained
    x = data.inputs("validation")[:4]
    keras_out = np.asarray(model(x))
    for how, network in trained_readings(trained).items():
        _, numpy_out = network.run(x)
        np.testing.assert_allclose(numpy_out, keras_out, atol=2e-5, err_msg=how)


def test_model_keras_reloaded_by_plain_keras_gives_the_same_outputs(trained, data):
    import keras

    import rnn_ensembles.models.layers  # noqa: F401 - registers the package's Keras objects

    _, _, model, _, folder = trained
    reloaded = keras.models.load_model(folder / "model.keras")
    x = data.inputs("validation")[:4]
    np.testing.assert_array_equal(np.asarray(reloaded(x)), np.asarray(model(x)))


@pytest.mark.parametrize(
    "constraints",
    [{}, {"dale": True, "connection_probability": 0.5, "autapses": False}],
    ids=["unconstrained", "constrained"],
)
def test_leaky_rnn_with_tau_equal_dt_is_simple_rnn(constraints):
    import keras

    keras.utils.set_random_seed(0)
    simple = get_architecture("simple_rnn").build(9, 3, 2, seed=4, **constraints)
    leaky = get_architecture("leaky_rnn").build(9, 3, 2, seed=4, tau=2.0, dt=2.0, **constraints)
    leaky.set_weights(simple.get_weights())
    x = np.random.default_rng(0).normal(size=(3, 50, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(leaky(x)), np.asarray(simple(x)))
    simple_net = get_architecture("simple_rnn").to_network(simple)
    leaky_net = get_architecture("leaky_rnn").to_network(leaky)
    assert leaky_net.options["alpha"] == 1.0
    for key, value in simple_net.arrays.items():
        np.testing.assert_array_equal(leaky_net.arrays[key], value)
    np.testing.assert_array_equal(leaky_net.run(x)[1], simple_net.run(x)[1])


def test_unconstrained_simple_rnn_stays_keras_simple_rnn():
    import keras

    model = get_architecture("simple_rnn").build(5, 2, 2, dale=False, autapses=True)
    assert isinstance(model.get_layer("recurrent"), keras.layers.SimpleRNN)
    assert get_architecture("simple_rnn").to_network(model).options == {}


def test_dale_initialisation_is_balanced():
    """The inhibitory rows' scale cancels the mean of |W|: no eigenvalue near 0.5 sqrt(N)."""
    import keras

    keras.utils.set_random_seed(0)
    model = get_architecture("simple_rnn").build(100, 2, 2, dale=True)
    network = get_architecture("simple_rnn").to_network(model)
    assert network.constraint_violations() == []
    assert np.abs(np.linalg.eigvals(network.W_rec)).max() < 2.0  # 0.5 sqrt(100) = 5


BAD_OPTIONS = [
    ("simple_rnn", {"foo": 1}, "unknown option 'foo' for simple_rnn; allowed: autapses,"),
    ("simple_rnn", {"tau": 5.0}, "unknown option 'tau' for simple_rnn"),
    ("simple_rnn", {"noise_std": 0.1}, "unknown option 'noise_std' for simple_rnn"),
    ("simple_rnn", {"dale": True, "excitatory_fraction": 1.5}, "excitatory_fraction = 1.5: "),
    ("leaky_rnn", {"dale": True, "excitatory_fraction": 0}, "excitatory_fraction = 0: must be"),
    ("simple_rnn", {"connection_probability": 0}, "connection_probability = 0: must be in (0, 1]"),
    ("leaky_rnn", {"connection_probability": 1.2}, "connection_probability = 1.2: must be in"),
    ("simple_rnn", {"dale": "yes"}, "dale = 'yes': must be true or false"),
    ("simple_rnn", {"autapses": 0}, "autapses = 0: must be true or false"),
    ("leaky_rnn", {"dale": True, "dale_inputs": "both"}, "dale_inputs = 'both': must be one of"),
    ("simple_rnn", {"dale_inputs": "nonnegative"}, "dale_inputs = 'nonnegative': takes effect"),
    ("leaky_rnn", {"excitatory_fraction": 0.5}, "excitatory_fraction = 0.5: takes effect only"),
    ("leaky_rnn", {"tau": 0}, "tau = 0: must be a finite number > 0 (ms)"),
    ("leaky_rnn", {"dt": -1.0}, "dt = -1.0: must be a finite number > 0 (ms)"),
    ("leaky_rnn", {"tau": 5.0, "dt": 10.0}, "dt = 10.0 > tau = 5.0: alpha = dt / tau must be"),
    ("leaky_rnn", {"dt": 6.0}, "dt = 6.0 > tau = 5.0"),
    ("leaky_rnn", {"tau": float("inf")}, "tau = inf: must be a finite number > 0 (ms)"),
    ("leaky_rnn", {"noise_std": -0.1}, "noise_std = -0.1: must be a finite number >= 0"),
    ("simple_rnn", {"recurrent_initializer": 3}, "recurrent_initializer = 3: must name a Keras"),
    (
        "simple_rnn",
        {"dale": True, "recurrent_initializer": "identity"},
        "recurrent_initializer = 'identity': cannot train with dale: true",
    ),
]


@pytest.mark.parametrize(("name", "options", "line"), BAD_OPTIONS)
def test_each_bad_option_gives_its_line(name, options, line):
    arch = get_architecture(name)
    problems = arch.option_problems(options)
    assert len(problems) == 1, problems
    assert problems[0].startswith(line)
    with pytest.raises(ValueError, match="^" + name + " options: "):
        arch.build(3, 2, 2, **options)


def test_every_problem_is_told_at_once_and_good_options_have_none():
    bad = {"foo": 1, "connection_probability": 2, "dale": True, "excitatory_fraction": 1}
    assert len(get_architecture("simple_rnn").option_problems(bad)) == 3
    for name in ("simple_rnn", "leaky_rnn"):
        arch = get_architecture(name)
        assert arch.option_problems(arch.OPTIONS) == []
        assert arch.option_problems({**CONSTRAINTS, "dale_inputs": "nonnegative"}) == []
