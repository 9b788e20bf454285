"""Ensemble level: per-size success rates, the minimal network size, comparison of realisations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from rnn_ensembles.analysis import configuration_disparity

SPECTRAL_COLUMNS = ("spectral_radius", "n_outside_unit_circle", "dominant_frequency_hz")


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95 % by default); (nan, nan) for 0 trials."""
    if trials == 0:
        return float("nan"), float("nan")
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials**2)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def network_table(rows: list[dict], expected: list[tuple[int, int]]) -> pd.DataFrame:
    """One row per expected (size, seed); networks without results, or whose training failed
    with an error (no trained weights), are kept and marked missing."""
    grid = pd.DataFrame(expected, columns=["size", "seed"])
    found = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["size", "seed", "success"])
    table = grid.merge(found, on=["size", "seed"], how="left")
    failed = table.get("training_status", pd.Series(index=table.index, dtype=object)).eq("failed")
    table["missing"] = table["success"].isna() | failed
    table["success"] = table["success"].eq(True)
    return table.sort_values(["size", "seed"]).reset_index(drop=True)


def size_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per size: networks expected, present, missing, successes, success rate with its 95 %
    Wilson interval, Euclidean error mean and sd.  Missing networks count as failures, so a
    size is never judged better than what was measured."""
    out = []
    for size, group in table.groupby("size", sort=True):
        n, k = len(group), int(group["success"].sum())
        low, high = wilson_interval(k, n)
        present = group[~group["missing"]]
        errors = present.get("euclidean_error_mean", pd.Series(dtype=float))
        out.append(
            {
                "size": int(size),
                "networks": n,
                "present": len(present),
                "missing": int(group["missing"].sum()),
                "successes": k,
                "success_rate": k / n,
                "success_rate_low": low,
                "success_rate_high": high,
                "euclidean_error_mean": float(errors.mean()) if len(errors) else float("nan"),
                "euclidean_error_sd": float(errors.std(ddof=1))
                if len(errors) > 1
                else float("nan"),
            }
        )
    return pd.DataFrame(out)


def minimal_size(summary: pd.DataFrame, fraction: float, accuracy: float) -> dict:
    """The smallest size whose success rate reaches ``fraction``, with the reason in words."""
    criterion = (
        f"success = test accuracy >= {accuracy}; a size qualifies when at least "
        f"{fraction:.0%} of its networks succeed"
    )
    qualifying = summary[summary["success_rate"] >= fraction].sort_values("size")
    if qualifying.empty:
        best = summary.sort_values(["success_rate", "size"], ascending=[False, True]).head(1)
        detail = (
            f"; best was N = {int(best['size'].iloc[0])} with "
            f"{int(best['successes'].iloc[0])}/{int(best['networks'].iloc[0])}"
            if len(best)
            else ""
        )
        return {
            "minimal_size": None,
            "criterion": criterion,
            "reason": f"no size reached a success rate of {fraction:.0%}{detail}; "
            "try larger sizes or a longer training budget",
        }
    chosen = qualifying.iloc[0]
    size = int(chosen["size"])
    reason = (
        f"N = {size}: {int(chosen['successes'])}/{int(chosen['networks'])} networks succeeded "
        f"(rate {chosen['success_rate']:.2f}, 95 % CI {chosen['success_rate_low']:.2f}-"
        f"{chosen['success_rate_high']:.2f})"
    )
    smaller = summary[summary["size"] < size]
    if len(smaller):
        reason += "; smaller sizes: " + ", ".join(
            f"N = {int(r['size'])} {int(r['successes'])}/{int(r['networks'])}"
            for _, r in smaller.iterrows()
        )
    larger_failing = summary[(summary["size"] > size) & (summary["success_rate"] < fraction)]
    if len(larger_failing):
        reason += "; note: larger sizes below the criterion: " + ", ".join(
            str(int(s)) for s in larger_failing["size"]
        )
    if int(chosen["missing"]):
        reason += f"; {int(chosen['missing'])} network(s) of this size are missing"
    return {"minimal_size": size, "criterion": criterion, "reason": reason}


def realisation_pairs(state_positions: dict[tuple[int, int], np.ndarray]) -> pd.DataFrame:
    """Pairwise Procrustes disparity between the memory-state configurations of networks of
    the same size; keys are (size, seed), values (states, components) arrays."""
    rows = []
    for (a, pos_a), (b, pos_b) in itertools.combinations(sorted(state_positions.items()), 2):
        if a[0] == b[0]:
            rows.append(
                {
                    "size": a[0],
                    "seed_a": a[1],
                    "seed_b": b[1],
                    "procrustes_disparity": configuration_disparity(pos_a, pos_b),
                }
            )
    return pd.DataFrame(rows, columns=["size", "seed_a", "seed_b", "procrustes_disparity"])


def realisation_summary(table: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per size: spread of the memory-state geometry and of the spectral statistics."""
    out = []
    present = table[~table["missing"]]
    for size, group in present.groupby("size", sort=True):
        disparity = pairs.loc[pairs["size"] == size, "procrustes_disparity"]
        row = {
            "size": int(size),
            "networks": len(group),
            "procrustes_disparity_mean": float(disparity.mean()) if len(disparity) else np.nan,
            "procrustes_disparity_sd": float(disparity.std(ddof=1))
            if len(disparity) > 1
            else np.nan,
        }
        for column in SPECTRAL_COLUMNS:
            values = group[column].astype(float)
            row[f"{column}_mean"] = float(values.mean())
            row[f"{column}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else np.nan
        out.append(row)
    return pd.DataFrame(out)
