"""Figures of the workflow: one function per figure, from arrays to a PNG file.

Every function takes plain arrays (or pandas tables), a ``title`` naming what is shown
and the output ``path``.  It draws on its own :class:`matplotlib.figure.Figure`, which
renders with the Agg canvas: no pyplot state, no display, no Snakemake needed.

Sections, in the order of the file:

* style: the colours, labels and helpers every figure shares, so that a channel and a
  memory state have the same colour and name in every figure;
* trials: inputs, targets and outputs (paper Figs. 3 and 6A);
* training: loss and validation accuracy per epoch;
* weights: connectivity matrix (Fig. 4 left) and eigenvalue spectra (Fig. 4 right, 5);
* state space: the activity on its first SVD components and the cube of memory
  states (Figs. 6C and 7);
* ensemble: performance against network size and the pairwise comparison of
  realisations (not in the paper).

A new figure is a function ``plot_<what>(path, <arrays>, *, title, ...)`` in its section
(or a new one): it starts from ``_new_figure`` (or ``_grid`` for panels), takes its
colours and axis labels from the style section, and ends with ``_title`` and ``_save``.
"""

from __future__ import annotations

import math
import textwrap
from typing import NamedTuple

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

from rnn_ensembles.analysis import (
    STEPS_PER_SECOND,
    UNIT_CIRCLE_TOLERANCE,
    state_labels,
    state_name,
)
from rnn_ensembles.io import atomic_path

# --------------------------------------------------------------------------- style

MS_PER_STEP = 1000 / STEPS_PER_SECOND
TIME_LABEL = "time (ms)"
AMPLITUDE_LABEL = "amplitude (a.u.)"
DPI = 100
# Okabe-Ito colours, distinguishable with the common colour-vision deficiencies;
# channel (bit) k has colour k in every figure.
CHANNEL_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
TARGET_COLOUR = "0.6"
OUTPUT_COLOUR = "black"
TRAJECTORY_COLOUR = "0.65"
EIGENVALUE_COLOUR = "#333333"
DOMINANT_COLOUR = "#C00000"
SUCCESS_COLOUR = "#1B7837"
FAILURE_COLOUR = "#B2182B"
STATE_SHADE = 0.22  # opacity of a memory state's colour behind a trial
GUIDE_STYLE = {"color": "0.35", "linestyle": "--", "linewidth": 1.0}


def channel_colour(channel: int) -> str:
    return CHANNEL_COLOURS[channel % len(CHANNEL_COLOURS)]


def state_colours(n_states: int) -> list:
    """Colour of memory state ``label`` at index ``label`` (8 qualitative colours for 3 bits)."""
    if n_states <= 8:
        return [matplotlib.colormaps["Dark2"](i) for i in range(n_states)]
    return [matplotlib.colormaps["turbo"](i / (n_states - 1)) for i in range(n_states)]


def _n_bits(n_states: int) -> int:
    n_bits = int(round(math.log2(n_states))) if n_states > 0 else -1
    if n_bits < 1 or 2**n_bits != n_states:
        raise ValueError(f"the number of memory states must be a power of two, got {n_states}")
    return n_bits


def _new_figure(width: float, height: float) -> Figure:
    # Constrained layout keeps titles, labels, colour bars and legends from overlapping.
    return Figure(figsize=(width, height), layout="constrained")


def _save(figure: Figure, path) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=DPI)


def _grid(figure: Figure, n_panels: int, columns: int, **subplot_kw) -> list:
    """``n_panels`` axes on a grid of at most ``columns`` columns, row by row."""
    if n_panels < 1:
        raise ValueError("a figure needs at least one panel, got none")
    columns = min(columns, n_panels)
    rows = math.ceil(n_panels / columns)
    return [figure.add_subplot(rows, columns, i + 1, **subplot_kw) for i in range(n_panels)]


def _grid_size(n_panels: int, columns: int, panel: float, extra_width: float = 0.0) -> tuple:
    """Figure size (inches) for ``_grid``: square panels of side ``panel``, a title above."""
    columns = min(columns, n_panels)
    return panel * columns + extra_width, panel * math.ceil(n_panels / columns) + 0.7


def _check_rank(name: str, array: np.ndarray, ndim: int) -> np.ndarray:
    array = np.asarray(array, dtype=float)
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    return array


def _wrap(text: str, width: int = 110) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _title(figure: Figure, title: str) -> None:
    """The figure's title, top left, wrapped to the figure's width (about 12 characters
    per inch at the title's size) so that a long name is never cut off."""
    figure.suptitle(_wrap(title, int(figure.get_figwidth() * 12)), x=0.01, ha="left")


# -------------------------------------------------------------------------- trials


