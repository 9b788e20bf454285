"""Shared fixtures: paths of the repository and a runner for the real workflow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIGS = Path(__file__).resolve().parent / "configs"


def snakemake_command(workdir, *args, configfile=CONFIGS / "tiny.yaml") -> list[str]:
    """The command line that runs the workflow in ``workdir`` as a user would."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        *args,
    ]


SNAKEMAKE_ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def snakemake(workdir, *args, configfile=CONFIGS / "tiny.yaml", check=True, timeout=600):
    """Run the workflow as a user would, in ``workdir``; returns the completed process."""
    cmd = snakemake_command(workdir, *args, configfile=configfile)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=SNAKEMAKE_ENV)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return proc


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One real run of the whole workflow on the tiny config, shared by the tests that read it."""
    workdir = tmp_path_factory.mktemp("tiny_run")
    snakemake(workdir, "--cores", "2")
    return workdir


def eq7_network(w_in, w_rec, w_out, b_out, attrs=None):
    """A hand-built network of Eq. 7 (the simple_rnn architecture) from its four arrays."""
    from rnn_ensembles.models.simple_rnn import SimpleRNNNetwork

    arrays = {"W_in": w_in, "W_rec": w_rec, "W_out": w_out, "b_out": b_out}
    return SimpleRNNNetwork(arrays, {}, attrs)
