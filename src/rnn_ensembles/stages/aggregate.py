"""The ensemble stages: tables of every network, the minimal size, the comparison of
variants and of realisations, fixed-point and robustness summaries."""

from __future__ import annotations

import json
from pathlib import Path

from rnn_ensembles import dataset
from rnn_ensembles.analysis import read_analysis
from rnn_ensembles.io import atomic_path, read_json, write_json
from rnn_ensembles.stages.log import log


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
                "once the cause is fixed, retrain them (with the seeds of their stacks, "
                "which end as before) with: snakemake --cores all --forcerun %s",
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


def variant_of(label: str) -> str:
    """The variant of a network named by its folder under results/<task>/
    (``<variant>/N<size>/seed<seed>``); ``external`` for one trained elsewhere."""
    return label.split("/", 1)[0]


def summarise_fixed_points(labels, summary_paths, output) -> None:
    """One row per network (ensemble and external) of its fixed-point counts."""
    import pandas as pd

    rows = []
    for label, path in zip(labels, summary_paths, strict=True):
        row = json.loads(Path(path).read_text())
        rows.append(
            {
                "network": label,
                "variant": variant_of(label),
                **{k: v for k, v in row.items() if not isinstance(v, list)},
            }
        )
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
    """Every network's robustness curves in one table, their mean per variant and size, and
    each variant's minimal size at input noise ``noise`` (criterion as the ensemble's)."""
    import pandas as pd

    from rnn_ensembles import aggregate, robustness

    frames = []
    for label, curves, metrics_path in zip(labels, curve_paths, metrics_paths, strict=True):
        row = json.loads(Path(metrics_path).read_text())
        frame = pd.read_csv(curves, sep="\t")
        frame.insert(0, "network", label)
        frame.insert(1, "variant", variant_of(label))
        frame.insert(2, "size", row["size"])
        frame.insert(3, "seed", row["seed"])
        frame["diverged"] = row.get("training_status") == "diverged"
        frames.append(frame)
    curves = pd.concat(frames, ignore_index=True)
    ensemble = curves[curves["variant"] != "external"]
    minimal = {}
    for variant, group in ensemble.groupby("variant", sort=False):
        rows = robustness.success_under_noise(group, noise, accuracy)
        expected = [(row["size"], row["seed"]) for row in rows]
        summary = aggregate.size_summary(aggregate.network_table(rows, expected))
        minimal[variant] = aggregate.minimal_size(summary, fraction, accuracy)
        minimal[variant]["noise_std"] = noise
        minimal[variant]["criterion"] += f", at input noise {noise}"
        log.info(
            "%s: minimal size at noise %s: %s (%s)",
            variant,
            noise,
            minimal[variant]["minimal_size"],
            minimal[variant]["reason"],
        )
    for name, frame in (("curves", curves), ("sizes", robustness.size_curves(ensemble))):
        with atomic_path(outputs[name]) as tmp:
            frame.to_csv(tmp, sep="\t", index=False)
    write_json(outputs["minimal_size"], minimal)


def compare_variants(variants: dict, sizes_paths, minimal_paths, output) -> None:
    """One row per variant and size: the variant's architecture and options, its success
    rate at that size and its minimal size, from each variant's summary."""
    import pandas as pd

    frames = []
    for (name, spec), sizes, minimal_path in zip(
        variants.items(), sizes_paths, minimal_paths, strict=True
    ):
        minimal = read_json(minimal_path, "minimal size", ("minimal_size", "reason"))
        frame = pd.read_csv(sizes, sep="\t")
        frame.insert(0, "variant", name)
        frame.insert(1, "architecture", spec["architecture"])
        frame.insert(2, "options", json.dumps(spec["options"], sort_keys=True))
        frame["minimal_size"] = minimal["minimal_size"]
        frame["minimal_size_reason"] = minimal["reason"]
        frames.append(frame)
        log.info("%s: minimal size %s (%s)", name, minimal["minimal_size"], minimal["reason"])
    with atomic_path(output) as tmp:
        pd.concat(frames, ignore_index=True).to_csv(tmp, sep="\t", index=False)