def plot_trials(
    path,
    inputs,
    targets,
    outputs=None,
    *,
    title: str,
    trial_names=None,
    shade_states=False,
    ms_per_step: float = MS_PER_STEP,
) -> None:
    """Inputs, targets and, when given, outputs of some trials (paper Figs. 3 and 6A).

    Arrays are (trials, time, channels); one row of panels per channel, one column per
    trial.  The input has the channel's colour, the target is grey, the output black.
    With ``shade_states`` the background has the colour of the memory state the target
    holds, named in the top row, as in the state-space figures.
    """
    inputs = _check_rank("inputs", inputs, 3)
    targets = _check_rank("targets", targets, 3)
    if targets.shape[:2] != inputs.shape[:2]:
        raise ValueError(f"targets {targets.shape} and inputs {inputs.shape} differ in shape")
    if outputs is not None:
        outputs = _check_rank("outputs", outputs, 3)
        if outputs.shape != targets.shape:
            raise ValueError(f"outputs {outputs.shape} and targets {targets.shape} differ")
    n_trials, n_steps, n_inputs = inputs.shape
    n_outputs = targets.shape[-1]
    # One channel per row where every input has its output (the flip-flop, as the paper);
    # otherwise a row of every input channel above one row per output channel.
    paired = n_inputs == n_outputs
    n_rows = n_outputs if paired else 1 + n_outputs
    names = (
        list(trial_names) if trial_names is not None else [f"trial {i}" for i in range(n_trials)]
    )
    if len(names) != n_trials:
        raise ValueError(f"{len(names)} trial names for {n_trials} trials")
    time = np.arange(n_steps) * ms_per_step
    width = min(15.0, max(6.0, n_trials * max(3.6, n_steps / 120)))
    figure = _new_figure(width, 0.9 + 1.45 * n_rows)
    axes = figure.subplots(n_rows, n_trials, sharex=True, sharey=True, squeeze=False)
    for trial in range(n_trials):
        if not paired:
            ax = axes[0, trial]
            for channel in range(n_inputs):
                ax.plot(time, inputs[trial, :, channel], color=channel_colour(channel), lw=0.8)
            ax.axhline(0, color="0.85", lw=0.6, zorder=0)
            ax.set_title(names[trial], fontsize=9)
            if trial == 0:
                ax.set_ylabel(f"inputs\n{AMPLITUDE_LABEL}")
        for channel in range(n_outputs):
            row = channel if paired else channel + 1
            ax = axes[row, trial]
            colour = channel_colour(channel)
            ax.plot(time, targets[trial, :, channel], color=TARGET_COLOUR, lw=2.4, label="target")
            if paired:
                ax.plot(time, inputs[trial, :, channel], color=colour, lw=0.8, label="input")
            if outputs is not None:
                ax.plot(
                    time, outputs[trial, :, channel], color=OUTPUT_COLOUR, lw=1.1, label="output"
                )
            ax.axhline(0, color="0.85", lw=0.6, zorder=0)
            if shade_states:
                _shade_states(ax, targets[trial], named=channel == 0)
            if trial == 0:
                name = f"bit {channel}" if paired else f"output {channel}"
                ax.set_ylabel(f"{name}\n{AMPLITUDE_LABEL}", color=colour if paired else "black")
            if row == 0:
                ax.set_title(names[trial])
            if row == n_rows - 1:
                ax.set_xlabel(TIME_LABEL)
    low, high = axes[0, 0].get_ylim()
    # With state names, the top of each panel is kept free for them.
    axes[0, 0].set_ylim(min(low, -1.3), max(high, 1.8 if shade_states else 1.3))
    handles = [
        Line2D([], [], color=TARGET_COLOUR, lw=2.4, label="target"),
        Line2D([], [], color=channel_colour(0), lw=0.8, label="input (channel colour)"),
    ]
    if outputs is not None:
        handles.append(Line2D([], [], color=OUTPUT_COLOUR, lw=1.1, label="network output"))
    if shade_states:
        colour = state_colours(2**n_outputs)[-1]
        handles.append(Patch(color=colour, alpha=STATE_SHADE, label="memory state of the target"))
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    _title(figure, title)
    _save(figure, path)


def _shade_states(ax, targets: np.ndarray, named: bool) -> None:
    """Colour the time spans where the (time, channels) target holds a memory state."""
    labels = state_labels(targets)
    colours = state_colours(2 ** targets.shape[1])
    change = np.flatnonzero(np.diff(labels)) + 1
    steps = len(labels)
    for start, stop in zip([0, *change], [*change, steps], strict=True):
        label = labels[start]
        if label < 0:
            continue
        ax.axvspan(
            start * MS_PER_STEP, stop * MS_PER_STEP, color=colours[label], alpha=STATE_SHADE, lw=0
        )
        wide_px = (stop - start) / steps * ax.figure.get_figwidth() * DPI * 0.8
        if named and wide_px > 32:  # a name in a narrower span would crowd its neighbours
            ax.text(
                (start + stop) / 2 * MS_PER_STEP,
                0.97,
                state_name(label, targets.shape[1]),
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=8,
            )


# ------------------------------------------------------------------------ training


def plot_training_history(
    path, history: pd.DataFrame, *, title: str, loss_threshold=None, target_accuracy=None
) -> None:
    """Training and validation loss per epoch (log scale) and the validation accuracy,
    with the early-stopping threshold and accuracy target drawn when configured.

    ``history`` has the columns of ``history.tsv``: epoch, loss, val_loss, val_accuracy.
    """
    missing = {"epoch", "loss", "val_loss", "val_accuracy"} - set(history.columns)
    if missing:
        raise ValueError(f"history lacks the column(s) {sorted(missing)}")
    figure = _new_figure(10.0, 3.8)
    loss_ax, accuracy_ax = figure.subplots(1, 2)
    epochs = history["epoch"].to_numpy()
    for column, label, style in (
        ("loss", "training loss", {"color": "#0072B2", "marker": "o"}),
        ("val_loss", "validation loss", {"color": "#D55E00", "marker": "s"}),
    ):
        values = history[column].to_numpy(dtype=float)
        shown = np.isfinite(values) & (values > 0)  # a log axis shows positive values only
        loss_ax.plot(epochs[shown], values[shown], ms=3.5, lw=1.2, label=label, **style)
    if loss_threshold is not None:
        loss_ax.axhline(
            loss_threshold, **GUIDE_STYLE, label=f"early-stop threshold {loss_threshold:g}"
        )
    loss_ax.set_yscale("log")
    loss_ax.set(xlabel="epoch", ylabel="MSE loss (a.u.)", title="loss")
    accuracy = history["val_accuracy"].to_numpy(dtype=float)
    accuracy_ax.plot(epochs, accuracy, color="#009E73", marker="o", ms=3.5, lw=1.2)
    if target_accuracy is not None:
        accuracy_ax.axhline(
            target_accuracy, **GUIDE_STYLE, label=f"early-stop target {target_accuracy:g}"
        )
        accuracy_ax.legend(loc="best", fontsize=8)
    accuracy_ax.set_ylim(top=1.01)
    accuracy_ax.set(
        xlabel="epoch", ylabel="accuracy (the task's measure)", title="validation accuracy"
    )
    for ax in (loss_ax, accuracy_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    if len(history) == 0:
        for ax in (loss_ax, accuracy_ax):
            ax.text(0.5, 0.5, "no completed epoch", ha="center", transform=ax.transAxes)
    else:
        loss_ax.legend(fontsize=8)
    _title(figure, title)
    _save(figure, path)


# ------------------------------------------------------------------------- weights


def plot_connectivity(path, w_rec, *, title: str) -> None:
    """The recurrent connectivity matrix (paper Fig. 4 left) as the paper's W^Rec =
    ``W_rec.T``: row i holds the inputs of unit i, column j the outputs of unit j.
    Diverging colours centred at 0, symmetric limits at the largest |weight|."""
    matrix = _check_rank("w_rec", w_rec, 2).T
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"w_rec must be square, got shape {matrix.shape}")
    limit = float(np.nanmax(np.abs(matrix))) if matrix.size else 0.0
    limit = limit if limit > 0 else 1.0
    figure = _new_figure(5.6, 4.8)
    ax = figure.add_subplot()
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    figure.colorbar(image, ax=ax, label="weight $W^{Rec}_{ij}$ (a.u.)", shrink=0.9)
    ax.set(xlabel="pre-synaptic unit j", ylabel="post-synaptic unit i")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    _title(figure, title)
    _save(figure, path)


