"""The figure stages: each reads its files and hands arrays to rnn_ensembles.figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rnn_ensembles import analysis, dataset
from rnn_ensembles.analysis import FIGURE_ARRAYS, read_analysis
from rnn_ensembles.io import read_json
from rnn_ensembles.models import load_network

N_EXAMPLE_TRIALS = 3  # trials per example figure, as the paper's Fig. 3
PROBE_TITLE = "eight-states test trial"
PROBE_NAMES = ["every memory state, twice"]


def plot_dataset(dataset_path, outputs: dict, task: str) -> None:
    """Some training trials (paper Fig. 3) and the probe trials (the flip-flop's eight-states
    test trial, Fig. 6A)."""
    from rnn_ensembles import figures
    from rnn_ensembles.tasks.flipflop import FlipFlopTask

    data = dataset.read(dataset_path, splits=("train", "probe"))
    generator = data.task()
    probe = data.trials("probe")
    flipflop = isinstance(generator, FlipFlopTask)
    names = generator.probe_labels(probe.conditions)
    shown = analysis.probe_examples(names)
    figures.plot_trials(
        outputs["training_trials"],
        data.inputs("train")[:N_EXAMPLE_TRIALS],
        data.targets("train")[:N_EXAMPLE_TRIALS],
        title=f"{task}: training trials",
        trial_names=[f"training trial {i}" for i in range(N_EXAMPLE_TRIALS)],
        ms_per_step=generator.dt_ms,
    )
    figures.plot_trials(
        outputs["probe_trials"],
        probe.inputs[shown],
        probe.targets[shown],
        title=f"{task}: " + (PROBE_TITLE if flipflop else "probe trials") + " (no noise)",
        trial_names=PROBE_NAMES if flipflop else [str(n) for n in names[shown]],
        shade_states=flipflop,
        ms_per_step=generator.dt_ms,
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

    trained = load_network(weights_path)
    initial = load_network(initial_weights_path)
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
        ms_per_step=arrays["dt_ms"],
    )
    cube = arrays["state_cube"]
    figures.plot_trials(
        outputs["probe_trials"],
        arrays["probe_inputs"],
        arrays["probe_targets"],
        arrays["probe_outputs"],
        title=f"{name}: " + (PROBE_TITLE if cube else "probe trials"),
        trial_names=PROBE_NAMES
        if cube
        else list(arrays["state_names"][: len(arrays["probe_inputs"])]),
        shade_states=cube,
    )
    figures.plot_connectivity(
        outputs["connectivity"],
        trained.recurrent_matrix(),
        title=f"{name}: recurrent connectivity ({trained.RECURRENT_MATRIX})",
    )
    figures.plot_eigenvalue_spectra(
        outputs["spectrum"],
        {
            "before training": analysis.spectrum(initial.recurrent_matrix())["eigenvalues"],
            "after training": arrays["eigenvalues"],
        },
        title=f"{name}: eigenvalues of {trained.RECURRENT_MATRIX}",
    )
    figures.plot_state_spaces(
        outputs["state_space"],
        {(PROBE_TITLE if cube else "probe trials"): _state_space(arrays)},
        title=f"{name}: activity in SVD space",
    )


STATE_SPACE_ARRAYS = (
    "svd_projection",
    "svd_explained_variance_ratio",
    "state_positions",
    "state_names",
    "state_cube",
)


def _state_space(arrays: dict, fixed_points=None):
    from rnn_ensembles.figures import StateSpace

    return StateSpace(
        arrays["svd_projection"],
        arrays["state_positions"],
        arrays["svd_explained_variance_ratio"],
        fixed_points,
        None if arrays["state_cube"] else tuple(arrays["state_names"]),
    )


def plot_realisations(
    analysis_paths, seeds, pairs_path, outputs: dict, task: str, size: int
) -> None:
    """The realisations of one size side by side: eigenvalue spectra (paper Fig. 5), state
    spaces (Fig. 7) and their pairwise Procrustes disparity."""
    import pandas as pd

    from rnn_ensembles import figures

    names = ("eigenvalues", *STATE_SPACE_ARRAYS)
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
        title=f"{name}: probe trials in SVD space",
    )
    pairs = pd.read_csv(pairs_path, sep="\t")
    figures.plot_disparity_matrix(
        outputs["disparity"],
        pairs[pairs["size"] == size],
        seeds,
        title=f"{name}: memory-state geometry, pairwise Procrustes disparity",
    )


def plot_variants(
    variants_path, networks_paths, outputs: dict, task: str, accuracy, fraction
) -> None:
    """Every variant of a task side by side against network size."""
    import pandas as pd

    from rnn_ensembles import figures

    variants = pd.read_csv(variants_path, sep="\t")
    networks = pd.concat(
        [
            pd.read_csv(path, sep="\t").assign(variant=name)
            for name, path in zip(dict.fromkeys(variants["variant"]), networks_paths, strict=True)
        ],
        ignore_index=True,
    )
    figures.plot_variants_by_size(
        outputs["performance"],
        variants,
        networks,
        title=f"{task}: every variant against network size",
        accuracy=accuracy,
        fraction=fraction,
    )


def plot_ensemble(summary: dict, outputs: dict, task: str, accuracy, fraction) -> None:
    """Error, accuracy and success rate against network size, with the minimal size;
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


