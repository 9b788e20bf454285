"""Faults provoked for real: killed jobs, diverging and failing networks, bad files.

Each test breaks something the way it breaks on a cluster (SIGKILL, an absurd learning
rate, a path that cannot be written, a truncated or foreign file) and checks that the
workflow resumes, records or refuses it, and that no finished result is lost.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import CONFIGS, SNAKEMAKE_ENV, eq7_network, snakemake, snakemake_command

from rnn_ensembles import analysis, dataset
from rnn_ensembles.io import DataFileError, atomic_path, partial_path, read_json
from rnn_ensembles.models import load_network
from rnn_ensembles.stages import analyse as analyse_stage

# The task and splits of tests/configs/tiny.yaml, for the tests that train without Snakemake.
TINY = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
TINY_TASK = {k: v for k, v in TINY["tasks"]["tiny"].items() if k != "kind"}
TINY_SPLITS = {name: TINY["dataset"][f"n_{name}"] for name in ("train", "validation", "test")}


def weights(path) -> dict:
    with h5py.File(path) as handle:
        return {name: handle[name][()] for name in ("W_in", "W_rec", "W_out", "b_out")}


def group_alive(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` that still run (zombies do not)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if fields[0] != "Z" and int(fields[2]) == pgid:
            alive.append(int(stat.parent.name))
    return alive


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc``'s whole process group, as a cluster does, and wait until it is gone."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 60
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not group_alive(proc.pid), "a job outlived the kill of its snakemake"


def wait_for(path: Path, proc: subprocess.Popen, limit_s: float = 600) -> None:
    """Block until ``path`` exists; fail if the run ends or hangs first."""
    deadline = time.monotonic() + limit_s
    while not path.exists():
        assert proc.poll() is None, f"the run ended before {path} appeared"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


# -- resume after SIGKILL, determinism -----------------------------------------------------
def test_killed_training_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path):
    config, target = CONFIGS / "resume.yaml", "results/resume/simple_rnn/N4/seed1/weights.h5"
    killed, reference = tmp_path / "killed", tmp_path / "reference"
    folder = killed / "results/resume/simple_rnn/N4/seed1"
    proc = subprocess.Popen(
        snakemake_command(killed, "--cores", "2", target, configfile=config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=SNAKEMAKE_ENV,
        start_new_session=True,  # its own process group, killed as a whole
    )
    try:
        wait_for(folder / "checkpoint/state.h5", proc)
    finally:
        kill_group(proc)
    with h5py.File(folder / "checkpoint/state.h5") as handle:
        done = int(handle.attrs["epoch"])
    # Killed during training: after the first epoch, before the last; nothing final written
    # but the dataset, which is complete.
    assert 1 <= done < 8 and not (folder / "weights.h5").exists()
    assert dataset.read(killed / "results/resume/dataset.h5").inputs("train").shape[0] == 512

    # The documented recovery: release Snakemake's lock, rerun.
    snakemake(killed, "--unlock", configfile=config)
    snakemake(killed, "--cores", "2", "--rerun-incomplete", target, configfile=config)
    assert f"resuming from the checkpoint after epoch {done}" in (folder / "train.log").read_text()
    history = pd.read_csv(folder / "history.tsv", sep="\t")
    assert history["epoch"].tolist() == list(range(1, 9))
    assert not (folder / "checkpoint").exists()
    assert not [p for p in killed.rglob("*") if ".partial" in p.name]

    snakemake(reference, "--cores", "2", target, configfile=config)
    resumed, uninterrupted = weights(folder / "weights.h5"), weights(reference / target)
    for name, array in uninterrupted.items():
        np.testing.assert_array_equal(resumed[name], array, err_msg=name)
    # The config asks for the paper's orthogonal W_rec rather than the default identity.
    initial = weights(folder / "initial_weights.h5")["W_rec"]
    np.testing.assert_allclose(initial @ initial.T, np.eye(4), atol=1e-5)
    assert not np.allclose(initial, np.eye(4))


def test_same_config_same_files_and_other_seeds_other_networks(tiny_run, tmp_path):
    snakemake(tmp_path, "--cores", "2", "results/tiny/simple_rnn/N8/seed1/weights.h5")
    paths = [root / "results/tiny/dataset.h5" for root in (tiny_run, tmp_path)]
    with h5py.File(paths[0]) as first, h5py.File(paths[1]) as second:
        assert dict(first.attrs) == dict(second.attrs)
        for split in dataset.SPLITS:
            assert dict(first[split].attrs) == dict(second[split].attrs)
            for name in ("inputs", "targets"):
                a, b = first[split][name], second[split][name]
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a[()], b[()])
    assert paths[0].read_bytes() == paths[1].read_bytes()  # no timestamps in the file either
    folder = "results/tiny/simple_rnn/N8/seed{}/weights.h5"
    again, before = weights(tmp_path / folder.format(1)), weights(tiny_run / folder.format(1))
    for name, array in before.items():
        np.testing.assert_array_equal(again[name], array, err_msg=name)
    other = weights(tiny_run / folder.format(2))
    assert not np.allclose(other["W_rec"], before["W_rec"])
    assert not np.allclose(
        weights(tiny_run / "results/tiny/simple_rnn/N8/seed2/initial_weights.h5")["W_in"],
        weights(tiny_run / "results/tiny/simple_rnn/N8/seed1/initial_weights.h5")["W_in"],
    )


# -- networks that diverge, run out of budget or fail ----------------------------------------
def test_diverging_networks_are_recorded_and_counted(tmp_path):
    proc = snakemake(
        tmp_path,
        "--cores",
        "2",
        "results/diverge/simple_rnn/summary/sizes.tsv",
        configfile=CONFIGS / "diverge.yaml",
    )
    assert proc.returncode == 0
    summary = tmp_path / "results/diverge/simple_rnn/summary"
    networks = pd.read_csv(summary / "networks.tsv", sep="\t")
    assert networks["training_status"].tolist() == ["diverged", "diverged"]
    assert not networks["success"].any() and not networks["missing"].any()
    assert networks["success_reason"].str.startswith("training diverged: training loss").all()
    sizes = pd.read_csv(summary / "sizes.tsv", sep="\t")
    assert sizes[["networks", "present", "successes", "success_rate"]].values.tolist() == [
        [2, 2, 0, 0.0]
    ]
    assert json.loads((summary / "minimal_size.json").read_text())["minimal_size"] is None
    # The weights did blow up: the analysis ran on non-finite matrices without crashing.
    trained = weights(tmp_path / "results/diverge/simple_rnn/N4/seed1/weights.h5")
    assert not all(np.isfinite(a).all() for a in trained.values())
    metrics = json.loads(
        (tmp_path / "results/diverge/simple_rnn/N4/seed1/metrics.json").read_text()
    )
    assert np.isnan(metrics["spectral_radius"]) and metrics["memory_states_visited"] == 0


def test_networks_out_of_budget_fail_with_their_reason(tiny_run):
    networks = pd.read_csv(tiny_run / "results/tiny/simple_rnn/summary/networks.tsv", sep="\t")
    # Two epochs never reach the criterion on the tiny config.
    assert (networks["training_status"] == "budget_exhausted").all()
    assert not networks["success"].any()
    assert (
        networks["success_reason"]
        .str.contains(r"< 0\.99 \(training budget_exhausted: max_epochs = 2 reached\)")
        .all()
    )


def test_failed_network_is_listed_missing_and_the_rest_is_analysed(tmp_path):
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config["network"] = {"sizes": [8], "seeds": [1, 2]}
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    # A real fault for one network: a file stands where its checkpoint folder must go.
    blocked = tmp_path / "results/tiny/simple_rnn/N8/seed2/checkpoint"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("not a folder")
    target = "results/tiny/simple_rnn/summary/sizes.tsv"
    proc = snakemake(tmp_path, "--cores", "2", "--keep-going", target, configfile=configfile)
    console = proc.stdout + proc.stderr
    assert "N=8 seed=2: training failed" in console and "FileExistsError" in console
    assert "--forcerun results/tiny/simple_rnn/N8/seed2/weights.h5" in console
    log = (blocked.parent / "train.log").read_text()
    assert "Traceback" in log and "checkpoint" in log  # the details stay in the log

    summary = tmp_path / "results/tiny/simple_rnn/summary"
    networks = pd.read_csv(summary / "networks.tsv", sep="\t").set_index(["size", "seed"])
    assert networks["missing"].to_dict() == {(8, 1): False, (8, 2): True}
    assert networks.loc[(8, 2), "training_status"] == "failed"
    assert "FileExistsError" in networks.loc[(8, 2), "training_reason"]
    assert networks.drop(index=(8, 2))["accuracy"].notna().all()
    sizes = pd.read_csv(summary / "sizes.tsv", sep="\t").set_index("size")
    assert sizes.loc[8, ["networks", "present", "missing", "successes"]].tolist() == [2, 1, 1, 0]

    # The documented way to retrain the failed network once its cause is gone: its stack
    # (here both seeds of N = 8) trains again, and the network that had trained ends with
    # the same weights.
    blocked.unlink()
    before = {
        p: p.stat().st_mtime_ns
        for p in tmp_path.glob("results/tiny/simple_rnn/N*/seed*/weights.h5")
    }
    seed1 = weights(tmp_path / "results/tiny/simple_rnn/N8/seed1/weights.h5")
    snakemake(
        tmp_path,
        "--cores",
        "2",
        target,
        "--forcerun",
        "results/tiny/simple_rnn/N8/seed2/weights.h5",
        configfile=configfile,
    )
    retrained = {p for p, mtime in before.items() if p.stat().st_mtime_ns != mtime}
    assert retrained == set(before)
    again = weights(tmp_path / "results/tiny/simple_rnn/N8/seed1/weights.h5")
    for name, array in seed1.items():
        np.testing.assert_array_equal(again[name], array)
    networks = pd.read_csv(summary / "networks.tsv", sep="\t")
    assert not networks["missing"].any()
    assert (networks["training_status"] == "budget_exhausted").all()


def test_unusable_checkpoint_is_not_resumed_and_costs_only_time(tmp_path, caplog):
    from rnn_ensembles import training

    data = dataset.generate("flipflop", TINY_TASK, TINY_SPLITS, 7)
    config = training.TrainingConfig(max_epochs=2, batch_size=32, target_accuracy=None)

    def run(seed, folder):
        result = training.train(data, "simple_rnn", 4, seed, config, folder, log=lambda _: None)
        return result.model.get_weights()

    state = tmp_path / "checkpoint/state.h5"
    reference = run(1, tmp_path / "checkpoint")  # leaves the checkpoint of its epoch 2
    state.write_bytes(state.read_bytes()[:2000])
    with caplog.at_level("WARNING"):
        for got, want in zip(run(1, state.parent), reference, strict=True):
            np.testing.assert_array_equal(got, want)  # trained again from epoch 0
    assert "unreadable checkpoint" in caplog.text
    # The checkpoint of seed 1 is not taken for one of seed 2.
    caplog.clear()
    with caplog.at_level("WARNING"):
        other = run(2, state.parent)
    assert "checkpoint of another configuration or dataset, not resumed" in caplog.text
    assert not np.allclose(other[1], reference[1])


def test_analysis_of_non_finite_weights_does_not_crash():
    data = dataset.generate("flipflop", TINY_TASK, TINY_SPLITS, 7)
    rng = np.random.default_rng(0)
    for bad in (np.nan, np.inf):
        arrays = [rng.normal(size=s) for s in ((3, 5), (5, 5), (5, 3))]
        arrays[1][0, 0] = bad
        network = eq7_network(*arrays, np.zeros(3))
        with np.errstate(all="ignore"):
            row, out = analysis.analyse(network, data, 0.9, "failed", "OSError: disk full")
        assert row["success"] is False
        assert row["success_reason"] == "training failed: OSError: disk full"
        assert np.isnan(row["spectral_radius"]) and np.isnan(out["eigenvalues"]).all()
        assert np.isnan(out["state_positions"]).all() and row["memory_states_visited"] == 0


# -- bad files -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    """A real dataset, weights and analysis file, to be damaged by the tests."""
    folder = tmp_path_factory.mktemp("good")
    data = dataset.generate("flipflop", TINY_TASK, TINY_SPLITS, 7)
    dataset.write(data, folder / "dataset.h5")
    rng = np.random.default_rng(0)
    network = eq7_network(
        rng.normal(size=(3, 5)),
        rng.normal(size=(5, 5)),
        rng.normal(size=(5, 3)),
        np.zeros(3),
        {"status": "converged"},
    )
    network.save(folder / "weights.h5")
    row, arrays = analysis.analyse(network, data, 0.9)
    analysis.write(row, arrays, folder / "metrics.json", folder / "analysis.h5")
    return folder


def damaged(good_files, tmp_path, name: str, damage) -> Path:
    path = tmp_path / name
    path.write_bytes((good_files / name).read_bytes())
    if callable(damage):
        with h5py.File(path, "a") as handle:
            damage(handle)
    else:  # cut the file to this fraction of its bytes
        path.write_bytes(path.read_bytes()[: int(path.stat().st_size * damage)])
    return path


def _set(key, value):
    def damage(handle):
        handle.attrs[key] = value

    return damage


def _delete(name):
    def damage(handle):
        del handle[name]

    return damage


def _replace(name, data):
    def damage(handle):
        del handle[name]
        handle.create_dataset(name, data=data)

    return damage


def _delete_attr(key):
    def damage(handle):
        del handle.attrs[key]

    return damage


DATASET_DAMAGE = {
    "cut_in_header": (0.002, r"dataset file is truncated \(\d+ of \d+ bytes\)"),
    "cut_in_data": (0.6, r"dataset file is truncated"),
    "cut_last_byte": (0.9999, r"dataset file is truncated"),
    "foreign": (_delete_attr("content"), r"expected a dataset file, found content=None"),
    "format_version": (_set("format_version", 99), r"dataset format version 99 is not supported"),
    "missing_split": (_delete("test"), r"split 'test' is missing"),
    "missing_array": (_delete("test/targets"), r"/test/targets: array is missing"),
    "wrong_width": (
        _replace("test/targets", np.zeros((16, 120, 2), np.float32)),
        r"/test/targets: has shape \(16, 120, 2\), expected \(16, 120, 3\)",
    ),
    "wrong_rank": (
        _replace("test/inputs", np.zeros((16, 120), np.float32)),
        r"/test/inputs: has 2 dimensions \(16, 120\), expected 3",
    ),
    "text_array": (
        _replace("test/inputs", np.full((16, 120, 3), b"x")),
        r"/test/inputs: holds \|S1 values, expected numbers",
    ),
    "missing_attribute": (_delete_attr("task_parameters"), r"'task_parameters' is missing"),
    "bad_parameters": (_set("task_parameters", "{not json"), r"task it was made for is not valid"),
    "unknown_task": (_set("task", "maze"), r"not valid \(unknown task kind 'maze'"),
}


WEIGHTS_DAMAGE = {
    "cut": (0.5, r"network file is truncated"),
    "format_version": (_set("format_version", 99), r"network format version 99 is not supported"),
    "not_square": (
        _replace("W_rec", np.zeros((5, 4))),
        r"simple_rnn: W_rec must be \(5, 5\), got \(5, 4\)",
    ),
    "inconsistent": (
        _replace("W_out", np.zeros((4, 3))),
        r"simple_rnn: W_rec must be \(4, 4\), got \(5, 5\)",
    ),
    "unknown_architecture": (_set("architecture", "transformer"), r"unknown architecture"),
    "missing_readout": (_delete("b_out"), r"/b_out: array is missing"),
}

# Each damaged file, with the reader that must refuse it.
DAMAGE = {
    "dataset.h5": (DATASET_DAMAGE, dataset.read),
    "weights.h5": (WEIGHTS_DAMAGE, load_network),
}


@pytest.mark.parametrize(
    "file, name", [(file, name) for file, (cases, _) in DAMAGE.items() for name in cases]
)
def test_damaged_file_is_refused_naming_the_file(good_files, tmp_path, file, name):
    cases, read = DAMAGE[file]
    damage, message = cases[name]
    path = damaged(good_files, tmp_path, file, damage)
    with pytest.raises(DataFileError, match=message) as caught:
        read(path)
    assert str(caught.value).startswith(str(path))


def test_files_that_are_not_networks_are_refused(good_files, tmp_path):
    import keras

    with pytest.raises(DataFileError, match=r"expected a network file, found content='dataset'"):
        load_network(good_files / "dataset.h5")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.save(tmp_path / "dense.keras")
    with pytest.raises(DataFileError, match=r"dense\.keras: not a readable HDF5 network file"):
        load_network(tmp_path / "dense.keras")
    (tmp_path / "empty.h5").write_bytes(b"")
    with pytest.raises(DataFileError, match=r"empty\.h5: not a readable HDF5 network file"):
        load_network(tmp_path / "empty.h5")
    with pytest.raises(DataFileError, match=r"absent\.h5: network file does not exist"):
        load_network(tmp_path / "absent.h5")


def test_network_of_another_task_is_refused_by_the_analysis(good_files, tmp_path):
    rng = np.random.default_rng(0)
    eq7_network(
        rng.normal(size=(2, 5)), rng.normal(size=(5, 5)), rng.normal(size=(5, 2)), np.zeros(2)
    ).save(tmp_path / "weights.h5")
    with pytest.raises(DataFileError, match=r"has 2 inputs and 2 outputs, the task needs 3 and 3"):
        analyse_stage.analyse_network(
            tmp_path / "weights.h5",
            good_files / "dataset.h5",
            tmp_path / "m.json",
            tmp_path / "a.h5",
            0.9,
        )
    assert not (tmp_path / "m.json").exists() and not (tmp_path / "a.h5").exists()


def test_damaged_analysis_and_metrics_files_are_refused(good_files, tmp_path):
    cut = damaged(good_files, tmp_path, "analysis.h5", 0.5)
    with pytest.raises(DataFileError, match=r"analysis\.h5: analysis file is truncated"):
        analysis.read_analysis(cut)
    metrics = tmp_path / "metrics.json"
    metrics.write_text('{"size": 4, "seed"')
    with pytest.raises(DataFileError, match=r"metrics\.json: not a readable metrics file"):
        read_json(metrics, "metrics")
    metrics.write_text('{"size": 4}')
    with pytest.raises(DataFileError, match=r"metrics\.json: metrics file lacks seed, success"):
        read_json(metrics, "metrics", ("size", "seed", "success"))


def one_line_error(log: Path, message: str) -> None:
    """The job log holds ``message`` on one line, and no traceback."""
    text = log.read_text()
    assert sum(message in line for line in text.splitlines()) == 1, text
    assert "Traceback" not in text, text


def test_truncated_dataset_stops_training_with_one_line(good_files, tmp_path):
    folder = tmp_path / "results/tiny"
    folder.mkdir(parents=True)
    data = (good_files / "dataset.h5").read_bytes()
    (folder / "dataset.h5").write_bytes(data[: len(data) // 2])
    # Without Snakemake's records of a run, only file times say what is up to date.
    proc = snakemake(
        tmp_path,
        "--cores",
        "1",
        "results/tiny/simple_rnn/N2/seed1/weights.h5",
        "--rerun-triggers",
        "mtime",
        check=False,
    )
    assert proc.returncode != 0
    message = "results/tiny/dataset.h5: dataset file is truncated"
    one_line_error(folder / "simple_rnn/N2/seed1/train.log", message)
    assert message in proc.stdout + proc.stderr  # shown by Snakemake too
    assert not (folder / "simple_rnn/N2/seed1/weights.h5").exists()
    assert (folder / "dataset.h5").stat().st_size == len(data) // 2  # input left as it was


def test_foreign_weights_file_stops_the_analysis_with_one_line(good_files, tmp_path):
    folder = tmp_path / "results/tiny/simple_rnn/N2/seed1"
    folder.mkdir(parents=True)
    data = folder.parents[2] / "dataset.h5"
    data.write_bytes((good_files / "dataset.h5").read_bytes())
    for name in ("model.keras", "initial_weights.h5", "history.tsv"):
        (folder / name).write_text("")
    # A file of the wrong kind where the trained network should be.
    (folder / "weights.h5").write_bytes(data.read_bytes())
    # Older than the training outputs, as after a run: Snakemake reruns only the analysis.
    os.utime(data, (time.time() - 3600,) * 2)
    proc = snakemake(
        tmp_path,
        "--cores",
        "1",
        "results/tiny/simple_rnn/N2/seed1/metrics.json",
        "--rerun-triggers",
        "mtime",
        check=False,
    )
    assert proc.returncode != 0
    message = (
        "results/tiny/simple_rnn/N2/seed1/weights.h5: expected a network file, "
        "found content='dataset'"
    )
    one_line_error(folder / "analyse.log", message)
    assert message in proc.stdout + proc.stderr


def test_external_file_that_is_not_a_recurrent_network_stops_its_import(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, name="readout")])
    model.save(tmp_path / "dense.keras")
    config = yaml.safe_load((CONFIGS / "tiny.yaml").read_text())
    config["external_networks"] = {"dense": str(tmp_path / "dense.keras")}
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    target = "results/tiny/external/dense/weights.h5"
    proc = snakemake(tmp_path, "--cores", "1", target, configfile=configfile, check=False)
    assert proc.returncode != 0 and not (tmp_path / target).exists()
    message = "dense.keras: expected one SimpleRNN, GRU or LSTM layer and one Dense readout, found"
    one_line_error(tmp_path / "results/tiny/external/dense/import.log", message)
    assert message in proc.stdout + proc.stderr


# -- atomic outputs --------------------------------------------------------------------------
WRITER = textwrap.dedent(
    """
    import sys
    import h5py, numpy as np
    from rnn_ensembles.io import atomic_path

    with atomic_path(sys.argv[1]) as tmp, h5py.File(tmp, "w") as handle:
        handle.create_dataset("first", data=np.arange(100000.0))
        handle.flush()
        print("half written", flush=True)
        sys.stdin.readline()  # killed here in the test
        handle.create_dataset("second", data=np.arange(10.0))
    """
)


def test_a_killed_writer_leaves_no_final_file_and_its_rerun_completes(tmp_path):
    target = tmp_path / "out.h5"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert writer.stdout.readline().strip() == "half written"
    kill_group(writer)
    assert not target.exists() and partial_path(target).stat().st_size > 0
    # The stale temporary file does not stop the rerun, and is gone after it.
    subprocess.run(
        [sys.executable, "-c", WRITER, str(target)],
        input="\n",
        text=True,
        check=True,
        capture_output=True,
    )
    with h5py.File(target) as handle:
        assert handle["first"].shape == (100000,) and handle["second"].shape == (10,)
    assert not partial_path(target).exists()


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "table.tsv"
    target.write_text("finished result\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "finished result\n" and not partial_path(target).exists()
