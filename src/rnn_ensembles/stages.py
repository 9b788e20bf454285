"""One function per workflow stage, from file paths and config values to files.

The Snakemake scripts in ``workflow/scripts`` only unpack ``snakemake.input``,
``output`` and ``params`` and call one of these, so every stage can be run and
tested without Snakemake.

Only numpy and h5py are imported here at the top: pandas, scipy, matplotlib and TensorFlow
come inside the stages that need them, so that the analysis job of each network, a
fraction of its training's cost, does not spend seconds importing what it never uses.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from rnn_ensembles import analysis, dataset
from rnn_ensembles.io import (
    DataFileError,
    atomic_path,
    check_format,
    open_h5,
    read_array,
    read_json,
    write_json,
)
from rnn_ensembles.network import Network

log = logging.getLogger("rnn_ensembles")


def make_dataset(output, task: dict, splits: dict, seed: int) -> None:
    """Generate a task's splits and write them to ``output`` (HDF5)."""
    params = {k: v for k, v in task.items() if k != "kind"}
    data = dataset.generate(task["kind"], params, splits, seed)
    for name, (inputs, _) in data.splits.items():
        log.info("%s: %d trials of %d steps", name, inputs.shape[0], inputs.shape[1])
    dataset.write(data, output)


def train_network(
    dataset_path,
    outputs: dict,
    architecture: str,
    size: int,
    seed: int,
    training: dict,
    threads: int = 1,
    checkpoint_dir=None,
    model_options: dict | None = None,
) -> None:
    """Train one network and write ``outputs``: model (.keras), weights, initial weights
    (all HDF5 with named arrays) and history (TSV). ``model_options`` go to the
    architecture's ``build`` (e.g. ``recurrent_initializer``)."""
    from rnn_ensembles import training as tr

    config = tr.TrainingConfig(**training)
    # The input is checked before TensorFlow is loaded: a bad file fails in a second.
    data = dataset.read(dataset_path, splits=("train", "validation"))
    tr.configure_tensorflow(threads, config.deterministic)
    log.info(
        "training %s N=%d seed=%d on %s (%s)",
        architecture,
        size,
        seed,
        dataset_path,
        tr.device_name(),
    )
    initial = {}

    def keep_initial(model):
        initial["network"] = model_to_network(architecture, model, {})
        initial["model"] = model  # last: a failure is recorded only with both at hand

    started = time.perf_counter()
    try:
        result = tr.train(
            data,
            architecture,
            size,
            seed,
            config,
            checkpoint_dir=checkpoint_dir,
            log=log.info,
            on_build=keep_initial,
            model_options=model_options,
        )
    except Exception as err:
        # Recorded rather than raised: a failed job would stop Snakemake from ever analysing
        # and aggregating the rest of the ensemble.  The exception text goes into the weights
        # file and networks.tsv and the traceback into the log, so that a bug in the code
        # is not taken for a failure of training.  Without a model there is nothing to write.
        if "model" not in initial:
            raise
        key = tr.run_key(data, architecture, size, seed, config, model_options)
        history = tr.Checkpoint(checkpoint_dir, key).history() if checkpoint_dir else []
        result = failed_training(err, initial["model"], history, started, f"N={size} seed={seed}")
    attrs = {
        "architecture": architecture,
        "n_units": size,
        "seed": seed,
        "epochs": result.epochs,
        "final_loss": result.history[-1]["loss"] if result.history else float("nan"),
        "final_val_accuracy": result.history[-1]["val_accuracy"] if result.history else 0.0,
        "status": result.status,
        "status_reason": result.reason,
        "wall_time_s": result.wall_time_s,
        "threads": threads,
        "device": tr.device_name(),
        "dataset": str(dataset_path),
        "dataset_fingerprint": data.fingerprint,
        "training_config": json.dumps(training, sort_keys=True),
        "model_options": json.dumps(model_options or {}, sort_keys=True),
        **tr.package_versions(),
    }
    write_history(result.history, outputs["history"])
    initial["network"].attrs.update(attrs, stage="initial")
    attrs["stage"] = "trained"
    initial["network"].save(outputs["initial_weights"])
    model_to_network(architecture, result.model, attrs).save(outputs["weights"])
    with atomic_path(outputs["model"]) as tmp:
        result.model.save(tmp)
    # A failed network keeps its checkpoint: rerun, it resumes from its last epoch.
    if checkpoint_dir and result.status != "failed":
        tr.Checkpoint(checkpoint_dir, "").remove()


