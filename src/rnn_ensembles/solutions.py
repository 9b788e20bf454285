"""Solution types of an ensemble, and whether geometry separates what topology joins.

Turner, Dabholkar & Barak (NeurIPS 2021) reduced each trained network to a graph of its
dynamics and found that networks trained with the same hyper-parameters fall into a few
qualitatively different solutions; Maheswaranathan et al. (NeurIPS 2019) found that the
fixed-point topology of networks trained on the 3-bit flip-flop is shared across
architectures while their geometry (CCA, the eigenvalues) is not.  Here each network's
topology graph (:mod:`rnn_ensembles.topology`) gives its *solution type* (isomorphism
class of the labelled graph); the types are counted per variant and size, set against
an embedding (metric MDS, scikit-learn) of each geometric distance between the same
networks (:mod:`rnn_ensembles.comparison`), and against the training features of the
networks that fall in each type.

Whether a grouping follows the architecture is measured the same way on both sides: the
adjusted Rand index (ARI) between the variant of each network and, for topology, its
solution type, for geometry, the clusters of the distance matrix cut into as many groups
as there are variants (average linkage).  ARI is 1 when the grouping is the variants, 0
when it is no closer to them than chance.  The silhouette of each distance matrix under
the solution types says whether geometry separates the types at all.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

# The training features set against the types (columns of the networks' table).
FEATURES = ("size", "initial_spectral_radius", "epochs", "final_loss", "accuracy")


GRAPH_LEVELS = ("machine", "codes", "points")


def topology_graph(topology, level: str = "codes") -> nx.DiGraph:
    """The labelled graph of a :class:`~rnn_ensembles.topology.Topology`.

    ``level="machine"``: the machine that the network implements for its task.  From the
    stable points where the task's trials rest (``topology.task_states``), every input
    event and where it leads, and on from there, until no new stable point is reached;
    the points reached merged by readout code, one node ``stable:<code>`` per code
    (``task:<code>`` where a task state rests; a saddle, an unstable point or no found
    point: ``off``), an edge per event.  Stable points that no event leads to from the
    task's states, and the saddles, are left out: trained networks hold many of both that
    their trials never visit, and how many a search finds varies.

    ``level="points"``: every fixed point is a node, labelled ``<stability>:<code>``, ends
    off the found points are nodes ``off:<code>``, each edge is labelled by the sorted
    kinds (``manifold``, events) joining its ends.  Exact, and so fragile: two networks
    that implement the same machine differ in it by any extra saddle the search found.

    ``level="codes"`` (the machine): the stable points merged by readout code, one node
    ``stable:<code>`` per code (ends elsewhere: ``off``); an edge ``saddle`` between two
    codes whose attractors the unstable manifold of one saddle joins, and an edge per
    event from the code of each stable point to the code it reaches.
    """
    if level not in GRAPH_LEVELS:
        raise ValueError(f"unknown graph level {level!r}: expected one of {GRAPH_LEVELS}")
    if level == "points":
        return topology.graph()
    if level == "machine":
        return _machine_graph(topology)
    codes, stability = topology.codes, topology.stability

    def machine_state(node):
        if isinstance(node, str) or stability[node] != "stable":
            return "off"
        return f"stable:{codes[node]}"

    edges = [
        (machine_state(m["source"]), m["event"], machine_state(m["reached"]))
        for m in topology.transitions
    ]
    joined: dict[int, set] = {}
    for link in topology.links:
        if link["reached"] >= 0 and stability[link["reached"]] == "stable":
            joined.setdefault(link["saddle"], set()).add(machine_state(link["reached"]))
    for ends in joined.values():
        edges += [(a, "saddle", b) for a in ends for b in ends if a != b]
    labels = {machine_state(i): machine_state(i) for i in np.flatnonzero(stability == "stable")}
    return _labelled_graph(labels, edges)


def _machine_graph(topology) -> nx.DiGraph:
    if not topology.task_states:
        raise ValueError(
            "the machine level needs the task's states (network_topology(..., task_states=)); "
            "this topology has none: use level 'codes' or 'points'"
        )
    codes, stability = topology.codes, topology.stability

    def machine_state(node):
        return f"stable:{codes[node]}" if node >= 0 and stability[node] == "stable" else "off"

    moves: dict[int, list] = {}
    for move in topology.transitions:
        moves.setdefault(move["source"], []).append(move)
    resting = {state["node"] for state in topology.task_states}
    reached, frontier, edges = set(), sorted(resting - {-1}), []
    while frontier:
        node = frontier.pop()
        if node in reached:
            continue
        reached.add(node)
        for move in moves.get(node, []):
            edges.append((machine_state(node), move["event"], machine_state(move["reached"])))
            if move["reached"] >= 0 and stability[move["reached"]] == "stable":
                frontier.append(move["reached"])
    labels = {machine_state(node): machine_state(node) for node in reached}
    for node in resting:
        labels[machine_state(node)] = "task:" + machine_state(node).split(":", 1)[-1]
    return _labelled_graph(labels, edges)


def _labelled_graph(nodes: dict, edges) -> nx.DiGraph:
    """Nodes (name -> label; an end not among them is its own label), each edge labelled
    by the sorted kinds joining its ends."""
    graph = nx.DiGraph()
    for name, label in nodes.items():
        graph.add_node(name, label=label)
    kinds: dict[tuple, set] = {}
    for start, kind, end in edges:
        kinds.setdefault((start, end), set()).add(kind)
    for (start, end), names in kinds.items():
        for node in (start, end):
            if node not in graph:
                graph.add_node(node, label=str(node))
        graph.add_edge(start, end, kinds=",".join(sorted(names)))
    return graph


def network_types(rows: list[dict], types: dict[str, int]) -> pd.DataFrame:
    """One row per network: its descriptors (``rows``, each with ``network``) and its type."""
    table = pd.DataFrame(rows)
    table.insert(1, "solution_type", [types[label] for label in table["network"]])
    return table


def type_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Networks of each solution type per variant and size, and their fraction."""
    counts = (
        table.groupby(["variant", "size", "solution_type"], sort=True)
        .size()
        .rename("count")
        .reset_index()
    )
    totals = counts.groupby(["variant", "size"])["count"].transform("sum")
    counts["fraction"] = counts["count"] / totals
    return counts


