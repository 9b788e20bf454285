# Job resources: memory and time limits (a SLURM job's), sized from the task and the config.
from rnn_ensembles.resources import training_minutes


def stack_mem_mb(n_members):
    """Memory of a training job of ``n_members`` networks: the training split as float32
    twice (inputs, targets), each member's batch and the BPTT activations of its batch,
    and TensorFlow's own footprint; times the attempt, so that a retry (--retries) after the
    job was killed for memory gets more."""

    def mem_mb(wildcards, attempt):
        task = TASKS[wildcards.task]
        steps, width = task.length, task.n_inputs + task.n_outputs
        data = config["dataset"]["n_train"] * steps * width * 4
        batch_size = config["training"]["batch_size"]
        batch = batch_size * steps * (width + 4 * int(wildcards.size)) * 4
        return attempt * (1024 + (data + n_members * batch) // 2**20)

    return mem_mb


def stack_runtime(n_members):
    """Minutes a training job of ``n_members`` networks may run (a SLURM job's time
    limit): rnn_ensembles.resources estimates one network's whole epoch budget from the
    sizes in the config, with a safety factor, times the members (a bound: a stack is
    faster than its members one after another), times the attempt, so that a retry
    (--retries) after a timeout gets longer."""

    def runtime(wildcards, attempt):
        return training_minutes(
            n_units=int(wildcards.size),
            n_train=config["dataset"]["n_train"],
            n_validation=config["dataset"]["n_validation"],
            steps=TASKS[wildcards.task].length,
            batch_size=config["training"]["batch_size"],
            epochs=config["training"]["max_epochs"],
            attempt=attempt,
            networks=n_members,
        )

    return runtime
