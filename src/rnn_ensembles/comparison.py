"""Distances between realisations, of the same or of different sizes, and their clustering.

Three views of a network, each with a distance that is zero for identical networks,
symmetric, and blind to what does not matter about a realisation:

* **memory states** -- the Procrustes disparity (scipy) between the configurations of the
  memory states in the full activity space: after translation, scaling and the best
  rotation/reflection, so the arbitrary rotation of the cube in each realisation, and any
  permutation of units, do not count; networks of different sizes are compared in the
  larger space (an isometric embedding of the smaller).
* **activity** -- 1 - linear CKA (Kornblith et al. 2019) between the activity (time x
  units) on the eight-states trial: invariant to orthogonal transforms (rotations,
  permutations of units) and isotropic scaling of either network's activity, defined
  across sizes.
* **spectrum** -- the Wasserstein-1 (earth mover's) distance between the eigenvalues of
  the two W_rec as uniform point clouds in the complex plane.  Eigenvalues are what the
  paper reads off a realisation (outliers beyond the unit circle, the bulk, the rotation
  frequencies); they do not change under a permutation of units or any change of basis.
  Treating each spectrum as a distribution of unit mass lets networks of different sizes
  be compared, and the transport distance moves continuously with the eigenvalues (a small
  change of W_rec gives a small distance) and keeps their phase, which the moduli alone
  (sorted |λ|) would discard.  It is a metric on distributions.

Each matrix is clustered hierarchically (scipy, average linkage by default: it needs
no Euclidean embedding of the distances, unlike Ward's).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist, squareform
from scipy.stats import wasserstein_distance_nd

from rnn_ensembles.analysis import configuration_disparity


def procrustes_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Procrustes disparity between two (states, dims) configurations with corresponding rows."""
    return configuration_disparity(np.asarray(a, float), np.asarray(b, float))


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear centred kernel alignment between (samples, features) matrices, in [0, 1]."""
    x = np.asarray(x, float) - np.mean(x, axis=0)
    y = np.asarray(y, float) - np.mean(y, axis=0)
    # Feature-space form: ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F), cheap for few units.
    norm = np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)
    if norm == 0:
        return float("nan")
    return float(np.linalg.norm(y.T @ x) ** 2 / norm)


def cka_distance(x: np.ndarray, y: np.ndarray) -> float:
    return 1.0 - linear_cka(x, y)


def spectral_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Wasserstein-1 distance between two sets of complex eigenvalues, each of unit mass."""
    pa = np.column_stack([np.real(a), np.imag(a)])
    pb = np.column_stack([np.real(b), np.imag(b)])
    if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
        return float("nan")  # a network whose training diverged
    if len(pa) == len(pb):
        # Uniform masses of equal count: the optimal plan is a permutation (Birkhoff), so
        # the assignment problem gives the same value as the linear programme, much faster.
        cost = cdist(pa, pb)
        rows, cols = linear_sum_assignment(cost)
        return float(cost[rows, cols].mean())
    return float(wasserstein_distance_nd(pa, pb))


DISTANCES = {"procrustes": procrustes_distance, "cka": cka_distance, "spectrum": spectral_distance}
METRICS = tuple(DISTANCES)


def distance_matrix(items: dict, metric: str) -> pd.DataFrame:
    """Symmetric matrix of ``metric`` between every pair of ``items`` (label -> array)."""
    if metric not in DISTANCES:
        raise ValueError(f"unknown distance {metric!r}: expected one of {sorted(DISTANCES)}")
    labels = list(items)
    out = np.zeros((len(labels), len(labels)))
    for i, j in itertools.combinations(range(len(labels)), 2):
        out[i, j] = out[j, i] = DISTANCES[metric](items[labels[i]], items[labels[j]])
    return pd.DataFrame(out, index=pd.Index(labels, name="network"), columns=labels)


def clusters(matrix: pd.DataFrame, method: str, n_clusters: int) -> pd.DataFrame:
    """Hierarchical clustering of a distance matrix: per network its cluster (1..k) and its
    position in the dendrogram's leaf order.

    Networks with undefined distances are left out (cluster 0, order -1); see
    :func:`defined_labels`.
    """
    labels = defined_labels(matrix)
    defined = matrix.index.isin(labels)
    out = pd.DataFrame({"network": matrix.index, "cluster": 0, "order": -1})
    if len(labels) < 2:
        out.loc[defined, ["cluster", "order"]] = [1, 0]
        return out
    tree = linkage(matrix.loc[labels, labels], method)
    cluster = hierarchy.fcluster(tree, t=min(n_clusters, len(labels)), criterion="maxclust")
    order = np.empty(len(labels), int)
    order[hierarchy.leaves_list(tree)] = np.arange(len(labels))
    out.loc[defined, "cluster"] = cluster
    out.loc[defined, "order"] = order
    return out


def defined_labels(matrix: pd.DataFrame) -> list:
    """The networks that can be clustered: those with undefined distances are dropped, the
    one with the most first, until every remaining distance is defined."""
    labels = list(matrix.index)
    while matrix.loc[labels, labels].isna().to_numpy().any():
        labels.remove(matrix.loc[labels, labels].isna().sum(axis=1).idxmax())
    return labels


def cut_height(tree: np.ndarray, n_clusters: int) -> float:
    """A height at which the dendrogram of ``tree`` falls into ``n_clusters`` clusters."""
    heights = np.concatenate([[0.0], tree[:, 2]])
    k = len(heights) - min(max(n_clusters, 1), len(heights))
    upper = heights[k + 1] if k + 1 < len(heights) else heights[k]
    return float((heights[k] + upper) / 2)


def linkage(matrix: pd.DataFrame, method: str) -> np.ndarray:
    """scipy linkage of a square distance matrix (made exactly symmetric first)."""
    values = matrix.to_numpy(float)
    condensed = squareform((values + values.T) / 2, checks=False)
    return hierarchy.linkage(condensed, method=method, optimal_ordering=True)
