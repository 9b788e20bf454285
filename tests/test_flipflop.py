"""The flip-flop generator obeys the task's rule (paper Sec. 3, reference README)."""

import numpy as np
import pytest

from rnn_ensembles.analysis import state_labels
from rnn_ensembles.tasks import FlipFlopTask, make_task


def clean_trials(task, n=300, seed=0):
    rng = np.random.default_rng(seed)
    starts, amps = task.pulses(n, rng)
    inputs, targets = task.render(starts, amps, task.length)
    return starts, amps, inputs, targets


def reference_target(channel_input, pulse_length, delay):
    """Independent re-statement of the rule: walk the input, remember each pulse's sign and
    output it ``delay`` steps after the pulse ends."""
    target = np.zeros_like(channel_input)
    state, pending = 0.0, []
    t = 0
    while t < len(channel_input):
        if channel_input[t] != 0:
            amp = channel_input[t]
            pending.append((t + pulse_length + delay, amp))
            t += pulse_length
            continue
        t += 1
    for t in range(len(channel_input)):
        for when, amp in pending:
            if t == when:
                state = amp
        target[t] = state
    return target


def test_default_parameters_follow_the_paper():
    task = FlipFlopTask()
    assert task.length == 340
    assert (task.n_bits, task.pulse_length, task.delay, task.noise_std) == (3, 20, 20, 0.1)


def test_target_is_latest_pulse_after_delay():
    task = FlipFlopTask()
    _, _, inputs, targets = clean_trials(task)
    for i in range(60):
        for c in range(3):
            expected = reference_target(inputs[i, :, c], task.pulse_length, task.delay)
            np.testing.assert_array_equal(targets[i, :, c], expected)


def test_pulse_timing_and_amplitudes():
    task = FlipFlopTask()
    starts, amps, inputs, _ = clean_trials(task, n=2000)
    assert starts[..., 0].min() >= 10 and starts[..., 0].max() <= 99
    gap2 = starts[..., 1] - starts[..., 0]
    gap3 = starts[..., 2] - starts[..., 0]
    assert gap2.min() >= 71 and gap2.max() <= 120
    assert (gap3 - gap2).min() >= 101 and (gap3 - gap2).max() <= 150
    assert set(np.unique(amps[..., 0])) == {-1.0, 0.0, 1.0}
    assert set(np.unique(amps[..., 1:])) == {-1.0, 1.0}
    # The first pulse is absent about a third of the time.
    assert abs(np.mean(amps[..., 0] == 0) - 1 / 3) < 0.03
    # Every pulse lasts pulse_length steps (unless cut by the end of the trial).
    on = inputs != 0
    rises = np.argwhere(np.diff(on.astype(int), axis=1) == 1)
    for trial, t, c in rises[:500]:
        run = on[trial, t + 1 :, c]
        length = np.argmin(run) if not run.all() else len(run)
        assert length == task.pulse_length or t + 1 + length == task.length


def test_noise_statistics_and_clean_targets():
    task = FlipFlopTask()
    trials = task.trials(500, np.random.default_rng(1))
    x, y = trials.inputs, trials.targets
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.shape == y.shape == (500, 340, 3)
    quiet = np.abs(x) < 0.6  # far from any ±1 pulse
    noise = x[quiet]
    assert abs(noise.mean()) < 0.005
    assert abs(noise.std() - 0.1) < 0.005
    assert set(np.unique(y)) <= {-1.0, 0.0, 1.0}


def test_same_seed_same_arrays_other_seed_other_arrays():
    task = FlipFlopTask()
    a = task.trials(50, np.random.default_rng(3))
    b = task.trials(50, np.random.default_rng(3))
    c = task.trials(50, np.random.default_rng(4))
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.targets, b.targets)
    assert not np.array_equal(a.inputs, c.inputs)


def test_memory_states_set_visits_every_corner_twice_without_noise():
    task = FlipFlopTask()
    probe = task.probe_trials()
    x, y = probe.inputs, probe.targets
    assert x.shape[0] == 1
    assert set(np.unique(x)) == {-1.0, 0.0, 1.0}  # no noise
    labels = state_labels(y[0])
    runs = [
        label for i, label in enumerate(labels) if label >= 0 and (i == 0 or labels[i - 1] != label)
    ]
    assert sorted(set(runs)) == list(range(8))
    assert all(runs.count(label) == 2 for label in range(8))
    # Channels follow the paper's sign patterns: A + + - -, B + -, C + + + + - - - - (no swap).
    signs = task.memory_state_signs()
    np.testing.assert_array_equal(signs[:8, 0], [1, 1, -1, -1, 1, 1, -1, -1])
    np.testing.assert_array_equal(signs[:8, 1], [1, -1, 1, -1, 1, -1, 1, -1])
    np.testing.assert_array_equal(signs[:8, 2], [1, 1, 1, 1, -1, -1, -1, -1])
    # The target of each channel follows its own input channel.
    for c in range(3):
        first_pulse = np.argmax(x[0, :, c] != 0)
        assert y[0, first_pulse + task.pulse_length + task.delay, c] == x[0, first_pulse, c]


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"delay": 400, "trial_length": 340, "memory_pulse_interval": 500}, "delay = 400"),
        ({"pulse_length": 90}, "pulse_length = 90"),
        ({"n_bits": 0}, "n_bits = 0"),
        ({"noise_std": -1.0}, "noise_std = -1.0"),
    ],
)
def test_inconsistent_parameters_are_named(params, fragment):
    with pytest.raises(ValueError, match=fragment):
        make_task("flipflop", **params)


def test_unknown_task_kind_lists_known_ones():
    with pytest.raises(ValueError, match="flipflop"):
        make_task("parity")
