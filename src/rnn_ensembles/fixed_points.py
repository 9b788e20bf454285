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

Two minimisers, batched in numpy (each candidate's q depends on its own state only, so
the batch is as many independent searches run at once): Powell's dogleg trust-region
method on the residual F(s) - s (the default; Newton's quadratic convergence, to saddles
as well as attractors, where q is flat to second order), and Adam on the analytic
gradient of q as in those works, followed by a few Newton steps that polish each distinct
candidate.  Either way a true fixed point ends at machine precision, so the q tolerance
cleanly separates fixed points from slow points, which Newton-type steps cannot improve.

Trajectories rest at the attractors and cross basin boundaries quickly: initial states
sampled from them find the attractors but few of the saddles between them, which a
topology of the dynamics needs.  :meth:`FixedPointFinder.search` therefore runs rounds:
after the samples, states on the basin boundaries between neighbouring attractors found
so far (by bisection on paths between them, then along the boundary towards its saddle:
edge tracking, Skufca, Yorke & Eckhardt 2006) and states on the unstable manifolds of the
saddles found so far (which end at attractors no trajectory visits), until a round adds
no fixed point (the search has *saturated*) or ``max_rounds``.

Stability uses the eigenvalues of the Jacobian of F (column convention): a fixed point
is *stable* when every eigenvalue has modulus below 1, *unstable* when every one lies
above, a *saddle* otherwise.
"""

from __future__ import annotations

import json
import time
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
# Counts and times of searches that add up over rounds and over inputs.
SUMMED_ATTRS = ("n_candidates", "n_distinct_minima", "n_slow_points", "search_time_s")


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
    def concatenate(cls, parts: list[FixedPoints], attrs: dict | None = None) -> FixedPoints:
        """The points of ``parts`` in one, in order, with ``attrs`` (default: none)."""
        return cls(
            *(np.concatenate([getattr(part, name) for part in parts]) for name in ARRAYS),
            dict(attrs or {}),
            parts[0].instability_tolerance,
            np.concatenate([part.input_index for part in parts]),
        )

    @classmethod
    def merge(cls, found: dict[str, FixedPoints]) -> FixedPoints:
        """The points of searches under several constant inputs (name -> points), in one.

        Counts and times add up; the search is ``saturated`` only when every part is; the
        new points per round stay per input (``new_per_round``, JSON, by input name).
        """
        parts = [
            part.subset(np.ones(len(part), bool), input_index=index)
            for index, part in enumerate(found.values())
        ]
        attrs = {
            **parts[0].attrs,
            "inputs": json.dumps(list(found)),
            **{key: sum(p.attrs.get(key, 0) for p in parts) for key in SUMMED_ATTRS},
        }
        if all("saturated" in p.attrs for p in parts):
            attrs["saturated"] = all(bool(p.attrs["saturated"]) for p in parts)
            attrs["n_rounds"] = max(int(p.attrs["n_rounds"]) for p in parts)
            attrs["new_per_round"] = json.dumps(
                {name: json.loads(p.attrs["new_per_round"]) for name, p in found.items()}
            )
        return cls.concatenate(parts, attrs)

    def input_names(self) -> list[str]:
        return json.loads(self.attrs["inputs"]) if "inputs" in self.attrs else ["no input"]

    def subset(self, keep: np.ndarray, input_index: int | None = None) -> FixedPoints:
        """The points where ``keep`` is true, with the same attrs; all under input
        ``input_index`` when given."""
        index = self.input_index[keep] if input_index is None else np.full(keep.sum(), input_index)
        return FixedPoints(
            *(getattr(self, name)[keep] for name in ARRAYS),
            self.attrs,
            self.instability_tolerance,
            index,
        )

    def under(self, index: int) -> FixedPoints:
        """The points of the search under input ``index``."""
        return self.subset(self.input_index == index)

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
        n_initial: candidate states sampled from the network's trajectories, per round.
            Default 128.
        initial_noise: standard deviation of Gaussian noise added to each sampled state, so
            that the search also starts off the visited manifold. Default 0.05.
        relaxation_steps: every other sampled state is first carried this many steps by the
            map itself, towards the attractor whose basin it is in: minimising q from a
            memory state alone often ends on a saddle near it. Default 100.
        minimiser: ``"trust_region"`` (Powell's dogleg on the residual, see
            :meth:`trust_region`) or ``"adam"`` (Adam on q, the search of Sussillo & Barak
            2013 and of fixed-point-finder). Default "trust_region".
        trust_region_iterations: trust-region iterations at most. Default 50.
        learning_rate: initial Adam learning rate. Default 0.01.
        lr_decay: the learning rate is multiplied by this every 100 iterations. Default 0.9.
        max_iterations: Adam iterations at most. Default 1000.
        newton_iterations: Newton polishing steps per distinct candidate after Adam (the
            trust region's last steps are Newton steps already). Default 10.
        q_tolerance: a candidate counts as a fixed point when its q ends below this;
            larger minima are slow points. Default 1e-10.
        unique_tolerance: fixed points closer than this (Euclidean) are one. Default 1e-3.
        instability_tolerance: a Jacobian eigenvalue counts as unstable when its modulus
            exceeds 1 by more than this. Default 1e-6.
        max_rounds: rounds of new initial states at most in :meth:`search`. Default 8.
        n_pairs: pairs of neighbouring stable points whose basin boundary is searched for
            saddles, per round of :meth:`search` after the first (see
            :meth:`boundary_states`). Default 256.
        n_paths: paths bisected between the two points of each pair, one straight, the
            others bent: a basin boundary may hold several saddles. Default 6.
        n_saddle_states: initial states on the unstable manifolds of the saddles new in
            the last round, per round of :meth:`search` after the first (see
            :meth:`saddle_states`). Default 512.
        seed: seed of the sampling of initial states and of the bent paths between
            stable points. Default 0.
    """

    MINIMISERS = ("trust_region", "adam")
    CHECK_EVERY = 100  # iterations between convergence checks and learning-rate decays
    # Adam (Kingma & Ba 2015, as Keras's), the learning rate decaying as ExponentialDecay.
    BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7
    # The trust region (Nocedal & Wright 2006, Alg. 4.1): its first radius, of the order of
    # the distance between two fixed points of a tanh network (units in [-1, 1]); the
    # radius limits; a step is taken when it achieves this fraction of the model's decrease.
    INITIAL_RADIUS, MAX_RADIUS, MIN_RADIUS, ACCEPTANCE = 0.5, 10.0, 1e-12, 1e-4
    # A candidate has converged at rounding level (|F(s) - s| ~ 1e-15 per unit)...
    CONVERGED_Q = 1e-28
    # ... and has stalled, on its way to a slow point that no Newton-type step leaves, when
    # q has not halved over the last STALL_WINDOW iterations: near a zero of F(s) - s the
    # decrease is quadratic.  Stopping them saved a third of the cost at N = 128.
    STALL_WINDOW, STALL_FACTOR = 5, 0.5
    # Each stable point is paired with this many nearest others (boundary_states).
    PAIR_NEIGHBOURS = 10
    # Bisection steps on a path between two attractors (to 1/256 of its length; 10 found
    # no more saddles), and the map steps at most along the boundary after it, as a
    # fraction of relaxation_steps (see slowest).
    BISECTIONS, EDGE_TRACKING = 8, 0.5
    # The bent paths between two attractors pass this many times their distance off the
    # midpoint (0.2 found fewer saddles).
    BEND = 0.4
    # Length of the step off a saddle along an unstable direction: large enough that the
    # relaxation leaves the saddle within relaxation_steps.
    MANIFOLD_STEP = 0.05
    # The states on a saddle's unstable manifold are kept at these fractions of the
    # relaxation: at its end they have reached an attractor, on the way they pass near
    # the saddles on its boundary.
    MANIFOLD_SNAPSHOTS = (0.25, 1.0)
    # (k, S, S) Jacobians are built for at most this many elements at once (64 MiB).
    CHUNK_ELEMENTS = 2**23

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
        if self.hps["minimiser"] not in self.MINIMISERS:
            raise ValueError(
                f"minimiser {self.hps['minimiser']!r}: expected one of {self.MINIMISERS}"
            )

    @classmethod
    def default_hps(cls) -> dict:
        return {
            "n_initial": 128,
            "initial_noise": 0.05,
            "relaxation_steps": 100,
            "minimiser": "trust_region",
            "trust_region_iterations": 50,
            "learning_rate": 0.01,
            "lr_decay": 0.9,
            "max_iterations": 1000,
            "newton_iterations": 10,
            "q_tolerance": 1e-10,
            "unique_tolerance": 1e-3,
            "instability_tolerance": 1e-6,
            "max_rounds": 8,
            "n_pairs": 256,
            "n_paths": 6,
            "n_saddle_states": 512,
            "seed": 0,
        }

    def speed(self, states: np.ndarray) -> np.ndarray:
        return speed(self.network, states, self.inputs)

    def step(self, states: np.ndarray) -> np.ndarray:
        return self.network.step(states, self.inputs)

    def sample_states(self, *trajectories: np.ndarray, seed=None) -> np.ndarray:
        """``n_initial`` states drawn without replacement from sets of (..., S) states, an
        equal share from each set, plus noise; ``seed`` (default the ``seed`` parameter)
        seeds the draw.

        Sharing out by set keeps a short trial that visits every memory state (the
        eight-states trial) from being outweighed by many long noisy ones, which pass
        more often near saddles.
        """
        rng = np.random.default_rng(self.hps["seed"] if seed is None else seed)
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

    def neighbour_pairs(self, points: np.ndarray, tried=frozenset()) -> np.ndarray:
        """Pairs (k, 2) of indices into ``points``: each point with its
        :attr:`PAIR_NEIGHBOURS` nearest others, but for the pairs in ``tried``;
        ``n_pairs`` at most, the closest first.

        A saddle between two basins lies between neighbouring attractors, those joined
        by the edges of a topology graph.
        """
        if len(points) < 2:
            return np.zeros((0, 2), int)
        distance = distances(points, points)
        neighbours = np.argsort(distance, axis=1)[:, 1 : self.PAIR_NEIGHBOURS + 1]
        first = np.repeat(np.arange(len(points)), neighbours.shape[1])
        pairs = np.unique(np.sort(np.stack([first, neighbours.ravel()], axis=1), axis=1), axis=0)
        pairs = np.array([pair for pair in pairs if tuple(pair) not in tried], int).reshape(-1, 2)
        closest = np.argsort(distance[pairs[:, 0], pairs[:, 1]], kind="stable")
        return pairs[closest[: self.hps["n_pairs"]]]

    def boundary_states(self, start: np.ndarray, end: np.ndarray, seed=None) -> np.ndarray:
        """For each pair of attractors (rows of ``start`` and ``end``), ``n_paths`` states
        near the boundary between their basins, carried along it towards a saddle on it.

        Bisection on a path from one attractor to the other: a state that the map carries
        in ``relaxation_steps`` nearer to ``start`` than to ``end`` lies on the start's
        side.  The map then carries the state found, which lies on the boundary (the
        stable manifold of a saddle) to within the bisection's precision, part of the way
        along it towards the saddle: the edge tracking of Skufca, Yorke & Eckhardt
        (2006).  A boundary may hold several saddles, and the straight path finds one of
        them: the other paths bend through a point :attr:`BEND` times the pair's distance
        off the midpoint in a random direction (``seed``).  From the segments' midpoints
        instead, only a third as many saddles were reached (trained flip-flop networks).
        """
        rng = np.random.default_rng(seed)
        n_paths = self.hps["n_paths"]
        start, end = np.repeat(start, n_paths, axis=0), np.repeat(end, n_paths, axis=0)
        direction = rng.normal(size=start.shape)
        direction[::n_paths] = 0.0  # the straight path
        norm = np.linalg.norm(direction, axis=1, keepdims=True)
        np.divide(direction, norm, out=direction, where=norm > 0)
        bend = (
            0.5 * (start + end)
            + self.BEND * np.linalg.norm(end - start, axis=1)[:, None] * direction
        )

        def path(t):  # start -> bend -> end, t in [0, 1]
            t = t[:, None]
            return np.where(
                t < 0.5, start + 2 * t * (bend - start), bend + (2 * t - 1) * (end - bend)
            )

        low, high = np.zeros(len(start)), np.ones(len(start))
        for _ in range(self.BISECTIONS):
            middle = 0.5 * (low + high)
            state = self.relaxed(path(middle), (1.0,))
            to_start = np.linalg.norm(state - start, axis=1) < np.linalg.norm(state - end, axis=1)
            low, high = np.where(to_start, middle, low), np.where(to_start, high, middle)
        return self.slowest(
            path(0.5 * (low + high)), round(self.EDGE_TRACKING * self.hps["relaxation_steps"])
        )

    def slowest(self, states: np.ndarray, steps: int) -> np.ndarray:
        """The slowest state (least q) of each trajectory of the map from ``states``, up to
        ``steps`` steps and until it speeds up again (q twice its least).

        From near a basin boundary the map first nears the boundary's saddle, then leaves
        it for an attractor: the first minimum of the speed is the state nearest the
        saddle (after a few steps where the saddle repels strongly, after many where
        weakly); later the speed falls again towards the attractor.
        """
        slowest, least = states, np.full(len(states), np.inf)
        leaving = np.zeros(len(states), bool)
        for _ in range(steps + 1):
            following = self.step(states)
            q = 0.5 * np.sum((following - states) ** 2, axis=1)
            leaving |= q > 2.0 * least
            slower = ~leaving & (q < least)
            slowest = np.where(slower[:, None], states, slowest)
            least = np.where(slower, q, least)
            states = following
        return slowest

    def saddle_states(self, saddles: np.ndarray) -> np.ndarray:
        """States a step off each of ``saddles`` along each of its unstable directions, both
        ways, carried ``relaxation_steps`` by the map; ``n_saddle_states`` at most, those
        of the saddles with fewest unstable directions first.

        The unstable manifold of a saddle ends at attractors (those whose basins the saddle
        separates, for a saddle with one unstable direction): following it finds
        attractors that no trajectory of the task visits, which the pair states then
        connect (the construction of the topology graph, Turner, Dabholkar & Barak 2021).
        """
        size = self.network.state_size
        if not len(saddles) or self.hps["n_saddle_states"] == 0:
            return np.zeros((0, size))
        eigenvalues, eigenvectors = np.linalg.eig(self.network.jacobian(saddles, self.inputs))
        unstable = np.abs(eigenvalues) > 1.0 + self.hps["instability_tolerance"]
        point, mode = np.nonzero(unstable)
        # Fewest unstable directions first, then the fastest direction of each.
        order = np.lexsort((-np.abs(eigenvalues[point, mode]), unstable.sum(axis=1)[point]))
        point, mode = point[order], mode[order]
        direction = eigenvectors[point, :, mode]
        # Of a complex pair, the real part is a direction in its unstable plane.
        direction = np.where(
            np.abs(direction.real).max(axis=1, keepdims=True) > 0, direction.real, direction.imag
        )
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        offset = self.MANIFOLD_STEP * direction
        states = np.stack([saddles[point] + offset, saddles[point] - offset], axis=1).reshape(
            -1, size
        )
        states = states[: self.hps["n_saddle_states"] // len(self.MANIFOLD_SNAPSHOTS)]
        return self.relaxed(states, self.MANIFOLD_SNAPSHOTS)

    def relaxed(self, states: np.ndarray, fractions) -> np.ndarray:
        """``states`` carried by the map, kept after each of ``fractions`` (increasing) of
        ``relaxation_steps``: len(fractions) x (k, S) states."""
        kept, steps_run = [], 0
        for fraction in fractions:
            steps = round(fraction * self.hps["relaxation_steps"])
            for _ in range(steps - steps_run):
                states = self.step(states)
            kept.append(states)
            steps_run = steps
        return np.concatenate(kept)

    def search(self, *trajectories: np.ndarray) -> FixedPoints:
        """Rounds of :meth:`find` until a round adds no fixed point, ``max_rounds`` at most.

        Round 0 starts from :meth:`sample_states` of ``trajectories`` (sets of (..., S)
        states), as :meth:`find` alone would; each further round from fresh samples (a
        seed of its own), from the :meth:`boundary_states` of the pairs of neighbouring
        stable points found so far not yet tried (:meth:`neighbour_pairs`), and from the
        :meth:`saddle_states` of the saddles new in the round before: saddles between
        the attractors, attractors at the ends of the saddles' unstable manifolds.  The
        search is *saturated* when a round after the first adds no new point: more
        initial states of these kinds find nothing more.  ``attrs`` records the rounds
        run (``n_rounds``), the new points of each (``new_per_round``, JSON), whether it
        saturated, the minimiser and the time taken (``search_time_s``).
        """
        started = time.perf_counter()
        parts, new_per_round, saturated = [], [], False
        tried = set()  # pairs of stable points (indices into ``stable``) already bisected
        for round_index in range(self.hps["max_rounds"]):
            if round_index == 0:
                initial = self.sample_states(*trajectories)
            else:
                # The stable points in the order found, so that indices stay valid.
                stable = np.concatenate([part.points[part.stability == "stable"] for part in parts])
                pairs = self.neighbour_pairs(stable, tried)
                tried.update(map(tuple, pairs))
                new_saddles = parts[-1].points[parts[-1].stability == "saddle"]
                initial = np.concatenate(
                    [
                        self.sample_states(*trajectories, seed=(self.hps["seed"], round_index)),
                        self.boundary_states(
                            stable[pairs[:, 0]],
                            stable[pairs[:, 1]],
                            (self.hps["seed"], round_index),
                        ),
                        self.saddle_states(new_saddles),
                    ]
                )
            known = np.concatenate([part.points for part in parts]) if parts else None
            found = self.find(initial, known)
            parts.append(found)
            new_per_round.append(len(found))
            if round_index > 0 and not len(found):
                saturated = True
                break
        result = FixedPoints.concatenate(parts)
        result.attrs = {
            **{key: sum(part.attrs[key] for part in parts) for key in SUMMED_ATTRS},
            "iterations": max(part.attrs["iterations"] for part in parts),
            "input": json.dumps(self.inputs.tolist()),
            "search": json.dumps(self.hps, sort_keys=True),
            "minimiser": self.hps["minimiser"],
            "n_rounds": len(new_per_round),
            "new_per_round": json.dumps(new_per_round),
            "saturated": saturated,
            "search_time_s": time.perf_counter() - started,
        }
        return result

    def find(self, initial_states: np.ndarray, known: np.ndarray | None = None) -> FixedPoints:
        """Minimise q from every initial state; keep the distinct fixed points, but for
        those within ``unique_tolerance`` of the ``known`` points (k, S) (none by default).

        The trust-region minimiser stops a candidate that comes near a known point (see
        :meth:`trust_region`); Adam is followed by Newton polishing (the trust region's
        last steps are Newton steps).
        """
        started = time.perf_counter()
        initial_states = np.asarray(initial_states, dtype=np.float64)
        known = np.zeros((0, self.network.state_size)) if known is None else known
        if self.hps["minimiser"] == "trust_region":
            states, iterations = self.trust_region(initial_states, known)
        else:
            states, iterations = self.adam(initial_states)
        # A network whose training diverged has non-finite weights: nothing to find.
        states = states[np.isfinite(self.speed(states))]
        # Merge before polishing: many candidates fall into the same fixed point.
        states = unique_states(states, self.speed(states), self.hps["unique_tolerance"])
        if self.hps["minimiser"] == "adam":
            states = self.newton(states)
        q = self.speed(states)
        keep = q < self.hps["q_tolerance"]
        points = unique_states(states[keep], q[keep], self.hps["unique_tolerance"])
        points = points[far_from(points, known, self.hps["unique_tolerance"])]
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
            "iterations": int(iterations),
            "minimiser": self.hps["minimiser"],
            "input": json.dumps(self.inputs.tolist()),
            "search": json.dumps(self.hps, sort_keys=True),
            "search_time_s": time.perf_counter() - started,
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
            step = self.linearise(current, self.step(current) - current)[0]
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

    def linearise(self, states: np.ndarray, residual: np.ndarray):
        """The linearisation of r(s) = F(s) - s at each state, with A = J - I: the Newton
        step p (A p = -r), the gradient of q, g = A^T r, and its image A g.

        Built in chunks to bound the (k, S, S) memory.
        """
        size = self.network.state_size
        diagonal = np.arange(size)
        newton, gradient, image = (np.empty_like(states) for _ in range(3))
        chunk = max(1, self.CHUNK_ELEMENTS // size**2)
        for begin in range(0, len(states), chunk):
            part = slice(begin, begin + chunk)
            system = self.network.jacobian(states[part], self.inputs)
            system[:, diagonal, diagonal] -= 1.0  # in place: A = J - I
            try:
                newton[part] = np.linalg.solve(system, -residual[part][..., None])[..., 0]
            except np.linalg.LinAlgError:  # A singular: a continuum of fixed points
                newton[part] = [
                    np.linalg.lstsq(a, -r, rcond=None)[0]
                    for a, r in zip(system, residual[part], strict=True)
                ]
            gradient[part] = np.einsum("kij,ki->kj", system, residual[part])
            image[part] = np.einsum("kij,kj->ki", system, gradient[part])
        return newton, gradient, image

    def trust_region(
        self, states: np.ndarray, known: np.ndarray | None = None
    ) -> tuple[np.ndarray, int]:
        """Powell's dogleg trust-region method on r(s) = F(s) - s from each row of
        ``states``; the end states and the iterations run.

        Powell's hybrid method (Powell 1970; MINPACK's ``hybrd``, scipy's ``root``; Nocedal &
        Wright 2006, Alg. 4.1 and Sec. 11.2), batched: each candidate has its own trust
        radius, and its step minimises the model m(p) = 1/2 |r + A p|^2, A = J - I, within
        it along the dogleg from the Cauchy point to the Newton step.  It converges
        quadratically to any zero of r, saddles included, where Adam on q slows down
        (q is flat to second order there), and each iteration solves one linear system
        per candidate that moved (a rejected step only shrinks the radius).

        A candidate stops, moved onto the point, when it comes within
        ``unique_tolerance`` of one of the ``known`` fixed points (k, S; none by
        default) or of one that another candidate has converged to (most candidates fall
        into a few attractors); and when it stalls (see :attr:`STALL_WINDOW`).
        """
        states = states.copy()
        known = np.zeros((0, states.shape[1])) if known is None else known
        residual = self.step(states) - states
        q = 0.5 * np.sum(residual**2, axis=1)
        radius = np.full(len(states), self.INITIAL_RADIUS)
        newton, gradient, image = (np.zeros_like(states) for _ in range(3))
        stale = np.ones(len(states), bool)  # linearised at an earlier state
        active = np.flatnonzero(np.isfinite(q) & (q > self.CONVERGED_Q))
        active = self._capture(states, active, known, q)
        q_checked = q.copy()
        iteration = 0
        for iteration in range(1, self.hps["trust_region_iterations"] + 1):
            if not len(active):
                break
            renew = active[stale[active]]
            newton[renew], gradient[renew], image[renew] = self.linearise(
                states[renew], residual[renew]
            )
            stale[renew] = False
            step, decrease = dogleg_step(
                residual[active], newton[active], gradient[active], image[active], radius[active]
            )
            trial = states[active] + step
            trial_residual = self.step(trial) - trial
            trial_q = 0.5 * np.sum(trial_residual**2, axis=1)
            ratio = np.full(len(active), -1.0)  # a non-finite trial counts as a bad one
            np.divide(
                q[active] - trial_q,
                decrease,
                out=ratio,
                where=np.isfinite(trial_q) & (decrease > 0),
            )
            length = np.linalg.norm(step, axis=1)
            grow = (ratio > 0.75) & (length > 0.99 * radius[active])
            radius[active] = np.where(
                ratio < 0.25,
                0.25 * length,
                np.where(grow, np.minimum(2 * radius[active], self.MAX_RADIUS), radius[active]),
            )
            accepted = ratio > self.ACCEPTANCE
            moved = active[accepted]
            states[moved], residual[moved], q[moved] = (
                trial[accepted],
                trial_residual[accepted],
                trial_q[accepted],
            )
            stale[moved] = True
            active = active[(q[active] > self.CONVERGED_Q) & (radius[active] > self.MIN_RADIUS)]
            active = self._capture(states, active, known, q)
            if iteration % self.STALL_WINDOW == 0:
                active = active[q[active] < self.STALL_FACTOR * q_checked[active]]
                q_checked[active] = q[active]
        return states, iteration

    def _capture(self, states, active, known, q) -> np.ndarray:
        """The ``active`` candidates farther than ``unique_tolerance`` from every known and
        converged point; the others are moved onto their point, which they would merge
        with.  (A larger radius saved a tenth of the time but could take a candidate away
        from a second point next to the first: two fixed points of one trained network
        lay 1.4e-3 apart.)"""
        points = np.concatenate([known, states[q <= self.CONVERGED_Q]])
        if not len(points) or not len(active):
            return active
        index, distance = nearest(states[active], points)
        captured = distance < self.hps["unique_tolerance"]
        states[active[captured]] = points[index[captured]]
        return active[~captured]

    def adam(self, states: np.ndarray) -> tuple[np.ndarray, int]:
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


def dogleg_step(residual, newton, gradient, image, radius):
    """The dogleg step of each candidate and the decrease of the model q it predicts.

    Minimises m(p) = 1/2 |r + A p|^2 over |p| <= radius along the path from 0 to the
    Cauchy point p_C = -(|g|^2 / |A g|^2) g (the model's minimum along the gradient g) and
    on to the Newton step p_N (A p_N = -r) (Nocedal & Wright 2006, Sec. 4.1).  Every step
    is a p_N - b g, so that A p = -a r - b A g needs no Jacobian.
    """
    g2 = np.sum(gradient**2, axis=1)
    image2 = np.sum(image**2, axis=1)
    cauchy_scale = np.divide(g2, image2, out=np.zeros_like(g2), where=image2 > 0)
    cauchy = -cauchy_scale[:, None] * gradient
    newton_length = np.linalg.norm(newton, axis=1)
    cauchy_length = cauchy_scale * np.sqrt(g2)
    # On the second leg, tau in [0, 1] with |p_C + tau (p_N - p_C)| = radius.
    leg = newton - cauchy
    leg2 = np.sum(leg**2, axis=1)
    along = np.sum(cauchy * leg, axis=1)
    root = np.sqrt(np.maximum(along**2 + leg2 * (radius**2 - cauchy_length**2), 0.0))
    tau = np.divide(root - along, leg2, out=np.ones_like(leg2), where=leg2 > 0)
    gradient_length = np.sqrt(g2)
    a = np.where(newton_length <= radius, 1.0, np.where(cauchy_length >= radius, 0.0, tau))
    b = np.where(
        newton_length <= radius,
        0.0,
        np.where(
            cauchy_length >= radius,
            np.divide(radius, gradient_length, out=np.zeros_like(g2), where=g2 > 0),
            (1.0 - tau) * cauchy_scale,
        ),
    )
    step = a[:, None] * newton - b[:, None] * gradient
    model = 0.5 * np.sum(((1.0 - a)[:, None] * residual - b[:, None] * image) ** 2, axis=1)
    return step, 0.5 * np.sum(residual**2, axis=1) - model


def distances(points: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The (k, m) Euclidean distances between ``points`` (k, S) and ``known`` (m, S)."""
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, one matrix product and no (k, m, S) array; its
    # rounding (~1e-15 |a|^2) is far below the tolerances compared with.
    squared = (
        np.sum(points**2, axis=1)[:, None] + np.sum(known**2, axis=1)[None] - 2 * points @ known.T
    )
    return np.sqrt(np.maximum(squared, 0.0))


def nearest(points: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``points`` (k, S), the index of and distance to the nearest of ``known``
    (m, S), m > 0."""
    distance = distances(points, known)
    index = np.argmin(distance, axis=1)
    return index, distance[np.arange(len(points)), index]


def far_from(points: np.ndarray, known: np.ndarray, tolerance: float) -> np.ndarray:
    """Which of ``points`` lie farther than ``tolerance`` from every ``known`` point."""
    if not len(known) or not len(points):
        return np.ones(len(points), bool)
    return nearest(points, known)[1] > tolerance


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
