"""The cognitive tasks obey their rules, and every registered task keeps the interface.

Each task's rule is restated here step by step from the trial's conditions (the periods
walked one step at a time, the correct answer worked out from the paper's rule), without
the modules' rendering code, and compared with the generated clean trials.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import re
import sys

import numpy as np
import pytest

import rnn_ensembles.tasks as tasks
from rnn_ensembles.tasks.base import Trials
from rnn_ensembles.tasks.context_decision import ContextDecisionTask
from rnn_ensembles.tasks.delayed_comparison import DelayedComparisonTask
from rnn_ensembles.tasks.flipflop import FlipFlopTask
from rnn_ensembles.tasks.logic_gate import LogicGateTask
from rnn_ensembles.tasks.perceptual_decision import PerceptualDecisionTask

NEW_TASKS = (LogicGateTask, PerceptualDecisionTask, ContextDecisionTask, DelayedComparisonTask)
GATE_NAMES = ("AND", "OR", "XOR", "NAND", "NOR", "NOT")

# The truth tables as the papers print them: inputs (a, b) -> output.
TRUTH = {
    "AND": {(0, 0): 0, (1, 0): 0, (0, 1): 0, (1, 1): 1},
    "OR": {(0, 0): 0, (1, 0): 1, (0, 1): 1, (1, 1): 1},
    "XOR": {(0, 0): 0, (1, 0): 1, (0, 1): 1, (1, 1): 0},
    "NAND": {(0, 0): 1, (1, 0): 1, (0, 1): 1, (1, 1): 0},
    "NOR": {(0, 0): 1, (1, 0): 0, (0, 1): 0, (1, 1): 0},
    "NOT": {(0,): 1, (1,): 0},
}


def registered_classes() -> dict[str, type]:
    """Every registered task class, plus the four tasks here if not yet registered."""
    classes = {kind: tasks.task_class(kind) for kind in tasks.REGISTRY}
    for cls in NEW_TASKS:
        classes.setdefault(cls.KIND, cls)
    return classes


def every_task():
    """Default instance of every task, plus variants that change the trial's layout."""
    out = [cls() for cls in registered_classes().values()]
    out += [LogicGateTask(gate=g) for g in GATE_NAMES if g != "AND"]
    out += [
        PerceptualDecisionTask(delay=30, grace=0, coherences=[0.2]),
        ContextDecisionTask(delay=15, fixation=0),
        DelayedComparisonTask(pairs=[[20, 30], [30, 20], [30, 40]], delay=10, grace=0),
    ]
    return out


def task_id(task) -> str:
    return f"{task.KIND}-{getattr(task, 'gate', '')}{len(task.parameters())}"


def rebuild(task, params: dict):
    if task.KIND in tasks.REGISTRY:
        return tasks.make_task(task.KIND, **params)
    return type(task)(**params)


# -- the rules, restated ------------------------------------------------------------


