"""The training benchmark's quick mode runs and writes finite numbers (not a timing test)."""

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_writes_finite_ratios(tmp_path):
    script = ROOT / "benchmarks" / "benchmark_training.py"
    subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)], check=True)
    sys.path.insert(0, str(script.parent))
    try:
        from benchmark_training import COLUMNS
    finally:
        sys.path.remove(str(script.parent))
    table = pd.read_csv(tmp_path / "benchmark.tsv", sep="\t")
    assert tuple(table.columns) == COLUMNS
    assert {"throughput", "matmul", "gflops", "time_to_trained", "workflow"} <= set(
        table["measure"]
    )
    summary = table[table["measure"] != "trained_run"]
    for row in summary.itertuples():
        assert math.isfinite(row.value) and row.value > 0, row
        assert math.isfinite(row.ratio) and row.ratio > 0, row
    assert (tmp_path / "summary.txt").read_text().strip()
