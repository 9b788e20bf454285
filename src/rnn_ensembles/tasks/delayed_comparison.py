"""Delayed comparison (parametric working memory): is the first frequency higher?

R. Romo, C. D. Brody, A. Hernández & L. Lemus, "Neuronal correlates of parametric working
memory in the prefrontal cortex", Nature 399 (1999) 470-473; the trial structure follows
PsychRNN's ``DelayedDiscrimination`` task and the NeuroGym ``DelayComparison`` environment.

A trial has five periods, in steps of 1 ms: ``fixation``, the first stimulus
(``pulse_length`` steps), ``delay``, the second stimulus (``pulse_length`` steps) and
``response``.  Input 0 is the fixation cue, 1 until the response period and 0 in it (its
offset is the go signal).  Input 1 carries the two vibration frequencies as amplitudes,
``f / frequency_scale``, during the two stimuli and is 0 otherwise.  Each trial draws one
(f1, f2) pair of ``pairs``, in Hz; the default set is Romo et al.'s design f2 = f1 +- 8 Hz
on f1, f2 in (10, 18, 26, 34) Hz, every pair both ways round.  Gaussian noise of
``noise_std`` is added to every input channel at every step; the targets are clean.  The
output must stay at 0 until the response and then report the sign of f1 - f2: +1 when the
first frequency is higher, -1 when it is lower.  Pairs with f1 = f2 are refused, since they
have no correct answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np

from rnn_ensembles.tasks.base import Task, Trials
from rnn_ensembles.tasks.perceptual_decision import (
    choice_table,
    decision_metrics,
    decisions,
    fraction,
    period_problems,
    response_problems,
)

METADATA = {
    "paper": "https://doi.org/10.1038/20939",
    "tags": ["working memory", "parametric working memory", "comparison", "supervised"],
}

ROMO_PAIRS = ((10, 18), (18, 10), (18, 26), (26, 18), (26, 34), (34, 26))


@dataclass(frozen=True)
class DelayedComparisonTask(Task):
    """Generator of delayed comparison trials.

    The mask counts every step before the response with weight 1 (the output must hold 0
    through the stimuli and the delay), leaves the first ``grace`` response steps free and
    weighs the rest by ``response_weight``.  The choice is the sign of the mask-weighted
    mean output over the response period; the primary accuracy is the fraction of trials
    whose choice is the sign of f1 - f2.  A constant zero output makes no choice and
    scores 0.

    Args:
        pairs: the (f1, f2) frequency pairs in Hz (f1 != f2, each pair once); each trial
            draws one. Default ((10, 18), (18, 10), (18, 26), (26, 18), (26, 34), (34, 26)).
        frequency_scale: the frequency, in Hz, whose input amplitude is 1 (amplitude =
            f / frequency_scale). Default 40.0.
        fixation: steps of fixation before the first stimulus. Default 20.
        pulse_length: steps of each of the two stimuli. Default 20.
        delay: steps between the end of the first stimulus and the start of the second.
            Default 50.
        response: steps of the response period, right after the second stimulus and the
            last of the trial. Default 30.
        grace: first response steps left out of the loss and of the choice. Default 10.
        response_weight: loss weight of the counted response steps. Default 5.0.
        noise_std: standard deviation of the Gaussian input noise. Default 0.1.
    """

    pairs: tuple[tuple[float, float], ...] = ROMO_PAIRS
    frequency_scale: float = 40.0
    fixation: int = 20
    pulse_length: int = 20
    delay: int = 50
    response: int = 30
    grace: int = 10
    response_weight: float = 5.0
    noise_std: float = 0.1

    KIND = "delayed_comparison"
    ACCURACY = "fraction of trials whose response-period choice has the sign of f1 - f2"
    # Decoded from the activity at every step: the first frequency, held through the delay.
    MEMORY = "f1"
    CITATION = "Romo, Brody, Hernández & Lemus (1999)"

    def __post_init__(self):
        # Pairs from YAML or JSON are lists of lists: inner tuples keep the task hashable.
        try:
            pairs = tuple(tuple(p) for p in self.pairs)
        except TypeError:
            pairs = self.pairs
        object.__setattr__(self, "pairs", pairs)
        super().__post_init__()

    # -- parameters ---------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return 2

    @property
    def n_outputs(self) -> int:
        return 1

    @property
    def second_start(self) -> int:
        """First step of the second stimulus."""
        return self.fixation + self.pulse_length + self.delay

    @property
    def response_start(self) -> int:
        """First step of the response period (the fixation cue's offset)."""
        return self.second_start + self.pulse_length

    @property
    def length(self) -> int:
        return self.response_start + self.response

    def parameters(self) -> dict:
        params = super().parameters()
        params["pairs"] = [list(p) for p in self.pairs]
        return params

    def problems(self) -> list[str]:
        out = []
        pairs = self.pairs
        shown = [list(p) if isinstance(p, tuple) else p for p in pairs] if pairs else []
        if not pairs:
            out.append("pairs = []: needs at least one (f1, f2) pair in Hz")
        elif not all(
            isinstance(p, tuple)
            and len(p) == 2
            and all(isinstance(f, Real) and not isinstance(f, bool) for f in p)
            for p in pairs
        ):
            out.append(f"pairs = {shown}: every pair must be two numbers [f1, f2] in Hz")
        else:
            if any(f1 == f2 for f1, f2 in pairs):
                out.append(
                    f"pairs = {shown}: a pair has f1 = f2, which has no correct answer; "
                    "every pair needs f1 != f2"
                )
            if any(f <= 0 for p in pairs for f in p):
                out.append(f"pairs = {shown}: every frequency must be greater than 0 Hz")
            if len(set(pairs)) < len(pairs):
                out.append(f"pairs = {shown}: a pair is repeated; list each once")
        if not self.frequency_scale > 0:
            out.append(f"frequency_scale = {self.frequency_scale}: must be greater than 0 Hz")
        out += period_problems(
            self,
            ("fixation", "pulse_length", "delay", "response", "grace"),
            {"pulse_length": 1, "response": 1},
        )
        return out + response_problems(self)

    # -- trials -------------------------------------------------------------------
    def render(self, f1: np.ndarray, f2: np.ndarray) -> Trials:
        """Clean trials of the frequencies ``f1`` and ``f2`` (trials,), in Hz."""
        f1 = np.asarray(f1, np.float64)
        f2 = np.asarray(f2, np.float64)
        n, t = len(f1), np.arange(self.length)
        first = slice(self.fixation, self.fixation + self.pulse_length)
        second = slice(self.second_start, self.response_start)
        inputs = np.zeros((n, self.length, 2))
        inputs[:, : self.response_start, 0] = 1.0
        inputs[:, first, 1] = (f1 / self.frequency_scale)[:, None]
        inputs[:, second, 1] = (f2 / self.frequency_scale)[:, None]
        targets = np.where(t >= self.response_start, np.sign(f1 - f2)[:, None], 0.0)[..., None]
        weight = np.ones(self.length)
        weight[self.response_start : self.response_start + self.grace] = 0.0
        weight[self.response_start + self.grace :] = self.response_weight
        mask = np.broadcast_to(weight[None, :, None], targets.shape)
        return Trials(inputs, targets, mask, {"f1": f1, "f2": f2})

    def trials(self, n_trials: int, rng: np.random.Generator) -> Trials:
        """``n_trials`` noisy trials; the conditions are f1 and f2 in Hz."""
        pairs = np.asarray(self.pairs, np.float64)
        f1, f2 = pairs[rng.integers(len(pairs), size=n_trials)].T
        trials = self.render(f1, f2)
        trials.inputs = (trials.inputs + self.noise(trials.inputs.shape, rng)).astype(np.float32)
        return trials

    def probe_trials(self) -> Trials:
        """One noise-free trial per (f1, f2) pair, in the order of ``pairs``."""
        f1, f2 = np.asarray(self.pairs, np.float64).T
        return self.render(f1, f2)

    def constant_inputs(self) -> dict[str, np.ndarray]:
        out = {"fixation": np.array([1.0, 0.0])}
        for f in sorted({f for p in self.pairs for f in p}):
            out[f"stimulus {f:g} Hz"] = np.array([1.0, f / self.frequency_scale])
        out["response"] = np.array([0.0, 0.0])
        return out

    # -- evaluation ---------------------------------------------------------------
    def score(self, outputs, targets, mask, conditions=None) -> dict:
        """``accuracy``, ``mse``, ``fixation_error`` and, given the conditions, the lowest
        accuracy over the (f1, f2) pairs present (``accuracy_pair_min``) and the accuracy
        on the trials with f1 > f2 (``accuracy_f1_higher``) and f1 < f2
        (``accuracy_f1_lower``)."""
        metrics, correct = decision_metrics(outputs, targets, mask, self.response_start)
        if conditions is not None and "f1" in conditions and "f2" in conditions:
            f1 = np.asarray(conditions["f1"], np.float64)
            f2 = np.asarray(conditions["f2"], np.float64)
            pairs = np.unique(np.stack([f1, f2], axis=1), axis=0)
            per_pair = [fraction(correct[(f1 == a) & (f2 == b)]) for a, b in pairs]
            metrics["accuracy_pair_min"] = float(min(per_pair, default=np.nan))
            metrics["accuracy_f1_higher"] = fraction(correct[f1 > f2])
            metrics["accuracy_f1_lower"] = fraction(correct[f1 < f2])
        return metrics

    def psychometric(self, outputs, trials: Trials):
        """Per (f1, f2) pair: ``n_trials``, ``fraction_plus`` (choices +1, "f1 higher") and
        ``accuracy``."""
        choice, truth = decisions(outputs, trials.targets, trials.mask, self.response_start)
        groups = {"f1": trials.conditions["f1"], "f2": trials.conditions["f2"]}
        return choice_table(choice, truth, groups)
