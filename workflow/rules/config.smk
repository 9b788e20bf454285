# The config: checked against workflow/schemas/config.schema.yaml and for consistency before
# any job runs, its defaults filled in, and every name (task kind, architecture) resolved.
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from rnn_ensembles.config import ConfigError, check_config, network_variants
from rnn_ensembles.stacking import stack_refusal
from rnn_ensembles.tasks import make_task

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

# Variant name -> architecture, build options, sizes and seeds (rnn_ensembles.config).
VARIANTS = network_variants(config["network"])
# Task name -> task object: its trial length and channel widths size the jobs.
TASKS = {
    name: make_task(spec["kind"], **{k: v for k, v in spec.items() if k != "kind"})
    for name, spec in config["tasks"].items()
}
# The tasks whose choices have a psychometric curve (the decision and comparison tasks).
PSYCHOMETRIC_TASKS = [
    name for name, task in TASKS.items() if hasattr(task, "psychometric")
]


def task_config(wildcards):
    return config["tasks"][wildcards.task]


def dataset_splits():
    return {
        name: config["dataset"][f"n_{name}"] for name in ("train", "validation", "test")
    }


def training_options():
    """The TrainingConfig of rnn_ensembles.training; threads, gpu and the stack size shape
    the jobs."""
    jobs = ("threads", "gpu", "stack_size")
    return {k: v for k, v in config["training"].items() if k not in jobs}


def variant_architecture(wildcards):
    return VARIANTS[wildcards.variant]["architecture"]


def variant_options(wildcards):
    """Keyword arguments of the variant's build() besides the sizes and the seed."""
    return VARIANTS[wildcards.variant]["options"]


def task_env(rule_env):
    """The conda environment of a rule's jobs: ``rule_env``, but for the jobs of a NeuroGym
    task envs/neurogym.yaml, which holds every pinned dependency and NeuroGym besides.
    """

    def env(wildcards):
        if TASKS[wildcards.task].KIND == "neurogym":
            return "../../envs/neurogym.yaml"
        return rule_env

    return env