def failed_training(error: Exception, model, history: list[dict], started: float, name: str):
    """The record of a training that raised ``error``: no trained weights (all NaN, as a
    diverged network's), the epochs completed before it, the error as the reason."""
    from rnn_ensembles.training import TrainingResult

    reason = " ".join(f"{type(error).__name__}: {error}".split())
    log.error(
        "%s: training failed after %d epochs (%s); recorded as failed, its checkpoint kept",
        name,
        len(history),
        reason,
        exc_info=error,  # the traceback goes to the log file only
    )
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    wall = time.perf_counter() - started
    return TrainingResult(model, history, "failed", reason, wall, len(history))


def model_to_network(architecture: str, model, attrs: dict) -> Network:
    from rnn_ensembles.models import get_architecture

    return get_architecture(architecture).to_network(model, attrs)


def write_history(history: list[dict], path) -> None:
    import pandas as pd

    from rnn_ensembles.training import HISTORY_COLUMNS

    # The fixed columns first, then any per-epoch extras (the accuracy of each channel).
    columns = list(dict.fromkeys([*HISTORY_COLUMNS, *(k for row in history for k in row)]))
    frame = pd.DataFrame(history, columns=columns)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False)


def analyse_network(
    weights_path, dataset_path, metrics_path, arrays_path, success_accuracy: float
) -> None:
    """All per-network analyses of one trained network."""
    network = Network.load(weights_path)
    data = dataset.read(dataset_path, splits=("test", "memory_states"))
    widths = (data.inputs("test").shape[-1], data.targets("test").shape[-1])
    if (network.W_in.shape[0], network.W_out.shape[1]) != widths:
        raise DataFileError(
            f"{weights_path}: the network has {network.W_in.shape[0]} inputs and "
            f"{network.W_out.shape[1]} outputs, the task of {dataset_path} has {widths[0]} "
            f"and {widths[1]}"
        )
    status = str(network.attrs.get("status", "converged"))
    reason = str(network.attrs.get("status_reason", ""))
    row, arrays = analysis.analyse(network, data, success_accuracy, status, reason)
    row.update(
        size=int(network.attrs.get("n_units", network.n_units)),
        seed=int(network.attrs.get("seed", -1)),
        epochs=int(network.attrs.get("epochs", 0)),
        wall_time_s=float(network.attrs.get("wall_time_s", np.nan)),
        training_status=status,
        training_reason=reason,
    )
    log.info("%s", row["success_reason"])
    analysis.write(row, arrays, metrics_path, arrays_path)


def aggregate_ensemble(
    metrics_paths, arrays_paths, expected, outputs: dict, accuracy: float, fraction: float
) -> None:
    """Tables of the ensemble, the minimal size and the comparison of realisations."""
    from rnn_ensembles import aggregate

    rows = [read_json(p, "metrics", ("size", "seed", "success")) for p in metrics_paths]
    table = aggregate.network_table(rows, expected)
    missing = table[table["missing"]]
    if len(missing):
        log.warning(
            "%d of %d networks have no trained weights: %s (reasons in networks.tsv and "
            "each network's train.log)",
            len(missing),
            len(table),
            ", ".join(f"N={r.size} seed={r.seed}" for r in missing.itertuples()),
        )
        failed = [
            str(Path(p).with_name("weights.h5"))
            for row, p in zip(rows, metrics_paths, strict=True)
            if row.get("training_status") == "failed"
        ]
        if failed:
            log.warning(
                "once the cause is fixed, retrain just those with: snakemake --cores all "
                "--forcerun %s",
                " ".join(failed),
            )
    positions = {}
    for row, path in zip(rows, arrays_paths, strict=True):
        if row.get("training_status") == "failed":
            continue  # no trained weights, no memory states to compare
        positions[(row["size"], row["seed"])] = read_analysis(path, ("state_positions",))[
            "state_positions"
        ]
    summary = aggregate.size_summary(table)
    minimal = aggregate.minimal_size(summary, fraction, accuracy)
    pairs = aggregate.realisation_pairs(positions)
    realisations = aggregate.realisation_summary(table, pairs)
    for name, frame in (
        ("networks", table),
        ("sizes", summary),
        ("realisations", realisations),
        ("realisation_pairs", pairs),
    ):
        with atomic_path(outputs[name]) as tmp:
            frame.to_csv(tmp, sep="\t", index=False)
    write_json(outputs["minimal_size"], minimal)
    log.info("minimal size: %s (%s)", minimal["minimal_size"], minimal["reason"])