def compare_realisations(
    labels,
    analysis_paths,
    outputs: dict,
    linkage: str,
    n_clusters: int,
) -> None:
    """Distances between every pair of networks (memory states, activity, spectrum) as
    square TSV matrices, and their hierarchical clustering."""
    import pandas as pd

    from rnn_ensembles import comparison

    views = {metric: {} for metric in comparison.METRICS}
    sizes = {}
    for label, arrays in zip(labels, analysis_paths, strict=True):
        # The analysis stage ran the eight-states trial once; its activity is read back.
        saved = read_analysis(arrays, ("state_activity", "eigenvalues", "probe_activity"))
        views["procrustes"][label] = saved["state_activity"]
        views["spectrum"][label] = saved["eigenvalues"]
        views["cka"][label] = saved["probe_activity"]
        sizes[label] = saved["probe_activity"].shape[1]
    table = pd.DataFrame(
        {
            "network": labels,
            "variant": [variant_of(label) for label in labels],
            "size": [sizes[k] for k in labels],
        }
    )
    for metric in comparison.METRICS:
        matrix = comparison.distance_matrix(views[metric], metric)
        with atomic_path(outputs[metric]) as tmp:
            matrix.to_csv(tmp, sep="\t")
        clustered = comparison.clusters(matrix, linkage, n_clusters)
        table[f"cluster_{metric}"] = clustered["cluster"].to_numpy()
        table[f"order_{metric}"] = clustered["order"].to_numpy()
    with atomic_path(outputs["clusters"]) as tmp:
        table.to_csv(tmp, sep="\t", index=False)


def summarise_psychometric(weights_paths, dataset_path, outputs: dict) -> None:
    """The psychometric table of every network of a variant on the test split (``table``):
    per condition of the task's ``psychometric`` (a signed coherence, a context, an (f1, f2)
    pair), the trials, the fraction of +1 choices and the accuracy, one row per network and
    condition; and (``memory``) how well the task's ``MEMORY`` condition (the delayed
    comparison's f1) is decoded from the activity at every step, one row per network and
    step (:func:`rnn_ensembles.analysis.decoding_r2`)."""
    import numpy as np
    import pandas as pd

    from rnn_ensembles.analysis import decoding_r2
    from rnn_ensembles.models import load_network

    data = dataset.read(dataset_path, splits=("test",))
    task, test = data.task(), data.trials("test")
    tables, memory = [], []
    for path in weights_paths:
        network = load_network(path)
        activity, outputs_ = network.run(test.inputs)
        names = {
            "variant": str(network.attrs.get("variant", network.architecture)),
            "size": int(network.attrs.get("n_units", network.n_units)),
            "seed": int(network.attrs.get("seed", -1)),
        }
        tables.append(task.psychometric(outputs_, test).assign(**names))
        if task.MEMORY:
            r2 = decoding_r2(activity, test.conditions[task.MEMORY])
            steps = np.arange(len(r2))
            memory.append(
                pd.DataFrame({**names, "step": steps, "time_ms": steps * task.dt_ms, "r2": r2})
            )
    first = ["variant", "size", "seed"]
    table = pd.concat(tables, ignore_index=True)
    table = table[first + [c for c in table.columns if c not in first]]
    columns = [*first, "step", "time_ms", "r2"]
    decoded = pd.concat(memory, ignore_index=True) if memory else pd.DataFrame(columns=columns)
    decoded = decoded.assign(condition=task.MEMORY)
    log.info("psychometric table: %d networks, %d rows", len(tables), len(table))
    for name, frame in (("table", table), ("memory", decoded)):
        with atomic_path(outputs[name]) as tmp:
            frame.to_csv(tmp, sep="\t", index=False)
