"""The dynamics rules in the real workflow: fixed points, robustness and the comparison of
realisations on the tiny run, and networks trained elsewhere (the paper's own network)."""

import itertools
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import yaml
from conftest import needs_paper_network, paper_network, snakemake

from rnn_ensembles.analysis import read_analysis
from rnn_ensembles.fixed_points import FixedPoints, speed
from rnn_ensembles.models import load_network
from rnn_ensembles.solutions import topology_graph
from rnn_ensembles.topology import Topology

SIZES, SEEDS = (2, 8), (1, 2)
LABELS = [f"simple_rnn/N{n}/seed{s}" for n in SIZES for s in SEEDS]
PAPER_TRAINED = paper_network("trained")


def test_fixed_points_and_robustness_of_every_network(tiny_run):
    for label in LABELS:
        folder = tiny_run / "results/tiny" / label
        network = load_network(folder / "weights.h5")
        found = FixedPoints.restore(folder / "fixed_points.h5")
        row = json.loads((folder / "fixed_points.json").read_text())
        assert found.eigenvalues.shape == (len(found), network.state_size)
        # What the file calls fixed points are fixed points of the network's own map.
        assert np.all(speed(network, found.points) < 1e-10)
        assert row["n_units"] == network.n_units and row["n_fixed_points"] == len(found)
        assert row["n_stable"] + row["n_saddle"] + row["n_unstable"] == len(found)
        assert row["memory_states"] == 8 and 0 <= row["memory_states_matched"] <= 8
        curves = pd.read_csv(folder / "robustness.tsv", sep="\t")
        levels = curves.groupby("perturbation")["level"].apply(sorted).to_dict()
        # tiny.yaml's levels, plus the default criterion noise 0.2
        assert levels == {
            "noise": [0.0, 0.2, 0.5],
            "amplitude": [0.5, 1.0],
            "prune_magnitude": [0.0, 0.5],
            "prune_random": [0.0, 0.5],
        }
        unpruned = curves[curves["level"].eq(0) & curves["perturbation"].str.startswith("prune")]
        assert unpruned["accuracy"].nunique() == 1
        assert curves["accuracy"].between(0, 1).all()


def test_distances_between_realisations_and_their_clusters(tiny_run):
    summary = tiny_run / "results/tiny/summary"
    for metric in ("procrustes", "cka", "spectrum"):
        matrix = pd.read_csv(summary / f"distances_{metric}.tsv", sep="\t", index_col=0)
        assert list(matrix.index) == LABELS and list(matrix.columns) == LABELS
        values = matrix.to_numpy()
        np.testing.assert_array_equal(values, values.T)
        assert np.all(np.diag(values) == 0) and np.all(values[~np.eye(4, dtype=bool)] > 0)
    clusters = pd.read_csv(summary / "clusters.tsv", sep="\t")
    assert clusters["network"].tolist() == LABELS and clusters["size"].tolist() == [2, 2, 8, 8]
    for metric in ("procrustes", "cka", "spectrum"):
        assert set(clusters[f"cluster_{metric}"]) == {1, 2}  # comparison.n_clusters: 2
        assert sorted(clusters[f"order_{metric}"]) == [0, 1, 2, 3]
    table = pd.read_csv(summary / "fixed_points.tsv", sep="\t")
    assert table["network"].tolist() == LABELS
    by_size = pd.read_csv(summary / "robustness_by_size.tsv", sep="\t")
    assert set(by_size["size"]) == set(SIZES) and (by_size["networks"] == 2).all()
    minimal = json.loads((summary / "minimal_size_noise.json").read_text())["simple_rnn"]
    assert minimal["noise_std"] == 0.2 and "at input noise 0.2" in minimal["criterion"]
    for name in ("distances", "fixed_points_by_size", "robustness_by_size"):
        assert (summary / "figures" / f"{name}.png").stat().st_size > 0


