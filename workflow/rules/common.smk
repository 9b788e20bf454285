from snakemake.utils import validate

from rnn_ensembles.config import check_config

validate(config, schema="../schemas/config.schema.yaml")
check_config(config)


wildcard_constraints:
    task="|".join(config["tasks"]),
    size=r"\d+",
    seed=r"\d+",


NETWORK = "results/{task}/N{size}/seed{seed}"
SUMMARY = "results/{task}/summary"


def task_config(wildcards):
    return config["tasks"][wildcards.task]


def dataset_splits():
    return {
        name: config["dataset"][f"n_{name}"] for name in ("train", "validation", "test")
    }


def training_options():
    return {k: v for k, v in config["training"].items() if k != "threads"}


def ensemble_grid():
    """Every (size, seed) of the ensemble, in a fixed order."""
    return [
        (n, s) for n in config["network"]["sizes"] for s in config["network"]["seeds"]
    ]


def ensemble_files(pattern):
    """``pattern`` (a path under a network folder) for every network of a task."""

    def files(wildcards):
        return [
            pattern.format(task=wildcards.task, size=n, seed=s)
            for n, s in ensemble_grid()
        ]

    return files


def train_mem_mb(wildcards):
    """Memory of a training job: the training split as float32 twice (inputs, targets),
    the BPTT activations of one batch, and TensorFlow's own footprint."""
    task = config["tasks"][wildcards.task]
    steps = task.get("trial_length") or 320 + task["delay"]
    data = 2 * config["dataset"]["n_train"] * steps * task["n_bits"] * 4
    batch = 4 * config["training"]["batch_size"] * steps * int(wildcards.size) * 4
    return 1024 + (data + batch) // 2**20


def final_outputs():
    return expand(f"{SUMMARY}/minimal_size.json", task=config["tasks"])