# Figures: each stage reads its files and hands arrays to rnn_ensembles.figures.

N_EXAMPLE_TRIALS = 3  # trials per example figure, as the paper's Fig. 3
FIGURE_ARRAYS = (
    "eigenvalues",
    "example_inputs",
    "example_targets",
    "example_outputs",
    "memory_inputs",
    "memory_targets",
    "memory_outputs",
    "svd_projection",
    "svd_explained_variance_ratio",
    "state_positions",
)


def read_analysis(path, names=FIGURE_ARRAYS) -> dict:
    """The named arrays of an ``analysis.h5``, checked; errors name the file."""
    with open_h5(path, "analysis") as handle:
        check_format(handle, "analysis", analysis.FORMAT_VERSION)
        return {name: read_array(handle, name) for name in names}


def plot_dataset(dataset_path, outputs: dict, task: str) -> None:
    """Some training trials (paper Fig. 3) and the eight-states test trial (Fig. 6A)."""
    from rnn_ensembles import figures

    data = dataset.read(dataset_path, splits=("train", "memory_states"))
    figures.plot_trials(
        outputs["training_trials"],
        data.inputs("train")[:N_EXAMPLE_TRIALS],
        data.targets("train")[:N_EXAMPLE_TRIALS],
        title=f"{task}: training trials",
        trial_names=[f"training trial {i}" for i in range(N_EXAMPLE_TRIALS)],
    )
    figures.plot_trials(
        outputs["memory_trial"],
        data.inputs("memory_states"),
        data.targets("memory_states"),
        title=f"{task}: eight-states test trial (no noise)",
        trial_names=["every memory state, twice"],
        shade_states=True,
    )


def plot_network(
    weights_path,
    initial_weights_path,
    history_path,
    analysis_path,
    outputs: dict,
    task: str,
    loss_threshold=None,
    target_accuracy=None,
) -> None:
    """Every figure of one network: training history, test trials, eight-states trial,
    connectivity, eigenvalues before and after training, state space."""
    import pandas as pd

    from rnn_ensembles import figures

    trained = Network.load(weights_path)
    initial = Network.load(initial_weights_path)
    arrays = read_analysis(analysis_path)
    name = f"{task}, N = {trained.n_units}, seed {trained.attrs.get('seed', '?')}"
    figures.plot_training_history(
        outputs["history"],
        pd.read_csv(history_path, sep="\t"),
        title=f"{name}: training",
        loss_threshold=loss_threshold,
        target_accuracy=target_accuracy,
    )
    shown = min(N_EXAMPLE_TRIALS, arrays["example_inputs"].shape[0])
    figures.plot_trials(
        outputs["test_trials"],
        arrays["example_inputs"][:shown],
        arrays["example_targets"][:shown],
        arrays["example_outputs"][:shown],
        title=f"{name}: test trials",
        trial_names=[f"test trial {i}" for i in range(shown)],
    )
    figures.plot_trials(
        outputs["memory_trial"],
        arrays["memory_inputs"][None],
        arrays["memory_targets"][None],
        arrays["memory_outputs"][None],
        title=f"{name}: eight-states test trial",
        trial_names=["every memory state, twice"],
        shade_states=True,
    )
    figures.plot_connectivity(
        outputs["connectivity"], trained.W_rec, title=f"{name}: recurrent connectivity"
    )
    figures.plot_eigenvalue_spectra(
        outputs["spectrum"],
        {
            "before training": analysis.spectrum(initial.W_rec)["eigenvalues"],
            "after training": arrays["eigenvalues"],
        },
        title=f"{name}: eigenvalues of the recurrent matrix",
    )
    figures.plot_state_spaces(
        outputs["state_space"],
        {"eight-states trial": _state_space(arrays)},
        title=f"{name}: activity in SVD space",
    )


def _state_space(arrays: dict):
    from rnn_ensembles.figures import StateSpace

    return StateSpace(
        arrays["svd_projection"], arrays["state_positions"], arrays["svd_explained_variance_ratio"]
    )


