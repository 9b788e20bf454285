"""The topology of a network's dynamics: its fixed points as a graph, and solution types.

Maheswaranathan et al. (NeurIPS 2019, "Universality and individuality in neural dynamics
across large populations of recurrent networks") found that networks of different
architectures trained on the 3-bit flip-flop share the topology of their fixed points
while their geometry differs; Turner, Dabholkar & Barak (NeurIPS 2021, "Charting and
navigating the space of solutions for recurrent neural networks") reduced each network's
dynamics to a graph and sorted the networks of one ensemble into solution types.  Here,
from the fixed points under the task's resting input (the first of
:meth:`~rnn_ensembles.tasks.base.Task.constant_inputs`, "no input" for the flip-flop):

* every fixed point is a **node**, with its readout code of three levels per output
  (``-``, ``0``, ``+``: the readout below ``-code_threshold``, between, above), its
  stability, its stability margin (the largest |eigenvalue| of the state Jacobian) and its
  slowest modes: the ``n_slowest`` eigenvalues nearest the unit circle in rate, smallest
  |log |lambda|| first (a mode decays or grows by |lambda| per step, so 0.5 and 2 are
  equally fast; the largest modulus would name a saddle's fastest escape);
* every saddle is **linked** to where its unstable manifold leads: a step of
  ``manifold_step`` times max(1, |s*|) (relative to the size of the state, at least an
  absolute one) along each unstable eigenvector (the real and the imaginary part of a
  complex pair), on both sides, then the network run under the resting input, all starts
  as one batch, until it settles (its speed q below ``settle_tolerance`` away from any
  saddle, through which a slow trajectory is only passing, or no movement at all; at most
  ``settle_steps`` steps); the nearest node within
  ``match_tolerance`` of the end is *reached*, else the end is *off* the found points
  (-1) with the code of where it ended.  In a decoupled network a trajectory can settle
  on another saddle, exactly on an invariant subspace: it is recorded as reached, which
  is the truth of that network;
* every **input event** of the task (:meth:`~rnn_ensembles.tasks.base.Task.input_events`;
  the flip-flop's +-1 pulse on each channel) is applied from every stable point, the
  network settles under the resting input, and the node reached is judged against the
  task's rule (:meth:`~rnn_ensembles.tasks.base.Task.expected_code`): *right* (a stable
  node with the prescribed code), *wrong* (a stable node with another code), *off* (a
  saddle, an unstable point or no found point), or *no rule*.  A task without events has
  no transitions: its graph holds the saddle links only;
* the **task's states**, where the task's own trials rest (the flip-flop's eight memory
  states of the probe trial, the end state of each condition of another task's probe),
  each with its nearest stable node: the machine that the network implements for its
  task is what the events reach from these (:func:`rnn_ensembles.solutions.topology_graph`,
  level ``machine``); the other stable points are there too, but no trial visits them.

Everything goes through the network interface (``step``, ``jacobian``, ``states``,
``activity``, ``readout``), so it works for every architecture.

The labelled graph (:meth:`Topology.graph`, networkx) has one node per fixed point,
labelled ``<stability>:<code>``, one node ``off:<code>`` per code of the ends off the found
points (ends of one code are one node: where they lie is not known), and each edge
labelled with the sorted kinds joining its ends (``manifold`` for saddle links, the event
names for transitions).  Two networks share a **solution type** when their graphs are
isomorphic with these labels (:func:`solution_types`).

File ``topology.json`` (:meth:`Topology.save`; JSON object, complex numbers as [re, im]):

* ``content``: ``"topology"``; ``format_version``: 2;
* ``input``: the name of the resting input; ``parameters``: every parameter used (the
  keys of :data:`DEFAULTS`);
* ``nodes``: one object per fixed point under the resting input, in the order of the
  fixed points restricted to that input: ``index`` (its row in the fixed points given,
  all inputs), ``code``, ``stability`` (``stable``, ``saddle`` or ``unstable``),
  ``margin``, ``slowest_modes`` (list of [re, im], slowest first), ``activity`` (its
  analysed activity, for figures);
* ``links``: one object per step off a saddle: ``saddle`` (node), ``mode`` (which
  eigenvalue, by decreasing modulus), ``part`` (``real`` or ``imag``: which part of its
  eigenvector), ``side`` (+1 or -1), ``reached`` (node, or -1 when off), ``code`` (readout
  code where it ended), ``settled`` (bool: its speed q ended below ``settle_tolerance``);
* ``transitions``: one per stable node and event: ``source`` (node), ``event`` (name),
  ``reached``, ``code``, ``settled`` (as for links), ``expected`` (the code the rule
  prescribes, or null), ``verdict`` (``right``, ``wrong``, ``off`` or ``no rule``);
* ``task_states``: one per state where the task's trials rest, in the task's order:
  ``node`` (the nearest stable node, -1 when there is none) and ``distance`` (from it, in
  activity; null when there is none);
* ``summary``: :meth:`Topology.summary`, written for readers of the file (restore
  recomputes it).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from rnn_ensembles.fixed_points import STABILITY, nearest
from rnn_ensembles.io import DataFileError, read_json, write_json

FORMAT_VERSION = 2  # 2: task_states
CHECK_EVERY = 50  # steps between convergence checks while settling
# (k, S, S) Jacobians are built for at most this many elements at once (64 MiB).
CHUNK_ELEMENTS = 2**23
LEVELS = "-0+"
MANIFOLD = "manifold"  # the edge kind of a saddle link
VERDICTS = ("right", "wrong", "off", "no rule")
DEFAULTS = {
    "code_threshold": 0.5,
    "manifold_step": 1e-3,
    "settle_steps": 5000,
    "settle_tolerance": 1e-12,
    "match_tolerance": 1e-2,
    "n_slowest": 3,
}


def readout_codes(outputs: np.ndarray, threshold: float) -> list[str]:
    """Three levels per output of each row of ``outputs``: ``+`` above ``threshold``, ``-``
    below ``-threshold``, ``0`` between."""
    outputs = np.atleast_2d(np.asarray(outputs, float))
    levels = np.where(outputs > threshold, "+", np.where(outputs < -threshold, "-", "0"))
    return ["".join(row) for row in levels]


def slowest_modes(eigenvalues: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` eigenvalues of one point nearest the unit circle in rate, |log |lambda||,
    slowest first (ties, such as a complex pair, in the order given)."""
    with np.errstate(divide="ignore"):  # an eigenvalue 0 is infinitely fast
        rate = np.abs(np.log(np.abs(eigenvalues)))
    return np.asarray(eigenvalues)[np.argsort(rate, kind="stable")][:n]


