"""Figures of the dynamics rules on small arrays, without Snakemake."""

import numpy as np
import pandas as pd
import pytest
from test_figures import assert_png, state_space

from rnn_ensembles import comparison, figures
from rnn_ensembles.analysis import hypercube

RNG = np.random.default_rng(1)


def test_state_space_with_fixed_points_of_every_kind(tmp_path):
    panel = state_space()._replace(
        fixed_points=(RNG.normal(size=(5, 3)), ["stable", "stable", "saddle", "unstable", "saddle"])
    )
    figures.plot_state_spaces(tmp_path / "fp.png", {"fixed points": panel}, title="fixed points")
    assert_png(tmp_path / "fp.png")
    flat = state_space()._replace(fixed_points=(np.zeros(3), ["stable"]))
    with pytest.raises(ValueError, match="fixed point projection"):
        figures.plot_state_spaces(tmp_path / "bad.png", {"x": flat}, title="bad")


def curves(name, external=False, sd=False):
    rows = [
        {"perturbation": kind, "level": level, "accuracy": 1 - 0.3 * level}
        for kind in figures.PERTURBATION_AXES
        for level in (0.0, 0.5, 1.0)
    ]
    frame = pd.DataFrame(rows).assign(curve=name, external=external)
    return frame.assign(accuracy_sd=0.05) if sd else frame


def test_robustness_of_one_network_and_of_sizes_with_an_external_one(tmp_path):
    figures.plot_robustness(tmp_path / "one.png", curves("N4/seed1"), title="one", accuracy=0.99)
    assert_png(tmp_path / "one.png")
    merged = pd.concat([curves("N = 4", sd=True), curves("N = 16", sd=True), curves("x", True)])
    figures.plot_robustness(tmp_path / "sizes.png", merged, title="sizes")
    assert_png(tmp_path / "sizes.png")


def test_distance_matrices_with_an_undefined_network(tmp_path):
    items = {f"N8/seed{i}": hypercube(3) @ RNG.normal(size=(3, 3)) for i in range(5)}
    items["N2/seed1"] = np.full((8, 3), np.nan)
    matrix = comparison.distance_matrix(items, "procrustes")
    activity = {k: RNG.normal(size=(40, 4)) for k in items}
    figures.plot_distance_matrices(
        tmp_path / "d.png",
        {"procrustes": matrix, "cka": comparison.distance_matrix(activity, "cka")},
        title="distances",
        method="average",
        n_clusters=2,
    )
    assert_png(tmp_path / "d.png")


def test_fixed_points_against_size(tmp_path):
    table = pd.DataFrame(
        {
            "network": ["N4/seed1", "N4/seed2", "N16/seed1", "external/paper"],
            "n_units": [4, 4, 16, 400],
            "n_stable": [2, 4, 8, 12],
            "memory_states_matched": [1, 3, 8, 8],
            "n_saddle": [1, 3, 12, 20],
        }
    )
    figures.plot_fixed_points_by_size(tmp_path / "f.png", table, title="fixed points", n_states=8)
    assert_png(tmp_path / "f.png")


@pytest.mark.parametrize("trajectory_shape", [(40, 3), (4, 40, 3)])
def test_topology_over_one_trajectory_or_one_per_condition(tmp_path, trajectory_shape):
    """The flip-flop's probe is one trial; the other tasks' probe is one per condition."""
    points = RNG.normal(size=(4, 2))
    args = (points, ["stable", "stable", "saddle", "stable"], ["+0", "-0", "00", "++"])
    links = [(2, 0), (2, 1)]
    transitions = [(0, 1, "right"), (1, 3, "wrong"), (3, 3, "right")]
    path = tmp_path / "topology.png"
    figures.plot_topology(
        path, *args, links, transitions, RNG.normal(size=trajectory_shape), title="t"
    )
    assert_png(path)
    with pytest.raises(ValueError, match=r"trajectory must be .* got shape \(40,\)"):
        figures.plot_topology(path, *args, links, transitions, np.zeros(40), title="t")
