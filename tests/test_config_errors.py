"""Invalid configs stop the real workflow before any job, one readable line per problem."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from conftest import CONFIGS, REPO, snakemake

DELETE = object()
TINY = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())

# id: (key path, new value or DELETE, fragments the one line about it must contain)
CASES = {
    "zero_size": ("network.sizes", [0, 8], ["network.sizes[0] = 0", "an integer >= 1"]),
    "fractional_size": ("network.sizes", [2.5], ["network.sizes[0] = 2.5", "an integer"]),
    "float_size": ("network.sizes", [4.0], ["network.sizes[0] = 4.0", "(write 4)"]),
    "size_quoted": ("network.sizes", ["4"], ['network.sizes[0] = "4"', "drop the quotes"]),
    "size_true": ("network.sizes", True, ["network.sizes = true", "must be a list"]),
    "sizes_null": ("network.sizes", None, ["network.sizes = null", "must be a list"]),
    "empty_seeds": ("network.seeds", [], ["network.seeds = []", "at least 1 item"]),
    "duplicate_seeds": ("network.seeds", [3, 1, 3], ["network.seeds = [3, 1, 3]", "3 appear"]),
    "negative_seed": ("network.seeds", [-1], ["network.seeds[0] = -1", "an integer >= 0"]),
    "boolean_seed": ("network.seeds", [True], ["network.seeds[0] = true", "an integer"]),
    "unknown_architecture": (
        "network.architecture",
        "transformer",
        ['network.architecture = "transformer"', 'one of "simple_rnn", "leaky_rnn", "gru"'],
    ),
    "unknown_variant_architecture": (
        "network.variants",
        {"cnn": {"architecture": "cnn"}},
        ['network.variants.cnn.architecture = "cnn"', 'one of "simple_rnn"'],
    ),
    "variant_without_architecture": (
        "network.variants",
        {"plain": {"sizes": [4]}},
        ["network.variants.plain.architecture: missing, but required"],
    ),
    "dale_fraction_outside": (
        "network.variants",
        {"ei": {"architecture": "simple_rnn", "dale": True, "excitatory_fraction": 1.5}},
        ["network.variants.ei.excitatory_fraction = 1.5", "must be in (0, 1)"],
    ),
    "option_not_of_the_architecture": (
        "network.variants",
        {"gated": {"architecture": "gru", "dale": True}},
        ["network.variants.gated.dale: not an option of gru", "allowed:", "recurrent_activation"],
    ),
    "connection_probability_zero": (
        "network.variants",
        {"sparse": {"architecture": "leaky_rnn", "connection_probability": 0}},
        ["network.variants.sparse.connection_probability = 0", "must be in (0, 1]"],
    ),
    "variant_named_external": (
        "network.variants",
        {"external": {"architecture": "gru"}},
        ['network.variants: the name "external" is not allowed', "not 'external'"],
    ),
    "variant_sizes_empty": (
        "network.variants",
        {"gru": {"architecture": "gru", "sizes": []}},
        ["network.variants.gru.sizes = []", "at least 1 item"],
    ),
    "network_missing": ("network", DELETE, ["network: missing, but required"]),
    "unknown_top_key": ("trainig", {"max_epochs": 2}, ["trainig: unknown key", "'training'"]),
    "unknown_nested_key": (
        "training.lr",
        0.1,
        ["training.lr: unknown key", "allowed here:", "learning_rate"],
    ),
    "batch_size_text": ("training.batch_size", "big", ['training.batch_size = "big"', "integer"]),
    "learning_rate_as_text": (
        "training.learning_rate",
        "1e-3",
        ['training.learning_rate = "1e-3"', "must be a number > 0", "1.0e-3"],
    ),
    "zero_learning_rate": ("training.learning_rate", 0, ["= 0", "a number > 0"]),
    "unknown_minimiser": (
        "fixed_points.minimiser",
        "lbfgs",
        ['fixed_points.minimiser = "lbfgs"', 'one of "trust_region", "adam"'],
    ),
    "zero_code_threshold": (
        "topology.code_threshold",
        0,
        ["topology.code_threshold = 0", "a number > 0"],
    ),
    "zero_epochs": ("training.max_epochs", 0, ["training.max_epochs = 0", "integer >= 1"]),
    "zero_clipnorm": ("training.clipnorm", 0, ["training.clipnorm = 0", "> 0 or null"]),
    "deterministic_text": (
        "training.deterministic",
        "yes",
        ['training.deterministic = "yes"', "true or false"],
    ),
    "target_accuracy_negative": (
        "training.target_accuracy",
        -0.1,
        ["training.target_accuracy = -0.1", "a number in [0, 1] or null"],
    ),
    "accuracy_above_one": ("criterion.accuracy", 1.5, ["criterion.accuracy = 1.5", "[0, 1]"]),
    "fraction_zero": ("criterion.fraction", 0, ["criterion.fraction = 0", "(0, 1]"]),
    "n_train_null": ("dataset.n_train", None, ["dataset.n_train = null", "an integer >= 1"]),
    "no_tasks": ("tasks", {}, ["tasks = {}", "at least 1 entry"]),
    "bad_task_name": (
        "tasks",
        {"my task": TINY["tasks"]["tiny"]},
        ['tasks: the name "my task" is not allowed', "letters, digits"],
    ),
    "unknown_task_kind": (
        "tasks.tiny.kind",
        "flipflap",
        ['tasks.tiny.kind = "flipflap"', "one of"],
    ),
    "task_kind_missing": ("tasks.tiny.kind", DELETE, ["tasks.tiny.kind: missing, but required"]),
    "too_many_bits": ("tasks.tiny.n_bits", 17, ["tasks.tiny.n_bits = 17", "integer in [1, 16]"]),
    "negative_noise": ("tasks.tiny.noise_std", -0.1, ["tasks.tiny.noise_std = -0.1", ">= 0"]),
    "window_one_value": (
        "tasks.tiny.first_pulse_window",
        [5],
        ["tasks.tiny.first_pulse_window = [5]", "exactly 2 items"],
    ),
    "window_reversed": (
        "tasks.tiny.first_pulse_window",
        [20, 5],
        ["tasks.tiny.first_pulse_window = [20, 5]", "first <= last"],
    ),
    "jitter_reversed": ("tasks.tiny.jitter", [10, 1], ["tasks.tiny.jitter = [10, 1]", "low <="]),
    "delay_longer_than_trial": (
        "tasks.tiny.trial_length",
        12,
        ["tasks.tiny.delay = 5", "too long for trial_length = 12"],
    ),
    "pulse_longer_than_gap": (
        "tasks.tiny.pulse_offsets",
        [30, 32],
        ["tasks.tiny.pulse_length = 5", "shortest gap between pulse starts (3 steps", "overlap"],
    ),
    "memory_interval_too_short": (
        "tasks.tiny.memory_pulse_interval",
        6,
        ["tasks.tiny.memory_pulse_interval = 6", "must exceed pulse_length + delay = 10"],
    ),
    # The tasks beyond the flip-flop: each kind's own parameters and checks.
    "empty_coherence_list": (
        "tasks.tiny",
        {"kind": "perceptual_decision", "coherences": []},
        ["tasks.tiny.coherences = []", "at least 1 item"],
    ),
    "zero_coherence": (
        "tasks.tiny",
        {"kind": "context_decision", "coherences": [0, 0.2]},
        ["tasks.tiny.coherences[0] = 0", "a number > 0"],
    ),
    "gate_that_does_not_exist": (
        "tasks.tiny",
        {"kind": "logic_gate", "gate": "XAND"},
        ['tasks.tiny.gate = "XAND"', '"AND", "OR", "XOR", "NAND", "NOR", "NOT"'],
    ),
    "pulse_window_past_the_trial": (
        "tasks.tiny",
        {"kind": "logic_gate", "pulse_start": 190},
        ["tasks.tiny.pulse_length = 20", "ends past trial_length = 200"],
    ),
    "delay_leaves_no_response": (
        "tasks.tiny",
        {"kind": "logic_gate", "delay": 200},
        ["tasks.tiny.delay = 200", "leaves no response steps"],
    ),
    "grace_covers_the_response": (
        "tasks.tiny",
        {"kind": "perceptual_decision", "response": 10, "grace": 10},
        ["tasks.tiny.grace = 10", "no response step that counts"],
    ),
    "equal_frequencies": (
        "tasks.tiny",
        {"kind": "delayed_comparison", "pairs": [[18, 18], [10, 26]]},
        ["tasks.tiny.pairs = [[18, 18], [10, 26]]", "f1 = f2"],
    ),
    "key_of_another_task_kind": (
        "tasks.tiny.coherences",
        [0.1],
        ["tasks.tiny.coherences: unknown key for a flipflop task", "perceptual_decision"],
    ),
}


def edited(path: str, value) -> dict:
    config = copy.deepcopy(TINY)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node.setdefault(key, {})
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return config


@pytest.fixture(scope="module")
def dry_runs(tmp_path_factory):
    """``snakemake -n`` on every invalid config, several at once to keep the suite quick."""

    def run(name):
        workdir = tmp_path_factory.mktemp(name)
        configfile = workdir / "config.yaml"
        path, value, _ = CASES[name]
        configfile.write_text(yaml.safe_dump(edited(path, value)))
        return workdir, snakemake(workdir, "-n", configfile=configfile, check=False)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(run, CASES), strict=True))


@pytest.mark.parametrize("name", CASES)
def test_invalid_value_is_refused_with_one_line(dry_runs, name):
    workdir, proc = dry_runs[name]
    output = proc.stdout + proc.stderr  # a dry run reports on stdout
    assert proc.returncode != 0
    assert "(1 problem; nothing was run)" in output
    lines = [line for line in output.splitlines() if all(f in line for f in CASES[name][2])]
    assert len(lines) == 1, output
    # Not jsonschema's multi-line report, and no job ran.
    assert "Failed validating" not in output and "On instance" not in output
    assert not (workdir / "results").exists()


def test_every_problem_is_listed_and_nothing_runs(tmp_path):
    config = edited("network.sizes", [0, 8])
    config["network"]["seeds"] = [1, 1]
    config["training"]["batch_size"] = -1
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "--cores", "1", configfile=configfile, check=False)
    assert proc.returncode != 0
    assert f"invalid config in {configfile} (3 problems; nothing was run)" in proc.stderr
    for key in ("network.sizes[0] = 0", "network.seeds = [1, 1]", "training.batch_size = -1"):
        assert sum(key in line for line in proc.stderr.splitlines()) == 1, key
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "configfile",
    [REPO / "config.yaml", *sorted((REPO / "config").glob("*.yaml"))],
    ids=lambda path: path.name,
)
def test_shipped_configs_pass_the_checks(tmp_path, configfile):
    proc = snakemake(tmp_path, "-n", "--quiet", "all", configfile=configfile)
    assert proc.returncode == 0
    assert not (tmp_path / "results").exists()
