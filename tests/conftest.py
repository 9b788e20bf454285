"""Shared fixtures: paths of the repository and a runner for the real workflow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIGS = Path(__file__).resolve().parent / "configs"

# The paper's published N = 400 networks (Jarne 2024), which this repository does not ship:
# their file names in the paper's code repository, the folder there that holds them, and the
# variable that points the tests at that folder (or at a clone of the whole repository).
PAPER_REPOSITORY = "https://github.com/katejarne/3-bit-FF-tutorial"
PAPER_NETWORKS_FOLDER = "paper/matrix_weight_example/weights_ff_20_N_400_gap_9"
PAPER_NETWORK_FILES = {"trained": "ff_3b_weights-20.hdf5", "initial": "_N_00_initial.hdf5"}
PAPER_NETWORKS_VARIABLE = "RNN_ENSEMBLES_PAPER_NETWORKS"
# Without the variable: the copies in the reference folder beside the checkout.
REFERENCE = REPO.parent / "shared/reference"
REFERENCE_FILES = {kind: f"paper-network-N400-{kind}.hdf5" for kind in PAPER_NETWORK_FILES}


def snakemake_command(
    workdir, *args, configfile=CONFIGS / "tiny.yaml", snakefile=REPO / "Snakefile"
) -> list[str]:
    """The command line that runs the workflow in ``workdir`` as a user would."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        *args,
    ]


SNAKEMAKE_ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def snakemake(
    workdir,
    *args,
    configfile=CONFIGS / "tiny.yaml",
    check=True,
    timeout=600,
    snakefile=REPO / "Snakefile",
):
    """Run the workflow as a user would, in ``workdir``; returns the completed process."""
    cmd = snakemake_command(workdir, *args, configfile=configfile, snakefile=snakefile)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=SNAKEMAKE_ENV)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return proc


def paper_network(kind: str = "trained") -> Path | None:
    """The paper's N = 400 network ``kind`` (``trained``: after its 20th epoch; ``initial``:
    before training), or None where it is not on this machine.

    Looked up in the folder that ``RNN_ENSEMBLES_PAPER_NETWORKS`` names, under the file names
    of the paper's repository, directly or in that repository's layout; without the variable,
    in the reference folder beside the checkout.
    """
    folder = os.environ.get(PAPER_NETWORKS_VARIABLE)
    if folder:
        name = PAPER_NETWORK_FILES[kind]
        candidates = [Path(folder) / name, Path(folder) / PAPER_NETWORKS_FOLDER / name]
    else:
        candidates = [REFERENCE / REFERENCE_FILES[kind]]
    return next((path for path in candidates if path.is_file()), None)


PAPER_NETWORKS_ABSENT = (
    f"the paper's N = 400 networks are not on this machine: clone {PAPER_REPOSITORY} and set "
    f"{PAPER_NETWORKS_VARIABLE} to the clone or to its folder {PAPER_NETWORKS_FOLDER} "
    f"(docs/testing.md)"
)


def needs_paper_network(kind: str = "trained"):
    """Skip a test, saying where to get them, where the paper's network ``kind`` is absent."""
    return pytest.mark.skipif(paper_network(kind) is None, reason=PAPER_NETWORKS_ABSENT)


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