def walk(periods: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """(period, step within it) of every step of a trial made of ``periods`` in order."""
    steps = []
    for name, duration in periods:
        steps += [(name, k) for k in range(duration)]
    return steps


def decision_weight(task, period: str, k: int) -> float:
    if period != "response":
        return 1.0
    return 0.0 if k < task.grace else task.response_weight


def reference_perceptual(task, coherence):
    periods = [
        ("fixation", task.fixation),
        ("stimulus", task.stimulus),
        ("delay", task.delay),
        ("response", task.response),
    ]
    answer = 1.0 if coherence > 0 else -1.0
    x, y, m = [], [], []
    for period, k in walk(periods):
        x.append([0.0 if period == "response" else 1.0, coherence if period == "stimulus" else 0])
        y.append([answer if period == "response" else 0.0])
        m.append([decision_weight(task, period, k)])
    return np.array(x), np.array(y), np.array(m)


def reference_context(task, context, motion, colour):
    periods = [
        ("fixation", task.fixation),
        ("stimulus", task.stimulus),
        ("delay", task.delay),
        ("response", task.response),
    ]
    cued = motion if context == "motion" else colour
    answer = 1.0 if cued > 0 else -1.0
    cue = [1.0, 0.0] if context == "motion" else [0.0, 1.0]
    x, y, m = [], [], []
    for period, k in walk(periods):
        fix = 0.0 if period == "response" else 1.0
        evidence = [motion, colour] if period == "stimulus" else [0.0, 0.0]
        x.append([fix, *evidence, *cue])
        y.append([answer if period == "response" else 0.0])
        m.append([decision_weight(task, period, k)])
    return np.array(x), np.array(y), np.array(m)


def reference_comparison(task, f1, f2):
    periods = [
        ("fixation", task.fixation),
        ("f1", task.pulse_length),
        ("delay", task.delay),
        ("f2", task.pulse_length),
        ("response", task.response),
    ]
    answer = 1.0 if f1 > f2 else -1.0
    x, y, m = [], [], []
    for period, k in walk(periods):
        stimulus = {"f1": f1, "f2": f2}.get(period, 0.0) / task.frequency_scale
        x.append([0.0 if period == "response" else 1.0, stimulus])
        y.append([answer if period == "response" else 0.0])
        m.append([decision_weight(task, period, k)])
    return np.array(x), np.array(y), np.array(m)


def reference_gate(task, pulses):
    value = TRUTH[task.gate][tuple(int(p) for p in pulses)]
    pulse_end = task.pulse_start + task.pulse_length
    x, y = [], []
    for t in range(task.trial_length):
        x.append([p if task.pulse_start <= t < pulse_end else 0.0 for p in pulses])
        y.append([float(value) if t >= pulse_end + task.delay else 0.0])
    return np.array(x), np.array(y), np.ones((task.trial_length, 1))


def reference(task, conditions, i):
    """The clean inputs, targets and mask of trial ``i`` of ``conditions``."""
    if task.KIND == "perceptual_decision":
        return reference_perceptual(task, conditions["coherence"][i])
    if task.KIND == "context_decision":
        return reference_context(
            task,
            str(conditions["context"][i]),
            conditions["coherence_motion"][i],
            conditions["coherence_colour"][i],
        )
    if task.KIND == "delayed_comparison":
        return reference_comparison(task, conditions["f1"][i], conditions["f2"][i])
    names = ["input_a", "input_b"][: task.n_inputs]
    return reference_gate(task, [conditions[k][i] for k in names])


def assert_matches_reference(task, trials: Trials):
    for i in range(len(trials)):
        x, y, m = reference(task, trials.conditions, i)
        np.testing.assert_allclose(trials.inputs[i], x, atol=1e-6, err_msg=f"inputs, trial {i}")
        np.testing.assert_array_equal(trials.targets[i], y, err_msg=f"targets, trial {i}")
        np.testing.assert_array_equal(trials.mask[i], m, err_msg=f"mask, trial {i}")


def clean(task, n, seed=0) -> Trials:
    return dataclasses.replace(task, noise_std=0.0).trials(n, np.random.default_rng(seed))


RULE_TASKS = [
    PerceptualDecisionTask(),
    PerceptualDecisionTask(delay=25, grace=3, response_weight=2.0, coherences=[0.1, 0.3]),
    ContextDecisionTask(),
    ContextDecisionTask(delay=10, coherences=[0.2, 0.4]),
    DelayedComparisonTask(),
    DelayedComparisonTask(pairs=[[12, 20], [28, 20]], frequency_scale=30.0, delay=35),
    *(LogicGateTask(gate=g) for g in GATE_NAMES),
    LogicGateTask(gate="xor", pulse_start=5, pulse_length=10, delay=0, trial_length=40),
]


@pytest.mark.parametrize("task", RULE_TASKS, ids=task_id)
def test_clean_trials_follow_the_rule(task):
    trials = clean(task, 300 if task.KIND != "logic_gate" else 100)
    assert_matches_reference(task, trials)


def test_perceptual_conditions_are_drawn_evenly():
    task = PerceptualDecisionTask()
    coherence = clean(task, 3000).conditions["coherence"]
    values, counts = np.unique(coherence, return_counts=True)
    expected = sorted([-c for c in task.coherences] + list(task.coherences))
    np.testing.assert_allclose(values, expected)
    assert counts.min() > 3000 / 10 * 0.75
    assert abs(np.mean(coherence > 0) - 0.5) < 0.04


def test_context_conditions_are_independent_and_consistent():
    task = ContextDecisionTask()
    c = clean(task, 4000).conditions
    assert set(c["context"]) == {"motion", "colour"}
    motion = c["context"] == "motion"
    np.testing.assert_array_equal(
        c["coherence_relevant"], np.where(motion, c["coherence_motion"], c["coherence_colour"])
    )
    np.testing.assert_array_equal(
        c["coherence_irrelevant"], np.where(motion, c["coherence_colour"], c["coherence_motion"])
    )
    # The two streams are drawn independently: the incongruent half of the trials exists.
    agree = np.sign(c["coherence_motion"]) == np.sign(c["coherence_colour"])
    assert abs(agree.mean() - 0.5) < 0.04
    assert abs(motion.mean() - 0.5) < 0.04
    assert set(np.abs(c["coherence_colour"])) == set(task.coherences)


def test_comparison_draws_the_configured_pairs():
    task = DelayedComparisonTask()
    c = clean(task, 3000).conditions
    drawn = set(zip(c["f1"], c["f2"], strict=True))
    assert drawn == set(task.pairs)
    assert abs(np.mean(c["f1"] > c["f2"]) - 0.5) < 0.04


@pytest.mark.parametrize("gate", GATE_NAMES)
def test_gate_inputs_are_independent_and_even(gate):
    task = LogicGateTask(gate=gate)
    c = clean(task, 4000).conditions
    pulses = np.stack([c[k] for k in ("input_a", "input_b")[: task.n_inputs]], axis=1)
    for column in pulses.T:
        assert set(np.unique(column)) == {0.0, 1.0}
        assert abs(column.mean() - 0.5) < 0.03
    if task.n_inputs == 2:
        assert abs(np.mean(pulses[:, 0] * pulses[:, 1]) - 0.25) < 0.03
    expected = [TRUTH[gate][tuple(int(v) for v in row)] for row in pulses]
    np.testing.assert_array_equal(c["value"], expected)


@pytest.mark.parametrize("cls", NEW_TASKS, ids=lambda c: c.KIND)
@pytest.mark.parametrize("noise_std", [0.1, 0.35])
def test_noise_has_the_configured_std_and_leaves_the_rest(cls, noise_std):
    task = cls(noise_std=noise_std)
    noisy = task.trials(200, np.random.default_rng(5))
    quiet = clean(task, 200, seed=5)
    noise = noisy.inputs.astype(np.float64) - quiet.inputs
    assert abs(noise.std() / noise_std - 1) < 0.02
    assert abs(noise.mean()) < 0.01
    # Every channel gets it, independently of the step.
    np.testing.assert_allclose(noise.std(axis=(0, 1)), noise_std, rtol=0.05)
    np.testing.assert_array_equal(noisy.targets, quiet.targets)
    np.testing.assert_array_equal(noisy.mask, quiet.mask)
    for name, column in quiet.conditions.items():
        np.testing.assert_array_equal(noisy.conditions[name], column)


# -- scoring ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "task", [PerceptualDecisionTask(), ContextDecisionTask(), DelayedComparisonTask()], ids=task_id
)
def test_decision_scores(task):
    trials = clean(task, 400, seed=2)

    def score(out):
        return task.score(out, trials.targets, trials.mask, trials.conditions)

    assert score(trials.targets)["accuracy"] == 1.0
    assert score(-trials.targets)["accuracy"] == 0.0
    assert score(np.zeros_like(trials.targets))["accuracy"] == 0.0
    assert all(isinstance(v, float) for v in score(trials.targets).values())
    # Only the counted response steps decide: a wrong sign before the response and during
    # the grace steps does not change the choice.
    start = task.response_start
    out = trials.targets.copy()
    out[:, :start] = -0.9 * trials.targets[:, -1:]
    out[:, start : start + task.grace] = -trials.targets[:, start : start + task.grace]
    assert score(out)["accuracy"] == 1.0
    assert score(out)["fixation_error"] == pytest.approx(0.9)
    # The choice is the sign of the mean over the response: a brief opposite swing that
    # does not move the mean across 0 leaves it.
    out = trials.targets.copy()
    out[:, -3:] *= -1.0
    assert score(out)["accuracy"] == 1.0
    half = trials.targets.copy()
    half[::2] *= -1
    assert score(half)["accuracy"] == pytest.approx(0.5)