def plot_message(path, message: str, *, title: str) -> None:
    """A figure that says why there is nothing to draw, in place of an empty one."""
    figure = _new_figure(7.0, 2.5)
    ax = figure.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, _wrap(message, 70), ha="center", va="center", fontsize=12)
    _title(figure, title)
    _save(figure, path)


def plot_eigenvalue_spectra(path, spectra: dict, *, title: str, columns: int = 4) -> None:
    """Eigenvalues in the complex plane, one panel per entry of ``spectra`` (panel title ->
    eigenvalues), with the unit circle and the eigenvalue of largest real part (the
    dominant one of :func:`rnn_ensembles.analysis.spectrum`) marked (Figs. 4 right, 5)."""
    figure = _new_figure(*_grid_size(len(spectra), columns, 3.4))
    axes = _grid(figure, len(spectra), columns)
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 361))
    for ax, (name, eigenvalues) in zip(axes, spectra.items(), strict=True):
        eigenvalues = np.asarray(eigenvalues, dtype=complex)
        if eigenvalues.ndim != 1 or eigenvalues.size == 0:
            raise ValueError(f"{name}: eigenvalues must be a non-empty vector")
        dominant = eigenvalues[np.argmax(eigenvalues.real)]
        radius = float(np.max(np.abs(eigenvalues)))
        outside = int(np.sum(np.abs(eigenvalues) > 1 + UNIT_CIRCLE_TOLERANCE))
        ax.plot(circle.real, circle.imag, **GUIDE_STYLE)
        ax.axhline(0, color="0.85", lw=0.6, zorder=0)
        ax.axvline(0, color="0.85", lw=0.6, zorder=0)
        size = float(np.clip(300 / np.sqrt(eigenvalues.size), 6, 40))
        ax.scatter(eigenvalues.real, eigenvalues.imag, s=size, color=EIGENVALUE_COLOUR, lw=0)
        ax.scatter(
            [dominant.real], [dominant.imag], s=160, marker="*", color=DOMINANT_COLOUR, zorder=3
        )
        reach = max(1.15, 1.08 * radius)
        ax.set(xlim=(-reach, reach), ylim=(-reach, reach), aspect="equal")
        ax.set_title(
            f"{name}\nradius {radius:.3f}, {outside} of {eigenvalues.size} outside", fontsize=10
        )
        ax.set(xlabel="Re \u03bb", ylabel="Im \u03bb")
    handles = [
        Line2D([], [], **GUIDE_STYLE, label="unit circle"),
        Line2D([], [], ls="", marker="o", ms=4, color=EIGENVALUE_COLOUR, label="eigenvalue"),
        Line2D([], [], ls="", marker="*", ms=11, color=DOMINANT_COLOUR, label="largest real part"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    _title(figure, title)
    _save(figure, path)


# --------------------------------------------------------------------- state space


class StateSpace(NamedTuple):
    """One network's activity on the probe trials in its SVD space.

    projection: (time, 3) activity of the flip-flop's eight-states trial on the first three
    components, or (conditions, time, 3) the condition-averaged trajectories of another
    task's probe trials; state_positions: (states, 3) mean position of every memory state or
    condition end state (NaN where never reached); explained_variance_ratio: (3,) or None;
    fixed_points: None or a pair (projection (k, 3) of fixed points on the same components,
    stability (k,) of each: stable, saddle, unstable); names: None for the flip-flop's
    memory states (the hypercube), else the name of each condition.
    """

    projection: np.ndarray
    state_positions: np.ndarray
    explained_variance_ratio: np.ndarray | None = None
    fixed_points: tuple | None = None
    names: tuple | None = None


MAX_LEGEND_STATES = 16


def cube_edges(n_states: int) -> list[tuple[int, int]]:
    """Pairs of memory states one bit apart: the edges of the hypercube."""
    return [
        (a, b) for a in range(n_states) for b in range(a + 1, n_states) if (a ^ b).bit_count() == 1
    ]


def plot_state_spaces(path, panels: dict, *, title: str, columns: int = 3) -> None:
    """Activity on the first three SVD components, one 3D panel per :class:`StateSpace` of
    ``panels`` (panel title -> state space): the trajectory in grey, every memory state as a
    point in its colour, and the hypercube edges joining states one bit apart (Figs. 6C, 7)."""
    n_states = {np.shape(p.state_positions)[0] for p in panels.values()}
    if len(n_states) != 1:
        raise ValueError(f"all panels need the same number of memory states, got {n_states}")
    n_states = n_states.pop()
    names = next(iter(panels.values())).names
    cube = names is None
    if cube:
        n_bits = _n_bits(n_states)
        names = [state_name(i, n_bits) for i in range(n_states)]
    colours = state_colours(n_states)
    panel_size = 4.8 if len(panels) == 1 else 3.9
    figure = _new_figure(*_grid_size(len(panels), columns, panel_size, extra_width=1.3))
    axes = _grid(figure, len(panels), columns, projection="3d")
    for ax, (name, panel) in zip(axes, panels.items(), strict=True):
        positions = _check_rank(f"{name}: state_positions", panel.state_positions, 2)[:, :3]
        if cube:
            projection = _check_rank(f"{name}: projection", panel.projection, 2)[:, :3]
            ax.plot(*projection.T, color=TRAJECTORY_COLOUR, lw=0.6)
            for a, b in cube_edges(n_states):
                if np.all(np.isfinite(positions[[a, b]])):
                    ax.plot(*positions[[a, b]].T, color="0.15", lw=1.2)
        else:  # one condition-averaged trajectory per state, in the state's colour
            projection = _check_rank(f"{name}: projection", panel.projection, 3)[..., :3]
            for i, trajectory in enumerate(projection):
                ax.plot(*trajectory.T, color=colours[i], lw=0.8)
        if projection.shape[-1] != 3 or positions.shape[1] != 3:
            raise ValueError(f"{name}: need 3 components, got {projection.shape[-1]}")
        reached = np.all(np.isfinite(positions), axis=1)
        ax.scatter(
            *positions[reached].T,
            c=[colours[i] for i in np.flatnonzero(reached)],
            s=55,
            edgecolors="black",
            linewidths=0.6,
            depthshade=False,
        )
        if panel.fixed_points is not None:
            _draw_fixed_points(ax, *panel.fixed_points)
        ax.set_xlabel("SVD 1 (a.u.)", labelpad=-2)
        ax.set_ylabel("SVD 2 (a.u.)", labelpad=-2)
        ax.set_zlabel("SVD 3 (a.u.)", labelpad=-2)
        ax.tick_params(labelsize=7, pad=-1)
        ax.set_box_aspect(None, zoom=0.88)  # room for the axis labels inside the panel
        subtitle = name
        if panel.explained_variance_ratio is not None:
            share = float(np.nansum(panel.explained_variance_ratio))
            subtitle += f"\n{share:.0%} of variance"
        if not reached.all():
            subtitle += f", {int((~reached).sum())} state(s) never held"
        ax.set_title(subtitle, fontsize=10)
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            ms=7,
            mfc=colours[i],
            mec="black",
            label=names[i],
        )
        for i in range(n_states)
    ][:MAX_LEGEND_STATES]
    if n_states > MAX_LEGEND_STATES:
        handles.append(Line2D([], [], ls="", label=f"... {n_states - MAX_LEGEND_STATES} more"))
    if cube:
        handles.append(Line2D([], [], color="0.15", lw=1.2, label="one bit apart"))
        handles.append(Line2D([], [], color=TRAJECTORY_COLOUR, lw=0.8, label="trajectory"))
    else:
        handles.append(Line2D([], [], color="0.15", lw=0.8, label="mean trajectory"))
    if any(panel.fixed_points is not None for panel in panels.values()):
        handles.extend(_fixed_point_handles())
    figure.legend(
        handles=handles,
        loc="outside right center",
        title=(
            "memory state\n(sign of bit " + " ".join(str(k) for k in range(n_bits)) + ")"
            if cube
            else "condition (end state)"
        ),
        frameon=False,
        fontsize=9,
    )
    _title(figure, title)
    _save(figure, path)