@dataclass
class Topology:
    """The graph of one network's dynamics under one constant input (module docstring).

    Attributes:
        nodes: one dict per fixed point (``index``, ``code``, ``stability``, ``margin``,
            ``slowest_modes`` as [re, im] pairs, ``activity``).
        links: one dict per step off a saddle (``saddle``, ``mode``, ``part``, ``side``,
            ``reached``, ``code``, ``settled``).
        transitions: one dict per stable node and input event (``source``, ``event``,
            ``reached``, ``code``, ``settled``, ``expected``, ``verdict``).
        input: the name of the resting input.
        parameters: the parameters of :func:`network_topology` used.
        task_states: one dict per state where the task's trials rest (``node``, the
            nearest stable node or -1; ``distance``).
    """

    nodes: list[dict]
    links: list[dict] = field(default_factory=list)
    transitions: list[dict] = field(default_factory=list)
    input: str = "no input"
    parameters: dict = field(default_factory=dict)
    task_states: list[dict] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [node["code"] for node in self.nodes]

    @property
    def stability(self) -> np.ndarray:
        return np.array([node["stability"] for node in self.nodes], dtype=str)

    @property
    def activity(self) -> np.ndarray:
        return np.array([node["activity"] for node in self.nodes], float)

    @property
    def attrs(self) -> dict:
        """The resting input, the parameters and the counts of :meth:`summary`."""
        return {"input": self.input, "parameters": dict(self.parameters), **self.summary()}

    def edges(self):
        """(start, kind, end) of every saddle link (kind ``manifold``) and transition (kind:
        the event); an end off the found points is ``off:<code>``."""
        for link in self.links:
            yield link["saddle"], MANIFOLD, self._end(link)
        for move in self.transitions:
            yield move["source"], move["event"], self._end(move)

    @staticmethod
    def _end(record: dict):
        return record["reached"] if record["reached"] >= 0 else f"off:{record['code']}"

    def graph(self) -> nx.DiGraph:
        """The labelled graph: node i (the i-th fixed point) with attributes ``code``,
        ``stability`` and ``label`` = ``<stability>:<code>``; a node ``off:<code>`` (its
        stability ``off``) for the ends off the found points; an edge wherever a link or
        transition joins two nodes, its attribute ``kinds`` the sorted kinds joined by
        commas (one string: the canonical form of the set, which the Weisfeiler-Lehman hash
        and the edge matching of :func:`solution_types` compare)."""
        graph = nx.DiGraph()
        for i, node in enumerate(self.nodes):
            code, stability = node["code"], node["stability"]
            graph.add_node(i, code=code, stability=stability, label=f"{stability}:{code}")
        kinds: dict[tuple, set] = {}
        for start, kind, end in self.edges():
            kinds.setdefault((start, end), set()).add(kind)
        for (start, end), names in kinds.items():
            if end not in graph:
                graph.add_node(end, code=end.split(":", 1)[1], stability="off", label=end)
            graph.add_edge(start, end, kinds=",".join(sorted(names)))
        return graph

    def summary(self) -> dict:
        """Counts: nodes by stability, distinct codes (of all nodes, of the stable ones),
        saddle links (and those off the found points), transitions by verdict, and the
        trajectories that had not settled after ``settle_steps``."""
        stability = self.stability
        verdicts = [move["verdict"] for move in self.transitions]
        stable_codes = {c for c, s in zip(self.codes, stability, strict=True) if s == "stable"}
        return {
            "n_nodes": len(self.nodes),
            **{f"n_{kind}": int(np.sum(stability == kind)) for kind in STABILITY},
            "n_distinct_codes": len(set(self.codes)),
            "n_stable_codes": len(stable_codes),
            "n_links": len(self.links),
            "n_links_off": sum(link["reached"] < 0 for link in self.links),
            "n_transitions": len(self.transitions),
            **{f"transitions_{v.replace(' ', '_')}": verdicts.count(v) for v in VERDICTS},
            "n_unsettled": sum(not r["settled"] for r in (*self.links, *self.transitions)),
        }

    def save(self, path) -> None:
        write_json(
            path,
            {
                "content": "topology",
                "format_version": FORMAT_VERSION,
                "input": self.input,
                "parameters": self.parameters,
                "nodes": self.nodes,
                "links": self.links,
                "transitions": self.transitions,
                "task_states": self.task_states,
                "summary": self.summary(),
            },
        )

    @classmethod
    def restore(cls, path) -> Topology:
        """Read a file of :meth:`save`, every record checked; DataFileError naming ``path``
        for anything else."""
        data = read_json(
            path,
            "topology",
            (
                "content",
                "format_version",
                "input",
                "parameters",
                "nodes",
                "links",
                "transitions",
                "task_states",
            ),
        )
        if data["content"] != "topology" or data["format_version"] != FORMAT_VERSION:
            raise DataFileError(
                f"{path}: expected a topology file of format {FORMAT_VERSION}, found "
                f"content {data['content']!r}, format {data['format_version']!r}"
            )
        try:
            topology = cls(
                _records(data["nodes"], NODE_FIELDS),
                _records(data["links"], LINK_FIELDS),
                _records(data["transitions"], TRANSITION_FIELDS),
                _checked(data["input"], str, "input"),
                _checked(data["parameters"], dict, "parameters"),
                _records(data["task_states"], TASK_STATE_FIELDS),
            )
            _check_references(topology)
        except (KeyError, TypeError, ValueError) as err:
            raise DataFileError(f"{path}: malformed topology file ({err})") from None
        return topology


