"""The topology of hand-built networks whose fixed points, saddle links and input-driven
transitions follow from their construction (rnn_ensembles.topology)."""

import itertools
import json
import re
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pytest
from conftest import eq7_network
from scipy.stats import ortho_group

from rnn_ensembles.fixed_points import FixedPointFinder, FixedPoints, speed
from rnn_ensembles.io import DataFileError
from rnn_ensembles.models.base import RecurrentNetwork
from rnn_ensembles.solutions import topology_graph
from rnn_ensembles.tasks import make_task
from rnn_ensembles.tasks.base import Task
from rnn_ensembles.topology import (
    DEFAULTS,
    Topology,
    network_topology,
    readout_codes,
    slowest_modes,
    solution_types,
    unstable_directions,
)

GAIN = 1.5
# Distinct gains: at a point with two zero units the unstable eigenvalues differ, so that
# the eigenvectors of a Jacobian found numerically are the axes too.
GAINS = (1.5, 1.7, 2.0)
FLIPFLOP = make_task("flipflop")
CORNERS = sorted("".join(c) for c in itertools.product("+-", repeat=3))


def cube_network(w_in=None, gains=(GAIN, GAIN, GAIN)):
    """Three self-exciting units read out directly: each at -h*, 0 or +h* (27 points for
    gains > 1), the 8 corners stable; ``w_in`` routes the flip-flop's channels."""
    return eq7_network(np.eye(3) if w_in is None else w_in, np.diag(gains), np.eye(3), np.zeros(3))


def exact_cube(network, gains=(GAIN, GAIN, GAIN)) -> FixedPoints:
    """The 27 fixed points of the cube, built from the construction: each unit at 0 or at
    +-h* with h* = tanh(g h*) (the map iterated to its floating-point fixed point), so
    that a zero unit is exactly zero."""
    levels = []
    for gain in gains:
        level = 1.0
        for _ in range(500):
            level = np.tanh(gain * level)
        levels.append((-level, 0.0, level))
    points = np.array(list(itertools.product(*levels)))
    eigenvalues = np.linalg.eigvals(network.jacobian(points, np.zeros(3)))
    eigenvalues = np.take_along_axis(eigenvalues, np.argsort(-np.abs(eigenvalues)), axis=1)
    q = speed(network, points)
    assert np.all(q < 1e-30)
    return FixedPoints(points, network.activity(points), q, eigenvalues.astype(complex))


def fixed_points_of(network, n=400):
    start = np.random.default_rng(0).uniform(-1, 1, size=(n, network.state_size))
    return FixedPointFinder(network, n_initial=n).find(start)


def sign_code(point: np.ndarray) -> str:
    """The code a point of the cube must have: its coordinates are 0 or +-h* > 0.5."""
    return "".join("+" if v > 1e-6 else "-" if v < -1e-6 else "0" for v in point)


def with_sign(code: str, position: int, sign: str) -> str:
    return code[:position] + sign + code[position + 1 :]


def corners_of(found: FixedPoints) -> np.ndarray:
    """The activity of the stable points: where the flip-flop's trials rest."""
    return found.activity[found.stability == "stable"]


@pytest.fixture(scope="module")
def cube():
    network = cube_network()
    found = exact_cube(network)
    return network, found, network_topology(network, found, FLIPFLOP, corners_of(found))


def test_readout_codes_have_three_levels():
    assert readout_codes(np.array([[0.7, -0.2, -0.9], [0.5, -0.5, 0.51]]), 0.5) == [
        "+0-",
        "00+",
    ]


def test_slowest_modes_are_nearest_the_unit_circle_in_rate():
    # |log 0.5| = |log 2|: equally fast; 1.1 and 0.95 are slower, 0 infinitely fast.
    values = np.array([2.0, 1.1, 0.0, 0.5, 0.95j])
    np.testing.assert_array_equal(slowest_modes(values, 3), [0.95j, 1.1, 2.0])
    assert len(slowest_modes(values, 10)) == 5