def test_perceptual_weakest_and_strongest():
    task = PerceptualDecisionTask()
    trials = clean(task, 400, seed=3)
    out = trials.targets.copy()
    weakest = np.abs(trials.conditions["coherence"]) == min(task.coherences)
    out[weakest] *= -1
    s = task.score(out, trials.targets, trials.mask, trials.conditions)
    assert s["accuracy_weakest"] == 0.0 and s["accuracy_strongest"] == 1.0
    assert s["accuracy"] == pytest.approx(1 - weakest.mean())


def test_context_incongruent_accuracy_catches_ignoring_the_cue():
    task = ContextDecisionTask()
    trials = clean(task, 400, seed=4)
    # A network that always follows motion: right in the motion context and on the
    # congruent colour trials only.
    out = trials.targets.copy()
    out[:, task.response_start :] = np.sign(trials.conditions["coherence_motion"])[:, None, None]
    s = task.score(out, trials.targets, trials.mask, trials.conditions)
    motion = trials.conditions["context"] == "motion"
    agree = np.sign(trials.conditions["coherence_motion"]) == np.sign(
        trials.conditions["coherence_colour"]
    )
    assert s["accuracy_motion_context"] == 1.0
    assert s["accuracy_colour_context"] == pytest.approx(agree[~motion].mean())
    assert s["accuracy_incongruent"] == pytest.approx(motion[~agree].mean())
    assert s["accuracy"] == pytest.approx(np.mean(motion | agree))