def plot_realisations(
    analysis_paths, seeds, pairs_path, outputs: dict, task: str, size: int
) -> None:
    """The realisations of one size side by side: eigenvalue spectra (paper Fig. 5), state
    spaces (Fig. 7) and their pairwise Procrustes disparity."""
    import pandas as pd

    from rnn_ensembles import figures

    names = ("eigenvalues", "svd_projection", "svd_explained_variance_ratio", "state_positions")
    arrays = {
        seed: read_analysis(path, names) for seed, path in zip(seeds, analysis_paths, strict=True)
    }
    name = f"{task}, N = {size}"
    figures.plot_eigenvalue_spectra(
        outputs["spectra"],
        {f"seed {seed}": a["eigenvalues"] for seed, a in arrays.items()},
        title=f"{name}: eigenvalues of the trained recurrent matrices",
    )
    figures.plot_state_spaces(
        outputs["state_spaces"],
        {f"seed {seed}": _state_space(a) for seed, a in arrays.items()},
        title=f"{name}: eight-states trial in SVD space",
    )
    pairs = pd.read_csv(pairs_path, sep="\t")
    figures.plot_disparity_matrix(
        outputs["disparity"],
        pairs[pairs["size"] == size],
        seeds,
        title=f"{name}: memory-state geometry, pairwise Procrustes disparity",
    )


def plot_ensemble(summary: dict, outputs: dict, task: str, accuracy, fraction) -> None:
    """Error, sign accuracy and success rate against network size, with the minimal size;
    and the summary tables as one HTML page.  ``summary`` maps each output name of the
    aggregate stage (networks, sizes, realisations, realisation_pairs, minimal_size) to
    its path."""
    import pandas as pd

    from rnn_ensembles import figures, report

    minimal = json.loads(Path(summary["minimal_size"]).read_text())
    tables = {name: pd.read_csv(summary[name], sep="\t") for name in report.TABLES}
    figures.plot_performance_by_size(
        outputs["performance"],
        tables["networks"],
        tables["sizes"],
        title=f"{task}: performance against network size",
        accuracy=accuracy,
        fraction=fraction,
        minimal_size=minimal["minimal_size"],
        criterion=minimal["criterion"],
    )
    report.write_summary_page(outputs["tables"], tables, minimal, f"{task}: ensemble summary")


def log_to(path) -> None:
    """Send this process's log and stderr (TensorFlow's messages too) to ``path``.

    Warnings and errors of the workflow also go, one line each, to the original stderr,
    which Snakemake shows.  A bad input file (:class:`DataFileError`) ends the job with
    its one-line message naming the file, not a traceback; any other uncaught exception
    writes its traceback to the log, as usual.
    """
    import os
    import sys

    console = os.fdopen(os.dup(2), "w", buffering=1)
    handle = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the job
    os.dup2(handle.fileno(), 2)  # TensorFlow's C++ side writes to file descriptor 2
    sys.stderr = handle
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    to_console = logging.StreamHandler(console)
    to_console.setLevel(logging.WARNING)
    to_console.setFormatter(_OneLine())
    log.addHandler(to_console)

    def report(kind, error, trace):
        if isinstance(error, DataFileError):
            log.error("%s", error)
        else:
            sys.__excepthook__(kind, error, trace)
            print(f"{kind.__name__}: {error} (traceback in {path})", file=console)

    sys.excepthook = report


class _OneLine(logging.Formatter):
    """The message alone, without a traceback: the log file holds the details."""

    def format(self, record):
        return f"{record.levelname}: {record.getMessage()}"


# Dynamics and comparison of realisations: fixed points, robustness, distances between
# networks, and networks trained elsewhere (rnn_ensembles.fixed_points, .robustness,
# .comparison, .importers).


def import_network(source, dataset_path, output, name: str) -> None:
    """Read a network trained elsewhere (any format of rnn_ensembles.importers), check it
    fits the task, and write it as a weights file of this workflow."""
    from rnn_ensembles import importers

    task = dataset.read(dataset_path, splits=()).task()
    network = importers.import_network(source, {"name": name, "status": "imported"})
    importers.check_task(network, task, source)
    log.info(
        "%s: N = %d from %s (%s)", name, network.n_units, source, network.attrs["source_format"]
    )
    network.save(output)