def test_a_complex_unstable_pair_gives_its_real_and_imaginary_parts():
    # A spiral out (modulus 1.2) in the first two coordinates, a stable third.
    angle = 0.3
    rotation = 1.2 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    jacobian = np.zeros((3, 3))
    jacobian[:2, :2], jacobian[2, 2] = rotation, 0.5
    values, vectors = np.linalg.eig(jacobian)
    directions = unstable_directions(values, vectors, 1e-6)
    assert [(mode, part) for mode, part, _ in directions] == [(0, "real"), (0, "imag")]
    plane = np.array([d for _, _, d in directions])
    assert np.allclose(plane[:, 2], 0) and np.linalg.matrix_rank(plane) == 2
    assert np.allclose(np.linalg.norm(plane, axis=1), 1)


def test_cube_nodes_carry_their_codes_and_stability(cube):
    _, found, topology = cube
    assert len(topology.nodes) == 27
    assert topology.codes == [sign_code(p) for p in found.points]
    stable = [c for c, s in zip(topology.codes, topology.stability, strict=True) if s == "stable"]
    assert sorted(stable) == CORNERS  # 8 distinct full codes
    assert [node["index"] for node in topology.nodes] == list(range(27))
    summary = topology.summary()
    assert (summary["n_stable"], summary["n_saddle"], summary["n_unstable"]) == (8, 18, 1)
    assert summary["n_distinct_codes"] == 27 and summary["n_stable_codes"] == 8
    for node, eigenvalues in zip(topology.nodes, found.eigenvalues, strict=True):
        assert node["margin"] == pytest.approx(np.abs(eigenvalues).max())
        # The Jacobian is diag(1.5 (1 - h^2)): 1.5 at a zero unit, 0.39 at +-h*; 1.5 is
        # the slower (|log 1.5| = 0.41 < |log 0.39| = 0.93).
        modes = sorted(re for re, _ in node["slowest_modes"])
        n_zero = node["code"].count("0")
        assert modes == pytest.approx(sorted([1.5] * n_zero + [0.394313] * (3 - n_zero)), 1e-5)
        assert node["slowest_modes"][0][0] == pytest.approx(1.5 if n_zero else 0.394313, 1e-5)


def test_cube_saddles_link_where_the_decoupled_construction_leads(cube):
    _, _, topology = cube
    codes, stability = topology.codes, topology.stability
    by_code = {c: i for i, c in enumerate(codes)}
    assert not [link for link in topology.links if stability[link["saddle"]] != "saddle"]
    for saddle in np.flatnonzero(stability == "saddle"):
        code = codes[saddle]
        zeros = [k for k, c in enumerate(code) if c == "0"]
        links = [link for link in topology.links if link["saddle"] == saddle]
        # One unstable direction per zero unit (the axis), both sides.
        assert len(links) == 2 * len(zeros) and all(link["settled"] for link in links)
        # A step along zero unit k sets unit k to the step's sign; the other zero unit of
        # a two-zero saddle stays exactly 0 (an invariant subspace): the run settles on
        # the one-zero saddle there.  So each saddle links exactly to the points one
        # zero further on: for a one-zero saddle, the two corners that differ in it.
        expected = {by_code[with_sign(code, k, sign)] for k in zeros for sign in "+-"}
        assert {link["reached"] for link in links} == expected, code
        assert sorted(link["reached"] for link in links) == sorted(expected)
    one_zero = [link for link in topology.links if codes[link["saddle"]].count("0") == 1]
    two_zero = [link for link in topology.links if codes[link["saddle"]].count("0") == 2]
    assert len(one_zero) == 12 * 2 and {stability[link["reached"]] for link in one_zero} == {
        "stable"
    }
    assert len(two_zero) == 6 * 4 and {codes[link["reached"]].count("0") for link in two_zero} == {
        1
    }


def test_a_run_that_passes_a_saddle_goes_on_to_the_corner():
    # The two-zero saddles moved 1e-15 off their invariant plane (still fixed points to
    # rounding): a run along one zero unit passes the one-zero saddle slowly, q below the
    # tolerance, while the other zero unit grows from 1e-15; it must not stop there.
    network = cube_network()
    found = exact_cube(network)
    two_zero = np.array([sign_code(p).count("0") == 2 for p in found.points])
    found.points[two_zero] += 1e-15 * (found.points[two_zero] == 0)
    topology = network_topology(network, found, FLIPFLOP)
    codes = topology.codes
    for saddle in np.flatnonzero(two_zero):
        code = codes[saddle]
        zeros = [k for k, c in enumerate(code) if c == "0"]
        ends = {codes[link["reached"]] for link in topology.links if link["saddle"] == saddle}
        # Unit k set to either sign, the other zero unit to + (the sign of the offset).
        expected = {
            with_sign(with_sign(code, k, sign), other, "+")
            for k, other in itertools.permutations(zeros)
            for sign in "+-"
        }
        assert ends == expected, code


