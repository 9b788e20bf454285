from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from rnn_ensembles.config import ConfigError, check_config
from rnn_ensembles.resources import training_minutes

try:
    # One readable line per problem (key, value, what is allowed) instead of jsonschema's report.
    check_config(
        config,
        workflow.source_path("../schemas/config.schema.yaml"),
        source=", ".join(map(str, workflow.configfiles)),
    )
except ConfigError as err:
    raise WorkflowError(str(err)) from None
# Fills in the schema's defaults; the config already passed the same schema above.
validate(config, schema="../schemas/config.schema.yaml")


wildcard_constraints:
    task="|".join(config["tasks"]),
    size=r"\d+",
    seed=r"\d+",
    name=r"[A-Za-z0-9_-]+",


NETWORK = "results/{task}/N{size}/seed{seed}"
SUMMARY = "results/{task}/summary"
# Seconds, memory and CPU time of every job (Snakemake benchmark files), for the cost summary.
BENCHMARKS = "results/{task}/benchmarks"
NETWORK_KEY = "N{size}_seed{seed}"


def task_config(wildcards):
    return config["tasks"][wildcards.task]


def dataset_splits():
    return {
        name: config["dataset"][f"n_{name}"] for name in ("train", "validation", "test")
    }


def training_options():
    """The TrainingConfig of rnn_ensembles.training; threads and gpu are job resources."""
    return {k: v for k, v in config["training"].items() if k not in ("threads", "gpu")}


def model_options():
    """Keyword arguments of the architecture's build() besides the sizes."""
    return {"recurrent_initializer": config["network"]["recurrent_initializer"]}


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


def trial_steps(task):
    """Time steps of one trial of ``task`` (null trial_length: 320 + delay, as the paper)."""
    return task.get("trial_length") or 320 + task["delay"]


def train_mem_mb(wildcards, attempt):
    """Memory of a training job: the training split as float32 twice (inputs, targets),
    the BPTT activations of one batch, and TensorFlow's own footprint; times the attempt, so
    that a retry (--retries) after the job was killed for memory gets more."""
    task = config["tasks"][wildcards.task]
    steps = trial_steps(task)
    data = 2 * config["dataset"]["n_train"] * steps * task["n_bits"] * 4
    batch = 4 * config["training"]["batch_size"] * steps * int(wildcards.size) * 4
    return attempt * (1024 + (data + batch) // 2**20)


def train_runtime(wildcards, attempt):
    """Minutes a training job may run (a SLURM job's time limit): rnn_ensembles.resources
    estimates the whole epoch budget from the sizes in the config, with a safety factor,
    times the attempt, so that a retry (--retries) after a timeout gets longer."""
    return training_minutes(
        n_units=int(wildcards.size),
        n_train=config["dataset"]["n_train"],
        n_validation=config["dataset"]["n_validation"],
        steps=trial_steps(config["tasks"][wildcards.task]),
        batch_size=config["training"]["batch_size"],
        epochs=config["training"]["max_epochs"],
        attempt=attempt,
    )


def final_outputs():
    return (
        expand(f"{SUMMARY}/minimal_size.json", task=config["tasks"])
        + figure_outputs()
        + dynamics_outputs()
    )


# Figures and their report entries (workflow/rules/figures.smk).
TASK_FIGURES = "results/{task}/figures"
NETWORK_FIGURES = f"{NETWORK}/figures"
SUMMARY_FIGURES = f"{SUMMARY}/figures"
# The report lists categories and subcategories in text order: numbered categories
# follow the workflow, and sizes and seeds padded with figure spaces sort as numbers.
REPORT_CATEGORY = {
    "dataset": "1. Dataset",
    "training": "2. Training",
    "network": "3. Per-network analysis",
    "ensemble": "4. Ensemble",
    "dynamics": "5. Fixed points and robustness",
}


def sortable_number(value, values):
    """``value`` right-aligned to the widest of ``values`` with digit-wide figure spaces."""
    width = max(len(str(v)) for v in values)
    return str(value).rjust(width, "\u2007")


def network_subcategory(wildcards):
    """Report subcategory of one network: task, size and seed."""
    size = sortable_number(wildcards.size, config["network"]["sizes"])
    seed = sortable_number(wildcards.seed, config["network"]["seeds"])
    return f"{wildcards.task}: N = {size}, seed {seed}"


def size_subcategory(wildcards):
    """Report subcategory of the realisations of one size."""
    return f"{wildcards.task}: N = {sortable_number(wildcards.size, config['network']['sizes'])}"


def size_files(pattern):
    """``pattern`` (a path under a network folder) for every seed of one size, in seed order."""

    def files(wildcards):
        return [
            pattern.format(task=wildcards.task, size=wildcards.size, seed=s)
            for s in config["network"]["seeds"]
        ]

    return files


def figure_outputs():
    """Every figure of every task: the outputs of the plot rules for the whole grid."""
    grid = {
        "task": list(config["tasks"]),
        "size": config["network"]["sizes"],
        "seed": config["network"]["seeds"],
    }
    plots = (
        rules.plot_dataset,
        rules.plot_network,
        rules.plot_realisations,
        rules.plot_ensemble,
    )
    paths = [
        path
        for rule in plots
        for pattern in rule.output
        for path in expand(pattern, **grid)
    ]
    # expand repeats a path once for every value of a wildcard that it does not use
    return list(dict.fromkeys(paths))


# Dynamics, robustness and comparison of realisations (workflow/rules/dynamics.smk).
EXTERNAL = "results/{task}/external/{name}"
EXTERNAL_FIGURES = f"{EXTERNAL}/figures"


def external_source(wildcards):
    """The file of a network trained elsewhere (config external_networks)."""
    return config["external_networks"][wildcards.name]


def network_labels():
    """Every network of a task, named by its folder under results/<task>/: the ensemble's
    (N<size>/seed<seed>), then those trained elsewhere (external/<name>)."""
    return [f"N{n}/seed{s}" for n, s in ensemble_grid()] + [
        f"external/{name}" for name in config["external_networks"]
    ]


def every_network_file(name):
    """File ``name`` of every network of a task, in the order of network_labels()."""

    def files(wildcards):
        return [
            f"results/{wildcards.task}/{label}/{name}" for label in network_labels()
        ]

    return files


def network_title(wildcards):
    """Name of one network of the ensemble in figure titles."""
    return f"{wildcards.task}, N = {wildcards.size}, seed {wildcards.seed}"


def external_subcategory(wildcards):
    """Report subcategory (and figure title) of a network trained elsewhere."""
    return f"{wildcards.task}: {wildcards.name} (trained elsewhere)"


def dynamics_outputs():
    """The summaries and figures of dynamics.smk for every task and network."""
    grid = {
        "task": list(config["tasks"]),
        "size": config["network"]["sizes"],
        "seed": config["network"]["seeds"],
        "name": list(config["external_networks"]),
    }
    rules_ = (
        rules.compare_realisations,
        rules.summarise_fixed_points,
        rules.summarise_robustness,
        rules.plot_comparison,
        rules.plot_dynamics,
        rules.plot_external_dynamics,
    )
    paths = [path for rule in rules_ for path in expand(rule.output, **grid)]
    return list(dict.fromkeys(paths))
