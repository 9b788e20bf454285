"""Solution types of an ensemble against its geometry (rnn_ensembles.solutions)."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from rnn_ensembles import solutions


def distance_frame(points: np.ndarray, labels) -> pd.DataFrame:
    return pd.DataFrame(cdist(points, points), index=labels, columns=labels)


def ensemble(types, variants, sizes=None):
    labels = [f"{v}/N{8}/seed{i}" for i, v in enumerate(variants)]
    rows = [
        {"network": label, "variant": v, "size": 8 if sizes is None else sizes[i]}
        for i, (label, v) in enumerate(zip(labels, variants, strict=True))
    ]
    return solutions.network_types(rows, dict(zip(labels, types, strict=True)))


def test_type_counts_are_the_networks_of_each_type_per_variant_and_size():
    table = ensemble([1, 1, 2, 1, 2, 2], ["a", "a", "a", "b", "b", "b"], [8, 8, 8, 8, 16, 16])
    counts = solutions.type_counts(table)
    expected = {("a", 8, 1): 2, ("a", 8, 2): 1, ("b", 8, 1): 1, ("b", 16, 2): 2}
    assert {(r.variant, r.size, r.solution_type): r.count for r in counts.itertuples()} == expected
    # Fractions sum to one within each variant and size.
    np.testing.assert_allclose(counts.groupby(["variant", "size"])["fraction"].sum(), 1.0)
    np.testing.assert_allclose(
        counts.set_index(["variant", "size", "solution_type"]).loc[("a", 8, 2), "fraction"],
        1 / 3,
    )


def test_embedding_of_planar_points_keeps_their_distances():
    # Distances between points of a plane: a 2-D MDS reproduces them exactly (up to an
    # isometry), whatever the points.
    points = np.random.default_rng(3).normal(size=(9, 2))
    labels = [f"n{i}" for i in range(9)]
    embedded = solutions.embedding(distance_frame(points, labels))
    assert list(embedded.index) == labels
    np.testing.assert_allclose(
        cdist(embedded.to_numpy(), embedded.to_numpy()), cdist(points, points), atol=1e-3
    )
    # Deterministic.
    pd.testing.assert_frame_equal(embedded, solutions.embedding(distance_frame(points, labels)))


def test_geometry_that_follows_the_variants_is_named_so():
    # Two variants far apart in geometry, each with both solution types: geometry groups
    # by architecture, topology does not.
    variants = ["a"] * 4 + ["b"] * 4
    types = [1, 2, 1, 2, 1, 2, 1, 2]
    table = ensemble(types, variants)
    rng = np.random.default_rng(0)
    points = np.array([[0.0, 0.0]] * 4 + [[10.0, 0.0]] * 4) + rng.normal(0, 0.1, (8, 2))
    matrices = {"procrustes": distance_frame(points, table["network"])}
    frame, sentence = solutions.geometry_against_topology(matrices, table)
    by = frame.set_index("distance")["ari_with_variant"]
    assert by["procrustes"] == pytest.approx(1.0)
    assert by["solution type"] < 0.1
    assert sentence.startswith("Geometry groups the networks by architecture more than")
    # Geometry does not separate the types here (they are mixed within each blob).
    assert frame.set_index("distance").loc["procrustes", "silhouette_of_types"] < 0.1


def test_topology_that_follows_the_variants_is_named_so():
    variants = ["a"] * 4 + ["b"] * 4
    table = ensemble([1] * 4 + [2] * 4, variants)
    points = np.random.default_rng(1).normal(size=(8, 2))  # geometry: no structure
    frame, sentence = solutions.geometry_against_topology(
        {"cka": distance_frame(points, table["network"])}, table
    )
    assert frame.set_index("distance").loc["solution type", "ari_with_variant"] == 1.0
    assert sentence.startswith("Topology groups the networks by architecture more than")


def test_one_variant_says_that_the_question_needs_several():
    table = ensemble([1, 1, 2], ["a", "a", "a"])
    points = np.array([[0.0, 0], [0.1, 0], [5, 0]])
    _, sentence = solutions.geometry_against_topology(
        {"spectrum": distance_frame(points, table["network"])}, table
    )
    assert "needs several variants" in sentence and "2 solution type(s)" in sentence
    # The types sit apart in this geometry: the silhouette says so.
    assert "separated by geometry" in sentence


def test_type_features_are_the_ranges_within_each_type():
    table = ensemble([1, 1, 2], ["a", "b", "a"], [8, 16, 32])
    table["epochs"] = [3, 5, 9]
    features = solutions.type_features(table).set_index("solution_type")
    assert features.loc[1, "n_networks"] == 2 and features.loc[1, "variants"] == "a, b"
    assert features.loc[1, "epochs_median"] == 4 and features.loc[1, "size_max"] == 16
    assert features.loc[2, "epochs_min"] == features.loc[2, "epochs_max"] == 9
