"""The workflow on a real SLURM cluster, submitted by Snakemake's executor plugin through
the shipped profile (profiles/slurm).

tests/slurm/cluster.sh runs a single-node cluster with job accounting on this machine. The
tiny config, cut to one size and two seeds, goes through sbatch as three jobs: the dataset,
one grouped job that trains and analyses both networks (--groups, --group-components, as
docs/cluster.md advises for small networks), and the aggregation. The networks must equal
those of the local run of the same seeds, and sacct must list the three jobs COMPLETED
under the account that the environment named.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import re
import shutil
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import CONFIGS, REPO, snakemake


def a_day_ago() -> str:
    return (datetime.datetime.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")


CLUSTER = REPO / "tests/slurm/cluster.sh"
# cluster.sh's account and partition; the profile reads them from sbatch's own variables.
SITE = {"SBATCH_ACCOUNT": "rnnens", "SBATCH_PARTITION": "main"}
SIZE, SEEDS = 8, (1, 2)
TASK = "results/tiny"


def cluster(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(CLUSTER), command], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def slurm_cluster():
    """The test cluster, installed and started here (and stopped after) unless it runs."""
    if os.geteuid() != 0:
        pytest.skip("the test SLURM cluster needs root: it starts munged, slurmdbd and slurmd")
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        pytest.skip("SLURM is not installed and there is no apt-get to install it")
    # One cluster per machine: test runs side by side take turns, so that none restarts or
    # stops it under another's jobs.
    with open(f"{os.environ.get('SLURM_TEST_DIR', '/tmp/rnn-ensembles-slurm')}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        running = cluster("status").returncode == 0
        for step in () if running else ("install", "start"):
            proc = cluster(step)
            assert proc.returncode == 0, f"cluster.sh {step} failed:\n{proc.stdout}\n{proc.stderr}"
        # Clients find the cluster through SLURM_CONF where /etc/slurm/slurm.conf is not ours.
        yield dict(re.findall(r"export (\w+)=(\S+)", cluster("env").stdout))
        if not running:
            cluster("stop")


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory):
    """The cut tiny config through the SLURM profile; returns (workdir, snakemake stderr)."""
    workdir = tmp_path_factory.mktemp("slurm_run")
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config["network"] = {"sizes": [SIZE], "seeds": list(SEEDS)}
    configfile = workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    with pytest.MonkeyPatch.context() as env:
        for name, value in {**slurm_cluster, **SITE}.items():
            env.setenv(name, value)
        proc = snakemake(
            workdir,
            "--profile",
            str(REPO / "profiles/slurm"),
            "--groups",
            "train_stack=networks",
            "analyse_network=networks",
            "--group-components",
            f"networks={len(SEEDS)}",
            # The CPUs of the node: a group job asking for more would never start.
            "--cores",
            str(len(os.sched_getaffinity(0))),
            # Test speed only: the first status check after a second, not the default 40 s.
            "--slurm-init-seconds-before-status-checks",
            "1",
            "--seconds-between-status-checks",
            "1",
            f"{TASK}/simple_rnn/summary/minimal_size.json",
            configfile=configfile,
        )
    return workdir, proc.stderr


def submissions(log: str) -> list[str]:
    return re.findall(r"has been submitted with SLURM jobid (\d+)", log)


def test_three_sbatch_jobs_with_both_networks_in_one(slurm_run):
    _, log = slurm_run
    assert len(submissions(log)) == 3, log[-3000:]
    assert "Group job networks" in log
    # Rule logs stay beside the outputs, written by the jobs on the node.
    for seed in SEEDS:
        assert (
            "epoch 2"
            in (slurm_run[0] / f"{TASK}/simple_rnn/N{SIZE}/seed{seed}/train.log").read_text()
        )


def test_networks_equal_those_of_the_local_run(slurm_run, tiny_run):
    workdir, _ = slurm_run
    for seed in SEEDS:
        network = f"{TASK}/simple_rnn/N{SIZE}/seed{seed}"
        with (
            h5py.File(workdir / network / "weights.h5") as cluster_file,
            h5py.File(tiny_run / network / "weights.h5") as local_file,
        ):
            assert sorted(cluster_file) == sorted(local_file) == ["W_in", "W_out", "W_rec", "b_out"]
            for name in cluster_file:
                np.testing.assert_array_equal(cluster_file[name][()], local_file[name][()])
            assert cluster_file.attrs["final_loss"] == local_file.attrs["final_loss"]
        on_cluster, local = (
            json.loads((d / network / "metrics.json").read_text()) for d in (workdir, tiny_run)
        )
        for metrics in (on_cluster, local):
            metrics.pop("wall_time_s")  # the one value that depends on the machine's load
        assert on_cluster == local
        history = [pd.read_csv(d / network / "history.tsv", sep="\t") for d in (workdir, tiny_run)]
        pd.testing.assert_frame_equal(*(h.drop(columns="seconds") for h in history))


def test_sacct_lists_the_jobs_completed_under_the_account(slurm_run, slurm_cluster):
    _, log = slurm_run
    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    out = subprocess.run(
        # sacct shows only today's jobs unless told otherwise: a run across midnight would
        # lose its first jobs, so look back a day.
        [
            "sacct",
            "-X",
            "-P",
            "-n",
            "-S",
            a_day_ago(),
            "--name",
            run_id,
            "-o",
            "JobID,State,Account,AllocCPUS",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **slurm_cluster},
    ).stdout
    jobs = [line.split("|") for line in out.splitlines()]
    assert sorted(job[0] for job in jobs) == sorted(submissions(log)), out
    assert {(job[1], job[2]) for job in jobs} == {("COMPLETED", SITE["SBATCH_ACCOUNT"])}, out
    # Jobs run in submission order: dataset, then the group (the stack, then the analyses side
    # by side).
    group = sorted(jobs, key=lambda job: int(job[0]))[1]
    assert int(group[3]) == min(len(SEEDS), len(os.sched_getaffinity(0))), out
