"""Tasks: one module per task, registered by the name used in ``config.yaml``.

A task is a frozen dataclass with ``n_inputs``, ``n_outputs``, ``parameters()``,
``problems()``, ``trials(n, rng)`` and ``memory_states()``; adding a task is one
new module plus one line here.
"""

from rnn_ensembles.tasks.flipflop import FlipFlopTask

TASKS = {"flipflop": FlipFlopTask}


def make_task(kind: str, **params):
    """Build the task registered as ``kind`` from its config parameters."""
    if kind not in TASKS:
        raise ValueError(f"unknown task kind {kind!r}: expected one of {sorted(TASKS)}")
    return TASKS[kind](**params)