def analyse_dynamics(
    weights_path,
    dataset_path,
    analysis_path,
    outputs: dict,
    search: dict,
    robustness: dict,
    threads: int = 1,
) -> None:
    """Fixed points of one network, their stability and their distance to its memory
    states (``fixed_points``, ``summary``); its accuracy under input noise, pulse amplitude
    and pruning (``robustness``)."""
    import time

    from threadpoolctl import threadpool_limits

    from rnn_ensembles import fixed_points
    from rnn_ensembles import robustness as perturb

    network = Network.load(weights_path)
    data = dataset.read(dataset_path, splits=("test", "memory_states"))
    memory = read_analysis(analysis_path, ("state_activity",))["state_activity"]
    options = dict(search)
    n_trials, backend = options.pop("n_trials"), options.pop("backend")
    if backend == "tensorflow":
        from rnn_ensembles.training import configure_tensorflow

        configure_tensorflow(threads, deterministic=False)
    with threadpool_limits(threads):
        start = time.perf_counter()
        trajectories = [
            network.run(data.inputs(split)[:n])[0].reshape(-1, network.n_units)
            for split, n in (("memory_states", 1), ("test", n_trials))
        ]
        finder = fixed_points.make_finder(network.W_rec, backend, **options)
        found = finder.find(finder.sample_states(*trajectories))
        row = fixed_points.describe(found, network.W_out, network.b_out, memory)
        row.update(n_units=network.n_units, wall_time_s=time.perf_counter() - start)
        log.info(
            "%s; %d of %d memory states held by a stable fixed point (%.1f s)",
            found.summary(),
            row["memory_states_matched"],
            row["memory_states"],
            row["wall_time_s"],
        )
        start = time.perf_counter()
        # The noise level of the robust minimal size is always measured.
        noise = sorted({*robustness["noise_levels"], robustness["criterion_noise"]})
        curves = perturb.robustness_curves(
            network,
            data.task(),
            robustness["n_trials"],
            robustness["seed"],
            noise,
            robustness["amplitudes"],
            robustness["prune_fractions"],
        )
        log.info("robustness curves: %.1f s", time.perf_counter() - start)
    found.save(outputs["fixed_points"])
    write_json(outputs["summary"], row)
    with atomic_path(outputs["robustness"]) as tmp:
        curves.to_csv(tmp, sep="\t", index=False)


def compare_realisations(
    labels,
    weights_paths,
    analysis_paths,
    dataset_path,
    outputs: dict,
    linkage: str,
    n_clusters: int,
) -> None:
    """Distances between every pair of networks (memory states, activity, spectrum) as
    square TSV matrices, and their hierarchical clustering."""
    import pandas as pd

    from rnn_ensembles import comparison

    memory_in = dataset.read(dataset_path, splits=("memory_states",)).inputs("memory_states")
    views = {metric: {} for metric in comparison.METRICS}
    sizes = {}
    for label, weights, arrays in zip(labels, weights_paths, analysis_paths, strict=True):
        network = Network.load(weights)
        saved = read_analysis(arrays, ("state_activity", "eigenvalues"))
        views["procrustes"][label] = saved["state_activity"]
        views["spectrum"][label] = saved["eigenvalues"]
        views["cka"][label] = network.run(memory_in)[0][0]
        sizes[label] = network.n_units
    table = pd.DataFrame({"network": labels, "size": [sizes[k] for k in labels]})
    for metric in comparison.METRICS:
        matrix = comparison.distance_matrix(views[metric], metric)
        with atomic_path(outputs[metric]) as tmp:
            matrix.to_csv(tmp, sep="\t")
        clustered = comparison.clusters(matrix, linkage, n_clusters)
        table[f"cluster_{metric}"] = clustered["cluster"].to_numpy()
        table[f"order_{metric}"] = clustered["order"].to_numpy()
    with atomic_path(outputs["clusters"]) as tmp:
        table.to_csv(tmp, sep="\t", index=False)


def summarise_fixed_points(labels, summary_paths, output) -> None:
    """One row per network (ensemble and external) of its fixed-point counts."""
    import pandas as pd

    rows = []
    for label, path in zip(labels, summary_paths, strict=True):
        row = json.loads(Path(path).read_text())
        rows.append({"network": label, **{k: v for k, v in row.items() if not isinstance(v, list)}})
    with atomic_path(output) as tmp:
        pd.DataFrame(rows).to_csv(tmp, sep="\t", index=False)


