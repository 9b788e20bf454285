"""Distances between realisations: their defining properties on known inputs."""

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.stats import wasserstein_distance_nd

from rnn_ensembles import comparison
from rnn_ensembles.analysis import hypercube


def orthogonal(n, seed):
    return np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))[0]


@pytest.fixture
def activity():
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 6)) @ rng.normal(size=(6, 12))


def test_procrustes_ignores_rotation_permutation_scale_and_size():
    cube = hypercube(3) @ np.random.default_rng(1).normal(size=(3, 20))  # a cube in 20-D
    same = 3.0 * cube[:, ::-1] @ orthogonal(20, 2) + 1.0  # permuted units, rotated, scaled
    assert comparison.procrustes_distance(cube, cube) < 1e-12
    assert comparison.procrustes_distance(cube, same) < 1e-12
    assert comparison.procrustes_distance(cube, hypercube(3)) > 0.01  # a cube sheared in 20-D
    # The same cube held by a network of another size (an isometric embedding).
    assert (
        comparison.procrustes_distance(hypercube(3), np.pad(hypercube(3), ((0, 0), (0, 5)))) < 1e-12
    )
    other = np.random.default_rng(3).normal(size=(8, 20))
    d = comparison.procrustes_distance(cube, other)
    assert d > 0.1 and d == pytest.approx(comparison.procrustes_distance(other, cube))


def test_cka_ignores_orthogonal_maps_and_scale_not_general_linear_maps(activity):
    assert comparison.cka_distance(activity, activity) == pytest.approx(0, abs=1e-12)
    rotated = 2.0 * activity[:, np.random.default_rng(4).permutation(12)] @ orthogonal(12, 5)
    assert comparison.cka_distance(activity, rotated) == pytest.approx(0, abs=1e-12)
    # Another size: the same activity plus silent units.
    assert comparison.cka_distance(activity, np.pad(activity, ((0, 0), (0, 7)))) == pytest.approx(
        0, abs=1e-12
    )
    stretched = activity * np.geomspace(0.01, 10, 12)  # not an orthogonal map
    other = np.random.default_rng(6).normal(size=activity.shape)
    assert comparison.cka_distance(activity, stretched) > 0.05
    d = comparison.cka_distance(activity, other)
    assert 0.5 < d <= 1 and d == pytest.approx(comparison.cka_distance(other, activity))


def test_spectral_distance_is_a_transport_distance_between_eigenvalues():
    rng = np.random.default_rng(7)
    w = rng.normal(size=(30, 30)) / np.sqrt(30)
    eig = np.linalg.eigvals(w)
    perm = rng.permutation(30)
    similar = np.linalg.eigvals(w[np.ix_(perm, perm)])  # units relabelled: same spectrum
    assert comparison.spectral_distance(eig, similar) == pytest.approx(0, abs=1e-9)
    # Adding c I moves every eigenvalue by c: the transport distance is exactly |c|.
    shifted = np.linalg.eigvals(w + 0.3 * np.eye(30))
    assert comparison.spectral_distance(eig, shifted) == pytest.approx(0.3, abs=1e-9)
    # The fast equal-size path gives the linear programme's value.
    other = np.linalg.eigvals(rng.normal(size=(30, 30)) / np.sqrt(30) * 1.5)
    as_points = [np.column_stack([v.real, v.imag]) for v in (eig, other)]
    assert comparison.spectral_distance(eig, other) == pytest.approx(
        wasserstein_distance_nd(*as_points), rel=1e-6
    )
    # A diverged network (NaN weights) has no distance to any other.
    assert np.isnan(comparison.spectral_distance(eig, np.full(30, np.nan)))
    # Different sizes: {0, 0} against {1} is one unit of mass moved by 1.
    assert comparison.spectral_distance(np.zeros(2), np.ones(1)) == pytest.approx(1.0)
    assert comparison.spectral_distance(eig, other) == pytest.approx(
        comparison.spectral_distance(other, eig)
    )


def test_distance_matrix_and_clusters_find_two_groups():
    # Two families of configurations, each a rotated copy of its own shape.
    rng = np.random.default_rng(8)
    shapes = [hypercube(3), rng.normal(size=(8, 3))]
    items = {
        f"{k}-{i}": shapes[k] @ orthogonal(3, 10 * k + i) + 0.01 * rng.normal(size=(8, 3))
        for k in (0, 1)
        for i in range(3)
    }
    matrix = comparison.distance_matrix(items, "procrustes")
    values = matrix.to_numpy()
    np.testing.assert_array_equal(values, values.T)
    assert np.all(np.diag(values) == 0)
    table = comparison.clusters(matrix, "average", 2)
    groups = table.groupby(table["network"].str[0])["cluster"].unique()
    assert all(len(g) == 1 for g in groups) and groups["0"][0] != groups["1"][0]
    assert sorted(table["order"]) == list(range(6))
    # The figure's cut of the dendrogram gives the same number of clusters.
    tree = comparison.linkage(matrix, "average")
    for k in (1, 2, 3, 6):
        height = comparison.cut_height(tree, k)
        assert len(set(hierarchy.fcluster(tree, height, criterion="distance"))) == k
    with pytest.raises(ValueError, match="'euclid'"):
        comparison.distance_matrix(items, "euclid")


def test_clusters_leave_out_undefined_rows():
    matrix = comparison.distance_matrix(
        {"a": hypercube(3), "b": hypercube(3) * 2, "c": np.full((8, 3), np.nan)}, "procrustes"
    )
    table = comparison.clusters(matrix, "average", 2)
    assert table.set_index("network").loc["c", "cluster"] == 0
    assert set(table.set_index("network").loc[["a", "b"], "cluster"]) <= {1, 2}