def test_comparison_pair_accuracy():
    task = DelayedComparisonTask()
    probe = task.probe_trials()
    out = probe.targets.copy()
    out[0] *= -1  # the first pair answered wrongly
    s = task.score(out, probe.targets, probe.mask, probe.conditions)
    assert s["accuracy"] == pytest.approx(5 / 6)
    assert s["accuracy_pair_min"] == 0.0
    f1_lower = probe.conditions["f1"] < probe.conditions["f2"]
    assert s["accuracy_f1_higher"] == 1.0
    assert s["accuracy_f1_lower"] == pytest.approx(1 - 1 / f1_lower.sum())


@pytest.mark.parametrize("gate", GATE_NAMES)
def test_gate_scores(gate):
    task = LogicGateTask(gate=gate)
    trials = clean(task, 400, seed=6)

    def score(out):
        return task.score(out, trials.targets, trials.mask, trials.conditions)

    assert score(trials.targets)["accuracy"] == 1.0
    # The inverted answer: the high level where the value is false and the low where true.
    assert score(1.0 - trials.targets)["accuracy"] == 0.0
    # A constant zero output answers "false" on every trial.
    false = trials.conditions["value"] == 0
    assert score(np.zeros_like(trials.targets))["accuracy"] == pytest.approx(false.mean())
    probe = task.probe_trials()
    zero = task.score(np.zeros_like(probe.targets), probe.targets, probe.mask, probe.conditions)
    expected_false = np.mean([v == 0 for v in TRUTH[gate].values()])
    assert zero["accuracy"] == pytest.approx(expected_false)
    # Only the response window decides, on which side of 0.5 its mean lies.
    out = trials.targets.copy()
    out[:, : task.response_start] = 0.8
    out[:, task.response_start :] = 0.3 + 0.4 * trials.targets[:, task.response_start :]
    assert score(out)["accuracy"] == 1.0
    assert score(out)["rest_error"] == pytest.approx(0.8)