def test_found_points_of_a_cube_link_their_saddles_to_the_neighbouring_corners():
    # The same construction with the fixed points of the search, not the exact ones: a
    # zero unit is then ~1e-17 rather than 0, and a run may leave the invariant subspace.
    network = cube_network(gains=GAINS)
    topology = network_topology(network, fixed_points_of(network), FLIPFLOP)
    codes = topology.codes
    assert len(codes) == 27
    by_code = {c: i for i, c in enumerate(codes)}
    for saddle in np.flatnonzero(topology.stability == "saddle"):
        code = codes[saddle]
        zeros = [k for k, c in enumerate(code) if c == "0"]
        links = [link for link in topology.links if link["saddle"] == saddle]
        assert len(links) == 2 * len(zeros) and all(link["settled"] for link in links)
        ends = [codes[link["reached"]] for link in links]
        # Never back where it started, and the units that were set stay set.
        assert all(end.count("0") < len(zeros) for end in ends), (code, ends)
        assert all(end[k] == c for end in ends for k, c in enumerate(code) if c != "0")
        if len(zeros) == 1:
            k = zeros[0]
            assert {link["reached"] for link in links} == {
                by_code[with_sign(code, k, sign)] for sign in "+-"
            }
        for mode in {link["mode"] for link in links}:
            # The two sides of one direction end on points that differ in that unit.
            ends = [codes[link["reached"]] for link in links if link["mode"] == mode]
            assert len(ends) == 2 and ends[0] != ends[1]


def test_cube_implements_the_flip_flop(cube):
    _, _, topology = cube
    assert len(topology.transitions) == 8 * 6
    assert {move["verdict"] for move in topology.transitions} == {"right"}
    assert {(topology.codes[m["source"]], m["event"]) for m in topology.transitions} == {
        (code, f"bit{k}{s}") for code in CORNERS for k in range(3) for s in "+-"
    }
    for move in topology.transitions:
        assert move["settled"]
        assert topology.codes[move["reached"]] == move["expected"] == move["code"]
    summary = topology.summary()
    assert summary["transitions_right"] == 48
    assert summary["transitions_wrong"] == summary["transitions_off"] == 0


def test_crossed_inputs_are_found_as_wrong_transitions_where_the_rule_says():
    # Channels 0 and 1 drive units 1 and 0: a pulse on bit 0 sets unit 1.
    unit_of_channel = [1, 0, 2]
    network = cube_network(np.eye(3)[unit_of_channel])
    topology = network_topology(network, exact_cube(network), FLIPFLOP)
    # Independently: the wiring sets unit unit_of_channel[k], the rule position k.
    expected_wrong = {
        (code, f"bit{k}{s}")
        for code in CORNERS
        for k in range(3)
        for s in "+-"
        if with_sign(code, unit_of_channel[k], s) != with_sign(code, k, s)
    }
    wrong = {
        (topology.codes[m["source"]], m["event"])
        for m in topology.transitions
        if m["verdict"] == "wrong"
    }
    assert wrong == expected_wrong
    # A pulse of sign s on bit 0 or 1 is right only from the 2 corners whose bits 0 and 1
    # are both s already: 6 of 8 corners wrong for each of the 4 pulses.
    assert len(expected_wrong) == 24 == topology.summary()["transitions_wrong"]
    assert topology.summary()["transitions_right"] == 48 - 24
    for move in topology.transitions:
        code, event = topology.codes[move["source"]], move["event"]
        k, s = int(event[3]), event[4]
        assert move["code"] == with_sign(code, unit_of_channel[k], s)


