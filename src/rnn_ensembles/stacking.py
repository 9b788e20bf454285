"""Training several seeds of one network as one stacked model.

Every seed of a (task, variant, size) runs the same ops on arrays of the same shape; small
networks are bound by the cost of each op, not by arithmetic. Stacked on a leading member
axis, one batched matmul per step serves all of them. Each member keeps everything that is
its own: its initial weights (built from its seed as if alone), its batch order
(``default_rng([seed, epoch])``), its Adam state and step count, its gradient clipping, its
early stop and its checkpoint. A member that stops (converged, diverged or out of epochs)
leaves the stack, which goes on with the others.

A single network trains alone (``rnn_ensembles.training.train``, Keras's Adam and the
hand-written BPTT of a stack of one). The stack restates Adam and its clipping op for op
with a member axis, and on the CPU a slice of each batched product is the same numbers as
that member's own product (``RateStack``): a member ends with the weights of the same seed
trained alone, to the last bit (tests/test_stacking.py checks it, and the benchmark at
every N it stacks). On a CPU the stack is faster than its members alone only at small N
(``CPU_STACK_MAX_UNITS``); the workflow gives the other networks a job each
(:func:`stack_refusal`), and a stack asked for where it is not faster (an explicit
``training.stack_size``) trains its members one after another in its job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rnn_ensembles.metrics import mean_squared_error
from rnn_ensembles.training import (
    Checkpoint,
    TrainingConfig,
    TrainingResult,
    epoch_row,
    log_epoch,
    run_key,
    stop_reason,
)


@dataclass
class Member:
    """One seed of a stack: its Keras model and optimizer hold its state between epochs (and
    are what its checkpoint saves), its history and its stop."""

    seed: int
    model: object
    optimizer: object
    checkpoint: Checkpoint | None
    history: list[dict] = field(default_factory=list)
    status: str = ""
    reason: str = ""
    wall_before: float = 0.0
    wall: float = 0.0
    error: Exception | None = None  # what failed it, with status "failed"

    @property
    def epoch(self) -> int:
        return len(self.history)

    @property
    def done(self) -> bool:
        return bool(self.status)


# Above this N a stack is not worth its one job on a CPU: measured (benchmarks/
# benchmark_stacking.py, one thread, 340 steps, batch 64, both compiled by XLA), K = 5 and
# 20 against one network alone: 1.5x at N = 8, 1.25x at N = 16, 1.04-1.10x at N = 32 and
# 1.08x at N = 64, within what separate jobs regain by running side by side and stopping
# on their own. There a CPU gets a job per network (a GPU stacks every N: it is filled
# only by many networks at once).
CPU_STACK_MAX_UNITS = 32


def stack_refusal(architecture: str, options: dict, n_units: int, gpu: bool) -> str | None:
    """Why the seeds of ``architecture`` with ``options`` at ``n_units`` would not train faster
    as one stack than one by one, on a GPU (``gpu``) or a CPU; ``None`` when they would.

    Read from the config alone (no model is built): the workflow plans its training jobs
    with it, a job per stack where stacks are faster and a job per network elsewhere.
    """
    from rnn_ensembles.models import get_architecture

    arch = get_architecture(architecture)
    if getattr(arch, "stack_form", None) is None:
        return f"{architecture} has no stacked form"
    refusal = arch.stack_refusal(options)
    if refusal:
        return refusal
    if n_units > CPU_STACK_MAX_UNITS and not gpu:
        return f"N = {n_units} > {CPU_STACK_MAX_UNITS}: on a CPU a stack is not faster there"
    return None


def stackable(architecture: str, models, n_units: int) -> str | None:
    """``None`` when ``models`` of ``architecture`` train as one stack here, else why not."""
    import tensorflow as tf

    from rnn_ensembles.models import get_architecture

    gpu = bool(tf.config.list_physical_devices("GPU"))
    # The models' cells say the rest (their noise), which the options {} leave out here.
    refusal = stack_refusal(architecture, {}, n_units, gpu)
    if refusal:
        return refusal
    stack = get_architecture(architecture).stack_form(models)
    return stack if isinstance(stack, str) else None


def train_stack(
    dataset,
    architecture: str,
    n_units: int,
    seeds,
    config: TrainingConfig,
    checkpoint_dirs=None,
    log=print,
    model_options: dict | None = None,
    on_build=None,
) -> list[TrainingResult]:
    """Train one network of ``n_units`` per seed of ``seeds`` on ``dataset``, as one stack.

    Each member stops at the first of a non-finite epoch loss (``diverged``), the loss
    threshold or the validation accuracy target (``converged``) and ``max_epochs``
    (``budget_exhausted``), as :func:`rnn_ensembles.training.train` stops one network.
    ``checkpoint_dirs`` (one per seed): each member's state is saved there after every
    epoch, and a rerun resumes every member from its own. ``on_build(seed, model)`` is
    called once a member's model holds its initial weights. An architecture without a
    stacked form (GRU, LSTM, a noisy rate network) trains its seeds one after another.
    A member whose own checkpoint cannot be written fails alone: its result has status
    ``failed`` and the exception in ``attrs["error"]``. Returns the results in the order of
    ``seeds``.
    """
    import keras
    import tensorflow as tf

    from rnn_ensembles.models import get_architecture
    from rnn_ensembles.training import train

    seeds = [int(seed) for seed in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds {seeds}: a stack holds each seed once")
    dirs = list(checkpoint_dirs) if checkpoint_dirs else [None] * len(seeds)
    arch = get_architecture(architecture)
    task = dataset.task()
    x_train = tf.constant(dataset.inputs("train"))
    y_train = tf.constant(dataset.targets("train"))
    masked = not np.all(dataset.mask("train") == 1)  # a mask of ones is no mask
    m_train = tf.constant(dataset.mask("train")) if masked else None
    val = dataset.trials("validation")
    x_val = tf.constant(val.inputs)
    n_trials = x_train.shape[0]

    members = []
    for seed, directory in zip(seeds, dirs, strict=True):
        keras.utils.set_random_seed(seed)  # as train() does: the same initial weights
        model = arch.build(
            n_units, x_train.shape[-1], y_train.shape[-1], seed=seed, **(model_options or {})
        )
        optimizer = keras.optimizers.Adam(
            learning_rate=config.learning_rate, clipnorm=config.clipnorm
        )
        optimizer.build(model.trainable_variables)
        key = run_key(dataset, architecture, n_units, seed, config, model_options)
        members.append(Member(seed, model, optimizer, directory and Checkpoint(directory, key)))
    why_not = "one seed" if len(seeds) == 1 else None
    why_not = why_not or stackable(architecture, [m.model for m in members], n_units)
    if why_not:
        if len(seeds) > 1:
            log(f"{architecture} N={n_units}: seeds trained one after another ({why_not})")
        return [
            train(
                dataset,
                architecture,
                n_units,
                seed,
                config,
                directory,
                log,
                model_options,
                on_build and (lambda model, seed=seed: on_build(seed, model)),
            )
            for seed, directory in zip(seeds, dirs, strict=True)
        ]

    def named(member) -> str:  # whose line it is, in the log of a stack of several
        return f"seed {member.seed}: " if len(members) > 1 else ""

    for member in members:
        if on_build:
            on_build(member.seed, member.model)
        restored = (
            member.checkpoint.restore(member.model, member.optimizer) if member.checkpoint else None
        )
        if restored:
            _, member.history, member.wall_before = restored
            log(f"{named(member)}resuming from the checkpoint after epoch {member.epoch}")
        _settle(member, config, task)
    form = arch.stack_form([m.model for m in members])

    started = time.perf_counter()
    active, stack = [], None
    while not all(m.done for m in members):
        running = [i for i, m in enumerate(members) if not m.done]
        if running != active:  # a member left: the stack goes on without it
            active = running
            stack = _Stack([members[i] for i in active], form.subset(active), config)
            stack.trace(x_train, y_train, m_train, x_val)
            if len(members) > 1:
                log(f"stack of seeds {[members[i].seed for i in active]}")
        epoch_start = time.perf_counter()
        orders = [
            np.random.default_rng([members[i].seed, members[i].epoch]).permutation(n_trials)
            for i in active
        ]
        losses = []
        for first in range(0, n_trials, config.batch_size):
            idx = np.stack([order[first : first + config.batch_size] for order in orders])
            losses.append(stack.train_step(tf.constant(idx)).numpy())
        epoch_loss = np.mean(np.array(losses, dtype=np.float64), axis=0)
        val_out = stack.predict().numpy()
        stack.write_back()
        seconds = time.perf_counter() - epoch_start
        for j, i in enumerate(active):
            member = members[i]
            scores = task.score(val_out[j], val.targets, val.mask, val.conditions)
            row = epoch_row(
                member.epoch + 1,
                float(epoch_loss[j]),
                mean_squared_error(val_out[j], val.targets, val.mask),
                scores,
                seconds,
            )
            member.history.append(row)
            log_epoch(row, log, prefix=f"seed {member.seed} " if len(members) > 1 else "")
            member.wall = member.wall_before + time.perf_counter() - started
            try:
                if member.checkpoint:
                    member.checkpoint.save(
                        member.model, member.optimizer, member.epoch, member.history, member.wall
                    )
            except Exception as err:  # noqa: BLE001 - this member's fault, not the stack's
                # Its own file cannot be written (a full disk, a blocked path): it fails
                # alone, recorded with the error, and the others go on.
                member.status, member.error = "failed", err
                member.reason = " ".join(f"{type(err).__name__}: {err}".split())
                continue
            _settle(member, config, task)
    results = []
    for member in members:
        log(f"{named(member)}{member.status}: {member.reason}")
        results.append(
            TrainingResult(
                member.model,
                member.history,
                member.status,
                member.reason,
                max(member.wall, member.wall_before),
                member.epoch,
                {"stack_seeds": seeds, "error": member.error},
            )
        )
    return results


def _settle(member: Member, config: TrainingConfig, task) -> None:
    """Mark ``member`` done when its last epoch stopped it or its budget is spent."""
    stop = stop_reason(member.history[-1], config, task) if member.history else None
    if stop:
        member.status, member.reason = stop
    elif member.epoch >= config.max_epochs:
        member.status = "budget_exhausted"
        member.reason = f"max_epochs = {config.max_epochs} reached"


class _Stack:
    """The running members' weights and Adam state as stacked variables, and the two
    compiled steps over them. Adam and Keras's ``clipnorm`` are restated with a member
    axis, op for op as ``keras.optimizers.Adam`` computes them (its update is elementwise;
    the norm that ``clipnorm`` clips is each member's own, of each of its tensors)."""

    def __init__(self, members: list[Member], form, config: TrainingConfig):
        import tensorflow as tf

        self.members, self.form, self.config = members, form, config
        first = members[0].optimizer
        self.beta_1, self.beta_2, self.epsilon = first.beta_1, first.beta_2, first.epsilon
        self.weights = self._stacked([m.model.trainable_variables for m in members])
        self.momentums = self._stacked([m.optimizer._momentums for m in members])
        self.velocities = self._stacked([m.optimizer._velocities for m in members])
        self.iterations = tf.Variable(
            np.array([int(m.optimizer.iterations.numpy()) for m in members]), dtype=tf.int64
        )

    @staticmethod
    def _stacked(per_member):
        import tensorflow as tf

        return [
            tf.Variable(np.stack([np.asarray(v) for v in group]))
            for group in zip(*per_member, strict=True)
        ]

    def trace(self, x_train, y_train, m_train, x_val) -> None:
        import tensorflow as tf

        from rnn_ensembles.models.simple_rnn import training_gradients

        n_members = len(self.members)
        lr = tf.constant(self.config.learning_rate, tf.float32)
        # As a network alone computes its gradients: the same program for K members.
        loss_and_gradients = training_gradients(self.form)

        # reduce_retracing, as training.train's step: the last, smaller batch of an epoch
        # then runs a graph of unknown batch size in both, whose kernels give other bits
        # than those of a known one.
        @tf.function(reduce_retracing=True)
        def train_step(idx):
            batch = [tf.gather(x_train, idx), tf.gather(y_train, idx)]
            batch.append(None if m_train is None else tf.gather(m_train, idx))
            loss, grads = loss_and_gradients(self.weights, *batch)
            self._apply(grads, lr)
            return loss

        @tf.function
        def predict():
            x = tf.broadcast_to(x_val[None], [n_members, *x_val.shape])
            return self.form.outputs(self.weights, x)

        self.train_step, self.predict = train_step, predict

    def _apply(self, grads, lr) -> None:
        import tensorflow as tf

        local_step = tf.cast(self.iterations + 1, tf.float32)
        beta_1_power = tf.pow(tf.cast(self.beta_1, tf.float32), local_step)
        beta_2_power = tf.pow(tf.cast(self.beta_2, tf.float32), local_step)
        alpha = lr * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        for grad, var, m, v in zip(
            grads, self.weights, self.momentums, self.velocities, strict=True
        ):
            axes = list(range(1, len(var.shape)))
            if self.config.clipnorm:
                grad = tf.clip_by_norm(grad, self.config.clipnorm, axes)
            alpha_k = tf.reshape(alpha, [-1] + [1] * len(axes))
            m.assign_add((grad - m) * (1 - self.beta_1))
            v.assign_add((tf.square(grad) - v) * (1 - self.beta_2))
            var.assign_sub((m * alpha_k) / (tf.sqrt(v) + self.epsilon))
        self.iterations.assign_add(tf.ones_like(self.iterations))

    def write_back(self) -> None:
        """Copy the stacked state into each member's model and optimizer."""
        # Read once as numpy: slicing the stacked variables member by member would cost an
        # op per slice, hundreds per epoch in a stack of 20.
        weights, momentums, velocities = (
            [v.numpy() for v in group] for group in (self.weights, self.momentums, self.velocities)
        )
        iterations = self.iterations.numpy()
        for j, member in enumerate(self.members):
            targets = (
                (member.model.trainable_variables, weights),
                (member.optimizer._momentums, momentums),
                (member.optimizer._velocities, velocities),
            )
            for own, stacked in targets:
                for var, value in zip(own, stacked, strict=True):
                    # The TensorFlow variable under the Keras one: half the time to assign.
                    var.value.assign(value[j], read_value=False)
            member.optimizer.iterations.assign(iterations[j])
