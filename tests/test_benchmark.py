"""The training benchmark's quick mode runs and writes finite numbers (not a timing test)."""

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_writes_finite_ratios(tmp_path):
    script = ROOT / "benchmarks" / "benchmark_training.py"
    subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)], check=True)
    sys.path.insert(0, str(script.parent))
    try:
        from benchmark_training import COLUMNS, TAPE_COST
    finally:
        sys.path.remove(str(script.parent))
    table = pd.read_csv(tmp_path / "benchmark.tsv", sep="\t")
    assert tuple(table.columns) == COLUMNS
    assert {
        "throughput",
        "matmul",
        "gflops",
        "time_to_trained",
        "workflow",
        "job_seconds",
        "cost_share",
        "architecture_throughput",
    } <= set(table["measure"])
    # One row per registered architecture, and what GradientTape costs the one timed for it.
    from rnn_ensembles.models import ARCHITECTURES

    measured = set(table.loc[table["measure"] == "architecture_throughput", "variant"])
    assert set(ARCHITECTURES) <= measured
    assert f"{TAPE_COST} GradientTape cost" in measured
    summary = table[table["measure"] != "trained_run"]
    for row in summary.itertuples():
        assert math.isfinite(row.value) and row.value > 0, row
        assert math.isfinite(row.ratio) and row.ratio > 0, row
    assert (tmp_path / "summary.txt").read_text().strip()


def test_job_costs_come_from_every_job_of_a_run(tiny_run):
    from rnn_ensembles.resources import ANALYSIS_RULES, analysis_share, stage_costs

    costs = stage_costs(tiny_run / "results/tiny/benchmarks")
    networks = 4  # tests/configs/tiny.yaml: two sizes, two seeds
    for rule in ("train_network", "analyse_network", "analyse_dynamics"):
        assert costs[rule]["jobs"] == networks, rule
    for rule in ("aggregate_ensemble", "compare_realisations"):
        assert costs[rule]["jobs"] == 1, rule
    assert all(cost["seconds"] > 0 for cost in costs.values())
    expected = sum(costs[r]["seconds"] for r in ANALYSIS_RULES) / costs["train_network"]["seconds"]
    assert analysis_share(costs) == expected


def test_job_costs_need_a_training_to_compare_against(tmp_path):
    from rnn_ensembles.resources import analysis_share, stage_costs

    (tmp_path / "analyse_network").mkdir()
    (tmp_path / "analyse_network/N4_seed1.tsv").write_text("s\th:m:s\n1.5\t0:00:01\n")
    costs = stage_costs(tmp_path)
    assert costs == {"analyse_network": {"jobs": 1, "seconds": 1.5}}
    with pytest.raises(ValueError, match="train_network"):
        analysis_share(costs)
