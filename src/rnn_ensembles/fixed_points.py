"""Fixed points of a trained network's dynamics under a constant input (Sussillo & Barak 2013).

Under a constant input x* (zero by default) any network of the interface
:class:`~rnn_ensembles.models.base.RecurrentNetwork` is the map ``F(s) = step(s, x*)`` on
its state.  Its fixed points are the zeros of the speed

    q(s) = 1/2 ||F(s) - s||^2,

found, as in Sussillo & Barak (2013) and the ``fixed-point-finder`` package (Golub &
Sussillo 2018), by minimising q from many initial states sampled from the network's own
trajectories, all at once as one batch.  As in that package the search takes the
network's state update, not its weights: :class:`FixedPointFinder` asks the network for
``step``, ``jacobian`` and ``speed_gradient`` and nothing else, so it works for every
architecture (the LSTM's state is (h, c), and its fixed points live in that space).  The
results live in a small container, :class:`FixedPoints`, with save and restore.

The minimiser is Adam in numpy on the analytic gradient of q (each candidate's q depends
on its own state only, and Adam's moments are per coordinate, so the batch is as many
independent searches run at once).  After Adam, a few Newton steps (batched) polish each
distinct candidate, accepted only where they lower q: near a true fixed point they reach
machine precision, so the q tolerance cleanly separates fixed points from slow points,
which Newton cannot improve.

Stability uses the eigenvalues of the Jacobian of F (column convention): a fixed point
is *stable* when every eigenvalue has modulus below 1, *unstable* when every one lies
above, a *saddle* otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import h5py
import numpy as np

from rnn_ensembles.io import atomic_path, attribute_value, check_format, open_h5, read_array

FORMAT_VERSION = 3  # 3: input_index, the constant input of each point
STABILITY = ("stable", "saddle", "unstable")


def speed(network, states: np.ndarray, inputs=None) -> np.ndarray:
    """q(s) = 1/2 ||step(s, x) - s||^2 for each row of ``states`` (x = 0 by default)."""
    inputs = np.zeros(network.n_inputs) if inputs is None else inputs
    return 0.5 * np.sum((network.step(states, inputs) - states) ** 2, axis=-1)


ARRAYS = ("points", "activity", "q", "eigenvalues")


@dataclass
class FixedPoints:
    """Fixed points of one network and the linearisation at each.

    Attributes:
        points: (k, S) states s* with step(s*, x*) = s*.
        activity: (k, N) the analysed activity of each point (the points themselves but
            for the LSTM, whose activity is the h part of (h, c)).
        q: (k,) speed at each point (0 for an exact fixed point).
        eigenvalues: (k, S) eigenvalues of the Jacobian at each point, by decreasing modulus.
        attrs: search parameters and counts (JSON-able values); ``inputs``, the names of
            the constant inputs searched under (JSON), when there were several.
        input_index: (k,) which of those inputs each point is a fixed point of (all 0 for
            a search under one input).
    """

    points: np.ndarray
    activity: np.ndarray
    q: np.ndarray
    eigenvalues: np.ndarray
    attrs: dict = field(default_factory=dict)
    instability_tolerance: float = 1e-6
    input_index: np.ndarray | None = None

    def __post_init__(self):
        if self.input_index is None:
            self.input_index = np.zeros(len(self.points), int)

    @classmethod
    def merge(cls, found: dict[str, FixedPoints]) -> FixedPoints:
        """The points of searches under several constant inputs (name -> points), in one."""
        parts = list(found.values())
        attrs = {
            **parts[0].attrs,
            "inputs": json.dumps(list(found)),
            "n_candidates": sum(int(p.attrs.get("n_candidates", 0)) for p in parts),
            "n_slow_points": sum(int(p.attrs.get("n_slow_points", 0)) for p in parts),
        }
        return cls(
            *(np.concatenate([getattr(p, name) for p in parts]) for name in ARRAYS),
            attrs,
            parts[0].instability_tolerance,
            np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)]).astype(int),
        )

    def input_names(self) -> list[str]:
        return json.loads(self.attrs["inputs"]) if "inputs" in self.attrs else ["no input"]

    def under(self, index: int) -> FixedPoints:
        """The points of the search under input ``index``."""
        keep = self.input_index == index
        return FixedPoints(
            *(getattr(self, name)[keep] for name in ARRAYS),
            self.attrs,
            self.instability_tolerance,
            self.input_index[keep],
        )

    def __len__(self) -> int:
        return len(self.points)

    @property
    def n_unstable_modes(self) -> np.ndarray:
        """Per point, how many Jacobian eigenvalues lie outside the unit circle."""
        return np.sum(np.abs(self.eigenvalues) > 1.0 + self.instability_tolerance, axis=1)

    @property
    def stability(self) -> np.ndarray:
        """Per point, ``stable``, ``saddle`` or ``unstable``."""
        n = self.n_unstable_modes
        n_modes = self.eigenvalues.shape[1] if self.eigenvalues.ndim == 2 else 0
        return np.where(n == 0, "stable", np.where(n == n_modes, "unstable", "saddle"))

    def counts(self) -> dict:
        kinds = self.stability
        return {f"n_{kind}": int(np.sum(kinds == kind)) for kind in STABILITY}

    def summary(self) -> str:
        counts = ", ".join(f"{v} {k[2:]}" for k, v in self.counts().items())
        q_max = float(self.q.max()) if len(self) else float("nan")
        return f"{len(self)} fixed points ({counts}); largest q {q_max:.2e}"

    def save(self, path) -> None:
        with atomic_path(path) as tmp, h5py.File(tmp, "w") as handle:
            handle.attrs["content"] = "fixed_points"
            handle.attrs["format_version"] = FORMAT_VERSION
            handle.attrs["instability_tolerance"] = self.instability_tolerance
            handle.create_dataset("points", data=self.points)
            handle.create_dataset("activity", data=self.activity)
            handle.create_dataset("q", data=self.q)
            handle.create_dataset("eigenvalues", data=self.eigenvalues)
            handle.create_dataset("stability", data=self.stability.astype("S8"))
            handle.create_dataset("input_index", data=self.input_index)
            for key, value in self.attrs.items():
                handle.attrs[key] = attribute_value(value)

    @classmethod
    def restore(cls, path) -> FixedPoints:
        with open_h5(path, "fixed points") as handle:
            check_format(handle, "fixed_points", FORMAT_VERSION)
            points = read_array(handle, "points", 2)
            k, size = points.shape
            activity = read_array(handle, "activity", 2, (k, None))
            q = read_array(handle, "q", 1, (k,))
            eigenvalues = read_array(handle, "eigenvalues", 2, (k, size))
            index = read_array(handle, "input_index", 1, (k,)).astype(int)
            attrs = {
                key: (v.item() if isinstance(v, np.generic) else v)
                for key, v in handle.attrs.items()
                if key not in ("content", "format_version", "instability_tolerance")
            }
            tolerance = float(handle.attrs["instability_tolerance"])
        return cls(points, activity, q, eigenvalues, attrs, tolerance, index)


class FixedPointFinder:
    """Batched search for the fixed points of ``s -> network.step(s, x)`` at a constant input.

    Args:
        network: a :class:`~rnn_ensembles.models.base.RecurrentNetwork`.
        inputs: the constant input x* (I,). Default zeros (the autonomous network).

    Search parameters (``default_hps``):
        n_initial: candidate states, sampled from the network's trajectories. Default 128.
        initial_noise: standard deviation of Gaussian noise added to each sampled state, so
            that the search also starts off the visited manifold. Default 0.05.
        relaxation_steps: every other sampled state is first carried this many steps by the
            map itself, towards the attractor whose basin it is in: minimising q from a
            memory state alone often ends on a saddle near it. Default 100.
        learning_rate: initial Adam learning rate. Default 0.01.
        lr_decay: the learning rate is multiplied by this every 100 iterations. Default 0.9.
        max_iterations: Adam iterations at most. Default 1000.
        newton_iterations: Newton polishing steps per distinct candidate. Default 10.
        q_tolerance: a polished candidate counts as a fixed point when q is below this;
            larger minima are slow points. Default 1e-10.
        unique_tolerance: fixed points closer than this (Euclidean) are one. Default 1e-3.
        instability_tolerance: a Jacobian eigenvalue counts as unstable when its modulus
            exceeds 1 by more than this. Default 1e-6.
        seed: seed of the sampling of initial states. Default 0.
    """

    CHECK_EVERY = 100  # iterations between convergence checks and learning-rate decays
    # Adam (Kingma & Ba 2015, as Keras's), the learning rate decaying as ExponentialDecay.
    BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7

    def __init__(self, network, inputs=None, **hps):
        unknown = set(hps) - set(self.default_hps())
        if unknown:
            raise ValueError(
                f"unknown fixed-point search parameter(s) {sorted(unknown)}: expected "
                f"{sorted(self.default_hps())}"
            )
        self.network = network
        self.inputs = (
            np.zeros(network.n_inputs) if inputs is None else np.asarray(inputs, np.float64)
        )
        self.hps = {**self.default_hps(), **hps}

    @classmethod
    def default_hps(cls) -> dict:
        return {
            "n_initial": 128,
            "initial_noise": 0.05,
            "relaxation_steps": 100,
            "learning_rate": 0.01,
            "lr_decay": 0.9,
            "max_iterations": 1000,
            "newton_iterations": 10,
            "q_tolerance": 1e-10,
            "unique_tolerance": 1e-3,
            "instability_tolerance": 1e-6,
            "seed": 0,
        }

    def speed(self, states: np.ndarray) -> np.ndarray:
        return speed(self.network, states, self.inputs)

    def step(self, states: np.ndarray) -> np.ndarray:
        return self.network.step(states, self.inputs)

    def sample_states(self, *trajectories: np.ndarray) -> np.ndarray:
        """``n_initial`` states drawn without replacement from sets of (..., S) states, an
        equal share from each set, plus noise.

        Sharing out by set keeps a short trial that visits every memory state (the
        eight-states trial) from being outweighed by many long noisy ones, which pass
        more often near saddles.
        """
        rng = np.random.default_rng(self.hps["seed"])
        shares = np.array_split(np.arange(self.hps["n_initial"]), len(trajectories))
        picked = []
        for states, share in zip(trajectories, shares, strict=True):
            states = np.asarray(states, dtype=np.float64).reshape(-1, self.network.state_size)
            n = min(len(share), len(states))
            picked.append(states[rng.choice(len(states), size=n, replace=False)])
        picked = np.concatenate(picked)
        picked += rng.normal(0.0, self.hps["initial_noise"], size=picked.shape)
        for _ in range(self.hps["relaxation_steps"]):
            picked[1::2] = self.step(picked[1::2])
        return picked

    def find(self, initial_states: np.ndarray) -> FixedPoints:
        """Minimise q from every initial state; keep the distinct fixed points."""
        initial_states = np.asarray(initial_states, dtype=np.float64)
        states, iterations = self._minimise(initial_states)
        # A network whose training diverged has non-finite weights: nothing to find.
        states = states[np.isfinite(self.speed(states))]
        # Merge before polishing: many candidates fall into the same fixed point.
        states = unique_states(states, self.speed(states), self.hps["unique_tolerance"])
        states = self.newton(states)
        q = self.speed(states)
        keep = q < self.hps["q_tolerance"]
        points = unique_states(states[keep], q[keep], self.hps["unique_tolerance"])
        q = self.speed(points)
        if len(points):
            eigenvalues = np.linalg.eigvals(self.network.jacobian(points, self.inputs))
        else:
            eigenvalues = np.zeros((0, self.network.state_size), complex)
        order = np.argsort(-np.abs(eigenvalues), axis=1)
        eigenvalues = np.take_along_axis(eigenvalues, order, axis=1)
        attrs = {
            "n_candidates": len(initial_states),
            "n_distinct_minima": len(states),
            "n_slow_points": int(np.sum(~keep)),
            "adam_iterations": int(iterations),
            "input": json.dumps(self.inputs.tolist()),
            "search": json.dumps(self.hps, sort_keys=True),
        }
        activity = self.network.activity(points)
        return FixedPoints(
            points, activity, q, eigenvalues, attrs, self.hps["instability_tolerance"]
        )

    def newton(self, states: np.ndarray) -> np.ndarray:
        """Newton steps on F(s) - s = 0 for each state, each kept only where it lowers q.

        A state stops once a step fails to lower q: at a fixed point q has hit rounding
        level, at a slow point Newton cannot help.
        """
        states = states.copy()
        active = np.arange(len(states))
        for _ in range(self.hps["newton_iterations"]):
            if not len(active):
                break
            current = states[active]
            step = self._newton_step(current)
            q_now = self.speed(current)
            better = np.zeros(len(active), bool)
            # Backtracking: far from a fixed point the full step can overshoot.
            for fraction in (1.0, 0.5, 0.25, 0.125):
                trial = current + fraction * step
                improved = ~better & (self.speed(trial) < q_now)
                states[active[improved]] = trial[improved]
                better |= improved
            active = active[better]
        return states

    def _newton_step(self, states: np.ndarray, chunk: int = 32) -> np.ndarray:
        """Solve (J - I) ds = -(F(s) - s) per state, in chunks to bound the (k, S, S) memory."""
        eye = np.eye(self.network.state_size)
        steps = []
        for part in np.array_split(states, -(-len(states) // chunk)):
            residual = self.step(part) - part
            system = self.network.jacobian(part, self.inputs) - eye
            try:
                steps.extend(np.linalg.solve(system, -residual[..., None])[..., 0])
            except np.linalg.LinAlgError:  # J - I singular: a continuum of fixed points
                steps.extend(
                    np.linalg.lstsq(a, -r, rcond=None)[0]
                    for a, r in zip(system, residual, strict=True)
                )
        return np.asarray(steps).reshape(states.shape)

    def _minimise(self, states: np.ndarray) -> tuple[np.ndarray, int]:
        """Adam on q from each row of ``states``; the end states and the iterations run."""
        h = states.copy()
        m, v = np.zeros_like(h), np.zeros_like(h)
        step = 0
        for step in range(1, self.hps["max_iterations"] + 1):
            grad = self.network.speed_gradient(h, self.inputs)
            m = self.BETA_1 * m + (1 - self.BETA_1) * grad
            v = self.BETA_2 * v + (1 - self.BETA_2) * grad * grad
            rate = self.hps["learning_rate"] * self.hps["lr_decay"] ** (
                (step - 1) / self.CHECK_EVERY
            )
            rate *= np.sqrt(1 - self.BETA_2**step) / (1 - self.BETA_1**step)
            h -= rate * m / (np.sqrt(v) + self.EPSILON)
            if step % self.CHECK_EVERY == 0 and self.speed(h).max() < self.hps["q_tolerance"]:
                break
        return h, step


def unique_states(states: np.ndarray, q: np.ndarray, tolerance: float) -> np.ndarray:
    """One state per group of states within ``tolerance`` of each other, the slowest kept.

    Greedy in order of increasing q: a state is dropped when a kept one lies within
    ``tolerance``.
    """
    if not len(states):
        return states
    ordered = states[np.argsort(q)]
    kept = np.zeros(len(states), bool)
    dropped = np.zeros(len(states), bool)
    # Distances from each kept state only: a few hundred candidates, no tree needed (and
    # the job does not pay for importing scipy.spatial).
    for i in range(len(ordered)):
        if dropped[i]:
            continue
        kept[i] = True
        dropped |= np.linalg.norm(ordered - ordered[i], axis=1) <= tolerance
    return ordered[kept]


def memory_state_match(points: np.ndarray, memory_states: np.ndarray) -> dict:
    """How the stable fixed points sit relative to the memory states (full activity space).

    Returns, per memory state, the index of and distance to its nearest stable fixed point,
    and whether it is *matched*: nearer than half the smallest distance between two memory
    states, which makes the matching one-to-one (a point within half that distance of two
    states would put them closer than the smallest distance).
    """
    memory_states = np.asarray(memory_states, dtype=np.float64)
    n_states = len(memory_states)
    defined = ~np.isnan(memory_states).any(axis=1)
    states = memory_states[defined]
    between = np.linalg.norm(states[:, None] - states[None], axis=-1)
    np.fill_diagonal(between, np.inf)
    separation = float(between.min()) if defined.sum() > 1 else float("nan")
    distance = np.full(n_states, np.nan)
    nearest = np.full(n_states, -1)
    if len(points) and defined.any():
        to_points = np.linalg.norm(states[:, None] - points[None], axis=-1)
        nearest[defined] = to_points.argmin(axis=1)
        distance[defined] = to_points.min(axis=1)
    matched = distance < separation / 2
    return {
        "distance": distance,
        "nearest": nearest,
        "matched": matched,
        "separation": separation,
    }


def describe(found: FixedPoints, network, memory_states) -> dict:
    """Counts of a network's fixed points and how its stable ones relate to the memories.

    ``stable_output_states`` counts the distinct memory states (sign patterns of the
    readout) that the stable fixed points encode: a solved 3-bit flip-flop has 8.
    """
    from rnn_ensembles.analysis import state_labels

    stable = found.activity[found.stability == "stable"]
    match = memory_state_match(stable, memory_states)
    encoded = state_labels(network.readout(stable)) if len(stable) else np.array([], int)
    distance = match["distance"]
    defined = ~np.isnan(distance)
    return {
        "n_fixed_points": len(found),
        **found.counts(),
        "n_slow_points": int(found.attrs.get("n_slow_points", 0)),
        "n_candidates": int(found.attrs.get("n_candidates", 0)),
        "stable_output_states": int(len(np.unique(encoded[encoded >= 0]))),
        "memory_states": len(distance),
        "memory_states_matched": int(match["matched"].sum()),
        "memory_distance_mean": float(distance[defined].mean()) if defined.any() else None,
        "memory_distance_max": float(distance[defined].max()) if defined.any() else None,
        "memory_separation": match["separation"],
        "memory_distance": distance.tolist(),
        "memory_nearest_fixed_point": match["nearest"].tolist(),
    }