# -- the file's records, checked on restore ------------------------------------------------
def _checked(value, kind, what):
    # JSON has no int subclass but bool: true is no node index.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{what}: {value!r} is not {getattr(kind, '__name__', kind)}")
    return value


def _code(value, what):
    if not isinstance(value, str) or set(value) - set(LEVELS):
        raise ValueError(f"{what}: {value!r} is not a readout code of {LEVELS!r}")
    return value


def _one_of(choices):
    def check(value, what):
        if value not in choices:
            raise ValueError(f"{what}: {value!r} is not one of {choices}")
        return value

    return check


def _number(value, what):
    return float(_checked(value, int | float, what))


def _pairs(value, what):
    if not isinstance(value, list) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in value
    ):
        raise TypeError(f"{what}: {value!r} is not a list of [re, im] pairs")
    return [[_number(re, what), _number(im, what)] for re, im in value]


def _numbers(value, what):
    if not isinstance(value, list):
        raise TypeError(f"{what}: {value!r} is not a list of numbers")
    return [_number(v, what) for v in value]


def _of(kind):
    return lambda value, what: _checked(value, kind, what)


def _code_or_none(value, what):
    return None if value is None else _code(value, what)


NODE_FIELDS = {
    "index": _of(int),
    "code": _code,
    "stability": _one_of(STABILITY),
    "margin": _number,
    "slowest_modes": _pairs,
    "activity": _numbers,
}
LINK_FIELDS = {
    "saddle": _of(int),
    "mode": _of(int),
    "part": _one_of(("real", "imag")),
    "side": _one_of((1, -1)),
    "reached": _of(int),
    "code": _code,
    "settled": _of(bool),
}
TRANSITION_FIELDS = {
    "source": _of(int),
    "event": _of(str),
    "reached": _of(int),
    "code": _code,
    "settled": _of(bool),
    "expected": _code_or_none,
    "verdict": _one_of(VERDICTS),
}

