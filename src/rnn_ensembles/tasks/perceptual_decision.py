"""Perceptual decision making: report the sign of noisy evidence (random-dot motion).

K. H. Britten, M. N. Shadlen, W. T. Newsome & J. A. Movshon, "The analysis of visual motion:
a comparison of neuronal and psychophysical performance", J. Neurosci. 12 (1992) 4745-4765;
the trial structure is the one of the NeuroGym ``PerceptualDecisionMaking`` environment and
of PsychRNN's ``PerceptualDiscrimination`` task (fixation, stimulus, optional delay, decision).

A trial has four periods, in steps of 1 ms: ``fixation``, ``stimulus``, ``delay`` and
``response``.  Input 0 is the fixation cue, 1 until the response period and 0 in it (its
offset is the go signal).  Input 1 is the evidence: during the stimulus its mean is the
trial's signed coherence, a value of ``coherences`` with a sign drawn +1 or -1 equally
likely; it is 0 otherwise.  Gaussian noise of ``noise_std`` is added to every input channel
at every step; the targets are clean.  The single output must stay at 0 until the response
and then report the sign of the coherence (+1 or -1).

The default coherences are the doubling ladder of Britten et al. (3.2 % to 51.2 %); zero
coherence is refused, since its trials have no correct choice.  At the default noise an
ideal integrator of the whole stimulus is right on more than 99.9 % of the weakest trials,
one that integrates only its last 20 steps on about 92 %: the task needs integration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_ensembles.tasks.base import Task, Trials, response_choice

METADATA = {
    "paper": "https://doi.org/10.1523/JNEUROSCI.12-12-04745.1992",
    "tags": ["decision making", "evidence integration", "supervised"],
}


def period_problems(task, names: tuple[str, ...], minimum: dict[str, int]) -> list[str]:
    """Durations (the fields ``names``) below their minimum (``minimum``, default 0)."""
    out = []
    for name in names:
        value = getattr(task, name)
        least = minimum.get(name, 0)
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            out.append(f"{name} = {value!r}: must be a whole number of steps")
        elif value < least:
            out.append(f"{name} = {value}: must be {least} or more steps")
    return out


def response_problems(task) -> list[str]:
    """The grace period, weight and noise of a task with a ``response`` period."""
    out = []
    if isinstance(task.grace, int | np.integer) and isinstance(task.response, int | np.integer):
        if task.grace >= task.response:
            out.append(
                f"grace = {task.grace}: leaves no response step that counts (response = "
                f"{task.response} steps); it must be less than response"
            )
    if not task.response_weight > 0:
        out.append(f"response_weight = {task.response_weight}: must be greater than 0")
    if not task.noise_std >= 0:
        out.append(f"noise_std = {task.noise_std}: must be 0 or more")
    return out


def strength_problems(name: str, values) -> list[str]:
    """A list of evidence strengths that is empty, repeats a value or has one <= 0."""
    values = list(values)
    if not values:
        return [f"{name} = []: needs at least one value (each > 0; the sign is drawn per trial)"]
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return [f"{name} = {values}: must be numbers"]
    out = []
    if min(numbers) <= 0:
        out.append(
            f"{name} = {values}: every value must be greater than 0 (the sign is drawn per "
            "trial; at 0 no choice is correct)"
        )
    if len(set(numbers)) < len(numbers):
        out.append(f"{name} = {values}: a value is repeated; list each once")
    return out


def fraction(flags) -> float:
    """The fraction of true ``flags``; NaN when there are none (a condition absent from a
    small batch), without numpy's warning."""
    flags = np.asarray(flags)
    return float(flags.mean()) if flags.size else float("nan")