def type_features(table: pd.DataFrame) -> pd.DataFrame:
    """Per solution type: how many networks, of which variants, and the median, minimum and
    maximum of each training feature.  A table to read, not a model: with a handful of
    networks per type the ranges say more than any fitted predictor."""
    rows = []
    for kind, group in table.groupby("solution_type", sort=True):
        row = {
            "solution_type": kind,
            "n_networks": len(group),
            "variants": ", ".join(sorted(group["variant"].unique())),
        }
        for feature in FEATURES:
            if feature not in group:
                continue
            values = pd.to_numeric(group[feature], errors="coerce").dropna()
            for stat in ("median", "min", "max"):
                row[f"{feature}_{stat}"] = getattr(values, stat)() if len(values) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def embedding(matrix: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Two-dimensional metric MDS of a distance matrix (networks with undefined distances
    left out), started from classical MDS so that it is deterministic."""
    from sklearn.manifold import MDS

    from rnn_ensembles.comparison import defined_labels

    labels = defined_labels(matrix)
    coordinates = np.full((len(labels), 2), 0.0)
    if len(labels) > 2:
        values = matrix.loc[labels, labels].to_numpy(float)
        values = (values + values.T) / 2
        mds = MDS(n_components=2, metric="precomputed", init="classical_mds", random_state=seed)
        coordinates = mds.fit_transform(values)
    elif len(labels) == 2:
        coordinates[1, 0] = float(matrix.loc[labels[0], labels[1]])
    return pd.DataFrame(coordinates, index=pd.Index(labels, name="network"), columns=["x", "y"])


def grouping_agreement(groups, reference) -> float:
    """Adjusted Rand index between two labellings of the same networks (nan for one network)."""
    from sklearn.metrics import adjusted_rand_score

    if len(groups) < 2:
        return float("nan")
    return float(adjusted_rand_score(list(reference), list(groups)))


def separation(matrix: pd.DataFrame, groups: pd.Series) -> float:
    """Silhouette of the groups in a distance matrix (nan unless 2 <= groups < networks)."""
    from sklearn.metrics import silhouette_score

    from rnn_ensembles.comparison import defined_labels

    labels = [label for label in defined_labels(matrix) if label in groups.index]
    values = groups.loc[labels]
    if not 2 <= values.nunique() < len(labels):
        return float("nan")
    distances = matrix.loc[labels, labels].to_numpy(float)
    distances = (distances + distances.T) / 2
    np.fill_diagonal(distances, 0.0)
    return float(silhouette_score(distances, values.to_numpy(), metric="precomputed"))


def geometry_against_topology(
    matrices: dict[str, pd.DataFrame], table: pd.DataFrame, linkage: str = "average"
) -> tuple[pd.DataFrame, str]:
    """Per grouping (topology, and each distance of geometry): its agreement with the
    variants (ARI), and per distance the silhouette of the solution types; with a sentence
    that says, from these numbers, which of the two groups the networks by architecture.

    Only the networks of the ensemble count (those trained elsewhere have no variant).
    """
    from rnn_ensembles.comparison import clusters

    ensemble = table[table["variant"] != "external"].set_index("network")
    variants = ensemble["variant"]
    n_variants = variants.nunique()
    rows = [
        {
            "grouping": "topology",
            "distance": "solution type",
            "ari_with_variant": grouping_agreement(ensemble["solution_type"], variants),
            "silhouette_of_types": np.nan,
            "n_groups": int(ensemble["solution_type"].nunique()),
        }
    ]
    for name, matrix in matrices.items():
        matrix = matrix.loc[ensemble.index, ensemble.index]
        cut = clusters(matrix, linkage, max(n_variants, 1)).set_index("network")["cluster"]
        defined = cut[cut > 0].index
        rows.append(
            {
                "grouping": "geometry",
                "distance": name,
                "ari_with_variant": grouping_agreement(cut[defined], variants[defined]),
                "silhouette_of_types": separation(matrix, ensemble["solution_type"]),
                "n_groups": int(cut[defined].nunique()),
            }
        )
    frame = pd.DataFrame(rows)
    return frame, verdict(frame, n_variants)


def verdict(frame: pd.DataFrame, n_variants: int) -> str:
    """One sentence, from the numbers of :func:`geometry_against_topology`."""
    topology = frame[frame["grouping"] == "topology"].iloc[0]
    geometry = frame[frame["grouping"] == "geometry"].dropna(subset=["ari_with_variant"])
    types = int(topology["n_groups"])
    silhouettes = frame["silhouette_of_types"].dropna()
    separates = (
        f"; the solution types are {'separated' if silhouettes.max() > 0.25 else 'not separated'}"
        f" by geometry (largest silhouette {silhouettes.max():.2f})"
        if len(silhouettes)
        else ""
    )
    if n_variants < 2:
        return (
            f"One variant: {types} solution type(s); whether geometry or topology follows the "
            f"architecture needs several variants{separates}."
        )
    best = geometry.loc[geometry["ari_with_variant"].idxmax()] if len(geometry) else None
    topo_ari = float(topology["ari_with_variant"])
    if best is None:
        return f"Topology against variant: ARI {topo_ari:.2f}; no geometry defined{separates}."
    geo_ari = float(best["ari_with_variant"])
    if geo_ari > topo_ari:
        who = "geometry groups the networks by architecture more than topology does"
    elif topo_ari > geo_ari:
        who = "topology groups the networks by architecture more than geometry does"
    else:
        who = "geometry and topology group the networks by architecture equally"
    return (
        f"{who[0].upper()}{who[1:]} (ARI with the variant: {best['distance']} "
        f"{geo_ari:.2f}, solution types {topo_ari:.2f}; {types} type(s)){separates}."
    )
