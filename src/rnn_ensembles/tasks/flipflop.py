"""N-bit flip-flop memory task with the parametrization of Jarne (2024).

C. Jarne, "Exploring Flip Flop memories and beyond: training Recurrent Neural
Networks with key insights", Front. Syst. Neurosci. 18 (2024), Sec. 3; the task
itself is from Sussillo & Barak (2013).

Each of the ``n_bits`` channels is generated independently.  A channel receives
up to three pulses of ``pulse_length`` steps: the first starts at a random step
in ``first_pulse_window`` with amplitude +1, -1 or 0 (no pulse), equally
likely; each later pulse starts ``pulse_offsets[k]`` plus the accumulated
jitter (uniform in ``jitter``) after the first, with amplitude +1 or -1.  The
target is 0 until ``delay`` steps after the end of the first non-zero pulse,
then holds the amplitude of the latest pulse, switching ``delay`` steps after
each pulse ends.  Gaussian noise of ``noise_std`` is added to the inputs; the
targets are clean.  One step stands for 1 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_ensembles.tasks.base import Task, Trials

METADATA = {
    "paper": "https://doi.org/10.3389/fnsys.2024.1269190",
    "tags": ["working memory", "flip-flop", "supervised"],
}


@dataclass(frozen=True)
class FlipFlopTask(Task):
    """Generator of flip-flop trials.

    Every step of every channel counts in the loss (the mask is all ones); the primary
    accuracy is the sign accuracy at every step with a non-zero target (``accuracy``), and
    ``accuracy_bit<k>`` that of each channel.

    Args:
        n_bits: number of independent memory channels (inputs = outputs). Default 3.
        pulse_length: duration of every pulse, in steps. Default 20.
        delay: response delay after a pulse ends, in steps. Default 20.
        noise_std: standard deviation of the Gaussian input noise. Default 0.1.
        trial_length: steps per trial; ``None`` means 320 + delay, as the paper. Default None.
        first_pulse_window: first and last step (inclusive) at which the first pulse
            may start. Default (10, 99).
        pulse_offsets: start of the second, third, ... pulse after the first, before
            jitter. Default (70, 170).
        jitter: inclusive range of the extra delay added before each later pulse,
            accumulated over pulses. Default (1, 50).
        memory_pulse_interval: steps between pulses in the eight-states test set. Default 70.
        memory_first_pulse: start of the first pulse in the eight-states test set. Default 30.
    """

    n_bits: int = 3
    pulse_length: int = 20
    delay: int = 20
    noise_std: float = 0.1
    trial_length: int | None = None
    first_pulse_window: tuple[int, int] = (10, 99)
    pulse_offsets: tuple[int, ...] = (70, 170)
    jitter: tuple[int, int] = (1, 50)
    memory_pulse_interval: int = 70
    memory_first_pulse: int = 30

    KIND = "flipflop"
    ACCURACY = "sign accuracy at every step with a non-zero target"
    CITATION = "Sussillo & Barak (2013); Jarne (2024), Sec. 3"

    def __post_init__(self):
        for name in ("first_pulse_window", "pulse_offsets", "jitter"):
            object.__setattr__(self, name, tuple(int(v) for v in getattr(self, name)))
        super().__post_init__()

    # -- parameters ---------------------------------------------------------------
    @property
    def length(self) -> int:
        """Steps per training trial."""
        return 320 + self.delay if self.trial_length is None else int(self.trial_length)

    @property
    def n_inputs(self) -> int:
        return self.n_bits

    @property
    def n_outputs(self) -> int:
        return self.n_bits

    def parameters(self) -> dict:
        """Every generator parameter, resolved (the trial length included)."""
        params = super().parameters()
        params["trial_length"] = self.length
        return params

    def problems(self) -> list[str]:
        """Human-readable descriptions of inconsistent parameters (empty when valid)."""
        out = []
        if self.n_bits < 1:
            out.append(f"n_bits = {self.n_bits}: must be at least 1")
        if self.pulse_length < 1:
            out.append(f"pulse_length = {self.pulse_length}: must be at least 1 step")
        if self.delay < 0:
            out.append(f"delay = {self.delay}: must be 0 or more steps")
        if self.noise_std < 0:
            out.append(f"noise_std = {self.noise_std}: must be 0 or more")
        lo, hi = self.first_pulse_window
        if not 0 <= lo <= hi:
            out.append(f"first_pulse_window = {[lo, hi]}: needs 0 <= first <= last")
        jlo, jhi = self.jitter
        if not 0 <= jlo <= jhi:
            out.append(f"jitter = {[jlo, jhi]}: needs 0 <= low <= high")
        gaps = np.diff((0, *self.pulse_offsets))
        if len(gaps) and (gaps.min() + jlo) < self.pulse_length:
            out.append(
                f"pulse_length = {self.pulse_length} is longer than the shortest gap between "
                f"pulse starts ({int(gaps.min() + jlo)} steps, from pulse_offsets "
                f"{list(self.pulse_offsets)} and jitter {[jlo, jhi]}): pulses would overlap"
            )
        earliest_response = lo + self.pulse_length + self.delay
        if self.length <= earliest_response:
            out.append(
                f"delay = {self.delay} is too long for trial_length = {self.length}: the first "
                f"response (step {earliest_response}) must fall inside the trial"
            )
        if self.memory_pulse_interval < self.pulse_length + self.delay + 1:
            out.append(
                f"memory_pulse_interval = {self.memory_pulse_interval}: must exceed "
                f"pulse_length + delay = {self.pulse_length + self.delay}"
            )
        return out

    # -- trials -------------------------------------------------------------------
    def pulses(self, n_trials: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Random pulse starts and amplitudes, both of shape (trials, bits, pulses)."""
        shape = (n_trials, self.n_bits)
        lo, hi = self.first_pulse_window
        first = rng.integers(lo, hi + 1, size=shape)
        jitter = rng.integers(
            self.jitter[0], self.jitter[1] + 1, size=(*shape, len(self.pulse_offsets))
        )
        later = first[..., None] + np.asarray(self.pulse_offsets) + np.cumsum(jitter, axis=-1)
        starts = np.concatenate([first[..., None], later], axis=-1)
        first_amp = rng.choice(np.array([1.0, -1.0, 0.0]), size=shape)
        later_amp = rng.choice(np.array([1.0, -1.0]), size=(*shape, len(self.pulse_offsets)))
        amplitudes = np.concatenate([first_amp[..., None], later_amp], axis=-1)
        return starts, amplitudes

    def render(self, starts: np.ndarray, amplitudes: np.ndarray, length: int):
        """Clean inputs and targets, (trials, length, bits), from pulse starts and amplitudes.

        A pulse of amplitude 0 is no pulse: it neither appears nor switches the target.
        Pulses running past the end of the trial are cut there.
        """
        t = np.arange(length)[None, None, :]
        inputs = np.zeros(starts.shape[:2] + (length,))
        targets = np.zeros_like(inputs)
        for k in range(starts.shape[-1]):
            start = starts[..., k, None]
            amp = amplitudes[..., k, None]
            on = (t >= start) & (t < start + self.pulse_length)
            inputs = np.where(on, amp, inputs)
            switched = (t >= start + self.pulse_length + self.delay) & (amp != 0)
            targets = np.where(switched, amp, targets)
        return inputs.transpose(0, 2, 1), targets.transpose(0, 2, 1)

    def trials(self, n_trials: int, rng: np.random.Generator) -> Trials:
        """``n_trials`` noisy trials, float32 (trials, time, bits); the conditions are each
        pulse's start and sign (``bit<k>_pulse<p>_start``, ``bit<k>_pulse<p>_sign``)."""
        starts, amplitudes = self.pulses(n_trials, rng)
        inputs, targets = self.render(starts, amplitudes, self.length)
        inputs = inputs + self.noise(inputs.shape, rng)
        conditions = {}
        for k in range(self.n_bits):
            for p in range(starts.shape[-1]):
                conditions[f"bit{k}_pulse{p}_start"] = starts[:, k, p]
                conditions[f"bit{k}_pulse{p}_sign"] = amplitudes[:, k, p]
        return Trials(inputs, targets, np.ones_like(targets), conditions)

    def score(self, outputs, targets, mask, conditions=None) -> dict:
        """Sign accuracy over the counted steps with a non-zero target, in all and per bit."""
        from rnn_ensembles.metrics import sign_accuracy

        counted = np.where(np.asarray(mask) > 0, targets, 0.0)  # a target of 0 is not counted
        return {
            "accuracy": sign_accuracy(outputs, counted),
            **{
                f"accuracy_bit{k}": float(v)
                for k, v in enumerate(sign_accuracy(outputs, counted, axis=(0, 1)))
            },
        }

    def criterion(self, scores: dict) -> tuple[float, str]:
        """The lowest channel's sign accuracy: small networks often hold two bits while the
        third stays at chance, with an overall accuracy that still looks high."""
        channels = [v for k, v in scores.items() if k.startswith("accuracy_bit")]
        lowest = min(channels, default=scores["accuracy"])
        return lowest, f"sign accuracy {scores['accuracy']:.4f}, lowest channel {lowest:.4f}"

    # -- the machine the task defines -------------------------------------------------
    def input_events(self) -> dict[str, np.ndarray]:
        """A pulse of +1 or -1 on each channel, ``pulse_length`` steps: ``bit<k>+``, ``bit<k>-``."""
        events = {}
        for k in range(self.n_bits):
            for sign, name in ((1.0, "+"), (-1.0, "-")):
                pulse = np.zeros((self.pulse_length, self.n_bits))
                pulse[:, k] = sign
                events[f"bit{k}{name}"] = pulse
        return events

    def expected_code(self, code: str, event: str) -> str | None:
        """A pulse sets its channel to its sign and leaves the others as they are.

        ValueError for an event not of :meth:`input_events` or a code not of ``n_bits``
        outputs: a rule applied to the wrong names would judge silently wrong.
        """
        bit, sign = event[3:-1], event[-1:]
        known = event.startswith("bit") and bit.isdigit() and sign in ("+", "-")
        if not known or int(bit) >= self.n_bits:
            raise ValueError(f"{event!r} is not an input event of the {self.n_bits}-bit flip-flop")
        if len(code) != self.n_bits:
            raise ValueError(f"code {code!r} does not have the flip-flop's {self.n_bits} outputs")
        return code[: int(bit)] + sign + code[int(bit) + 1 :]

    # -- the eight memory states set ---------------------------------------------
    def memory_state_signs(self) -> np.ndarray:
        """Pulse signs of the memory-states set, (pulses, bits).

        Channel half-periods follow the paper's Fig. 6 (A: + + - -, B: + -, C: + + + + - - - -,
        then doubling for more bits), so that the state visits every corner of the
        hypercube twice.
        """
        half_periods = [2, 1, 4, *(2**k for k in range(3, self.n_bits))][: self.n_bits]
        if self.n_bits == 1:
            half_periods = [1]
        n_pulses = 2 * 2**self.n_bits
        i = np.arange(n_pulses)[:, None]
        return np.where((i // np.asarray(half_periods)) % 2 == 0, 1.0, -1.0)

    def probe_trials(self) -> Trials:
        """The noise-free test trial that visits every memory state twice (one trial)."""
        signs = self.memory_state_signs()
        n_pulses = signs.shape[0]
        starts = self.memory_first_pulse + self.memory_pulse_interval * np.arange(n_pulses)
        length = int(starts[-1] + self.memory_pulse_interval)
        starts = np.broadcast_to(starts, (1, self.n_bits, n_pulses))
        inputs, targets = self.render(starts, signs.T[None], length)
        return Trials(
            inputs, targets, np.ones_like(targets), {"trial": np.array(["memory states"])}
        )
