# Job resources: memory and time limits (a SLURM job's), sized from the task and the config.
from rnn_ensembles.resources import training_minutes


def train_mem_mb(wildcards, attempt):
    """Memory of a training job: the training split as float32 twice (inputs, targets),
    the BPTT activations of one batch, and TensorFlow's own footprint; times the attempt, so
    that a retry (--retries) after the job was killed for memory gets more."""
    task = TASKS[wildcards.task]
    steps, width = task.length, task.n_inputs + task.n_outputs
    data = config["dataset"]["n_train"] * steps * width * 4
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
        steps=TASKS[wildcards.task].length,
        batch_size=config["training"]["batch_size"],
        epochs=config["training"]["max_epochs"],
        attempt=attempt,
    )