def test_default_gate_zero_output_value():
    # The documented chance levels of a silent network.
    for gate, expected in {"AND": 0.75, "OR": 0.25, "XOR": 0.5, "NOT": 0.5}.items():
        probe = LogicGateTask(gate=gate).probe_trials()
        s = LogicGateTask(gate=gate).score(np.zeros_like(probe.targets), probe.targets, probe.mask)
        assert s["accuracy"] == pytest.approx(expected)


# -- probe trials -------------------------------------------------------------------


def condition_keys(task, conditions) -> list[tuple]:
    if task.KIND == "perceptual_decision":
        return [(c,) for c in conditions["coherence"]]
    if task.KIND == "context_decision":
        return list(
            zip(
                conditions["context"],
                conditions["coherence_relevant"],
                conditions["coherence_irrelevant"],
                strict=True,
            )
        )
    if task.KIND == "delayed_comparison":
        return list(zip(conditions["f1"], conditions["f2"], strict=True))
    names = ["input_a", "input_b"][: task.n_inputs]
    return list(zip(*(conditions[k] for k in names), strict=True))


def every_condition(task) -> set[tuple]:
    if task.KIND == "perceptual_decision":
        return {(s * c,) for c in task.coherences for s in (-1, 1)}
    if task.KIND == "context_decision":
        signed = [s * c for c in task.coherences for s in (-1, 1)]
        return set(itertools.product(("motion", "colour"), signed, signed))
    if task.KIND == "delayed_comparison":
        return set(task.pairs)
    return set(itertools.product((0.0, 1.0), repeat=task.n_inputs))


PROBE_TASKS = [
    PerceptualDecisionTask(noise_std=0.5),
    ContextDecisionTask(noise_std=0.5),
    ContextDecisionTask(coherences=[0.1, 0.2, 0.3, 0.4]),
    DelayedComparisonTask(noise_std=0.5),
    *(LogicGateTask(gate=g, noise_std=0.5) for g in GATE_NAMES),
]


@pytest.mark.parametrize("task", PROBE_TASKS, ids=task_id)
def test_probe_trials_cover_every_condition_once_without_noise(task):
    probe = task.probe_trials()
    keys = condition_keys(task, probe.conditions)
    assert len(keys) == len(set(keys))
    assert set(keys) == every_condition(task)
    assert_matches_reference(task, probe)
    again = task.probe_trials()
    np.testing.assert_array_equal(again.inputs, probe.inputs)


def test_context_probe_has_72_trials_and_gate_probe_the_truth_table_order():
    assert len(ContextDecisionTask().probe_trials()) == 2 * 6 * 6
    probe = LogicGateTask(gate="XOR").probe_trials()
    np.testing.assert_array_equal(probe.conditions["input_a"], [0, 1, 0, 1])
    np.testing.assert_array_equal(probe.conditions["input_b"], [0, 0, 1, 1])
    np.testing.assert_array_equal(probe.conditions["value"], [0, 1, 1, 0])


# -- psychometric tables ------------------------------------------------------------


def test_perceptual_psychometric():
    task = PerceptualDecisionTask()
    trials = clean(task, 500, seed=7)
    table = task.psychometric(trials.targets, trials)
    assert list(table.columns) == ["coherence", "n_trials", "fraction_plus", "accuracy"]
    assert table["n_trials"].sum() == 500
    assert len(table) == 10
    np.testing.assert_array_equal(table["fraction_plus"], table["coherence"] > 0)
    assert (table["accuracy"] == 1).all()
    flipped = task.psychometric(-trials.targets, trials)
    np.testing.assert_array_equal(flipped["fraction_plus"], flipped["coherence"] < 0)
    assert (flipped["accuracy"] == 0).all()


