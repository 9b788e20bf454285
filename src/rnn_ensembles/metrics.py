"""Performance measures of a network's output against the task's target."""

from __future__ import annotations

import numpy as np


def euclidean_error(outputs: np.ndarray, targets: np.ndarray, mask=None) -> np.ndarray:
    """Per-trial Frobenius norm of output - target over (time, channels), as the paper's
    ``numpy.linalg.norm``; shape (trials,). With a task's ``mask`` each step's difference
    is weighted by the square root of its weight: free steps do not count."""
    diff = np.asarray(outputs, float) - np.asarray(targets, float)
    if mask is not None:
        diff = np.sqrt(mask) * diff
    return np.linalg.norm(diff.reshape(diff.shape[0], -1), axis=1)


def mean_squared_error(outputs: np.ndarray, targets: np.ndarray, mask=None) -> float:
    """Mean over trials, steps and channels of ``mask * (output - target)^2``, the training
    loss (without ``mask`` every step weighs 1), in the precision of the arrays."""
    squared = (np.asarray(outputs) - np.asarray(targets)) ** 2
    return float(np.mean(squared if mask is None else np.asarray(mask) * squared))


def sign_accuracy(outputs: np.ndarray, targets: np.ndarray, axis=None):
    """Fraction of steps with a non-zero target where the output has the target's sign.

    With ``axis=(0, 1)`` on (trials, time, channels) arrays it returns one value per
    channel; ``nan`` where no step has a non-zero target.
    """
    targets = np.asarray(targets)
    counted = targets != 0
    correct = (np.sign(outputs) == np.sign(targets)) & counted
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.sum(correct, axis=axis) / np.sum(counted, axis=axis)
    return float(result) if np.ndim(result) == 0 else result