def decisions(outputs, targets, mask, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Per trial, the choice (sign of the mask-weighted mean output from step ``start`` on;
    0 or NaN when there is none) and the correct choice (the same of the targets)."""
    outputs = np.asarray(outputs)[:, start:]
    targets = np.asarray(targets)[:, start:]
    mask = np.asarray(mask)[:, start:]
    choice = np.sign(response_choice(outputs, mask))[:, 0]
    truth = np.sign(response_choice(targets, mask))[:, 0]
    return choice, truth


def decision_metrics(outputs, targets, mask, start: int) -> tuple[dict, np.ndarray]:
    """The accuracy of the choices and the mean absolute output over the counted steps before
    the response (where a fixation break shows), with the per-trial correctness (trials,)."""
    choice, truth = decisions(outputs, targets, mask, start)
    outputs = np.asarray(outputs, np.float64)
    targets = np.asarray(targets, np.float64)
    mask = np.asarray(mask, np.float64)
    before = mask[:, :start]
    with np.errstate(invalid="ignore", divide="ignore"):
        fixation = (before * np.abs(outputs[:, :start])).sum() / before.sum()
    return {
        "accuracy": float(np.mean(choice == truth)),
        "fixation_error": float(fixation),
    }, choice == truth


def choice_table(choice: np.ndarray, truth: np.ndarray, groups: dict[str, np.ndarray]):
    """A DataFrame with one row per combination of the ``groups`` columns: the number of
    trials, the fraction of choices +1 and the accuracy."""
    import pandas as pd

    frame = pd.DataFrame(
        {**groups, "plus": np.asarray(choice) > 0, "correct": np.asarray(choice) == truth}
    )
    table = frame.groupby(list(groups), sort=True).agg(
        n_trials=("plus", "size"), fraction_plus=("plus", "mean"), accuracy=("correct", "mean")
    )
    return table.reset_index()


@dataclass(frozen=True)
class PerceptualDecisionTask(Task):
    """Generator of perceptual decision trials (one evidence stream, report its sign).

    The mask counts every step before the response with weight 1 (the output must hold 0
    through fixation, stimulus and delay), leaves the first ``grace`` response steps free
    and weighs the rest of the response by ``response_weight``.  The choice is the sign of
    the mask-weighted mean output over the response period; the primary accuracy is the
    fraction of trials whose choice is the coherence's sign.  A constant zero output makes
    no choice and scores 0.

    Args:
        coherences: evidence strengths (> 0, each once); each trial draws one and a sign.
            Default (0.032, 0.064, 0.128, 0.256, 0.512).
        fixation: steps of fixation before the stimulus. Default 20.
        stimulus: steps of evidence. Default 100.
        delay: steps between the stimulus and the response (fixation cue still on). Default 0.
        response: steps of the response period, the last of the trial. Default 30.
        grace: first response steps left out of the loss and of the choice. Default 10.
        response_weight: loss weight of the counted response steps. Default 5.0.
        noise_std: standard deviation of the Gaussian input noise. Default 0.1.
    """

    coherences: tuple[float, ...] = (0.032, 0.064, 0.128, 0.256, 0.512)
    fixation: int = 20
    stimulus: int = 100
    delay: int = 0
    response: int = 30
    grace: int = 10
    response_weight: float = 5.0
    noise_std: float = 0.1

    KIND = "perceptual_decision"
    ACCURACY = "fraction of trials whose response-period choice has the sign of the coherence"
    # Decoded from the activity at every step: the evidence integrated so far.
    MEMORY = "coherence"
    CITATION = "Britten, Shadlen, Newsome & Movshon (1992)"

    # -- parameters ---------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return 2

    @property
    def n_outputs(self) -> int:
        return 1

    @property
    def response_start(self) -> int:
        """First step of the response period (the fixation cue's offset)."""
        return self.fixation + self.stimulus + self.delay

    @property
    def length(self) -> int:
        return self.response_start + self.response

    def problems(self) -> list[str]:
        out = strength_problems("coherences", self.coherences)
        out += period_problems(
            self,
            ("fixation", "stimulus", "delay", "response", "grace"),
            {"stimulus": 1, "response": 1},
        )
        return out + response_problems(self)

    # -- trials -------------------------------------------------------------------
    def render(self, coherence: np.ndarray) -> Trials:
        """Clean trials of the signed ``coherence`` (trials,)."""
        coherence = np.asarray(coherence, np.float64)
        n, t = len(coherence), np.arange(self.length)
        start, stop = self.fixation, self.fixation + self.stimulus
        inputs = np.zeros((n, self.length, 2))
        inputs[:, : self.response_start, 0] = 1.0
        inputs[:, start:stop, 1] = coherence[:, None]
        responding = t >= self.response_start
        targets = np.where(responding, np.sign(coherence)[:, None], 0.0)[..., None]
        weight = np.ones(self.length)
        weight[self.response_start : self.response_start + self.grace] = 0.0
        weight[self.response_start + self.grace :] = self.response_weight
        mask = np.broadcast_to(weight[None, :, None], targets.shape)
        return Trials(inputs, targets, mask, {"coherence": coherence})

    def trials(self, n_trials: int, rng: np.random.Generator) -> Trials:
        """``n_trials`` noisy trials; the condition is the signed coherence."""
        sign = rng.choice(np.array([-1.0, 1.0]), size=n_trials)
        strength = rng.choice(np.asarray(self.coherences, np.float64), size=n_trials)
        trials = self.render(sign * strength)
        trials.inputs = (trials.inputs + self.noise(trials.inputs.shape, rng)).astype(np.float32)
        return trials

    def probe_trials(self) -> Trials:
        """One noise-free trial per signed coherence, from the most negative up."""
        strengths = np.sort(np.asarray(self.coherences, np.float64))
        return self.render(np.concatenate([-strengths[::-1], strengths]))

    def constant_inputs(self) -> dict[str, np.ndarray]:
        strongest = max(self.coherences)
        return {
            "fixation": np.array([1.0, 0.0]),
            f"evidence +{strongest:g}": np.array([1.0, strongest]),
            f"evidence -{strongest:g}": np.array([1.0, -strongest]),
            "response": np.array([0.0, 0.0]),
        }

    # -- evaluation ---------------------------------------------------------------
    def score(self, outputs, targets, mask, conditions=None) -> dict:
        """``accuracy``, ``mse``, ``fixation_error`` and, given the conditions, the accuracy
        on the weakest (``accuracy_weakest``) and strongest (``accuracy_strongest``)
        coherence."""
        metrics, correct = decision_metrics(outputs, targets, mask, self.response_start)
        if conditions is not None and "coherence" in conditions:
            strength = np.abs(np.asarray(conditions["coherence"], np.float64))
            for name, value in (("weakest", strength.min()), ("strongest", strength.max())):
                metrics[f"accuracy_{name}"] = fraction(correct[strength == value])
        return metrics

    def psychometric(self, outputs, trials: Trials):
        """Per signed coherence: ``n_trials``, ``fraction_plus`` (choices +1), ``accuracy``."""
        choice, truth = decisions(outputs, trials.targets, trials.mask, self.response_start)
        return choice_table(choice, truth, {"coherence": trials.conditions["coherence"]})
