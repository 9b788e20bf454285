"""The task interface: what every task module provides, and the trials it returns.

A task is a frozen dataclass whose fields are its config parameters (the config's ``kind``
selects the class; its schema block is in ``workflow/schemas/config.schema.yaml``). It owns:

* ``n_inputs``, ``n_outputs``, ``dt_ms`` (milliseconds per step) and ``length`` (steps);
* ``trials(n, rng)``: :class:`Trials` (inputs, targets, loss mask, conditions);
* ``probe_trials()``: the noise-free trials its analyses run (the flip-flop's memory-states
  trial, one trial per condition for the others), as :class:`Trials`;
* ``score(outputs, targets, mask, conditions)``: its metrics, with the primary accuracy
  under the key ``"accuracy"`` (described by ``ACCURACY``);
* ``criterion(scores)``: the accuracy training stops on (the primary one by default);
* ``MEMORY``: optionally a condition the activity must carry (the delayed comparison's
  f1), decoded from it at every step of the test trials;
* ``constant_inputs()``: the inputs it holds constant for a while (fixation, a context
  cue), by name, under which the fixed points are searched;
* ``parameters()`` and ``problems()``.

Success, the minimal size, robustness and every figure read ``score(...)["accuracy"]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np


class ParameterError(ValueError):
    """Bad task parameters: ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass
class Trials:
    """A batch of trials.

    Attributes:
        inputs: float32 (trials, time, n_inputs).
        targets: float32 (trials, time, n_outputs).
        mask: float32 (trials, time, n_outputs), the weight of each step and channel in the
            loss: 0 where the output is free, 1 (or another weight) where it counts.
        conditions: column name -> (trials,) array: the variables that define each trial.
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    conditions: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        self.inputs = np.asarray(self.inputs, np.float32)
        self.targets = np.asarray(self.targets, np.float32)
        self.mask = np.broadcast_to(np.asarray(self.mask, np.float32), self.targets.shape).copy()
        self.conditions = {k: np.asarray(v) for k, v in self.conditions.items()}
        n = self.inputs.shape[0]
        if self.targets.shape[:2] != self.inputs.shape[:2]:
            raise ValueError(
                f"targets {self.targets.shape} and inputs {self.inputs.shape} differ in "
                "trials or steps"
            )
        for name, column in self.conditions.items():
            if column.shape != (n,):
                raise ValueError(f"condition {name!r} has shape {column.shape}, not ({n},)")

    def __len__(self) -> int:
        return self.inputs.shape[0]

    def select(self, index) -> Trials:
        """The trials selected by ``index`` (a slice or an index array)."""
        return Trials(
            self.inputs[index],
            self.targets[index],
            self.mask[index],
            {k: v[index] for k, v in self.conditions.items()},
        )


@dataclass(frozen=True)
class Task:
    """Common parameters and helpers of every task; subclasses add their own fields."""

    KIND = ""
    ACCURACY = ""  # one line: what the primary accuracy counts
    MEMORY = ""  # a condition the activity must carry, decoded at every step; "" for none
    CITATION = ""

    def __post_init__(self):
        # Lists from YAML become tuples so that the task stays hashable and comparable.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        found = self.problems()
        if found:
            raise ParameterError(found)

    @property
    def dt_ms(self) -> float:
        """Milliseconds per step (1 for this project's own tasks)."""
        return 1.0

    def parameters(self) -> dict:
        """Every parameter, resolved, as JSON-able values (stored in the dataset's attributes)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def problems(self) -> list[str]:
        """One line per inconsistent parameter, each starting ``<key> = <value>:``."""
        return []

    def probe_labels(self, conditions: dict[str, np.ndarray]) -> np.ndarray:
        """The condition of each probe trial as a short text; trials of the same label are
        averaged together in the analyses (default: every condition column, "k=v, ...")."""
        n = len(next(iter(conditions.values()))) if conditions else 0
        return np.array(
            [", ".join(f"{k}={_short(v[i])}" for k, v in conditions.items()) for i in range(n)]
        )

    def criterion(self, scores: dict) -> tuple[float, str]:
        """The accuracy that training stops on, from ``score``'s metrics, and its description."""
        return scores["accuracy"], f"accuracy {scores['accuracy']:.4f}"

    def constant_inputs(self) -> dict[str, np.ndarray]:
        """Inputs held constant for a while in a trial, by name (default: no input)."""
        return {"no input": np.zeros(self.n_inputs)}

    def input_events(self) -> dict[str, np.ndarray]:
        """The task's input events, by name: each a noise-free (steps, n_inputs) input that
        moves the network from one memory to another (default: none).  The topology stage
        applies each from every stable fixed point and records where the network settles."""
        return {}

    def expected_code(self, code: str, event: str) -> str | None:
        """The readout code (``-``, ``0``, ``+`` per output) that the task's rule prescribes
        after ``event`` from a state of readout ``code``; None where it has no rule."""
        return None

    def noise(self, shape, rng: np.random.Generator) -> np.ndarray:
        """The input noise of a trial batch: Gaussian of ``noise_std``."""
        return rng.normal(0.0, self.noise_std, size=shape)


def _short(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:+g}"
    return str(value)


def response_choice(outputs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per trial and output channel, the mask-weighted mean output over the counted steps;
    (trials, channels), NaN where no step counts."""
    outputs = np.asarray(outputs, np.float64)
    weight = np.asarray(mask, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (outputs * weight).sum(axis=1) / weight.sum(axis=1)


def window_problems(name: str, start: int, stop: int, length: int) -> list[str]:
    """A period ``[start, stop)`` that is empty or ends past a trial of ``length`` steps."""
    if stop <= start:
        return [f"{name} = {stop - start}: leaves no steps (period [{start}, {stop}))"]
    if stop > length:
        return [f"{name}: the period ends at step {stop}, past the trial's {length} steps"]
    return []