def test_context_psychometric_separates_relevant_and_irrelevant():
    task = ContextDecisionTask()
    trials = clean(task, 600, seed=8)
    out = trials.targets.copy()
    out[:, task.response_start :] = np.sign(trials.conditions["coherence_motion"])[:, None, None]
    table = task.psychometric(out, trials)
    assert {"context", "coherence_of", "stream", "coherence", "n_trials", "fraction_plus"} <= set(
        table.columns
    )
    for which in ("relevant", "irrelevant"):
        assert table.loc[table["coherence_of"] == which, "n_trials"].sum() == 600
    # Following motion: a step against motion coherence in both contexts, whether motion is
    # relevant (motion context) or irrelevant (colour context); flat-ish against colour.
    by_motion = table[table["stream"] == "motion"]
    assert set(zip(by_motion["context"], by_motion["coherence_of"], strict=True)) == {
        ("motion", "relevant"),
        ("colour", "irrelevant"),
    }
    np.testing.assert_array_equal(by_motion["fraction_plus"], by_motion["coherence"] > 0)
    by_colour = table[table["stream"] == "colour"]
    assert by_colour["fraction_plus"].between(0.2, 0.8).all()
    relevant_colour = by_colour[by_colour["coherence_of"] == "relevant"]
    assert (relevant_colour["context"] == "colour").all()


def test_comparison_psychometric():
    task = DelayedComparisonTask()
    trials = clean(task, 300, seed=9)
    table = task.psychometric(trials.targets, trials)
    assert set(zip(table["f1"], table["f2"], strict=True)) == set(task.pairs)
    assert table["n_trials"].sum() == 300
    np.testing.assert_array_equal(table["fraction_plus"], table["f1"] > table["f2"])
    assert (table["accuracy"] == 1).all()


# -- refused parameters -------------------------------------------------------------

BAD = [
    (LogicGateTask, {"gate": "NAN"}, "gate"),
    (LogicGateTask, {"gate": "XNOR"}, "gate"),
    (LogicGateTask, {"pulse_start": -1}, "pulse_start"),
    (LogicGateTask, {"pulse_length": 0}, "pulse_length"),
    (LogicGateTask, {"pulse_length": 190}, "pulse_length"),
    (LogicGateTask, {"delay": -5}, "delay"),
    (LogicGateTask, {"delay": 150}, "delay"),
    (LogicGateTask, {"delay": 300}, "delay"),
    (LogicGateTask, {"trial_length": 60}, "trial_length"),
    (LogicGateTask, {"noise_std": -0.1}, "noise_std"),
    (PerceptualDecisionTask, {"coherences": []}, "coherences"),
    (PerceptualDecisionTask, {"coherences": [0.0, 0.1]}, "coherences"),
    (PerceptualDecisionTask, {"coherences": [-0.1]}, "coherences"),
    (PerceptualDecisionTask, {"coherences": [0.1, 0.1]}, "coherences"),
    (PerceptualDecisionTask, {"fixation": -1}, "fixation"),
    (PerceptualDecisionTask, {"stimulus": 0}, "stimulus"),
    (PerceptualDecisionTask, {"delay": -1}, "delay"),
    (PerceptualDecisionTask, {"response": 0}, "response"),
    (PerceptualDecisionTask, {"grace": 30}, "grace"),
    (PerceptualDecisionTask, {"grace": -2}, "grace"),
    (PerceptualDecisionTask, {"delay": 2.5}, "delay"),
    (PerceptualDecisionTask, {"response_weight": 0}, "response_weight"),
    (PerceptualDecisionTask, {"noise_std": -1.0}, "noise_std"),
    (ContextDecisionTask, {"coherences": []}, "coherences"),
    (ContextDecisionTask, {"coherences": [0, 0.5]}, "coherences"),
    (ContextDecisionTask, {"stimulus": -3}, "stimulus"),
    (ContextDecisionTask, {"delay": -1}, "delay"),
    (ContextDecisionTask, {"response": 5, "grace": 5}, "grace"),
    (ContextDecisionTask, {"noise_std": -0.2}, "noise_std"),
    (DelayedComparisonTask, {"pairs": []}, "pairs"),
    (DelayedComparisonTask, {"pairs": [[10, 10]]}, "pairs"),
    (DelayedComparisonTask, {"pairs": [[10]]}, "pairs"),
    (DelayedComparisonTask, {"pairs": [[10, "x"]]}, "pairs"),
    (DelayedComparisonTask, {"pairs": [[10, 18], [10, 18]]}, "pairs"),
    (DelayedComparisonTask, {"pairs": [[-10, 18]]}, "pairs"),
    (DelayedComparisonTask, {"frequency_scale": 0}, "frequency_scale"),
    (DelayedComparisonTask, {"pulse_length": 0}, "pulse_length"),
    (DelayedComparisonTask, {"delay": -1}, "delay"),
    (DelayedComparisonTask, {"response": 0}, "response"),
    (DelayedComparisonTask, {"grace": 40}, "grace"),
    (DelayedComparisonTask, {"noise_std": -0.5}, "noise_std"),
]