class Rotated(RecurrentNetwork):
    """A network seen in rotated coordinates s' = s R: the same dynamics, another geometry
    (rotating the weights would not do: a rotation does not commute with tanh)."""

    def __init__(self, inner, rotation):
        self.inner, self.rotation = inner, rotation
        self.arrays, self.options, self.attrs = inner.arrays, {}, {}

    @property
    def state_size(self):
        return self.inner.state_size

    def step(self, states, inputs):
        return self.inner.step(states @ self.rotation.T, inputs) @ self.rotation

    def jacobian(self, states, inputs):
        inner = self.inner.jacobian(states @ self.rotation.T, inputs)
        return self.rotation.T @ inner @ self.rotation

    def readout(self, activity):
        return self.inner.readout(activity @ self.rotation.T)


def coupled_network(perm=None):
    """The cube with weak random coupling (its points no longer on the axes)."""
    rng = np.random.default_rng(4)
    w_rec = GAIN * np.eye(3) + 0.08 * rng.normal(size=(3, 3))
    w_in, w_out = np.eye(3), np.eye(3) + 0.1 * rng.normal(size=(3, 3))
    if perm is not None:
        w_rec, w_in, w_out = w_rec[np.ix_(perm, perm)], w_in[:, perm], w_out[perm]
    return eq7_network(w_in, w_rec, w_out, np.zeros(3))


def test_permuted_and_rotated_networks_share_the_type_another_topology_does_not():
    original = coupled_network()
    networks = {
        "original": original,
        "permuted": coupled_network(perm=[2, 0, 1]),
        "rotated": Rotated(original, ortho_group.rvs(3, random_state=2)),
        "smaller": cube_network(gains=(GAIN, GAIN, 0.5)),  # one unit of gain < 1: 9 points
    }
    topologies = {
        name: network_topology(network, fixed_points_of(network), FLIPFLOP)
        for name, network in networks.items()
    }
    assert len(topologies["original"].nodes) == 27  # the coupling keeps the 27 points
    assert len(topologies["smaller"].nodes) == 9
    # The permutation and the rotation moved the points: the geometry differs.
    stable = {
        name: t.activity[t.stability == "stable"]
        for name, t in topologies.items()
        if name != "smaller"
    }
    for name in ("permuted", "rotated"):
        distance = np.linalg.norm(stable[name][:, None] - stable["original"][None], axis=-1)
        assert distance.min(axis=1).max() > 0.1, name
    types = solution_types({name: t.graph() for name, t in topologies.items()})
    assert types == {"original": 1, "permuted": 1, "rotated": 1, "smaller": 2}
    # The machine of solutions.topology_graph (points merged by code) agrees.
    machine = solution_types({name: topology_graph(t) for name, t in topologies.items()})
    assert machine == types


def test_the_machine_merges_points_of_one_code_and_keeps_the_rule():
    network = cube_network()
    topology = network_topology(network, exact_cube(network), FLIPFLOP)
    machine = topology_graph(topology, "codes")
    # 8 memories; every event leads from a memory to the one the rule names.
    assert sorted(machine.nodes) == sorted(f"stable:{c}" for c in CORNERS)
    for a, b, data in machine.edges(data=True):
        events = [k for k in data["kinds"].split(",") if k != "saddle"]
        for event in events:
            assert FLIPFLOP.expected_code(a[7:], event) == b[7:]
    # Corners one bit apart are joined through the saddle between them.
    for a, b in itertools.permutations(machine.nodes, 2):
        if sum(x != y for x, y in zip(a, b, strict=True)) == 1:
            assert "saddle" in machine.edges[a, b]["kinds"]
    # The crossed network implements another machine: another type.
    crossed = cube_network(np.eye(3)[[1, 0, 2]])
    other = topology_graph(network_topology(crossed, exact_cube(crossed), FLIPFLOP))
    types = solution_types({"cube": machine, "crossed": other})
    assert types["cube"] != types["crossed"]


def test_the_graph_is_labelled_by_code_stability_and_kinds(cube):
    _, _, topology = cube
    graph = topology.graph()
    assert graph.number_of_nodes() == 27  # no end off the found points
    for i, node in enumerate(topology.nodes):
        assert graph.nodes[i] == {
            "code": node["code"],
            "stability": node["stability"],
            "label": f"{node['stability']}:{node['code']}",
        }
    # An event that sets a bit already set leaves the corner where it is: a self-loop.
    for corner in np.flatnonzero(topology.stability == "stable"):
        code = topology.codes[corner]
        kinds = set(graph.edges[corner, corner]["kinds"].split(","))
        assert kinds == {f"bit{k}{s}" for k, s in enumerate(code)}
    for start, _, data in graph.edges(data=True):
        if topology.stability[start] == "saddle":
            assert data["kinds"] == "manifold"
    n_saddle_edges = sum(d["kinds"] == "manifold" for *_, d in graph.edges(data=True))
    assert n_saddle_edges == 12 * 2 + 6 * 4


