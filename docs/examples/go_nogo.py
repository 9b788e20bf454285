"""Go/no-go: respond after a go cue, stay at rest after a no-go cue.

A worked example of a new task (docs/extending.md). A trial has one input and one output.
The input carries a cue of ``cue_length`` steps from step ``cue_start``: +1 for go, -1 for
no-go, equally likely, with Gaussian noise of ``noise_std`` at every step. The output must
rest at 0 until ``delay`` steps after the cue ends, then hold 1 after a go cue and 0 after
a no-go cue to the end of the trial.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_ensembles.tasks.base import Task, Trials, response_choice, window_problems


@dataclass(frozen=True)
class GoNoGoTask(Task):
    """Generator of go/no-go trials; every step counts in the loss.

    Args:
        cue_start: first step of the cue. Default 20.
        cue_length: steps of the cue. Default 10.
        delay: steps from the end of the cue to the start of the response. Default 20.
        trial_length: steps per trial. Default 100.
        noise_std: standard deviation of the Gaussian input noise. Default 0.1.
    """

    cue_start: int = 20
    cue_length: int = 10
    delay: int = 20
    trial_length: int = 100
    noise_std: float = 0.1

    KIND = "go_nogo"
    ACCURACY = "fraction of trials whose mean response output is on the cue's side of 0.5"
    CITATION = "a worked example of docs/extending.md"

    n_inputs = 1
    n_outputs = 1

    @property
    def length(self) -> int:
        return self.trial_length

    @property
    def response_start(self) -> int:
        return self.cue_start + self.cue_length + self.delay

    def problems(self) -> list[str]:
        """The cue or the response does not fit in the trial; negative noise."""
        out = window_problems(
            "cue_length", self.cue_start, self.cue_start + self.cue_length, self.trial_length
        )
        out += window_problems("delay", self.response_start, self.trial_length, self.trial_length)
        if not self.noise_std >= 0:
            out.append(f"noise_std = {self.noise_std}: must be 0 or more")
        return out

    def render(self, go: np.ndarray) -> Trials:
        """Clean trials, one per entry of ``go`` (1 for go, 0 for no-go)."""
        go = np.asarray(go, np.float64)
        inputs = np.zeros((len(go), self.length, 1))
        inputs[:, self.cue_start : self.cue_start + self.cue_length, 0] = (2 * go - 1)[:, None]
        targets = np.zeros((len(go), self.length, 1))
        targets[:, self.response_start :, 0] = go[:, None]
        return Trials(inputs, targets, np.ones_like(targets), {"go": go})

    def trials(self, n_trials: int, rng: np.random.Generator) -> Trials:
        trials = self.render(rng.integers(0, 2, n_trials))
        trials.inputs = trials.inputs + self.noise(trials.inputs.shape, rng).astype(np.float32)
        return trials

    def probe_trials(self) -> Trials:
        """One noise-free trial of each cue: no-go, then go."""
        return self.render(np.array([0.0, 1.0]))

    def score(self, outputs, targets, mask, conditions=None) -> dict:
        start = self.response_start
        answer = response_choice(outputs[:, start:], mask[:, start:])[:, 0] > 0.5
        truth = response_choice(targets[:, start:], mask[:, start:])[:, 0] > 0.5
        return {"accuracy": float(np.mean(answer == truth))}