@pytest.mark.parametrize(
    "cls, params, key", BAD, ids=[f"{c.KIND}-{k}-{i}" for i, (c, _, k) in enumerate(BAD)]
)
def test_bad_parameters_are_refused_naming_the_key(cls, params, key):
    with pytest.raises(ValueError, match=rf"(^|; |\b){re.escape(key)}\b"):
        cls(**params)


def test_unknown_gate_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="AND, OR, XOR, NAND, NOR, NOT"):
        LogicGateTask(gate="IMPLIES")


def test_gate_name_is_read_in_any_case():
    assert LogicGateTask(gate="xor") == LogicGateTask(gate="XOR")
    assert LogicGateTask(gate="not").n_inputs == 1


def test_default_trials_are_short():
    for cls in NEW_TASKS:
        assert cls().length <= 200


# -- every registered task ----------------------------------------------------------


@pytest.mark.parametrize("task", every_task(), ids=task_id)
def test_every_task_keeps_the_interface(task):
    n = 7
    trials = task.trials(n, np.random.default_rng(11))
    assert isinstance(trials, Trials)
    for array, channels in (
        (trials.inputs, task.n_inputs),
        (trials.targets, task.n_outputs),
        (trials.mask, task.n_outputs),
    ):
        assert array.dtype == np.float32
        assert array.shape == (n, task.length, channels)
    assert (trials.mask >= 0).all()
    assert (trials.mask.reshape(n, -1) > 0).any(axis=1).all()
    assert trials.conditions
    for column in trials.conditions.values():
        assert column.shape == (n,)

    again = task.trials(n, np.random.default_rng(11))
    for a, b in ((trials.inputs, again.inputs), (trials.targets, again.targets)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(trials.mask, again.mask)
    quiet = dataclasses.replace(task, noise_std=0.0).trials(n, np.random.default_rng(11))
    for name, column in trials.conditions.items():
        np.testing.assert_array_equal(quiet.conditions[name], column)
        np.testing.assert_array_equal(again.conditions[name], column)
    np.testing.assert_array_equal(quiet.targets, trials.targets)

    scores = task.score(trials.targets, trials.targets, trials.mask, trials.conditions)
    assert scores["accuracy"] == 1.0
    assert all(isinstance(v, float) for v in scores.values())

    probe = task.probe_trials()
    assert probe.inputs.shape[2] == task.n_inputs and probe.targets.shape[2] == task.n_outputs
    assert (probe.mask >= 0).all()
    for column in probe.conditions.values():
        assert column.shape == (len(probe),)

    constant = task.constant_inputs()
    assert constant
    for name, vector in constant.items():
        assert isinstance(name, str)
        assert np.shape(vector) == (task.n_inputs,)

    # Rebuilt from its resolved parameters (as stored, through JSON), a task has the same
    # parameters and makes the same trials; a task that resolves a default (the flip-flop's
    # trial_length) need not compare equal field by field.
    params = task.parameters()
    for rebuilt in (rebuild(task, params), rebuild(task, json.loads(json.dumps(params)))):
        assert rebuilt.parameters() == params
        other = rebuilt.trials(n, np.random.default_rng(11))
        np.testing.assert_array_equal(other.inputs, trials.inputs)
        np.testing.assert_array_equal(other.mask, trials.mask)
    if type(task) in NEW_TASKS:
        assert rebuild(task, json.loads(json.dumps(params))) == task
        assert hash(rebuild(task, params)) == hash(task)


@pytest.mark.parametrize("cls", list(registered_classes().values()), ids=lambda c: c.KIND)
def test_every_task_documents_itself(cls):
    assert cls.KIND and cls.ACCURACY and cls.CITATION
    assert (sys.modules[cls.__module__].__doc__ or "").strip()
    doc = inspect.getdoc(cls) or ""
    args = doc.split("Args:", 1)[1] if "Args:" in doc else ""
    for f in dataclasses.fields(cls):
        entry = re.search(rf"^\s*{f.name}:(.*?)(?=^\s*\w+:|\Z)", args, re.S | re.M)
        assert entry, f"{cls.__name__}: field {f.name} is not documented under Args"
        assert "Default" in entry.group(1), f"{cls.__name__}: {f.name} has no documented default"


@pytest.mark.parametrize("cls", NEW_TASKS, ids=lambda c: c.KIND)
def test_every_new_task_has_noise_std(cls):
    assert "noise_std" in {f.name for f in dataclasses.fields(cls)}
    assert cls().noise_std == 0.1


# -- the input events and the rule of the topology stage ------------------------------


@pytest.mark.parametrize("task", every_task(), ids=task_id)
def test_input_events_fit_the_task_and_its_rule_gives_codes(task):
    for name, event in task.input_events().items():
        assert event.ndim == 2 and event.shape[1] == task.n_inputs and len(event) > 0, name
        assert np.all(np.isfinite(event))
        for code in ("0" * task.n_outputs, "+" * task.n_outputs):
            expected = task.expected_code(code, name)
            assert expected is None or (
                len(expected) == task.n_outputs and set(expected) <= set("-0+")
            )


def test_flipflop_events_are_the_pulses_and_the_rule_sets_one_bit():
    task = FlipFlopTask(n_bits=3, pulse_length=7)
    events = task.input_events()
    assert sorted(events) == sorted(f"bit{k}{s}" for k in range(3) for s in "+-")
    for k, s in itertools.product(range(3), "+-"):
        pulse = events[f"bit{k}{s}"]
        expected = np.zeros((7, 3))
        expected[:, k] = 1.0 if s == "+" else -1.0
        np.testing.assert_array_equal(pulse, expected)
    for code in map("".join, itertools.product("-0+", repeat=3)):
        for k, s in itertools.product(range(3), "+-"):
            after = list(code)
            after[k] = s
            assert task.expected_code(code, f"bit{k}{s}") == "".join(after)


def test_flipflop_rule_refuses_what_is_not_its_event_or_code():
    task = FlipFlopTask(n_bits=3)
    for event in ("bit3+", "bit0", "bitx+", "flip0+", "bit0*", "bit-1+"):
        with pytest.raises(ValueError, match="not an input event"):
            task.expected_code("+-+", event)
    with pytest.raises(ValueError, match="3 outputs"):
        task.expected_code("+-", "bit0+")
    # Ten bits and more: the channel is every digit.
    wide = FlipFlopTask(n_bits=12)
    assert wide.expected_code("-" * 12, "bit11+") == "-" * 11 + "+"
    assert wide.expected_code("-" * 12, "bit10+") == "-" * 10 + "+-"
