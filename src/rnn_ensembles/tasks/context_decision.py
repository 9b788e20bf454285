"""Context-dependent decision making: report the sign of the cued one of two evidence streams.

V. Mante, D. Sussillo, K. V. Shenoy & W. T. Newsome, "Context-dependent computation by
recurrent dynamics in prefrontal cortex", Nature 503 (2013) 78-84; the trial structure
(fixation, stimulus, optional delay, decision, with a fixation cue whose offset is the go
signal) is the one of the NeuroGym ``ContextDecisionMaking`` environment.

Inputs, in this order: the fixation cue (1 until the response period, 0 in it), the motion
evidence, the colour evidence, the motion-context cue and the colour-context cue.  During
the stimulus the two evidence channels carry independent signed coherences (each a value
of ``coherences`` with a random sign); the context cue of the trial's context is 1 for the
whole trial, the other 0, as the contextual input of Mante et al.'s network.  Gaussian noise
of ``noise_std`` is added to every input channel at every step; the targets are clean.  The
output must stay at 0 until the response and then report the sign of the relevant (cued)
stream's coherence, whatever the irrelevant one says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_ensembles.tasks.base import Trials
from rnn_ensembles.tasks.perceptual_decision import (
    PerceptualDecisionTask,
    choice_table,
    decision_metrics,
    decisions,
    fraction,
)

METADATA = {
    "paper": "https://doi.org/10.1038/nature12742",
    "tags": ["decision making", "context", "evidence integration", "supervised"],
}

CONTEXTS = ("motion", "colour")


@dataclass(frozen=True)
class ContextDecisionTask(PerceptualDecisionTask):
    """Generator of context-dependent decision trials: the periods, mask and checks of the
    perceptual decision, with two evidence streams and two context cues.

    The mask counts every step before the response with weight 1, leaves the first
    ``grace`` response steps free and weighs the rest by ``response_weight``.  The choice is
    the sign of the mask-weighted mean output over the response period; the primary accuracy
    is the fraction of trials whose choice is the sign of the relevant coherence.  A constant
    zero output makes no choice and scores 0.

    Args:
        coherences: evidence strengths (> 0, each once) of both streams; each stream of a
            trial draws one and a sign independently. Default (0.05, 0.15, 0.5).
        fixation: steps of fixation before the stimulus. Default 20.
        stimulus: steps of evidence. Default 100.
        delay: steps between the stimulus and the response (fixation cue still on). Default 0.
        response: steps of the response period, the last of the trial. Default 30.
        grace: first response steps left out of the loss and of the choice. Default 10.
        response_weight: loss weight of the counted response steps. Default 5.0.
        noise_std: standard deviation of the Gaussian input noise. Default 0.1.
    """

    coherences: tuple[float, ...] = (0.05, 0.15, 0.5)

    KIND = "context_decision"
    ACCURACY = "fraction of trials whose response-period choice has the sign of the cued coherence"
    # Decoded from the activity at every step: the cued evidence integrated so far.
    MEMORY = "coherence_relevant"
    CITATION = "Mante, Sussillo, Shenoy & Newsome (2013)"

    # -- parameters ---------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return 5

    # -- trials -------------------------------------------------------------------
    def render(self, context: np.ndarray, motion: np.ndarray, colour: np.ndarray) -> Trials:
        """Clean trials of ``context`` (names of ``CONTEXTS``) and the signed coherences of
        the two streams, all (trials,)."""
        context = np.asarray(context).astype(str)
        motion = np.asarray(motion, np.float64)
        colour = np.asarray(colour, np.float64)
        cued = context == CONTEXTS[0]
        relevant = np.where(cued, motion, colour)
        irrelevant = np.where(cued, colour, motion)
        n, t = len(context), np.arange(self.length)
        start, stop = self.fixation, self.fixation + self.stimulus
        inputs = np.zeros((n, self.length, self.n_inputs))
        inputs[:, : self.response_start, 0] = 1.0
        inputs[:, start:stop, 1] = motion[:, None]
        inputs[:, start:stop, 2] = colour[:, None]
        inputs[:, :, 3] = cued[:, None]
        inputs[:, :, 4] = ~cued[:, None]
        targets = np.where(t >= self.response_start, np.sign(relevant)[:, None], 0.0)[..., None]
        weight = np.ones(self.length)
        weight[self.response_start : self.response_start + self.grace] = 0.0
        weight[self.response_start + self.grace :] = self.response_weight
        conditions = {
            "context": context,
            "coherence_motion": motion,
            "coherence_colour": colour,
            "coherence_relevant": relevant,
            "coherence_irrelevant": irrelevant,
        }
        return Trials(
            inputs, targets, np.broadcast_to(weight[None, :, None], targets.shape), conditions
        )

    def trials(self, n_trials: int, rng: np.random.Generator) -> Trials:
        """``n_trials`` noisy trials; the conditions are the context, the signed coherence of
        each stream and the relevant and irrelevant ones."""
        strengths = np.asarray(self.coherences, np.float64)
        context = rng.choice(np.array(CONTEXTS), size=n_trials)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(2, n_trials))
        motion, colour = signs * rng.choice(strengths, size=(2, n_trials))
        trials = self.render(context, motion, colour)
        trials.inputs = (trials.inputs + self.noise(trials.inputs.shape, rng)).astype(np.float32)
        return trials

    def probe_trials(self) -> Trials:
        """One noise-free trial per context x relevant coherence x irrelevant coherence."""
        strengths = np.sort(np.asarray(self.coherences, np.float64))
        signed = np.concatenate([-strengths[::-1], strengths])
        context, relevant, irrelevant = (
            a.ravel() for a in np.meshgrid(np.array(CONTEXTS), signed, signed, indexing="ij")
        )
        cued = context == CONTEXTS[0]
        return self.render(
            context, np.where(cued, relevant, irrelevant), np.where(cued, irrelevant, relevant)
        )

    def probe_labels(self, conditions: dict[str, np.ndarray]) -> np.ndarray:
        """Context and relevant coherence: the condition average over the irrelevant stream,
        as Mante et al. (2013) sort their trajectories."""
        return np.array(
            [
                f"{context}, relevant {coherence:+g}"
                for context, coherence in zip(
                    conditions["context"], conditions["coherence_relevant"], strict=True
                )
            ]
        )

    def constant_inputs(self) -> dict[str, np.ndarray]:
        out = {}
        for k, name in enumerate(CONTEXTS):
            cue = np.zeros(2)
            cue[k] = 1.0
            out[f"fixation, {name} context"] = np.concatenate([[1.0, 0.0, 0.0], cue])
            out[f"response, {name} context"] = np.concatenate([[0.0, 0.0, 0.0], cue])
        return out

    # -- evaluation ---------------------------------------------------------------
    def score(self, outputs, targets, mask, conditions=None) -> dict:
        """``accuracy``, ``mse``, ``fixation_error`` and, given the conditions, the accuracy
        in each context (``accuracy_<context>_context``) and on the trials whose two streams
        point opposite ways (``accuracy_incongruent``, where ignoring the context fails)."""
        metrics, correct = decision_metrics(outputs, targets, mask, self.response_start)
        if conditions is not None and "context" in conditions:
            context = np.asarray(conditions["context"]).astype(str)
            for name in CONTEXTS:
                metrics[f"accuracy_{name}_context"] = fraction(correct[context == name])
            opposite = np.sign(conditions["coherence_relevant"]) != np.sign(
                conditions["coherence_irrelevant"]
            )
            metrics["accuracy_incongruent"] = fraction(correct[opposite])
        return metrics

    def psychometric(self, outputs, trials: Trials):
        """Per context and signed coherence, of the relevant and of the irrelevant stream
        (column ``coherence_of``; ``stream`` names the stream): ``n_trials``,
        ``fraction_plus`` (choices +1) and ``accuracy``."""
        import pandas as pd

        choice, truth = decisions(outputs, trials.targets, trials.mask, self.response_start)
        context = np.asarray(trials.conditions["context"]).astype(str)
        tables = []
        for which in ("relevant", "irrelevant"):
            coherence = trials.conditions[f"coherence_{which}"]
            cued = (context == CONTEXTS[0]) == (which == "relevant")
            stream = np.where(cued, CONTEXTS[0], CONTEXTS[1])
            groups = {
                "context": context,
                "coherence_of": np.full(len(context), which),
                "stream": stream,
                "coherence": coherence,
            }
            tables.append(choice_table(choice, truth, groups))
        return pd.concat(tables, ignore_index=True)
