"""The solution-types stage: every network's topology graph sorted into isomorphism
classes and set against the geometric distances between the networks."""

from __future__ import annotations

from rnn_ensembles.io import atomic_path, read_json, write_json
from rnn_ensembles.stages.aggregate import variant_of
from rnn_ensembles.stages.log import log


def classify_solutions(
    labels,
    topology_paths,
    metrics_paths,
    weights_paths,
    initial_weights: dict,
    distance_paths: dict,
    outputs: dict,
    linkage: str,
    level: str = "machine",
) -> None:
    """Every network's solution type (the isomorphism class of its topology graph at
    ``level``; its types at the other levels beside), the types per variant and size, the
    training features per type, and each geometric distance's embedding (MDS) with how
    geometry and topology group the networks."""
    import numpy as np
    import pandas as pd

    from rnn_ensembles import solutions
    from rnn_ensembles.models import load_network
    from rnn_ensembles.topology import Topology, solution_types

    if level not in solutions.GRAPH_LEVELS:
        raise ValueError(f"unknown graph level {level!r}: expected one of {solutions.GRAPH_LEVELS}")
    graphs = {name: {} for name in solutions.GRAPH_LEVELS}
    rows = []
    for label, topology_path, metrics_path, weights_path in zip(
        labels, topology_paths, metrics_paths, weights_paths, strict=True
    ):
        topology = Topology.restore(topology_path)
        for name, by_network in graphs.items():
            by_network[label] = solutions.topology_graph(topology, name)
        metrics = read_json(metrics_path, "metrics", ("size", "accuracy"))
        trained = load_network(weights_path)
        radius = np.nan
        if label in initial_weights:
            start = load_network(initial_weights[label]).recurrent_matrix()
            radius = float(np.max(np.abs(np.linalg.eigvals(start))))
        rows.append(
            {
                "network": label,
                "variant": variant_of(label),
                "size": int(metrics["size"]),
                "seed": int(metrics.get("seed", -1)),
                "accuracy": float(metrics["accuracy"]),
                "epochs": int(metrics.get("epochs", 0)),
                "final_loss": float(trained.attrs.get("final_loss", np.nan)),
                "initial_spectral_radius": radius,
                **topology.summary(),
            }
        )
    table = solutions.network_types(rows, solution_types(graphs[level]))
    # The types at the other levels, for comparison: the finer the graph, the more types.
    others = [name for name in solutions.GRAPH_LEVELS if name != level]
    for position, name in enumerate(others, start=2):
        types = solution_types(graphs[name])
        table.insert(position, f"{name}_graph_type", [types[label] for label in table["network"]])
    matrices = {
        name: pd.read_csv(path, sep="\t", index_col=0) for name, path in distance_paths.items()
    }
    agreement, statement = solutions.geometry_against_topology(matrices, table, linkage)
    embedded = pd.concat(
        [
            solutions.embedding(matrix).reset_index().assign(distance=name)
            for name, matrix in matrices.items()
        ],
        ignore_index=True,
    ).merge(table[["network", "solution_type", "variant", "size"]], on="network")
    log.info("%d networks in %d solution types", len(table), table["solution_type"].nunique())
    log.info("%s", statement)
    for name, frame in (
        ("network_types", table),
        ("type_counts", solutions.type_counts(table)),
        ("type_features", solutions.type_features(table)),
        ("embedding", embedded),
        ("agreement", agreement),
    ):
        with atomic_path(outputs[name]) as tmp:
            frame.to_csv(tmp, sep="\t", index=False)
    write_json(
        outputs["statement"],
        {
            "statement": statement,
            "graph_level": level,
            "n_types": int(table["solution_type"].nunique()),
            **{
                f"n_{name}_graph_types": int(table[f"{name}_graph_type"].nunique())
                for name in others
            },
        },
    )