TASK_STATE_FIELDS = {
    "node": _of(int),
    "distance": lambda value, what: None if value is None else _number(value, what),
}


def _records(values, fields: dict) -> list[dict]:
    """Each of ``values`` as a dict of exactly ``fields``, each value checked."""
    if not isinstance(values, list):
        raise TypeError(f"expected a list of records, found {type(values).__name__}")
    records = []
    for number, value in enumerate(values):
        if not isinstance(value, dict) or set(value) != set(fields):
            found = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise KeyError(f"record {number} has {found}, expected {sorted(fields)}")
        records.append(
            {key: check(value[key], f"record {number}, {key}") for key, check in fields.items()}
        )
    return records


def _check_references(topology: Topology) -> None:
    """Every node index named exists; every node's activity has one length."""
    n = len(topology.nodes)
    if len({len(node["activity"]) for node in topology.nodes}) > 1:
        raise ValueError("the nodes' activities differ in length")
    for start, kind, end in topology.edges():
        if not 0 <= start < n or not (isinstance(end, str) or 0 <= end < n):
            raise ValueError(f"a {kind} edge from {start} to {end}: no such node among {n}")
    if any(topology.stability[move["source"]] != "stable" for move in topology.transitions):
        raise ValueError("a transition starts from a node that is not stable")
    if any(topology.stability[link["saddle"]] != "saddle" for link in topology.links):
        raise ValueError("a saddle link starts from a node that is not a saddle")
    for state in topology.task_states:
        if state["node"] >= n or (
            state["node"] >= 0 and topology.stability[state["node"]] != "stable"
        ):
            raise ValueError(f"a task state's node {state['node']} is no stable node among {n}")


# -- solution types ------------------------------------------------------------------------
def _same_label(a: dict, b: dict) -> bool:
    return a["label"] == b["label"]


def _same_kinds(a: dict, b: dict) -> bool:
    return a["kinds"] == b["kinds"]