def test_topology_of_every_network_is_true_of_its_network(tiny_run):
    for label in LABELS:
        folder = tiny_run / "results/tiny" / label
        network = load_network(folder / "weights.h5")
        found = FixedPoints.restore(folder / "fixed_points.h5")
        topology = Topology.restore(folder / "topology.json")
        assert topology.input == "no input"
        resting = np.flatnonzero(found.input_index == 0)
        assert [node["index"] for node in topology.nodes] == resting.tolist()
        # Codes: the readout of each point, three levels at the default threshold 0.5.
        outputs = found.activity[resting] @ network.W_out + network.b_out
        levels = np.where(outputs > 0.5, "+", np.where(outputs < -0.5, "-", "0"))
        assert topology.codes == ["".join(row) for row in levels]
        assert list(topology.stability) == list(found.stability[resting])
        # Every transition: run the pulse from its source and settle, independently.
        points = found.points[resting]
        for move in topology.transitions:
            bit, sign = int(move["event"][3:-1]), 1.0 if move["event"][-1] == "+" else -1.0
            pulse = np.zeros((1, 5, 3))  # tiny.yaml: pulse_length 5
            pulse[0, :, bit] = sign
            state = network.states(pulse, state0=points[move["source"]][None])[:, -1]
            rest = np.zeros((1, 5000, 3))
            end = network.states(rest, state0=state)[0, -1]
            if move["settled"]:
                distance = np.linalg.norm(points - end, axis=1)
                reached = int(distance.argmin()) if distance.min() < 1e-2 else -1
                assert reached == move["reached"], (label, move)
        # Each memory state of the probe trial rests at its nearest stable point.
        memory = read_analysis(folder / "analysis.h5", ("state_activity",))["state_activity"]
        stable = np.flatnonzero(topology.stability == "stable")
        if len(stable):
            activity = found.activity[resting][stable]
            distance = np.linalg.norm(memory[:, None] - activity[None], axis=2)
            nodes, distances = stable[distance.argmin(1)].tolist(), distance.min(1)
        else:
            nodes, distances = [-1] * len(memory), [None] * len(memory)
        assert [s["node"] for s in topology.task_states] == nodes
        assert len(topology.task_states) == len(memory) > 0
        if len(stable):
            np.testing.assert_allclose([s["distance"] for s in topology.task_states], distances)
        summary = json.loads((folder / "fixed_points.json").read_text())
        assert isinstance(summary["search_saturated"], bool) and summary["search_rounds"] >= 1


def test_solution_types_are_the_isomorphism_classes(tiny_run):
    summary = tiny_run / "results/tiny/summary"
    table = pd.read_csv(summary / "solution_types_by_network.tsv", sep="\t")
    assert table["network"].tolist() == LABELS
    topologies = {
        label: Topology.restore(tiny_run / "results/tiny" / label / "topology.json")
        for label in LABELS
    }
    # The config's level (the default: machine) and the two others beside it.
    for level, column in (
        ("machine", "solution_type"),
        ("codes", "codes_graph_type"),
        ("points", "points_graph_type"),
    ):
        graphs = {label: topology_graph(t, level) for label, t in topologies.items()}
        types = dict(zip(table["network"], table[column], strict=True))
        assert sorted(set(types.values())) == list(range(1, len(set(types.values())) + 1))
        for a, b in itertools.combinations(LABELS, 2):
            same = nx.is_isomorphic(
                graphs[a],
                graphs[b],
                node_match=lambda x, y: x["label"] == y["label"],
                edge_match=lambda x, y: x["kinds"] == y["kinds"],
            )
            assert same == (types[a] == types[b]), (level, a, b)
    counts = pd.read_csv(summary / "solution_types.tsv", sep="\t")
    assert counts.groupby("size")["count"].sum().to_dict() == {2: 2, 8: 2}
    embedded = pd.read_csv(summary / "embedding.tsv", sep="\t")
    assert sorted(set(embedded["distance"])) == ["cka", "procrustes", "spectrum"]
    assert len(embedded) == 3 * len(LABELS)
    agreement = pd.read_csv(summary / "geometry_topology.tsv", sep="\t")
    assert agreement["grouping"].tolist() == ["topology", "geometry", "geometry", "geometry"]
    statement = json.loads((summary / "geometry_topology.json").read_text())["statement"]
    assert statement.startswith("One variant")
    features = pd.read_csv(summary / "solution_type_features.tsv", sep="\t")
    assert features["n_networks"].sum() == len(LABELS)
    for name in ("solution_types_by_size", "geometry_topology"):
        assert (summary / "figures" / f"{name}.png").stat().st_size > 0
    for label in LABELS:
        assert (tiny_run / "results/tiny" / label / "figures/topology.png").stat().st_size > 0