@dataclass(frozen=True)
class Resting(Task):
    """A task of three inputs with no events and no rule (the base class's defaults)."""

    KIND = "resting"

    @property
    def n_inputs(self) -> int:
        return 3


def test_a_task_without_events_has_the_saddle_links_only(cube):
    network, found, with_events = cube
    topology = network_topology(network, found, Resting())
    assert topology.transitions == [] and topology.input == "no input"
    assert topology.links == with_events.links
    assert {d["kinds"] for *_, d in topology.graph().edges(data=True)} == {"manifold"}
    assert topology.summary()["n_transitions"] == 0


def test_an_end_off_the_found_points_is_an_off_node():
    # Leave the corners out of the fixed points given: every saddle link ends off them.
    network = cube_network()
    found = exact_cube(network)
    one_zero = np.array([sign_code(p).count("0") == 1 for p in found.points])
    topology = network_topology(network, found.subset(one_zero), FLIPFLOP)
    assert len(topology.nodes) == 12 and topology.transitions == []
    assert {link["reached"] for link in topology.links} == {-1}
    assert {link["code"] for link in topology.links} == set(CORNERS)
    graph = topology.graph()
    assert {n for n in graph if isinstance(n, str)} == {f"off:{c}" for c in CORNERS}
    assert all(graph.nodes[f"off:{c}"]["stability"] == "off" for c in CORNERS)
    assert topology.summary()["n_links_off"] == 24


def test_a_transition_that_ends_on_a_saddle_or_off_the_points_is_off():
    # Only the corners with unit 2 at + are given (and every saddle): a pulse bit2- leads
    # to a corner left out.  With a tolerance of 0.9 its nearest points, the saddles at
    # distance h* = 0.86 (one unit at 0), count as reached; with 0.5 none does.
    network = cube_network()
    found = exact_cube(network)
    codes = [sign_code(p) for p in found.points]
    given = np.array(["0" in code or code[2] == "+" for code in codes])
    for tolerance, end in ((0.9, "saddle"), (0.5, "none")):
        topology = network_topology(
            network, found.subset(given), FLIPFLOP, match_tolerance=tolerance
        )
        for move in topology.transitions:
            source = topology.codes[move["source"]]
            if move["event"] == "bit2-":
                assert move["verdict"] == "off" and move["code"] == move["expected"]
                reached = move["reached"]
                if end == "saddle":
                    # Three saddles lie at h* from the missing corner: one is reached.
                    saddle = topology.codes[reached]
                    assert topology.stability[reached] == "saddle" and saddle.count("0") == 1
                    differ = [a != b for a, b in zip(saddle, source[:2] + "-", strict=True)]
                    assert sum(differ) == 1 and saddle[differ.index(True)] == "0"
                else:
                    assert reached == -1
            else:
                assert move["verdict"] == "right", move
        assert topology.summary()["transitions_off"] == 4


def test_parameters_are_checked(cube):
    network, found, topology = cube
    assert topology.parameters == DEFAULTS
    with pytest.raises(ValueError, match="unknown topology parameter"):
        network_topology(network, found, FLIPFLOP, step=1e-3)
    with pytest.raises(ValueError, match="settle_steps = 0"):
        network_topology(network, found, FLIPFLOP, settle_steps=0)
    # Fixed points of another input first: not the task's resting input.
    merged = FixedPoints.merge({"cue": found, "no input": found})
    with pytest.raises(ValueError, match="'cue'"):
        network_topology(network, merged, FLIPFLOP)
    # Merged in the task's order, the nodes are those of input 0, indexed in all.
    merged = FixedPoints.merge({"no input": found.subset(np.arange(27) < 20), "cue": found})
    assert [n["index"] for n in network_topology(network, merged, FLIPFLOP).nodes] == list(
        range(20)
    )