def graph_hash(graph: nx.DiGraph) -> str:
    """The Weisfeiler-Lehman hash of a labelled graph (node ``label``, edge ``kinds``):
    equal for isomorphic graphs, so only graphs of one hash need the exact test."""
    with warnings.catch_warnings():
        # networkx 3.5 changed its hashes of directed graphs, and says so on every call;
        # the hashes are compared within one run only.
        warnings.filterwarnings("ignore", "The hashes produced for directed graphs changed")
        return nx.weisfeiler_lehman_graph_hash(graph, node_attr="label", edge_attr="kinds")


def solution_types(graphs: dict[str, nx.DiGraph]) -> dict[str, int]:
    """Each network's solution type, from its labelled graph (:meth:`Topology.graph`, or
    any graph with a node attribute ``label`` and an edge attribute ``kinds``).

    Two networks share a type when their graphs are isomorphic with node labels and edge
    kinds matching (``nx.is_isomorphic``), tested only between graphs of one
    Weisfeiler-Lehman hash.  Types are numbered 1, 2, ... by decreasing number of
    networks, ties by the first network name in sorted order.
    """
    classes: list[list[str]] = []
    buckets: dict[str, list[int]] = {}
    for name in sorted(graphs):
        graph = graphs[name]
        bucket = buckets.setdefault(graph_hash(graph), [])
        for index in bucket:
            if nx.is_isomorphic(
                graphs[classes[index][0]], graph, node_match=_same_label, edge_match=_same_kinds
            ):
                classes[index].append(name)
                break
        else:
            bucket.append(len(classes))
            classes.append([name])
    ordered = sorted(classes, key=lambda members: (-len(members), members[0]))
    return {name: kind for kind, members in enumerate(ordered, 1) for name in members}


