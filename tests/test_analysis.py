"""Analyses against numpy on known arrays."""

import numpy as np
import pytest

from rnn_ensembles import analysis, metrics


def test_euclidean_error_is_the_frobenius_norm_per_trial():
    rng = np.random.default_rng(0)
    out, target = rng.normal(size=(4, 30, 3)), rng.normal(size=(4, 30, 3))
    expected = [np.linalg.norm(out[i] - target[i]) for i in range(4)]  # the paper's LA.norm
    np.testing.assert_allclose(metrics.euclidean_error(out, target), expected)


def test_sign_accuracy_counts_only_nonzero_targets():
    target = np.array([[[1.0, 0.0], [-1.0, 0.0], [1.0, 1.0]]])
    out = np.array([[[0.5, -9.0], [0.2, 3.0], [2.0, 0.1]]])
    assert metrics.sign_accuracy(out, target) == 3 / 4
    np.testing.assert_allclose(metrics.sign_accuracy(out, target, axis=(0, 1)), [2 / 3, 1.0])


def test_spectrum_against_numpy():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(20, 20)) / np.sqrt(20) * 1.3
    spec = analysis.spectrum(w)
    eig = np.linalg.eigvals(w)
    np.testing.assert_allclose(np.sort_complex(spec["eigenvalues"]), np.sort_complex(eig))
    assert spec["spectral_radius"] == np.max(np.abs(eig))
    assert spec["n_outside_unit_circle"] == np.sum(np.abs(eig) > 1)
    dominant = eig[np.argmax(eig.real)]
    assert spec["dominant_real"] == dominant.real
    assert np.isclose(spec["dominant_frequency_hz"], abs(np.angle(dominant)) / (2 * np.pi) * 1000)


def test_rotation_frequency_of_a_known_matrix():
    theta = 2 * np.pi * 0.01  # 0.01 cycles per 1 ms step = 10 Hz
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    spec = analysis.spectrum(0.9 * rot)
    assert np.isclose(spec["dominant_frequency_hz"], 10.0)
    assert np.isclose(spec["spectral_radius"], 0.9)
    assert spec["n_outside_unit_circle"] == 0
    # An orthogonal matrix has every eigenvalue on the unit circle: none counts as outside.
    q = np.linalg.qr(np.random.default_rng(2).normal(size=(50, 50)))[0]
    assert analysis.spectrum(q)["n_outside_unit_circle"] == 0


def test_svd_positions_recover_a_cube_embedded_in_activity():
    # Activity that sits at the 8 corners of a cube embedded by a random orthonormal map:
    # the memory-state configuration must be that cube up to rotation (disparity ~ 0).
    rng = np.random.default_rng(3)
    basis = np.linalg.qr(rng.normal(size=(30, 3)))[0].T
    labels = np.repeat(np.arange(8), 25)
    targets = np.where((labels[:, None] >> np.arange(3)) & 1, 1.0, -1.0)
    activity = targets @ basis + 0.001 * rng.normal(size=(200, 30))
    geometry = analysis.memory_state_geometry(activity, targets, window=10)
    np.testing.assert_array_equal(geometry["labels"], labels)
    assert geometry["explained_variance_ratio"].sum() > 0.99
    disparity = analysis.configuration_disparity(geometry["state_positions"], analysis.hypercube(3))
    assert disparity < 1e-4
    # Projection equals the SVD from numpy (up to the sign of each component).
    _, _, vt = np.linalg.svd(activity, full_matrices=False)
    np.testing.assert_allclose(np.abs(geometry["components"]), np.abs(vt[:3]), atol=1e-6)


def test_procrustes_disparity_is_rotation_invariant_and_detects_other_shapes():
    rng = np.random.default_rng(4)
    cube = analysis.hypercube(3)
    q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    assert analysis.configuration_disparity(cube, 2.5 * cube @ q + 1.0) < 1e-12
    assert analysis.configuration_disparity(cube, rng.normal(size=(8, 3))) > 0.1
    assert np.isnan(analysis.configuration_disparity(cube, np.full((8, 3), np.nan)))


def test_svd_matches_scikit_learn_truncated_svd_signs_included():
    from sklearn.decomposition import TruncatedSVD

    rng = np.random.default_rng(5)
    activity = np.tanh(rng.normal(size=(300, 3)) @ rng.normal(size=(3, 40)))
    activity += 0.05 * rng.normal(size=activity.shape)
    targets = np.sign(rng.normal(size=(300, 3)))
    geometry = analysis.memory_state_geometry(activity, targets, window=5)
    reference = TruncatedSVD(n_components=3, algorithm="arpack", random_state=0).fit(activity)
    np.testing.assert_allclose(geometry["components"], reference.components_, atol=1e-8)
    np.testing.assert_allclose(
        geometry["explained_variance_ratio"], reference.explained_variance_ratio_, rtol=1e-8
    )
    np.testing.assert_allclose(
        geometry["projection"], reference.transform(activity), rtol=1e-7, atol=1e-9
    )


@pytest.mark.parametrize("seed", range(5))
def test_procrustes_disparity_equals_scipy(seed):
    from scipy.spatial import procrustes

    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    b[:4] = 2.0 * a[:4] @ np.linalg.qr(rng.normal(size=(3, 3)))[0]  # partly the same shape
    assert np.isclose(analysis.configuration_disparity(a, b), procrustes(a, b)[2], atol=1e-12)


def test_settled_steps_are_the_end_of_each_state():
    labels = np.array([-1, -1, 3, 3, 3, 3, 5, 5, 5])
    np.testing.assert_array_equal(analysis.settled_steps(labels, 2), [0, 0, 0, 0, 1, 1, 0, 1, 1])


def test_settled_steps_stop_at_the_next_input():
    # The label switches only after the next pulse (steps 4-5) and its delay: the state held
    # is the one before that pulse, so its settled steps end at step 3.
    labels = np.array([-1, 2, 2, 2, 2, 2, 2, 6, 6])
    quiet = np.array([0, 1, 1, 1, 0, 0, 1, 1, 1], bool)
    np.testing.assert_array_equal(
        analysis.settled_steps(labels, 2, quiet), [0, 0, 1, 1, 0, 0, 0, 1, 1]
    )


def test_decoding_r2_is_two_fold_linear_regression():
    """Against scikit-learn's least squares fitted on the even trials and tested on the odd
    ones and back, at every step; a value the activity carries decodes to R^2 near 1, one it
    does not near 0 or below."""
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    values = rng.uniform(-1, 1, 120)
    activity = rng.normal(size=(120, 5, 6))
    activity[:, 2:] += 5 * values[:, None, None] * rng.normal(size=6)  # carried from step 2 on
    got = analysis.decoding_r2(activity, values, ridge=0.0)
    even = np.arange(120) % 2 == 0
    for t in range(5):
        error = total = 0.0
        for fit, test in ((even, ~even), (~even, even)):
            model = LinearRegression().fit(activity[fit, t], values[fit])
            error += np.sum((values[test] - model.predict(activity[test, t])) ** 2)
            total += np.sum((values[test] - values[fit].mean()) ** 2)
        assert got[t] == pytest.approx(1 - error / total, abs=1e-9)
    assert got[:2].max() < 0.2 and got[2:].min() > 0.9