def test_types_are_numbered_by_frequency():
    one, two = cube_network(), cube_network(gains=(GAIN, GAIN, 0.5))
    graphs = {
        name: network_topology(net, fixed_points_of(net, 200), FLIPFLOP).graph()
        for name, net in (("a", two), ("b", one), ("c", one))
    }
    assert solution_types(graphs) == {"a": 2, "b": 1, "c": 1}
    # Ties: by the first name in sorted order.
    assert solution_types({"z": graphs["b"], "y": graphs["a"]}) == {"y": 1, "z": 2}
    assert solution_types({}) == {}


def test_the_exact_test_decides_within_one_hash(monkeypatch, cube):
    # Every graph in one bucket: the isomorphism test alone, edge kinds included, must
    # still tell the cube from the crossed network (same nodes, same unlabelled edges).
    import rnn_ensembles.topology as topology_module

    monkeypatch.setattr(topology_module, "graph_hash", lambda graph: "")
    _, _, topology = cube
    crossed = cube_network(np.eye(3)[[1, 0, 2]])
    smaller = cube_network(gains=(GAIN, GAIN, 0.5))
    graphs = {
        "cube": topology.graph(),
        "again": topology.graph(),
        "crossed": network_topology(crossed, exact_cube(crossed), FLIPFLOP).graph(),
        "smaller": network_topology(smaller, fixed_points_of(smaller), FLIPFLOP).graph(),
    }
    assert nx.is_isomorphic(graphs["cube"].to_undirected(), graphs["crossed"].to_undirected())
    assert solution_types(graphs) == {"again": 1, "cube": 1, "crossed": 2, "smaller": 3}


def test_save_restore_round_trip(tmp_path, cube):
    _, _, topology = cube
    path = tmp_path / "topology.json"
    topology.save(path)
    data = json.loads(path.read_text())
    assert data["content"] == "topology" and data["format_version"] == 2
    assert [state["distance"] for state in data["task_states"]] == [0.0] * 8
    assert data["summary"] == topology.summary()
    back = Topology.restore(path)
    assert back == topology
    assert back.summary() == topology.summary() and back.attrs == topology.attrs
    assert nx.is_isomorphic(
        back.graph(),
        topology.graph(),
        node_match=lambda a, b: a == b,
        edge_match=lambda a, b: a == b,
    )


def replaced(data, key, index, **values):
    """``data`` with record ``index`` of ``key`` changed by ``values``."""
    records = [dict(r) for r in data[key]]
    records[index].update(values)
    return {**data, key: records}


def without(record, key):
    return {k: v for k, v in record.items() if k != key}


# Ways a topology file can be malformed, by what is wrong.
CORRUPTIONS = {
    "missing key": lambda d: {**d, "links": [without(d["links"][0], "reached"), *d["links"][1:]]},
    "bad code": lambda d: replaced(d, "nodes", 0, code="+x"),
    "bad stability": lambda d: replaced(d, "nodes", 0, stability="fixed"),
    "no such node": lambda d: replaced(d, "links", 0, reached=99),
    "bool as node": lambda d: replaced(d, "links", 0, saddle=True),
    "link from a corner": lambda d: replaced(d, "links", 0, saddle=0),
    "bad verdict": lambda d: replaced(d, "transitions", 0, verdict="ok"),
    "bad modes": lambda d: replaced(d, "nodes", 0, slowest_modes=[1.5]),
    "ragged activity": lambda d: replaced(d, "nodes", 0, activity=[0.0]),
    "nodes not a list": lambda d: {**d, "nodes": {"0": d["nodes"][0]}},
    "other content": lambda d: {**d, "content": "fixed_points"},
    "other format": lambda d: {**d, "format_version": 99},
    "no transitions": lambda d: without(d, "transitions"),
    "no task states": lambda d: without(d, "task_states"),
    "task state on a saddle": lambda d: replaced(d, "task_states", 0, node=1),
    "task state beyond the nodes": lambda d: replaced(d, "task_states", 0, node=27),
    "not an object": lambda d: [d],
}


@pytest.mark.parametrize("problem", CORRUPTIONS)
def test_a_malformed_file_is_refused_naming_it(tmp_path, cube, problem):
    _, _, topology = cube
    path = tmp_path / "topology.json"
    topology.save(path)
    path.write_text(json.dumps(CORRUPTIONS[problem](json.loads(path.read_text()))))
    with pytest.raises(DataFileError, match=re.escape(str(path))):
        Topology.restore(path)