def summarise_robustness(
    labels,
    curve_paths,
    metrics_paths,
    outputs: dict,
    accuracy: float,
    fraction: float,
    noise: float,
) -> None:
    """Every network's robustness curves in one table, their mean per size, and the minimal
    size at input noise ``noise`` (criterion as the ensemble's)."""
    import pandas as pd

    from rnn_ensembles import aggregate, robustness

    frames = []
    for label, curves, metrics_path in zip(labels, curve_paths, metrics_paths, strict=True):
        row = json.loads(Path(metrics_path).read_text())
        frame = pd.read_csv(curves, sep="\t")
        frame.insert(0, "network", label)
        frame.insert(1, "size", row["size"])
        frame.insert(2, "seed", row["seed"])
        frame["diverged"] = row.get("training_status") == "diverged"
        frames.append(frame)
    curves = pd.concat(frames, ignore_index=True)
    ensemble = curves[~curves["network"].str.startswith("external/")]
    rows = robustness.success_under_noise(ensemble, noise, accuracy)
    expected = [(row["size"], row["seed"]) for row in rows]
    summary = aggregate.size_summary(aggregate.network_table(rows, expected))
    minimal = aggregate.minimal_size(summary, fraction, accuracy)
    minimal["noise_std"] = noise
    minimal["criterion"] += f", at input noise {noise}"
    for name, frame in (("curves", curves), ("sizes", robustness.size_curves(ensemble))):
        with atomic_path(outputs[name]) as tmp:
            frame.to_csv(tmp, sep="\t", index=False)
    write_json(outputs["minimal_size"], minimal)
    log.info("minimal size at noise %s: %s (%s)", noise, minimal["minimal_size"], minimal["reason"])


def plot_dynamics(
    analysis_path, fixed_points_path, curves_path, outputs: dict, name: str, accuracy
):
    """One network's fixed points in its SVD space with the eight-states trajectory, and its
    robustness curves."""
    import pandas as pd

    from rnn_ensembles import figures
    from rnn_ensembles.fixed_points import FixedPoints

    arrays = read_analysis(analysis_path, (*FIGURE_ARRAYS, "svd_components"))
    found = FixedPoints.restore(fixed_points_path)
    projection = found.points @ arrays["svd_components"].T
    panel = _state_space(arrays)._replace(fixed_points=(projection, found.stability))
    figures.plot_state_spaces(
        outputs["fixed_points"],
        {", ".join(f"{v} {k[2:]}" for k, v in found.counts().items()) + " fixed points": panel},
        title=f"{name}: fixed points and the eight-states trial in SVD space",
    )
    curves = pd.read_csv(curves_path, sep="\t").assign(curve=name)
    figures.plot_robustness(
        outputs["robustness"], curves, title=f"{name}: robustness", accuracy=accuracy
    )


def plot_comparison(
    summary: dict, outputs: dict, task: str, linkage: str, n_clusters: int, accuracy
) -> None:
    """Distances between all networks of a task with their clustering, the fixed points of
    every network against its size, and the robustness curves per size.  ``summary`` maps
    the output names of compare_realisations, summarise_fixed_points and
    summarise_robustness to their paths."""
    import pandas as pd

    from rnn_ensembles import figures

    titles = {
        "procrustes": "memory states: Procrustes disparity",
        "cka": "eight-states activity: 1 - linear CKA",
        "spectrum": "eigenvalues of W_rec: Wasserstein distance",
    }
    figures.plot_distance_matrices(
        outputs["distances"],
        {title: pd.read_csv(summary[m], sep="\t", index_col=0) for m, title in titles.items()},
        title=f"{task}: distances between realisations ({linkage} linkage, {n_clusters} clusters)",
        method=linkage,
        n_clusters=n_clusters,
    )
    fixed_points = pd.read_csv(summary["fixed_points"], sep="\t")
    figures.plot_fixed_points_by_size(
        outputs["fixed_points"],
        fixed_points,
        title=f"{task}: fixed points of every network",
        n_states=int(fixed_points["memory_states"].max()),
    )
    by_size = pd.read_csv(summary["robustness_sizes"], sep="\t")
    curves = pd.read_csv(summary["robustness"], sep="\t")
    external = curves[curves["network"].str.startswith("external/")]
    merged = pd.concat(
        [
            by_size.rename(columns={"sign_accuracy_mean": "sign_accuracy"}).assign(
                curve=lambda f: "N = " + f["size"].astype(str), external=False
            ),
            external.assign(curve=external["network"], external=True),
        ],
        ignore_index=True,
    )
    minimal = json.loads(Path(summary["minimal_size_noise"]).read_text())
    figures.plot_robustness(
        outputs["robustness"],
        merged,
        title=f"{task}: robustness per size (mean \u00b1 sd); minimal size at input noise "
        f"{minimal['noise_std']}: {minimal['minimal_size'] or 'none'}",
        accuracy=accuracy,
    )