# ------------------------------------------------------------------------ ensemble


def _size_axis(ax, sizes) -> None:
    """Network sizes on a log axis (sizes usually double), ticks at the sizes themselves."""
    sizes = sorted({int(s) for s in sizes})
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(sizes))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(s) for s in sizes])
    ax.set_xlim(sizes[0] / 1.5, sizes[-1] * 1.5)
    ax.set_xlabel("network size N (units)")
    ax.grid(alpha=0.3)


def _jittered(sizes: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Spread the networks of one size a little sideways (multiplicatively: log axis)."""
    ranks = pd.Series(seeds).groupby(pd.Series(sizes)).rank(method="first").to_numpy() - 1
    counts = pd.Series(sizes).map(pd.Series(sizes).value_counts()).to_numpy()
    return sizes * 2 ** (0.08 * (ranks - (counts - 1) / 2) / np.maximum(1, counts / 4))


def plot_performance_by_size(
    path,
    networks: pd.DataFrame,
    sizes: pd.DataFrame,
    *,
    title: str,
    accuracy: float,
    fraction: float,
    minimal_size,
    criterion: str,
) -> None:
    """Test error, accuracy and success rate against network size.

    ``networks`` is ``networks.tsv`` (one row per network; ``missing`` ones are left out),
    ``sizes`` is ``sizes.tsv``; every network is a point (filled: success), every size a
    summary, the success rate has its Wilson interval, and the minimal size and the
    criterion are written on the figure.
    """
    present = networks[~networks["missing"].astype(bool)]
    x = _jittered(present["size"].to_numpy(float), present["seed"].to_numpy())
    success = present["success"].astype(bool).to_numpy()
    figure = _new_figure(13.0, 4.4)
    error_ax, accuracy_ax, rate_ax = figure.subplots(1, 3)
    for ax, column in (
        (error_ax, "euclidean_error_mean"),
        (accuracy_ax, "accuracy"),
    ):
        values = present[column].to_numpy(float) if column in present else np.full(len(x), np.nan)
        ax.scatter(x[success], values[success], s=28, color=SUCCESS_COLOUR, label="success")
        ax.scatter(
            x[~success],
            values[~success],
            s=28,
            facecolors="none",
            edgecolors=FAILURE_COLOUR,
            label="failure",
        )
    error_ax.errorbar(
        sizes["size"],
        sizes["euclidean_error_mean"],
        yerr=sizes["euclidean_error_sd"].fillna(0),
        color="black",
        marker="D",
        ms=5,
        capsize=3,
        label="mean \u00b1 sd",
    )
    error_ax.set(ylabel="Euclidean error per test trial (a.u.)", title="test error")
    mean_accuracy = present.groupby("size")["accuracy"].mean()
    accuracy_ax.plot(
        mean_accuracy.index, mean_accuracy.to_numpy(), color="black", marker="D", ms=5, label="mean"
    )
    accuracy_ax.axhline(accuracy, **GUIDE_STYLE, label=f"success threshold {accuracy:g}")
    accuracy_ax.set(ylabel="test accuracy (the task's measure)", title="accuracy")
    accuracy_ax.set_ylim(top=1.01)
    rate = sizes["success_rate"].to_numpy(float)
    rate_ax.errorbar(
        sizes["size"],
        rate,
        yerr=[rate - sizes["success_rate_low"], sizes["success_rate_high"] - rate],
        color="black",
        marker="o",
        capsize=4,
        label="success rate, 95 % Wilson interval",
    )
    for size, k, n, r in zip(
        sizes["size"], sizes["successes"], sizes["networks"], rate, strict=True
    ):
        rate_ax.annotate(
            f"{k}/{n}", (size, r), xytext=(6, 4), textcoords="offset points", fontsize=8
        )
    rate_ax.axhline(fraction, **GUIDE_STYLE, label=f"required fraction {fraction:g}")
    if minimal_size is not None:
        rate_ax.axvline(
            minimal_size,
            color=SUCCESS_COLOUR,
            lw=2,
            alpha=0.6,
            label=f"minimal size N = {minimal_size}",
        )
        verdict = f"minimal size: N = {minimal_size}"
    else:
        verdict = "no size meets the criterion"
    rate_ax.set(ylabel="fraction of networks that succeed", title=verdict, ylim=(-0.03, 1.08))
    for ax in (error_ax, accuracy_ax, rate_ax):
        _size_axis(ax, sizes["size"])
        ax.legend(fontsize=8, loc="best")
    _title(figure, title)
    figure.supxlabel(_wrap("criterion: " + criterion, 150), fontsize=9)
    _save(figure, path)


def plot_variants_by_size(
    path, variants: pd.DataFrame, networks: pd.DataFrame, *, title: str, accuracy, fraction
) -> None:
    """Every variant side by side against network size: mean test accuracy and the
    success rate with its Wilson interval, one line per variant, its minimal size marked.

    ``variants`` is ``variants.tsv`` (one row per variant and size), ``networks`` the
    variants' ``networks.tsv`` together, with a ``variant`` column.
    """
    figure = _new_figure(12.0, 4.6)
    accuracy_ax, rate_ax = figure.subplots(1, 2)
    names = list(dict.fromkeys(variants["variant"]))
    colours = matplotlib.colormaps["tab10"]
    present = networks[~networks["missing"].astype(bool)]
    for i, name in enumerate(names):
        colour = colours(i % 10)
        rows = variants[variants["variant"] == name].sort_values("size")
        mean = present[present["variant"] == name].groupby("size")["accuracy"].mean()
        accuracy_ax.plot(mean.index, mean.to_numpy(), marker="o", color=colour, label=name)
        rate = rows["success_rate"].to_numpy(float)
        minimal = rows["minimal_size"].iloc[0]
        label = f"{name}: minimal N = {int(minimal)}" if pd.notna(minimal) else f"{name}: none"
        rate_ax.errorbar(
            rows["size"],
            rate,
            yerr=[rate - rows["success_rate_low"], rows["success_rate_high"] - rate],
            color=colour,
            marker="o",
            capsize=3,
            label=label,
        )
        if pd.notna(minimal):
            rate_ax.axvline(minimal, color=colour, lw=2, alpha=0.35)
    accuracy_ax.axhline(accuracy, **GUIDE_STYLE, label=f"success threshold {accuracy:g}")
    accuracy_ax.set(ylabel="mean test accuracy", title="accuracy")
    rate_ax.axhline(fraction, **GUIDE_STYLE, label=f"required fraction {fraction:g}")
    rate_ax.set(
        ylabel="fraction of networks that succeed", title="success rate", ylim=(-0.03, 1.08)
    )
    for ax in (accuracy_ax, rate_ax):
        _size_axis(ax, variants["size"])
        ax.legend(fontsize=8, loc="best")
    _title(figure, title)
    _save(figure, path)


def disparity_matrix(pairs: pd.DataFrame, seeds) -> np.ndarray:
    """Symmetric (seeds, seeds) matrix of the ``procrustes_disparity`` of ``pairs`` (rows
    seed_a, seed_b), 0 on the diagonal, NaN where a pair has no value."""
    seeds = list(seeds)
    index = {seed: i for i, seed in enumerate(seeds)}
    matrix = np.full((len(seeds), len(seeds)), np.nan)
    np.fill_diagonal(matrix, 0.0)
    for a, b, value in zip(
        pairs["seed_a"], pairs["seed_b"], pairs["procrustes_disparity"], strict=True
    ):
        if a not in index or b not in index:
            raise ValueError(f"pair of seeds ({a}, {b}) is not among the seeds {seeds}")
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = value
    return matrix


def plot_disparity_matrix(path, pairs: pd.DataFrame, seeds, *, title: str) -> None:
    """Heat map of the Procrustes disparity between the memory-state configurations of every
    pair of realisations of one size (rows of ``realisation_pairs.tsv``); grey: undefined."""
    seeds = list(seeds)
    matrix = disparity_matrix(pairs, seeds)
    finite = matrix[np.isfinite(matrix)]
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    side = 2.2 + 0.45 * len(seeds)
    figure = _new_figure(side + 1.6, side)
    ax = figure.add_subplot()
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.85")
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=0, vmax=top)
    figure.colorbar(image, ax=ax, label="Procrustes disparity (0 = same shape)", shrink=0.9)
    labels = [f"seed {s}" for s in seeds]
    ax.set_xticks(range(len(seeds)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(seeds)), labels)
    if len(seeds) <= 12:
        for (i, j), value in np.ndenumerate(matrix):
            text = "n/a" if np.isnan(value) else f"{value:.2f}"
            dark = np.isfinite(value) and value < 0.6 * top
            ax.text(
                j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black"
            )
    _title(figure, title)
    _save(figure, path)


# ----------------------------------------------------------- dynamics and comparison

# Fixed points drawn over a state space: a ring around a stable point (the memory state it
# holds shows through), crosses for saddles, open triangles for unstable points.
FIXED_POINT_STYLE = {
    "stable": {"marker": "o", "s": 170, "facecolors": "none", "edgecolors": "black", "lw": 1.6},
    "saddle": {"marker": "x", "s": 45, "color": "#C00000", "lw": 1.4},
    "unstable": {"marker": "^", "s": 50, "facecolors": "none", "edgecolors": "#7B3294", "lw": 1.3},
}
PERTURBATION_AXES = {
    "noise": ("input noise (standard deviation)", "input noise"),
    "amplitude": ("pulse amplitude (factor)", "pulse amplitude"),
    "prune_magnitude": ("fraction of W_rec set to 0", "pruning, smallest |w| first"),
    "prune_random": ("fraction of W_rec set to 0", "pruning, at random"),
}


def _draw_fixed_points(ax, projection: np.ndarray, stability: np.ndarray) -> None:
    projection = _check_rank("fixed point projection", projection, 2)[:, :3]
    stability = np.asarray(stability).astype(str)
    for kind, style in FIXED_POINT_STYLE.items():
        mask = stability == kind
        if mask.any():
            ax.scatter(*projection[mask].T, depthshade=False, zorder=4, **style)


def _fixed_point_handles() -> list:
    handles = []
    for kind, style in FIXED_POINT_STYLE.items():
        colour = style.get("edgecolors", style.get("color"))
        filled = "facecolors" not in style
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker=style["marker"],
                ms=9 if kind == "stable" else 6,
                mfc=colour if filled else "none",
                mec=colour,
                color=colour,
                label=f"{kind} fixed point",
            )
        )
    return handles


VERDICT_COLOURS = {"right": SUCCESS_COLOUR, "wrong": FAILURE_COLOUR, "off": "#E69F00"}


def plot_topology(
    path,
    projection: np.ndarray,
    stability,
    codes,
    links,
    transitions,
    trajectory: np.ndarray,
    *,
    title: str,
) -> None:
    """A network's topology graph over the plane of its first two SVD components: the
    fixed points (``projection`` (k, 2), their ``stability`` and readout ``codes``), a grey
    line per saddle link (pairs of node indices), an arrow per input-driven transition
    (source, target, verdict) coloured by its verdict, over the probe ``trajectory``: one
    (time, components) or one per condition (conditions, time, components)."""
    projection = _check_rank("fixed point projection", projection, 2)[:, :2]
    trajectory = np.asarray(trajectory, dtype=float)
    if trajectory.ndim not in (2, 3):
        raise ValueError(
            "trajectory must be (time, components) or (conditions, time, components), "
            f"got shape {trajectory.shape}"
        )
    stability = np.asarray(stability).astype(str)
    figure = _new_figure(8.5, 7.0)
    ax = figure.add_subplot()
    for condition in trajectory.reshape(-1, *trajectory.shape[-2:])[..., :2]:
        ax.plot(*condition.T, color=TRAJECTORY_COLOUR, lw=0.8, zorder=1)
    for saddle, target in links:
        ax.plot(*projection[[saddle, target]].T, color="0.55", lw=1.0, ls=":", zorder=2)
    seen = set()
    for source, target, verdict in transitions:
        if source == target:
            continue  # an event that leaves the state unchanged draws no arrow
        colour = VERDICT_COLOURS.get(verdict, "0.3")
        ax.annotate(
            "",
            xy=projection[target],
            xytext=projection[source],
            arrowprops={
                "arrowstyle": "->",
                "color": colour,
                "lw": 1.1,
                "alpha": 0.8,
                "connectionstyle": "arc3,rad=0.12",
            },
            zorder=3,
        )
        seen.add(verdict)
    for kind, style in FIXED_POINT_STYLE.items():
        mask = stability == kind
        if mask.any():
            ax.scatter(*projection[mask].T, zorder=4, **style)
    for (x, y), code, kind in zip(projection, codes, stability, strict=True):
        if kind == "stable":
            ax.annotate(code, (x, y), textcoords="offset points", xytext=(7, 5), fontsize=8)
    handles = _fixed_point_handles()
    handles.append(Line2D([], [], color="0.55", ls=":", label="saddle -> where it settles"))
    handles += [
        Line2D([], [], color=VERDICT_COLOURS.get(v, "0.3"), label=f"input event: {v}")
        for v in ("right", "wrong", "off")
        if v in seen
    ]
    ax.legend(handles=handles, fontsize=8, loc="best")
    ax.set(xlabel="SVD component 1", ylabel="SVD component 2")
    _title(figure, title)
    _save(figure, path)


def plot_robustness(path, curves: pd.DataFrame, *, title: str, accuracy: float | None = None):
    """Sign accuracy against the level of every perturbation, one panel each, one line per
    value of the ``curve`` column (a network, or a size with its ``accuracy_sd`` as a
    band); rows with a true ``external`` column are dashed.  ``accuracy``: the success
    threshold, drawn as a guide."""
    names = list(dict.fromkeys(curves["curve"]))
    cmap = matplotlib.colormaps["viridis"]
    colours = {n: cmap(0.85 * i / max(1, len(names) - 1)) for i, n in enumerate(names)}
    figure = _new_figure(14.0, 4.2)
    axes = figure.subplots(1, len(PERTURBATION_AXES), sharey=True)
    for ax, (kind, (xlabel, panel_title)) in zip(axes, PERTURBATION_AXES.items(), strict=True):
        for name in names:
            rows = curves[(curves["curve"] == name) & (curves["perturbation"] == kind)]
            rows = rows.sort_values("level")
            if rows.empty:
                continue
            external = bool(rows.get("external", pd.Series([False])).iloc[0])
            y = rows["accuracy"].to_numpy(float)
            ax.plot(
                rows["level"],
                y,
                marker="o",
                ms=3.5,
                color=colours[name],
                ls="--" if external else "-",
                label=name,
            )
            if "accuracy_sd" in rows and rows["accuracy_sd"].notna().any():
                sd = rows["accuracy_sd"].fillna(0).to_numpy(float)
                ax.fill_between(rows["level"], y - sd, y + sd, color=colours[name], alpha=0.15)
        if accuracy is not None:
            ax.axhline(accuracy, **GUIDE_STYLE)
        ax.axhline(0.5, color="0.8", lw=0.8, zorder=0)  # chance: the sign of a coin
        ax.set(xlabel=xlabel, title=panel_title)
        ax.grid(alpha=0.3)
    axes[0].set(ylabel="accuracy (the task's measure)", ylim=(0.3, 1.02))
    handles, labels = axes[0].get_legend_handles_labels()
    if accuracy is not None:
        handles.append(Line2D([], [], **GUIDE_STYLE))
        labels.append(f"success threshold {accuracy:g}")
    figure.legend(handles, labels, loc="outside right center", frameon=False, fontsize=8)
    _title(figure, title)
    _save(figure, path)


def plot_distance_matrices(
    path, matrices: dict, *, title: str, method: str, n_clusters: int
) -> None:
    """Heat maps of the distances between networks (one panel per entry of ``matrices``:
    panel title -> square DataFrame), rows and columns in the leaf order of the
    hierarchical clustering drawn above each, its clusters coloured; networks whose
    distances are undefined come last, without a dendrogram.  Each tick label is coloured by
    the network's variant (the first part of its label, ``<variant>/N<size>/seed<seed>``),
    so that one sees whether the clusters follow the architectures."""
    from scipy.cluster import hierarchy

    from rnn_ensembles.comparison import cut_height, defined_labels, linkage

    n = max(len(m) for m in matrices.values())
    side = 2.6 + 0.28 * n
    figure = _new_figure(len(matrices) * (side + 1.2), side + 1.9)
    grid = figure.add_gridspec(2, len(matrices), height_ratios=[1, 4])
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.85")
    variants = dict.fromkeys(
        str(label).split("/", 1)[0] for m in matrices.values() for label in m.index
    )
    palette = matplotlib.colormaps["tab10"]
    variant_colours = {v: palette(i % 10) for i, v in enumerate(variants)}
    for column, (name, matrix) in enumerate(matrices.items()):
        labels = defined_labels(matrix)
        top_ax = figure.add_subplot(grid[0, column])
        ax = figure.add_subplot(grid[1, column])
        order = labels
        if len(labels) > 1:
            tree = linkage(matrix.loc[labels, labels], method)
            drawn = hierarchy.dendrogram(
                tree,
                ax=top_ax,
                no_labels=True,
                color_threshold=cut_height(tree, n_clusters),
                above_threshold_color="0.45",
            )
            order = [labels[i] for i in drawn["leaves"]]
        order += [label for label in matrix.index if label not in order]
        size = len(order)
        top_ax.set(xlim=(0, 10 * size), title=name)
        top_ax.axis("off")
        values = matrix.loc[order, order].to_numpy(float)
        image = ax.imshow(
            np.ma.masked_invalid(values),
            cmap=cmap,
            extent=(0, 10 * size, 10 * size, 0),
            interpolation="nearest",
        )
        ticks = 10 * np.arange(size) + 5
        ax.set_xticks(ticks, order, rotation=90, fontsize=7)
        ax.set_yticks(ticks, order, fontsize=7)
        for tick in (*ax.get_xticklabels(), *ax.get_yticklabels()):
            tick.set_color(variant_colours[str(tick.get_text()).split("/", 1)[0]])
        figure.colorbar(image, ax=ax, shrink=0.8, label="distance")
    _title(figure, title)
    _save(figure, path)


def plot_fixed_points_by_size(path, table: pd.DataFrame, *, title: str, n_states: int) -> None:
    """Per network (``fixed_points.tsv`` rows with ``n_units``), against its size: the
    number of stable fixed points, of memory states with a stable fixed point nearby, and
    of saddles, one colour per variant (the ``variant`` column, when there is one); networks
    trained elsewhere (``network`` starting with ``external/``) as diamonds."""
    external = table["network"].str.startswith("external/").to_numpy()
    variant = table["variant"] if "variant" in table else pd.Series("ensemble", table.index)
    variants = list(dict.fromkeys(variant[~external]))
    palette = matplotlib.colormaps["tab10"]
    sizes = table["n_units"].to_numpy(float)
    x = _jittered(sizes, np.arange(len(table)))
    figure = _new_figure(13.0, 4.2)
    axes = figure.subplots(1, 3)
    for ax, column, panel_title in (
        (axes[0], "n_stable", "stable fixed points"),
        (axes[1], "memory_states_matched", "memory states held by a stable fixed point"),
        (axes[2], "n_saddle", "saddle points"),
    ):
        values = table[column].to_numpy(float)
        for i, name in enumerate(variants):
            chosen = (variant == name).to_numpy() & ~external
            colour = "black" if len(variants) == 1 else palette(i % 10)
            ax.scatter(x[chosen], values[chosen], s=30, color=colour, label=name)
        if external.any():
            ax.scatter(
                x[external],
                values[external],
                s=60,
                marker="D",
                color=DOMINANT_COLOUR,
                label="trained elsewhere",
            )
        if column != "n_saddle":
            ax.axhline(n_states, **GUIDE_STYLE, label=f"{n_states} memory states")
        _size_axis(ax, sizes)
        ax.set(title=panel_title, ylabel="count per network")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8, loc="best")
    _title(figure, title)
    _save(figure, path)


# -------------------------------------------------------------------- psychometric

PSYCHOMETRIC_VALUES = ("n_trials", "fraction_plus", "accuracy")


def plot_psychometric(path, table: pd.DataFrame, memory=None, *, title: str) -> None:
    """Fraction of +1 choices against the condition, one line per network size (mean over
    seeds, the band their standard deviation); with a ``memory`` table (size, seed, time_ms,
    r2, condition) one more panel: the cross-validated R^2 of the condition decoded from the
    activity at every step, per size.

    ``table`` has a task's psychometric columns (rnn_ensembles.stages.aggregate.
    summarise_psychometric) with ``size`` and ``seed``. With a ``coherence`` column the x
    axis is the signed coherence, and every combination of the other condition columns
    (context, relevant or irrelevant) is a panel (Mante et al. 2013, Fig. 1); otherwise
    every combination of the condition columns (an (f1, f2) pair) is a point on the x axis.
    """
    conditions = [
        c for c in table.columns if c not in ("variant", "size", "seed", *PSYCHOMETRIC_VALUES)
    ]
    if not conditions:
        raise ValueError("the psychometric table has no condition column")
    # "stream" only names the stream that "coherence" is of: implied by the other columns.
    grouping = [c for c in conditions if c not in ("coherence", "stream")]
    by_coherence = "coherence" in conditions
    if not by_coherence:  # every condition combination is one x position
        table = table.assign(
            condition=table[conditions].astype(str).agg(", ".join, axis=1), panel=""
        )
        x, grouping = "condition", []
    else:
        x = "coherence"
    if grouping:
        table = table.assign(panel=table[grouping].astype(str).agg(", ".join, axis=1))
    elif "panel" not in table:
        table = table.assign(panel="")
    panels = list(dict.fromkeys(table["panel"]))
    sizes = sorted(table["size"].unique())
    colours = matplotlib.colormaps["viridis"]
    decoded = memory is not None and len(memory) > 0
    figure = _new_figure(*_grid_size(len(panels) + decoded, 2, 4.2, extra_width=1.2))
    axes = _grid(figure, len(panels) + decoded, 2)
    if decoded:
        ax = axes[-1]
        for i, size in enumerate(sizes):
            per_step = memory[memory["size"] == size].groupby("time_ms")["r2"]
            mean, sd = per_step.mean(), per_step.std().fillna(0.0)
            colour = colours(i / max(1, len(sizes) - 1))
            ax.plot(mean.index, mean.to_numpy(), color=colour, lw=1.2, label=f"N = {size}")
            ax.fill_between(mean.index, mean - sd, mean + sd, color=colour, alpha=0.15)
        condition = str(memory["condition"].iloc[0])
        ax.set(
            xlabel=TIME_LABEL,
            ylabel="cross-validated R\u00b2",
            ylim=(-0.1, 1.02),
            title=f"{condition} decoded from the activity",
        )
        ax.grid(alpha=0.3)
    for ax, panel in zip(axes, panels, strict=False):
        rows = table[table["panel"] == panel]
        order = list(dict.fromkeys(rows[x])) if not by_coherence else None
        for i, size in enumerate(sizes):
            per_size = rows[rows["size"] == size].groupby(x, sort=by_coherence)["fraction_plus"]
            mean, sd = per_size.mean(), per_size.std().fillna(0.0)
            if order is not None:
                mean, sd = mean.reindex(order), sd.reindex(order)
            positions = mean.index.to_numpy(float) if by_coherence else np.arange(len(mean))
            colour = colours(i / max(1, len(sizes) - 1))
            ax.plot(
                positions, mean.to_numpy(), marker="o", ms=3.5, color=colour, label=f"N = {size}"
            )
            ax.fill_between(
                positions, (mean - sd).to_numpy(), (mean + sd).to_numpy(), color=colour, alpha=0.15
            )
        if by_coherence:
            ax.axvline(0, **GUIDE_STYLE)
            ax.set(xlabel="signed coherence")
        else:
            ax.set_xticks(np.arange(len(order)), order, rotation=30, ha="right", fontsize=8)
            ax.set(xlabel=", ".join(conditions))
        ax.axhline(0.5, **GUIDE_STYLE)
        ax.set(ylabel="fraction of +1 choices", ylim=(-0.03, 1.03), title=panel or None)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    _title(figure, title)
    _save(figure, path)


# ------------------------------------------------------------------ solution types


def _type_colours(types) -> dict:
    """Solution type -> colour, type 1 (the most frequent) first."""
    palette = matplotlib.colormaps["tab20"]
    return {kind: palette(i % 20) for i, kind in enumerate(sorted(set(types)))}


def plot_solution_types(path, counts: pd.DataFrame, *, title: str) -> None:
    """Per variant, the fraction of its networks of each solution type (stacked bars)
    against network size, with the count of networks on each bar."""
    variants = list(dict.fromkeys(counts["variant"]))
    colours = _type_colours(counts["solution_type"])
    figure = _new_figure(*_grid_size(len(variants), 3, 4.2, extra_width=1.6))
    for ax, variant in zip(_grid(figure, len(variants), 3), variants, strict=True):
        part = counts[counts["variant"] == variant]
        table = part.pivot_table(
            index="size", columns="solution_type", values="fraction", fill_value=0.0
        ).sort_index()
        totals = part.groupby("size")["count"].sum().reindex(table.index)
        positions = np.arange(len(table))
        bottom = np.zeros(len(table))
        for kind in table.columns:
            ax.bar(positions, table[kind], bottom=bottom, color=colours[kind], width=0.7)
            bottom += table[kind].to_numpy()
        for x, total in zip(positions, totals, strict=True):
            ax.text(x, 1.01, f"{total}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(positions, [str(n) for n in table.index])
        ax.set(title=variant, xlabel="network size N", ylabel="fraction of networks", ylim=(0, 1.1))
    handles = [Patch(color=colour, label=f"type {kind}") for kind, colour in colours.items()]
    figure.legend(handles=handles, loc="outside right center", fontsize=8)
    _title(figure, title)
    _save(figure, path)


def plot_geometry_topology(path, embedded: pd.DataFrame, *, title: str) -> None:
    """Every network at its MDS coordinates of each distance (rows), coloured by solution
    type, by variant and by size (columns)."""
    distances = list(dict.fromkeys(embedded["distance"]))
    colourings = {
        "solution type": _type_colours(embedded["solution_type"]),
        "variant": {
            v: matplotlib.colormaps["tab10"](i % 10)
            for i, v in enumerate(dict.fromkeys(embedded["variant"]))
        },
    }
    columns = {"solution type": "solution_type", "variant": "variant", "size": "size"}
    figure = _new_figure(13.5, 3.8 * len(distances) + 0.8)
    axes = figure.subplots(len(distances), 3, squeeze=False)
    sizes = np.log2(embedded["size"].to_numpy(float))
    for row, distance in enumerate(distances):
        chosen = (embedded["distance"] == distance).to_numpy()
        part = embedded[chosen]
        for col, (name, column) in enumerate(columns.items()):
            ax = axes[row, col]
            if name == "size":
                points = ax.scatter(
                    part["x"],
                    part["y"],
                    c=sizes[chosen],
                    cmap="viridis",
                    s=28,
                    vmin=sizes.min(),
                    vmax=sizes.max(),
                )
                bar = figure.colorbar(points, ax=ax)
                bar.set_label("log2 N")
            else:
                for value, colour in colourings[name].items():
                    mine = part[column] == value
                    if mine.any():
                        label = f"type {value}" if name == "solution type" else str(value)
                        ax.scatter(
                            part["x"][mine], part["y"][mine], color=colour, s=28, label=label
                        )
                ax.legend(fontsize=7, loc="best")
            ax.set(title=f"{distance}: by {name}", xlabel="MDS 1", ylabel="MDS 2")
    _title(figure, title)
    _save(figure, path)