def test_a_cut_or_absent_file_is_refused_naming_it(tmp_path, cube):
    _, _, topology = cube
    path = tmp_path / "topology.json"
    topology.save(path)
    path.write_text(path.read_text()[:-40])
    with pytest.raises(DataFileError, match=re.escape(str(path))):
        Topology.restore(path)
    with pytest.raises(DataFileError, match="does not exist"):
        Topology.restore(tmp_path / "absent.json")


def machine_of(network, found, task_states=None):
    states = corners_of(found) if task_states is None else task_states
    return topology_graph(network_topology(network, found, FLIPFLOP, states), "machine")


def test_the_machine_is_what_the_events_reach_from_the_task_states(cube):
    network, found, topology = cube
    corners = np.flatnonzero(found.stability == "stable")
    assert [state["node"] for state in topology.task_states] == list(corners)
    machine = topology_graph(topology, "machine")
    assert sorted(machine.nodes) == sorted(f"stable:{c}" for c in CORNERS)
    assert {data["label"] for _, data in machine.nodes(data=True)} == {f"task:{c}" for c in CORNERS}
    for a, b, data in machine.edges(data=True):
        for event in data["kinds"].split(","):
            assert FLIPFLOP.expected_code(a[7:], event) == b[7:]
    assert machine.number_of_edges() == 8 * 4  # 3 neighbours and the corner itself
    # From one corner the events still reach all eight; only one of them is a task state.
    one = machine_of(network, found, corners_of(found)[:1])
    assert sorted(one.nodes) == sorted(machine.nodes)
    assert sum(d["label"].startswith("task:") for _, d in one.nodes(data=True)) == 1


def test_the_machine_does_not_see_saddles_or_points_that_no_trial_visits(cube):
    network, found, topology = cube
    codes = [sign_code(p) for p in found.points]
    # The search missed the face saddles and the origin: the finer graphs change, the
    # machine does not.
    missed = np.array([code.count("0") >= 2 for code in codes])
    fewer = network_topology(network, found.subset(~missed), FLIPFLOP, corners_of(found))
    graphs = {"all": topology, "fewer": fewer}
    for level, same in (("machine", True), ("points", False)):
        types = solution_types({k: topology_graph(t, level) for k, t in graphs.items()})
        assert (types["all"] == types["fewer"]) is same, level


def test_swapped_memories_give_another_machine(cube):
    network, found, _ = cube
    crossed = cube_network(np.eye(3)[[1, 0, 2]])  # channel 0 sets unit 1 and back
    crossed_found = exact_cube(crossed)
    machines = {"cube": machine_of(network, found), "crossed": machine_of(crossed, crossed_found)}
    types = solution_types(machines)
    assert types["cube"] != types["crossed"]
    topology = network_topology(crossed, crossed_found, FLIPFLOP, corners_of(crossed_found))
    verdicts = {m["event"][:4]: set() for m in topology.transitions}
    for move in topology.transitions:
        verdicts[move["event"][:4]].add(move["verdict"])
    # Pulses on bits 0 and 1 set the other bit: wrong wherever the two differ; bit 2 right.
    assert verdicts == {"bit0": {"right", "wrong"}, "bit1": {"right", "wrong"}, "bit2": {"right"}}


def test_the_machine_needs_task_states_and_a_state_may_rest_nowhere(cube):
    network, found, _ = cube
    with pytest.raises(ValueError, match="needs the task's states"):
        topology_graph(network_topology(network, found, FLIPFLOP), "machine")
    saddles_only = found.subset(found.stability != "stable")
    topology = network_topology(network, saddles_only, FLIPFLOP, corners_of(found)[:2])
    assert topology.task_states == [{"node": -1, "distance": None}] * 2
    # A state the probe never settled in (NaN) rests nowhere; the others where they are.
    states = corners_of(found)[:3].copy()
    states[1] = np.nan
    nodes = [s["node"] for s in network_topology(network, found, FLIPFLOP, states).task_states]
    corners = np.flatnonzero(found.stability == "stable")
    assert nodes == [corners[0], -1, corners[2]]
    machine = topology_graph(topology, "machine")
    assert list(machine.nodes(data="label")) == [("off", "task:off")]
