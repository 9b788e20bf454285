"""The notebook of notebooks/: stored without outputs, and run top to bottom on the tiny
run as a user would run it, in a Jupyter kernel."""

import re

import nbformat
import pytest
from conftest import REPO

NOTEBOOK = REPO / "notebooks/explore_results.ipynb"


def code_cells():
    return [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]


def test_notebook_is_stored_without_outputs():
    nbformat.validate(nbformat.read(NOTEBOOK, as_version=4))
    for cell in code_cells():
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_notebook_runs_on_the_results_of_a_run(tiny_run, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("RNN_ENSEMBLES_RESULTS", str(tiny_run / "results"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on an error
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )
    assert "task: tiny | variants: ['simple_rnn']" in printed
    # The network the notebook runs scores the accuracy that metrics.json holds.
    found = re.search(r"accuracy: (\S+)\nin metrics.json: (\S+)", printed)
    assert found and float(found[1]) == pytest.approx(float(found[2]), abs=1e-12)
    # The fixed points it shows are fixed points of the network.
    moved = re.search(r"largest \|step\(s\) - s\|: (\S+)", printed)
    assert moved and float(moved[1]) < 1e-4
    figures = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert len(figures) == 4
