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
    for rule in ("analyse_network", "analyse_dynamics"):
        assert costs[rule]["jobs"] == networks, rule
    assert costs["train_stack"]["jobs"] == 2  # a stack of both seeds per size
    for rule in ("aggregate_ensemble", "compare_realisations"):
        assert costs[rule]["jobs"] == 1, rule
    assert all(cost["seconds"] > 0 for cost in costs.values())
    expected = sum(costs[r]["seconds"] for r in ANALYSIS_RULES) / costs["train_stack"]["seconds"]
    assert analysis_share(costs) == expected


def test_job_costs_need_a_training_to_compare_against(tmp_path):
    from rnn_ensembles.resources import analysis_share, stage_costs

    (tmp_path / "analyse_network").mkdir()
    (tmp_path / "analyse_network/N4_seed1.tsv").write_text("s\th:m:s\n1.5\t0:00:01\n")
    costs = stage_costs(tmp_path)
    assert costs == {"analyse_network": {"jobs": 1, "seconds": 1.5}}
    with pytest.raises(ValueError, match="train_stack"):
        analysis_share(costs)


def test_quick_stacking_benchmark_writes_finite_ratios(tmp_path):
    script = ROOT / "benchmarks" / "benchmark_stacking.py"
    subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)], check=True)
    table = pd.read_csv(tmp_path / "benchmark.tsv", sep="\t")
    assert set(table["measure"]) == {"throughput", "time_to_trained_ensemble", "workflow"}
    assert table["value"].gt(0).all() and table["ratio"].map(math.isfinite).all()
    # The stacked ensemble is the one trained alone, to the bit.
    ensemble = table[table["measure"] == "time_to_trained_ensemble"]
    assert ensemble["note"].str.contains("weights equal to alone: True").all()
    assert "stacked vs separate" in (tmp_path / "summary.txt").read_text()


def test_gpu_stacking_script_runs_without_a_gpu(tmp_path):
    """The GPU measurement is left ready to run; here, with no GPU, it runs on the CPU, where
    the stack's seed 1 equals seed 1 trained alone."""
    import json

    script = ROOT / "benchmarks" / "gpu_stacking.py"
    subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)], check=True)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["seeds"] == 2 and summary["gradient_steps"] > 0
    assert all(v > 0 for v in summary["trial_steps_per_s"].values())
    if summary["device"].startswith("CPU"):
        assert summary["seed1_first_epoch_max_relative_difference_to_cpu"] == 0
    assert summary["within_float32_tolerance"]
