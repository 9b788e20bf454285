"""What each job asks of a scheduler: runtime and memory sized from the config, a GPU when
asked for, and training on a GPU when the machine has one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import h5py
import pytest
import yaml
from conftest import CONFIGS, REPO, snakemake

from rnn_ensembles.resources import MIN_MINUTES, training_minutes, training_seconds

# The paper's protocol (config/paper.yaml) at its largest size.
PAPER = dict(n_units=400, n_train=30050, n_validation=50, steps=340, batch_size=128, epochs=20)
TRAIN = "results/tiny/simple_rnn/N8/seed1/weights.h5"


def job_resources(workdir, target, *args, configfile=CONFIGS / "tiny.yaml"):
    """Rule name -> resources of the jobs a forced dry run for ``target`` lists."""
    out = snakemake(workdir, "--dry-run", "--forceall", *args, target, configfile=configfile)
    jobs = re.findall(r"^rule (\w+):\n(?:[ ].*\n)*?\s+resources: (.*)$", out.stdout, flags=re.M)
    return {rule: dict(item.split("=", 1) for item in res.split(", ")) for rule, res in jobs}


def test_paper_protocol_estimate_matches_the_measured_time():
    # About 1.5 h per N = 400 network on one CPU thread (resources.py); granted twice that.
    assert 1.2 * 3600 < training_seconds(**PAPER) < 2 * 3600
    assert training_minutes(**PAPER) == pytest.approx(2 * training_seconds(**PAPER) / 60, abs=1)


def test_estimate_grows_with_size_epochs_trials_and_attempt():
    small = dict(PAPER, n_units=50)
    assert training_minutes(**small) < training_minutes(**PAPER)
    assert training_minutes(**dict(PAPER, epochs=10)) < training_minutes(**PAPER)
    assert training_minutes(**dict(PAPER, n_train=3005)) < training_minutes(**PAPER)
    assert training_minutes(**PAPER, attempt=2) == pytest.approx(
        2 * training_minutes(**PAPER), abs=1
    )


def test_tiny_jobs_ask_for_the_floor(tmp_path):
    tiny = dict(n_units=8, n_train=64, n_validation=16, steps=120, batch_size=32, epochs=2)
    assert training_minutes(**tiny) == MIN_MINUTES
    jobs = job_resources(tmp_path, TRAIN)
    assert int(jobs["train_stack"]["runtime"]) == MIN_MINUTES
    assert jobs["train_stack"]["gpu"] == "0"


@pytest.mark.parametrize("gpu", [False, True], ids=["cpu", "gpu"])
def test_train_job_resources_follow_the_config(tmp_path, gpu):
    """The paper's N = 400 networks: on a CPU a job each (a stack is not faster there), with
    training.gpu a stack of the five seeds, which may take the five one after another."""
    config = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    config["training"]["gpu"] = gpu
    configfile = tmp_path / "paper.yaml"
    configfile.write_text(yaml.safe_dump(config))
    target = "results/flipflop3/simple_rnn/N400/seed1/weights.h5"
    jobs = job_resources(tmp_path, target, configfile=configfile)
    networks = 5 if gpu else 1
    assert int(jobs["train_stack"]["runtime"]) == training_minutes(**PAPER, networks=networks)
    # The training split alone is 2 x 30050 trials x 340 steps x 3 bits x 4 bytes = 245 MB,
    # and each member's BPTT activations of a batch 4 x 128 x 340 x 400 x 4 bytes = 279 MB.
    assert int(jobs["train_stack"]["mem_mb"]) > 1024 + (245e6 + networks * 279e6) / 2**20
    assert int(jobs["train_stack"]["gpu"]) == gpu


def test_training_gpu_in_the_config_asks_for_one_gpu(tmp_path):
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config.setdefault("training", {})["gpu"] = True
    configfile = tmp_path / "gpu.yaml"
    configfile.write_text(yaml.safe_dump(config))
    jobs = job_resources(tmp_path, TRAIN, configfile=configfile)
    assert jobs["train_stack"]["gpu"] == "1"
    assert "gpu" not in jobs["make_dataset"]


def test_gpu_profile_gives_every_training_job_one_gpu(tmp_path):
    jobs = job_resources(tmp_path, TRAIN, "--profile", str(REPO / "profiles/gpu"))
    assert jobs["train_stack"]["gpu"] == "1"
    assert "gpu" not in jobs["make_dataset"]


def visible_gpus() -> str:
    """Why training cannot use a GPU here, or '' when TensorFlow sees one."""
    if shutil.which("nvidia-smi") is None:
        return "no NVIDIA GPU on this machine (nvidia-smi not found)"
    probe = "import tensorflow as tf; print(len(tf.config.list_physical_devices('GPU')))"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if found.returncode != 0 or found.stdout.strip() in ("", "0"):
        return 'TensorFlow sees no GPU (install it with CUDA: pip install -e ".[gpu]")'
    return ""


def test_training_runs_on_the_gpu_when_there_is_one(tmp_path):
    """Needs a GPU: skipped, saying why, on machines without one (CI has none)."""
    reason = visible_gpus()
    if reason:
        pytest.skip(reason)
    targets = [f"results/tiny/simple_rnn/N8/seed{seed}/weights.h5" for seed in (1, 2)]
    snakemake(tmp_path, "--profile", str(REPO / "profiles/gpu"), "--cores", "2", *targets)
    for target in targets:
        with h5py.File(tmp_path / target) as handle:
            assert str(handle.attrs["device"]).startswith("GPU"), handle.attrs["device"]