def plot_dynamics(
    analysis_path,
    fixed_points_path,
    curves_path,
    topology_path,
    outputs: dict,
    name: str,
    accuracy,
):
    """One network's fixed points in its SVD space with the eight-states trajectory, the
    eigenvalues of the state Jacobian at its stable fixed points and saddles, its
    robustness curves and its topology graph."""
    import pandas as pd

    from rnn_ensembles import figures
    from rnn_ensembles.fixed_points import FixedPoints
    from rnn_ensembles.topology import Topology

    arrays = read_analysis(analysis_path, (*FIGURE_ARRAYS, "svd_components"))
    found = FixedPoints.restore(fixed_points_path)
    projection = found.activity @ arrays["svd_components"].T
    panel = _state_space(arrays)._replace(fixed_points=(projection, found.stability))
    figures.plot_state_spaces(
        outputs["fixed_points"],
        {", ".join(f"{v} {k[2:]}" for k, v in found.counts().items()) + " fixed points": panel},
        title=f"{name}: fixed points and the eight-states trial in SVD space",
    )
    spectra = {
        f"{kind} fixed points ({np.sum(found.stability == kind)})": found.eigenvalues[
            found.stability == kind
        ].ravel()
        for kind in ("stable", "saddle")
        if np.any(found.stability == kind)
    }
    title = f"{name}: eigenvalues of the state Jacobian at the fixed points"
    if spectra:
        figures.plot_eigenvalue_spectra(outputs["jacobian_spectra"], spectra, title=title)
    else:
        figures.plot_message(
            outputs["jacobian_spectra"], "no fixed point was found: no Jacobian", title=title
        )
    curves = pd.read_csv(curves_path, sep="\t").assign(curve=name)
    figures.plot_robustness(
        outputs["robustness"], curves, title=f"{name}: robustness", accuracy=accuracy
    )
    topology = Topology.restore(topology_path)
    nodes = topology.activity.reshape(len(topology.nodes), -1)
    counts = topology.summary()
    figures.plot_topology(
        outputs["topology"],
        nodes @ arrays["svd_components"].T if len(nodes) else np.zeros((0, 2)),
        topology.stability,
        topology.codes,
        [(link["saddle"], link["reached"]) for link in topology.links if link["reached"] >= 0],
        [
            (m["source"], m["reached"], m["verdict"])
            for m in topology.transitions
            if m["reached"] >= 0
        ],
        arrays["svd_projection"],
        title=f"{name}: topology ({counts['n_stable']} stable, {counts['n_saddle']} saddles; "
        f"events {counts['transitions_right']} right, {counts['transitions_wrong']} wrong, "
        f"{counts['transitions_off']} off)",
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
        "spectrum": "eigenvalues of the recurrent matrix: Wasserstein distance",
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
            by_size.rename(columns={"accuracy_mean": "accuracy"}).assign(
                curve=lambda f: f["variant"] + ", N = " + f["size"].astype(str), external=False
            ),
            external.assign(curve=external["network"], external=True),
        ],
        ignore_index=True,
    )
    minimal = json.loads(Path(summary["minimal_size_noise"]).read_text())
    noise = next(iter(minimal.values()))["noise_std"] if minimal else None
    per_variant = ", ".join(f"{v} {m['minimal_size'] or 'none'}" for v, m in minimal.items())
    figures.plot_robustness(
        outputs["robustness"],
        merged,
        title=f"{task}: robustness per variant and size (mean \u00b1 sd); minimal size at "
        f"input noise {noise}: {per_variant}",
        accuracy=accuracy,
    )


def plot_psychometric(table_path, memory_path, output, task: str, variant: str) -> None:
    """The psychometric curves of every size of a variant, and how well the activity carries
    the task's memory condition at every step (:func:`figures.plot_psychometric`)."""
    import pandas as pd

    from rnn_ensembles import figures

    figures.plot_psychometric(
        output,
        pd.read_csv(table_path, sep="\t"),
        pd.read_csv(memory_path, sep="\t"),
        title=f"{task}, {variant}: psychometric curves on the test trials",
    )


def plot_solutions(counts_path, embedding_path, statement_path, outputs: dict, task: str):
    """The solution types against size, and the embedding of every geometric distance
    coloured by type, variant and size, under the sentence of classify_solutions."""
    import pandas as pd

    from rnn_ensembles import figures

    summary = read_json(statement_path, "solution types", ("statement", "graph_level"))
    statement = summary["statement"]
    figures.plot_solution_types(
        outputs["types"],
        pd.read_csv(counts_path, sep="\t"),
        title=f"{task}: solution types (isomorphism classes of the {summary['graph_level']} "
        "graphs)",
    )
    figures.plot_geometry_topology(
        outputs["embedding"],
        pd.read_csv(embedding_path, sep="\t"),
        title=f"{task}: geometry against topology. {statement}",
    )
