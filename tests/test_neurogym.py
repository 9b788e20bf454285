"""NeuroGym environments as tasks: the trials are the environment's, checked against it."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from rnn_ensembles.tasks import make_task
from rnn_ensembles.tasks import neurogym as module
from rnn_ensembles.tasks.neurogym import NeuroGymTask

# Through the task's loader first: NeuroGym 2.3.1 imports PyTorch, which the loader stands
# in for when it is not installed.
try:
    module.import_neurogym()
except ImportError:
    pass
neurogym = pytest.importorskip("neurogym")

# Gymnasium's registry warns that NeuroGym's environments declare no render modes.
pytestmark = pytest.mark.filterwarnings("ignore:.*render_modes")

# (env, kwargs, trial_length): the last leaves room past ContextDecisionMaking's longest
# trial (its delay is a truncated exponential of at most 3000 ms), so that no trial is
# redrawn and the environment's own draws can be replayed one for one.
CASES = {
    "PerceptualDecisionMaking-v0": ({}, None),
    "DelayMatchSample-v0": ({"sigma": 0.5}, None),
    "GoNogo-v0": ({"timing": {"fixation": 200}}, None),
    "ContextDecisionMaking-v0": ({}, 50),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def task(request):
    kwargs, length = CASES[request.param]
    return NeuroGymTask(env=request.param, kwargs=kwargs, trial_length=length)


def replay(task, seed, n):
    """The environment's own trials for ``seed``, drawn through NeuroGym's public API the
    way the task seeds it: one integer from the generator."""
    env = neurogym.make(task.env, **task.kwargs).unwrapped
    env.seed(int(np.random.default_rng(seed).integers(2**31)))
    out = []
    for _ in range(n):
        env.new_trial()
        out.append((env.ob.copy(), env.gt.copy(), dict(env.start_ind), dict(env.end_ind)))
    return out


def test_shapes_and_dtypes(task):
    trials = task.trials(40, np.random.default_rng(1))
    env = neurogym.make(task.env, **task.kwargs).unwrapped
    assert task.n_inputs == env.observation_space.shape[0]
    assert task.n_outputs == env.action_space.n
    assert task.dt_ms == env.dt
    for array in (trials.inputs, trials.targets, trials.mask):
        assert array.dtype == np.float32
    assert trials.inputs.shape == (40, task.length, task.n_inputs)
    assert trials.targets.shape == trials.mask.shape == (40, task.length, task.n_outputs)
    for column in trials.conditions.values():
        assert column.shape == (40,)
    assert "ground_truth" in trials.conditions


def test_trials_are_the_environments_own(task):
    seed, n = 7, 30
    trials = task.trials(n, np.random.default_rng(seed))
    for i, (ob, gt, start, end) in enumerate(replay(task, seed, n)):
        steps = len(ob)
        assert trials.conditions["trial_steps"][i] == steps
        np.testing.assert_allclose(trials.inputs[i, :steps], ob, rtol=0, atol=1e-6)
        # The one-hot targets decode back to the environment's ground-truth actions.
        onehot = trials.targets[i, :steps]
        assert set(np.unique(onehot)) <= {0.0, 1.0}
        np.testing.assert_array_equal(onehot.sum(axis=1), 1)
        np.testing.assert_array_equal(onehot.argmax(axis=1), gt)
        for period in task.decision_periods:
            decision = trials.mask[i, start[period] : end[period]]
            assert decision.size and (decision > 0).all()
            assert trials.conditions[f"{period}_stop"][i] == end[period]
        # Padding: no input, no target, no weight.
        assert not trials.inputs[i, steps:].any()
        assert not trials.targets[i, steps:].any()
        assert not trials.mask[i, steps:].any()


def test_variable_length_trials_are_padded():
    task = NeuroGymTask(env="ContextDecisionMaking-v0", trial_length=50)
    trials = task.trials(50, np.random.default_rng(0))
    steps = trials.conditions["trial_steps"]
    assert len(set(steps)) > 1 and steps.max() < task.length
    assert (trials.mask.sum(axis=(1, 2)) == steps * task.n_outputs).all()


def test_same_seed_same_trials_other_seed_other_trials(task):
    a = task.trials(20, np.random.default_rng(3))
    b = task.trials(20, np.random.default_rng(3))
    c = task.trials(20, np.random.default_rng(4))
    for name in ("inputs", "targets", "mask"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for name in a.conditions:
        np.testing.assert_array_equal(a.conditions[name], b.conditions[name])
    assert not np.array_equal(a.inputs, c.inputs) or not np.array_equal(a.targets, c.targets)


def test_added_noise_leaves_the_trials_and_the_padding_alone(task):
    clean = task.trials(20, np.random.default_rng(5))
    noisy = dataclasses.replace(task, noise_std=0.3).trials(20, np.random.default_rng(5))
    np.testing.assert_array_equal(clean.targets, noisy.targets)
    np.testing.assert_array_equal(clean.mask, noisy.mask)
    for name in clean.conditions:
        np.testing.assert_array_equal(clean.conditions[name], noisy.conditions[name])
    steps = clean.conditions["trial_steps"]
    in_trial = np.arange(task.length) < steps[:, None]
    noise = (noisy.inputs - clean.inputs)[in_trial]
    assert 0.25 < noise.std() < 0.35
    assert not noisy.inputs[~in_trial].any()


def test_score_of_the_targets_is_one_and_of_a_constant_choice_less(task):
    trials = task.trials(200, np.random.default_rng(2))
    perfect = task.score(trials.targets, trials.targets, trials.mask, trials.conditions)
    assert perfect == {"accuracy": 1.0, "step_accuracy": 1.0}
    # Without the period columns the last counted step stands for the decision.
    assert task.score(trials.targets, trials.targets, trials.mask)["accuracy"] == 1.0
    for action in range(task.n_outputs):
        constant = np.zeros_like(trials.targets)
        constant[..., action] = 1.0
        scores = task.score(constant, trials.targets, trials.mask, trials.conditions)
        assert scores["accuracy"] < 1.0, action
        assert scores["step_accuracy"] < 1.0, action


def test_score_counts_the_decision_not_the_fixation():
    task = NeuroGymTask()
    trials = task.trials(50, np.random.default_rng(0))
    outputs = trials.targets.copy()
    start = trials.conditions["decision_start"]
    outputs[:, : start.min()] = np.roll(outputs[:, : start.min()], 1, axis=-1)
    scores = task.score(outputs, trials.targets, trials.mask, trials.conditions)
    assert scores["accuracy"] == 1.0 and scores["step_accuracy"] < 0.2
    wrong = trials.targets.copy()
    wrong[:, -1] = np.roll(wrong[:, -1], 1, axis=-1)
    assert task.score(wrong, trials.targets, trials.mask, trials.conditions)["accuracy"] == 0.0


def test_timing_tasks_need_the_whole_period():
    """MotorTiming's response is a pulse inside its production period, which ends on
    fixation: its last step cannot tell a response from none, its steps can."""
    kwargs = {"decision_periods": ["production"]}
    last = NeuroGymTask(env="MotorTiming-v0", **kwargs)
    whole = dataclasses.replace(last, decision_rule="all")
    trials = last.trials(50, np.random.default_rng(0))
    fixate = np.zeros_like(trials.targets)
    fixate[..., 0] = 1.0
    assert last.score(fixate, trials.targets, trials.mask, trials.conditions)["accuracy"] == 1
    assert whole.score(fixate, trials.targets, trials.mask, trials.conditions)["accuracy"] == 0
    assert whole.score(trials.targets, trials.targets, trials.mask, trials.conditions) == {
        "accuracy": 1.0,
        "step_accuracy": 1.0,
    }


def test_majority_rule_forgives_a_late_start():
    task = NeuroGymTask(env="DelayMatchSample-v0", decision_rule="majority")
    trials = task.trials(30, np.random.default_rng(0))
    late = trials.targets.copy()
    first = trials.conditions["decision_start"]
    late[np.arange(30), first] = np.roll(late[np.arange(30), first], 1, axis=-1)
    assert task.score(late, trials.targets, trials.mask, trials.conditions)["accuracy"] == 1.0
    strict = dataclasses.replace(task, decision_rule="all")
    assert strict.score(late, trials.targets, trials.mask, trials.conditions)["accuracy"] == 0.0


def test_two_decision_periods_must_both_be_right():
    task = NeuroGymTask(env="DualDelayMatchSample-v0", decision_periods=["test1", "test2"])
    trials = task.trials(40, np.random.default_rng(0))
    wrong = trials.targets.copy()
    at = trials.conditions["test1_stop"] - 1
    wrong[np.arange(40), at] = np.roll(wrong[np.arange(40), at], 1, axis=-1)
    assert (
        task.score(trials.targets, trials.targets, trials.mask, trials.conditions)["accuracy"]
        == 1.0
    )
    assert task.score(wrong, trials.targets, trials.mask, trials.conditions)["accuracy"] == 0.0


def test_parameters_are_json_and_rebuild_an_equal_task(task):
    params = json.loads(json.dumps(task.parameters()))
    again = make_task("neurogym", **params)
    assert again == task and hash(again) == hash(task)
    assert again.trial_length == task.length and again.decision_periods == task.decision_periods
    a, b = (t.trials(5, np.random.default_rng(9)) for t in (again, task))
    np.testing.assert_array_equal(a.inputs, b.inputs)


def test_probe_trials_are_fixed_noise_free_and_one_per_condition():
    task = NeuroGymTask(kwargs={"sigma": 2.0}, noise_std=0.5)
    probe = task.probe_trials()
    again = task.probe_trials()
    np.testing.assert_array_equal(probe.inputs, again.inputs)
    pairs = list(zip(probe.conditions["ground_truth"], probe.conditions["coh"], strict=True))
    assert len(pairs) == len(set(pairs)) == 2 * 5
    assert pairs == sorted(pairs)
    # Noise-free: the stimulus holds one value over its period.
    start, stop = probe.conditions["stimulus_start"][0], probe.conditions["stimulus_stop"][0]
    stimulus = probe.inputs[:, start:stop]
    np.testing.assert_allclose(stimulus, stimulus[:, :1].repeat(stop - start, 1), atol=1e-6)


def test_constant_inputs_are_the_fixation_observation():
    inputs = NeuroGymTask().constant_inputs()
    np.testing.assert_array_equal(inputs["fixation"], [1.0, 0.0, 0.0])


@pytest.mark.parametrize(
    "params, key",
    [
        ({"env": "PerceptualDecisonMaking-v0"}, "env = 'PerceptualDecisonMaking-v0'"),
        ({"env": "CartPole-v1"}, "env = 'CartPole-v1'"),
        ({"env": "yang19.go-v0"}, "env = 'yang19.go-v0': a NeuroGym collection"),
        ({"kwargs": {"bogus": 1}}, "kwargs.bogus = 1"),
        ({"kwargs": {"dim_ring": "two"}}, "kwargs = "),
        ({"trial_length": 10}, "trial_length = 10"),
        ({"decision_periods": ["choice"]}, "decision_periods = ['choice']"),
        ({"noise_std": -1}, "noise_std = -1"),
        ({"env": "Bandit-v0"}, "env = Bandit-v0: its trials have no ground truth"),
        ({"env": "ReachingDelayResponse-v0"}, "not discrete"),
        ({"env": "Reaching1D-v0"}, "env = Reaching1D-v0: its ground truth"),
        ({"decision_rule": "first"}, "decision_rule = 'first'"),
    ],
)
def test_bad_parameters_are_refused_naming_the_key(params, key):
    with pytest.raises(ValueError) as caught:
        NeuroGymTask(**params)
    assert key in str(caught.value)


def test_unknown_env_lists_some_that_exist():
    with pytest.raises(ValueError, match="did you mean PerceptualDecisionMaking-v0") as caught:
        NeuroGymTask(env="PerceptualDecisonMaking-v0")
    assert "GoNogo-v0" in str(caught.value)


def test_without_neurogym_the_error_names_the_extra(monkeypatch):
    monkeypatch.delitem(sys.modules, "neurogym")
    real = module.importlib.util.find_spec
    monkeypatch.setattr(
        module.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "neurogym" else real(name, *a),
    )
    with pytest.raises(ImportError, match=r'pip install -e "\.\[neurogym\]"'):
        NeuroGymTask()


def test_the_module_imports_without_importing_neurogym():
    code = (
        "import sys, rnn_ensembles.tasks.neurogym;"
        "assert 'neurogym' not in sys.modules and 'gymnasium' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_torch_stand_in_is_left_behind():
    import importlib.util

    module.import_neurogym()
    if importlib.util.find_spec("torch") is None:
        assert "torch" not in sys.modules and "torch.nn" not in sys.modules
