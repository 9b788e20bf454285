"""Timed logic gates (AND, OR, XOR, NAND, NOR, NOT) with the parametrization of Jarne.

C. Jarne & R. Laje, "A detailed study of recurrent neural networks used to model tasks in
the cerebral cortex", arXiv:1906.01094 (2019); C. Jarne & R. Laje, "Different eigenvalue
distributions encode the same temporal tasks in recurrent neural networks", Cogn. Neurodyn.
17 (2023) 257-275.  Their generators (``katejarne/RNN_study_with_keras``) put one 20-step
pulse per input at step 30, the response 20 steps after it, held for the rest of a 200-step
trial, with the loss on every step; these are the defaults here.

Each input channel (two, or one for NOT) independently carries a pulse of amplitude 1 or
no pulse, equally likely, in the window [``pulse_start``, ``pulse_start + pulse_length``).
Gaussian noise of ``noise_std`` is added to every input at every step; the targets are
clean.  The output rests at the low level (``LOW`` = 0) until ``delay`` steps after the
pulse window ends, then holds the gate's value on the pulses to the end of the trial: the
high level (``HIGH`` = 1) for true, the low level for false.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from rnn_ensembles.tasks.base import Task, Trials, response_choice

METADATA = {
    "paper": "https://doi.org/10.1007/s11571-022-09802-5",
    "tags": ["logic gate", "timing", "supervised"],
}

# Truth of each gate on the inputs (1 = pulse, 0 = none), one row of the table per input.
GATES = {
    "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b,
    "XOR": lambda a, b: a ^ b,
    "NAND": lambda a, b: 1 - (a & b),
    "NOR": lambda a, b: 1 - (a | b),
    "NOT": lambda a: 1 - a,
}
CHANNELS = ("a", "b")


@dataclass(frozen=True)
class LogicGateTask(Task):
    """Generator of timed logic-gate trials.

    Every step counts in the loss (the mask is all ones, as in Jarne's training).  A trial's
    answer is the mean output over the response window (from ``delay`` steps after the pulse
    window to the end of the trial): true above the midpoint between the two levels, false
    below.  The primary accuracy is the fraction of trials answered as the gate's value; a
    constant zero output answers false everywhere and so scores the fraction of trials whose
    value is false (3/4 for AND, 1/4 for OR, 1/2 for XOR and NOT).  The gate name is read
    case-insensitively and stored in capitals.

    Args:
        gate: one of AND, OR, XOR, NAND, NOR (two inputs) and NOT (one input). Default "AND".
        pulse_start: first step of the input pulses. Default 30.
        pulse_length: steps of each input pulse. Default 20.
        delay: steps from the end of the pulse window to the start of the response.
            Default 20.
        trial_length: steps per trial. Default 200.
        noise_std: standard deviation of the Gaussian input noise. Default 0.1.
    """

    gate: str = "AND"
    pulse_start: int = 30
    pulse_length: int = 20
    delay: int = 20
    trial_length: int = 200
    noise_std: float = 0.1

    KIND = "logic_gate"
    ACCURACY = (
        "fraction of trials whose mean response-window output is on the gate value's side "
        "of the midpoint between the low and high levels"
    )
    CITATION = "Jarne & Laje (2019; 2023)"
    LOW = 0.0
    HIGH = 1.0

    def __post_init__(self):
        if isinstance(self.gate, str):
            object.__setattr__(self, "gate", self.gate.upper())
        super().__post_init__()

    # -- parameters ---------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return 1 if self.gate == "NOT" else 2

    @property
    def n_outputs(self) -> int:
        return 1

    @property
    def length(self) -> int:
        return int(self.trial_length)

    @property
    def response_start(self) -> int:
        """First step at which the output holds the gate's value."""
        return self.pulse_start + self.pulse_length + self.delay

    def problems(self) -> list[str]:
        out = []
        if self.gate not in GATES:
            out.append(f"gate = {self.gate!r}: not a gate; expected one of {', '.join(GATES)}")
        minimum = {"pulse_start": 0, "pulse_length": 1, "delay": 0, "trial_length": 1}
        durations_ok = True
        for name, least in minimum.items():
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool):
                out.append(f"{name} = {value!r}: must be a whole number of steps")
                durations_ok = False
            elif value < least:
                out.append(f"{name} = {value}: must be {least} or more steps")
                durations_ok = False
        if durations_ok:
            pulse_end = self.pulse_start + self.pulse_length
            if pulse_end > self.trial_length:
                out.append(
                    f"pulse_length = {self.pulse_length}: the pulse window [{self.pulse_start}, "
                    f"{pulse_end}) ends past trial_length = {self.trial_length}"
                )
            elif self.response_start >= self.trial_length:
                out.append(
                    f"delay = {self.delay}: leaves no response steps (the response would start "
                    f"at step {self.response_start}, trial_length = {self.trial_length}); it "
                    f"must be below {self.trial_length - pulse_end}"
                )
        if not self.noise_std >= 0:
            out.append(f"noise_std = {self.noise_std}: must be 0 or more")
        return out

    # -- trials -------------------------------------------------------------------
    def value(self, pulses: np.ndarray) -> np.ndarray:
        """The gate's truth (0 or 1) on ``pulses`` (trials, inputs) of 0 and 1."""
        pulses = np.asarray(pulses).astype(int)
        return GATES[self.gate](*pulses.T).astype(np.float64)

    def render(self, pulses: np.ndarray) -> Trials:
        """Clean trials of ``pulses`` (trials, inputs), 1 for a pulse and 0 for none."""
        pulses = np.asarray(pulses, np.float64).reshape(-1, self.n_inputs)
        value = self.value(pulses)
        inputs = np.zeros((len(pulses), self.length, self.n_inputs))
        inputs[:, self.pulse_start : self.pulse_start + self.pulse_length] = pulses[:, None]
        level = np.where(value == 1, self.HIGH, self.LOW)
        targets = np.full((len(pulses), self.length, 1), self.LOW)
        targets[:, self.response_start :, 0] = level[:, None]
        conditions = {f"input_{CHANNELS[k]}": pulses[:, k] for k in range(self.n_inputs)}
        conditions["value"] = value
        return Trials(inputs, targets, np.ones_like(targets), conditions)

    def trials(self, n_trials: int, rng: np.random.Generator) -> Trials:
        """``n_trials`` noisy trials; the conditions are each input's pulse (``input_a``,
        ``input_b``: 1 or 0) and the gate's ``value`` (1 or 0)."""
        pulses = rng.integers(0, 2, size=(n_trials, self.n_inputs))
        trials = self.render(pulses)
        trials.inputs = (trials.inputs + self.noise(trials.inputs.shape, rng)).astype(np.float32)
        return trials

    def combinations(self) -> np.ndarray:
        """Every input combination, (combinations, inputs), the first input varying fastest
        as in Jarne's truth tables."""
        rows = itertools.product((0.0, 1.0), repeat=self.n_inputs)
        return np.array([row[::-1] for row in rows])

    def probe_trials(self) -> Trials:
        """One noise-free trial per input combination."""
        return self.render(self.combinations())

    def constant_inputs(self) -> dict[str, np.ndarray]:
        out = {}
        for row in self.combinations():
            on = [CHANNELS[k] for k in range(self.n_inputs) if row[k]]
            name = "no input" if not on else "pulse " + " and ".join(on)
            out[name] = row
        return out

    # -- evaluation ---------------------------------------------------------------
    def score(self, outputs, targets, mask, conditions=None) -> dict:
        """``accuracy``; ``accuracy_true`` and ``accuracy_false`` on the trials whose value
        is true and false; the mask-weighted ``mse``; ``rest_error``, the mean absolute
        deviation from the low level before the response."""
        start = self.response_start
        outputs = np.asarray(outputs, np.float64)
        targets = np.asarray(targets, np.float64)
        mask = np.asarray(mask, np.float64)
        midpoint = (self.LOW + self.HIGH) / 2
        answer = response_choice(outputs[:, start:], mask[:, start:])[:, 0] - midpoint
        truth = response_choice(targets[:, start:], mask[:, start:])[:, 0] > midpoint
        correct = np.where(truth, answer > 0, answer < 0)
        before = mask[:, :start]
        with np.errstate(invalid="ignore", divide="ignore"):
            rest = (before * np.abs(outputs[:, :start] - self.LOW)).sum() / before.sum()
        return {
            "accuracy": float(np.mean(correct)),
            "accuracy_true": float(correct[truth].mean()) if truth.any() else float("nan"),
            "accuracy_false": float(correct[~truth].mean()) if (~truth).any() else float("nan"),
            "rest_error": float(rest),
        }