def external_config(tmp_path, networks: dict) -> Path:
    """The paper's task parametrization, a one-network ensemble trained for one epoch, and
    ``networks`` as networks trained elsewhere; analyses kept small."""
    config = {
        "tasks": {"paper": {"kind": "flipflop"}},
        "dataset": {"seed": 3, "n_train": 32, "n_validation": 8, "n_test": 40},
        "network": {"sizes": [2], "seeds": [1]},
        "training": {"max_epochs": 1, "batch_size": 32},
        "fixed_points": {
            "n_trials": 5,
            "n_initial": 128,
            "max_rounds": 3,
            "n_pairs": 32,
            "n_saddle_states": 64,
        },
        "robustness": {
            "n_trials": 10,
            "noise_levels": [0.1, 1.0],
            "amplitudes": [0.1, 1.0],
            "prune_fractions": [0.0, 0.5],
        },
        "external_networks": {name: str(path) for name, path in networks.items()},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@needs_paper_network("trained")
def test_paper_network_is_analysed_and_compared_with_the_ensemble(tmp_path):
    config = external_config(tmp_path, {"paper_N400": PAPER_TRAINED})
    targets = ("summary/figures/distances.png", "external/paper_N400/figures/fixed_points.png")
    snakemake(tmp_path, "--cores", "2", *(f"results/paper/{t}" for t in targets), configfile=config)
    folder = tmp_path / "results/paper/external/paper_N400"
    summary = tmp_path / "results/paper/summary"
    metrics = json.loads((folder / "metrics.json").read_text())
    # The paper's network on the task generator's test trials (0.999 and 0.013 on 600).
    assert metrics["size"] == 400 and metrics["accuracy"] > 0.99 and metrics["mse"] < 0.03
    row = json.loads((folder / "fixed_points.json").read_text())
    # Every memory is a stable fixed point next to the memory state it encodes.
    assert row["stable_output_states"] == 8 and row["memory_states_matched"] == 8
    assert row["n_stable"] >= 8 and row["n_saddle"] >= 1
    curves = pd.read_csv(folder / "robustness.tsv", sep="\t").set_index(["perturbation", "level"])
    accuracy = curves["accuracy"]
    assert accuracy["noise", 0.1] > 0.99
    assert accuracy["amplitude", 0.1] < accuracy["amplitude", 1.0] - 0.1
    clusters = pd.read_csv(summary / "clusters.tsv", sep="\t").set_index("network")
    assert clusters.loc["external/paper_N400", "size"] == 400
    matrix = pd.read_csv(summary / "distances_spectrum.tsv", sep="\t", index_col=0)
    assert list(matrix.index) == ["simple_rnn/N2/seed1", "external/paper_N400"]
    assert matrix.loc["simple_rnn/N2/seed1", "external/paper_N400"] > 0


def test_a_file_that_is_not_a_network_is_named(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a network")
    config = external_config(tmp_path, {"notes": notes})
    target = "results/paper/external/notes/weights.h5"
    proc = snakemake(tmp_path, "--cores", "1", target, configfile=config, check=False)
    assert proc.returncode != 0 and not (tmp_path / target).exists()
    log = (tmp_path / "results/paper/external/notes/import.log").read_text()
    assert f"{notes}: not a readable HDF5 network file" in log


def test_a_missing_network_file_stops_the_run_before_any_job(tmp_path):
    config = external_config(tmp_path, {"gone": tmp_path / "gone.hdf5"})
    proc = snakemake(tmp_path, "--dry-run", configfile=config, check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr  # a dry run reports on stdout
    assert f"external_networks.gone = {tmp_path / 'gone.hdf5'}: no such file" in output
