"""Tasks: one module per task, registered by the ``kind`` used in ``config.yaml``.

Every task follows the interface of :mod:`rnn_ensembles.tasks.base`; adding a task is one
new module, one line here and its block in the config schema.
"""

from importlib import import_module

from rnn_ensembles.tasks.base import ParameterError, Task, Trials
from rnn_ensembles.tasks.flipflop import FlipFlopTask

# kind -> "module:class"; a module is imported when its kind is first asked for.
REGISTRY = {
    "flipflop": "rnn_ensembles.tasks.flipflop:FlipFlopTask",
    "logic_gate": "rnn_ensembles.tasks.logic_gate:LogicGateTask",
    "perceptual_decision": "rnn_ensembles.tasks.perceptual_decision:PerceptualDecisionTask",
    "context_decision": "rnn_ensembles.tasks.context_decision:ContextDecisionTask",
    "delayed_comparison": "rnn_ensembles.tasks.delayed_comparison:DelayedComparisonTask",
    # Any NeuroGym environment as a supervised task (the neurogym extra).
    "neurogym": "rnn_ensembles.tasks.neurogym:NeuroGymTask",
}
TASK_KINDS = tuple(REGISTRY)


def task_class(kind: str) -> type[Task]:
    """The task class registered as ``kind``."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown task kind {kind!r}: expected one of {', '.join(REGISTRY)}")
    module, name = REGISTRY[kind].split(":")
    return getattr(import_module(module), name)


def make_task(kind: str, **params) -> Task:
    """Build the task registered as ``kind`` from its config parameters.

    A parameter the task does not have is refused naming it and the task's parameters.
    """
    cls = task_class(kind)
    allowed = [f for f in cls.__dataclass_fields__ if not f.startswith("_")]
    unknown = [key for key in params if key not in allowed]
    if unknown:
        raise ParameterError(
            [
                f"{key}: not a parameter of the {kind} task (its parameters: {', '.join(allowed)})"
                for key in unknown
            ]
        )
    return cls(**params)


__all__ = [
    "ParameterError",
    "REGISTRY",
    "TASK_KINDS",
    "FlipFlopTask",
    "Task",
    "Trials",
    "make_task",
    "task_class",
]