# -- the analysis --------------------------------------------------------------------------
class _Settler:
    """Runs states under a constant input until they settle, and names the node reached."""

    def __init__(self, network, inputs, points, stable, parameters):
        self.network, self.inputs, self.points = network, inputs, points
        self.stable, self.parameters = np.asarray(stable, bool), parameters

    def settle(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Final states and whether each settled (q below ``settle_tolerance`` at the end).

        All states run as one batch; every ``CHECK_EVERY`` steps a state stops when it is
        slow and not at a saddle or unstable point, or when it does not move at all.  A
        trajectory slow near a saddle is passing by it (on a heteroclinic path) on its way
        to an attractor, so it is not stopped there; one exactly on the saddle's stable
        manifold stays, and either stops once its floating-point map stands still (q = 0)
        or is still there after ``settle_steps``.
        """
        states = np.array(states, float)
        tolerance = self.parameters["settle_tolerance"]
        active = np.arange(len(states))
        remaining = self.parameters["settle_steps"]
        while remaining > 0 and len(active):
            window = min(CHECK_EVERY, remaining)
            moving = states[active]
            for _ in range(window):
                moving = self.network.step(moving, self.inputs)
            states[active] = moving
            remaining -= window
            q = self.speed(moving)
            reached = self.reached(moving)
            at_saddle = np.zeros(len(moving), bool)
            found = reached >= 0
            at_saddle[found] = ~self.stable[reached[found]]
            at_rest = ((q < tolerance) & ~at_saddle) | (q == 0)
            active = active[~at_rest]
        return states, self.speed(states) < tolerance

    def speed(self, states: np.ndarray) -> np.ndarray:
        return 0.5 * np.sum((self.network.step(states, self.inputs) - states) ** 2, axis=1)

    def reached(self, states: np.ndarray) -> np.ndarray:
        """The nearest node of each state within ``match_tolerance``, else -1."""
        if not len(self.points) or not len(states):
            return np.full(len(states), -1)
        index, distance = nearest(states, self.points)
        return np.where(distance < self.parameters["match_tolerance"], index, -1)

    def codes(self, states: np.ndarray) -> list[str]:
        if not len(states):
            return []
        outputs = self.network.readout(self.network.activity(states))
        return readout_codes(outputs, self.parameters["code_threshold"])

    def ended(self, records: list[dict], starts: np.ndarray) -> list[dict]:
        """``records``, each completed by where its start state settled."""
        if not records:
            return []
        ends, settled = self.settle(starts)
        reached, codes = self.reached(ends), self.codes(ends)
        return [
            {**record, "reached": int(r), "code": code, "settled": bool(done)}
            for record, r, code, done in zip(records, reached, codes, settled, strict=True)
        ]


def unstable_directions(
    eigenvalues: np.ndarray, eigenvectors: np.ndarray, tolerance: float
) -> list[tuple[int, str, np.ndarray]]:
    """(mode, part, unit vector) of every unstable direction at one point: a real
    eigenvector (part ``real``), or the real and the imaginary part of a complex pair's
    (one of the pair, imaginary part > 0); ``mode`` counts the eigenvalues by decreasing
    modulus.  ``eigenvectors`` in columns, as ``np.linalg.eig`` gives them."""
    directions = []
    for mode, j in enumerate(np.argsort(-np.abs(eigenvalues), kind="stable")):
        value = eigenvalues[j]
        if abs(value) <= 1 + tolerance or value.imag < 0:
            continue
        vector = eigenvectors[:, j]
        parts = [("real", vector.real)] + ([("imag", vector.imag)] if value.imag > 0 else [])
        for part, direction in parts:
            norm = np.linalg.norm(direction)
            if norm > 0:
                directions.append((mode, part, direction / norm))
    return directions


def check_parameters(parameters: dict) -> dict:
    """Every parameter of :func:`network_topology`, the defaults filled in; ValueError for an
    unknown or a bad one."""
    unknown = set(parameters) - set(DEFAULTS)
    if unknown:
        raise ValueError(
            f"unknown topology parameter(s) {sorted(unknown)}: expected {sorted(DEFAULTS)}"
        )
    resolved = {**DEFAULTS, **parameters}
    positive = ("code_threshold", "manifold_step", "settle_tolerance", "match_tolerance")
    bad = [name for name in positive if not resolved[name] > 0]
    bad += [name for name in ("settle_steps", "n_slowest") if int(resolved[name]) != resolved[name]]
    bad += ["settle_steps"] * (resolved["settle_steps"] < 1)
    bad += ["n_slowest"] * (resolved["n_slowest"] < 0)
    if bad:
        raise ValueError(
            "bad topology parameter(s): "
            + ", ".join(f"{name} = {resolved[name]!r}" for name in dict.fromkeys(bad))
        )
    return {**resolved, "settle_steps": int(resolved["settle_steps"])}


def network_topology(network, fixed_points, task, task_states=None, **parameters) -> Topology:
    """The topology of ``network`` under ``task``'s resting input.

    Args:
        network: a :class:`~rnn_ensembles.models.base.RecurrentNetwork` (only ``step``,
            ``jacobian``, ``states``, ``activity``, ``readout`` are used).
        fixed_points: its :class:`~rnn_ensembles.fixed_points.FixedPoints`, of one search
            or merged over the task's constant inputs: those of input 0 are the nodes.
        task: the task, for its resting input (the first of ``constant_inputs()``), its
            ``input_events()`` and its rule, ``expected_code``.
        task_states: the activity (k, N) where the task's trials rest (the flip-flop's
            memory states), each matched to its nearest stable node; none by default.
        parameters: ``code_threshold`` (default 0.5), ``manifold_step`` (1e-3, times
            max(1, |s*|)), ``settle_steps`` (most steps of a settling run, 5000),
            ``settle_tolerance`` (settled: q below it, 1e-12), ``match_tolerance`` (an end
            this close to a node reached it, 1e-2), ``n_slowest`` (slowest modes kept per
            node, 3).
    """
    parameters = check_parameters(parameters)
    name, rest = next(iter(task.constant_inputs().items()))
    rest = np.asarray(rest, float)
    if "inputs" in fixed_points.attrs and fixed_points.input_names()[0] != name:
        raise ValueError(
            f"the fixed points' input 0 is {fixed_points.input_names()[0]!r}, the task's "
            f"resting input {name!r}"
        )
    rows = np.flatnonzero(fixed_points.input_index == 0)
    found = fixed_points.under(0)
    points = np.asarray(found.points, float)
    stability = found.stability
    settler = _Settler(network, rest, points, stability == "stable", parameters)
    codes = settler.codes(points)
    nodes = [
        {
            "index": int(row),
            "code": code,
            "stability": str(kind),
            "margin": float(np.max(np.abs(eigenvalues))) if len(eigenvalues) else 0.0,
            "slowest_modes": [
                [float(v.real), float(v.imag)]
                for v in slowest_modes(eigenvalues, parameters["n_slowest"])
            ],
            "activity": np.asarray(activity, float).tolist(),
        }
        for row, code, kind, eigenvalues, activity in zip(
            rows, codes, stability, found.eigenvalues, found.activity, strict=True
        )
    ]
    links = _saddle_links(network, rest, found, settler, parameters["manifold_step"])
    transitions = _transitions(network, task, points, stability, codes, settler)
    states = _task_states(task_states, found.activity, stability)
    return Topology(nodes, links, transitions, name, parameters, states)


def _task_states(task_states, activity, stability) -> list[dict]:
    """The nearest stable node of each task state; -1, at distance None, where there is no
    stable node or the state is not finite (a state the probe never settled in, a
    diverged network)."""
    if task_states is None:
        return []
    task_states = np.asarray(task_states, float).reshape(len(task_states), -1)
    stable = np.flatnonzero(stability == "stable")
    records = [{"node": -1, "distance": None} for _ in task_states]
    finite = np.flatnonzero(np.all(np.isfinite(task_states), axis=1))
    if len(stable) and len(finite):
        index, distance = nearest(task_states[finite], np.asarray(activity, float)[stable])
        for row, i, d in zip(finite, index, distance, strict=True):
            records[row] = {"node": int(stable[i]), "distance": float(d)}
    return records


def _saddle_links(network, rest, found, settler, manifold_step) -> list[dict]:
    saddles = np.flatnonzero(found.stability == "saddle")
    starts, records = [], []
    chunk = max(1, CHUNK_ELEMENTS // max(1, network.state_size) ** 2)
    for begin in range(0, len(saddles), chunk):
        part = saddles[begin : begin + chunk]
        values, vectors = np.linalg.eig(network.jacobian(found.points[part], rest))
        for saddle, value, vector in zip(part, values, vectors, strict=True):
            point = found.points[saddle]
            length = manifold_step * max(1.0, float(np.linalg.norm(point)))
            for mode, which, direction in unstable_directions(
                value, vector, found.instability_tolerance
            ):
                for side in (1, -1):
                    starts.append(point + side * length * direction)
                    records.append(
                        {"saddle": int(saddle), "mode": int(mode), "part": which, "side": side}
                    )
    return settler.ended(records, np.array(starts))


def _transitions(network, task, points, stability, codes, settler) -> list[dict]:
    """Every event from every stable point, all settling as one batch."""
    stable = np.flatnonzero(stability == "stable")
    if not len(stable):
        return []
    records, starts = [], []
    for event, pulse in task.input_events().items():
        pulse = np.asarray(pulse, float)
        if pulse.ndim != 2 or pulse.shape[1] != network.n_inputs or not len(pulse):
            raise ValueError(
                f"input event {event!r} has shape {pulse.shape}: expected (steps > 0, "
                f"{network.n_inputs})"
            )
        inputs = np.broadcast_to(pulse, (len(stable), *pulse.shape))
        starts.append(network.states(inputs, state0=points[stable])[:, -1])
        records += [{"source": int(i), "event": event} for i in stable]
    moves = settler.ended(records, np.concatenate(starts) if starts else np.zeros((0, 0)))
    for move in moves:
        expected = task.expected_code(codes[move["source"]], move["event"])
        move["expected"] = expected
        move["verdict"] = _verdict(move["reached"], expected, stability, codes)
    return moves


def _verdict(reached: int, expected, stability, codes) -> str:
    if expected is None:
        return "no rule"
    if reached < 0 or stability[reached] != "stable":
        return "off"
    return "right" if codes[reached] == expected else "wrong"
