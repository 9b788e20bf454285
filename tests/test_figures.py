"""Every figure function on small arrays, without Snakemake: each writes a real, non-blank PNG."""

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from rnn_ensembles import analysis, figures, report

RNG = np.random.default_rng(0)


def assert_png(path, min_width=300):
    """A readable PNG with more than one colour in it."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    image = matplotlib.image.imread(path)
    assert image.shape[1] >= min_width and image.shape[0] >= 200
    assert np.ptp(image[..., :3]) > 0.5  # something is drawn, not a blank canvas
    assert not list(path.parent.glob(".*partial*"))  # written atomically


def trials(n_trials=2, steps=60, channels=3):
    inputs = RNG.normal(0, 0.1, (n_trials, steps, channels))
    inputs[:, 10:15] += 1
    targets = np.zeros_like(inputs)
    targets[:, 20:] = 1
    return inputs, targets, targets + RNG.normal(0, 0.2, targets.shape)


def state_space(steps=80, states=8):
    projection = np.cumsum(RNG.normal(size=(steps, 3)), axis=0)
    positions = analysis.hypercube(3)[:states] + RNG.normal(0, 0.05, (states, 3))
    return figures.StateSpace(projection, positions, np.array([0.5, 0.2, 0.1]))


def test_trials_with_and_without_outputs(tmp_path):
    inputs, targets, outputs = trials()
    figures.plot_trials(tmp_path / "with.png", inputs, targets, outputs, title="N = 8, seed 1")
    figures.plot_trials(
        tmp_path / "without.png", inputs[:1], targets[:1], title="dataset", shade_states=True
    )
    assert_png(tmp_path / "with.png")
    assert_png(tmp_path / "without.png")


def test_trials_refuse_arrays_of_different_shapes(tmp_path):
    inputs, targets, outputs = trials()
    with pytest.raises(ValueError, match=r"outputs \(2, 59, 3\)"):
        figures.plot_trials(tmp_path / "x.png", inputs, targets, outputs[:, 1:], title="t")
    with pytest.raises(ValueError, match="3 dimensions"):
        figures.plot_trials(tmp_path / "x.png", inputs[0], targets[0], title="t")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("epochs", [0, 1, 5])
def test_training_history(tmp_path, epochs):
    history = pd.DataFrame(
        {
            "epoch": np.arange(1, epochs + 1),
            "loss": np.geomspace(1, 0.01, epochs),
            "val_loss": np.geomspace(1.1, 0.02, epochs),
            "val_accuracy": np.linspace(0.5, 0.99, epochs),
            "seconds": np.ones(epochs),
        }
    )
    path = tmp_path / "history.png"
    figures.plot_training_history(
        path, history, title="N = 8, seed 1", loss_threshold=0.009, target_accuracy=0.995
    )
    assert_png(path)


def test_training_history_without_its_columns(tmp_path):
    with pytest.raises(ValueError, match="val_accuracy"):
        figures.plot_training_history(
            tmp_path / "h.png",
            pd.DataFrame({"epoch": [1], "loss": [1.0], "val_loss": [1.0]}),
            title="t",
        )


def test_connectivity(tmp_path):
    figures.plot_connectivity(tmp_path / "w.png", RNG.normal(size=(12, 12)), title="N = 12")
    assert_png(tmp_path / "w.png")
    with pytest.raises(ValueError, match="square"):
        figures.plot_connectivity(tmp_path / "bad.png", np.zeros((3, 4)), title="t")


def test_eigenvalue_spectra_side_by_side_and_as_a_grid(tmp_path):
    q, _ = np.linalg.qr(RNG.normal(size=(10, 10)))
    spectra = {"before": np.linalg.eigvals(q), "after": np.linalg.eigvals(1.2 * q)}
    figures.plot_eigenvalue_spectra(tmp_path / "two.png", spectra, title="N = 10, seed 1")
    grid = {f"seed {s}": np.linalg.eigvals(RNG.normal(size=(6, 6))) for s in range(5)}
    figures.plot_eigenvalue_spectra(tmp_path / "grid.png", grid, title="N = 6", columns=4)
    assert_png(tmp_path / "two.png")
    assert_png(tmp_path / "grid.png")
    with pytest.raises(ValueError, match="seed 9"):
        figures.plot_eigenvalue_spectra(tmp_path / "e.png", {"seed 9": []}, title="t")


def test_state_spaces_one_and_several_with_an_unreached_state(tmp_path):
    figures.plot_state_spaces(tmp_path / "one.png", {"trial": state_space()}, title="N = 8")
    unreached = state_space()
    unreached.state_positions[3] = np.nan
    panels = {"seed 1": state_space(), "seed 2": unreached, "seed 3": state_space()}
    figures.plot_state_spaces(tmp_path / "grid.png", panels, title="N = 8")
    assert_png(tmp_path / "one.png")
    assert_png(tmp_path / "grid.png")


def test_state_spaces_need_a_power_of_two_of_states(tmp_path):
    with pytest.raises(ValueError, match="power of two, got 6"):
        figures.plot_state_spaces(tmp_path / "s.png", {"a": state_space(states=6)}, title="t")


def test_state_names_follow_the_analysis_labels():
    # analysis.state_labels sets bit k when channel k is +1; the name lists bit 0 first.
    targets = np.array([[1.0, -1.0, 1.0], [-1.0, 1.0, 1.0]])
    labels = analysis.state_labels(targets)
    assert [figures.state_name(label, 3) for label in labels] == ["+\u2212+", "\u2212++"]
    assert len({tuple(c) for c in figures.state_colours(8)}) == 8


def test_cube_edges_join_states_one_bit_apart():
    edges = figures.cube_edges(8)
    assert len(edges) == 12  # a cube has 12 edges
    vertices = analysis.hypercube(3)
    for a, b in edges:
        assert np.sum(vertices[a] != vertices[b]) == 1


def ensemble_tables():
    rows = []
    for size in (4, 16, 64):
        for seed in (1, 2, 3):
            success = size > 4 and seed != 3
            rows.append(
                {
                    "size": size,
                    "seed": seed,
                    "missing": size == 64 and seed == 3,
                    "success": success,
                    "euclidean_error_mean": 20 / size + seed,
                    "accuracy": 0.995 if success else 0.8,
                }
            )
    networks = pd.DataFrame(rows)
    sizes = pd.DataFrame(
        {
            "size": [4, 16, 64],
            "networks": [3, 3, 3],
            "successes": [0, 2, 2],
            "success_rate": [0.0, 2 / 3, 2 / 3],
            "success_rate_low": [0.0, 0.2, 0.2],
            "success_rate_high": [0.56, 0.94, 0.94],
            "euclidean_error_mean": [6.0, 3.0, 2.0],
            "euclidean_error_sd": [1.0, 0.5, np.nan],
        }
    )
    return networks, sizes


@pytest.mark.parametrize("minimal_size", [16, None])
def test_performance_by_size(tmp_path, minimal_size):
    networks, sizes = ensemble_tables()
    path = tmp_path / "performance.png"
    figures.plot_performance_by_size(
        path,
        networks,
        sizes,
        title="flipflop3",
        accuracy=0.99,
        fraction=0.5,
        minimal_size=minimal_size,
        criterion="success = test sign accuracy >= 0.99",
    )
    assert_png(path, min_width=1000)


def test_disparity_matrix_is_symmetric_with_the_pairs_in_place(tmp_path):
    pairs = pd.DataFrame(
        {"seed_a": [1, 1, 2], "seed_b": [2, 5, 5], "procrustes_disparity": [0.1, np.nan, 0.3]}
    )
    matrix = figures.disparity_matrix(pairs, [1, 2, 5])
    np.testing.assert_array_equal(matrix, matrix.T)
    assert matrix[0, 1] == 0.1 and matrix[1, 2] == 0.3 and np.isnan(matrix[0, 2])
    np.testing.assert_array_equal(np.diag(matrix), 0)
    figures.plot_disparity_matrix(tmp_path / "d.png", pairs, [1, 2, 5], title="N = 8")
    assert_png(tmp_path / "d.png")
    with pytest.raises(ValueError, match=r"\(1, 2\) is not among the seeds \[1, 5\]"):
        figures.disparity_matrix(pairs, [1, 5])


def test_summary_page_lists_the_verdict_and_every_table(tmp_path):
    networks, sizes = ensemble_tables()
    minimal = {"minimal_size": 16, "criterion": "accuracy >= 0.99", "reason": "N = 16: 2/3 <ok>"}
    path = tmp_path / "tables.html"
    report.write_summary_page(path, {"networks": networks, "sizes": sizes}, minimal, "flipflop3")
    page = path.read_text()
    assert "minimal size: N = 16" in page and "&lt;ok&gt;" in page  # escaped, not markup
    assert page.count("<table") == 2 and page.index("sizes.tsv") < page.index("networks.tsv")
    with pytest.raises(ValueError, match="unknown summary table"):
        report.summary_page({"other": sizes}, minimal, "t")
