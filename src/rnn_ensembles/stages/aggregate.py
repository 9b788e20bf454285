"""The ensemble stages: tables of every network, the minimal size, fixed-point and
robustness summaries."""

from __future__ import annotations

import json
from pathlib import Path

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
