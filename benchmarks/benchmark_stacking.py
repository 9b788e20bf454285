"""Stacked training against separate one-thread jobs, measured in one run.

* throughput: trial-steps per second per core of K seeds trained as one stack
  (``rnn_ensembles.stacking.train_stack``, one thread) against one network trained alone
  (``rnn_ensembles.training.train``, one thread), at K = 5 and K = 20 and several N; separate
  jobs run side by side on their own cores, so their throughput per core is that of one
  network alone. Epochs after the second (the first two trace and compile the graphs),
  median over repeats. N = 64
  is stacked too, above the size where the workflow stops stacking on a CPU.
* time to a trained ensemble: every seed of a size trained with config.yaml's recipe (its
  dataset, training section and variant) through ``train_stack`` (which stacks them where a
  stack is faster, here N <= 32), against the same seeds one after another; wall seconds
  until every member has stopped, and how many reach the test accuracy of config.yaml's
  criterion. Also whether the stack's weights equal those trained alone.
* the whole default workflow (config.yaml) with ``--cores 2``: the automatic stacks
  (``training.stack_size: null``, the default) against ``training.stack_size: 1`` (a job
  per network), or with ``--baseline`` against a checkout of an earlier version (its own
  Snakefile and package; its one-network path is measured in the throughput rows too).

Every measurement runs in its own process (its own thread pools). Writes ``benchmark.tsv``
and ``summary.txt`` to ``--out``.

    python benchmarks/benchmark_stacking.py            # about 45 minutes on 2 cores
    python benchmarks/benchmark_stacking.py --quick    # a minute: tiny sizes, keeps it working
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("measure", "variant", "n_units", "stack", "value", "unit", "ratio", "note")
QUICK_TASK = yaml.safe_load((ROOT / "tests/configs/tiny.yaml").read_text())["tasks"]["tiny"]


def _data(task: dict, sizes: dict, seed: int):
    from rnn_ensembles import dataset

    return dataset.generate(
        task["kind"], {k: v for k, v in task.items() if k != "kind"}, sizes, seed
    )


def worker_throughput(a: dict) -> dict:
    """Seconds of each epoch after the first: of one network alone, or of a stack of K."""
    from rnn_ensembles.training import TrainingConfig, configure_tensorflow, train

    configure_tensorflow(1, deterministic=True)
    data = _data(a["task"], {"train": a["n_trials"], "validation": 1, "test": 1}, 2024)
    config = TrainingConfig(
        batch_size=a["batch_size"], max_epochs=a["epochs"], target_accuracy=None
    )
    quiet = {"log": lambda _: None}
    if a["stack"] == 1:  # alone, through the API that a baseline checkout has too
        results = [train(data, "simple_rnn", a["n_units"], 1, config, **quiet)]
    else:
        from rnn_ensembles import stacking
        from rnn_ensembles.stacking import train_stack

        # Stacked above the size where a CPU stops stacking, to measure what it would give.
        stacking.CPU_STACK_MAX_UNITS = max(stacking.CPU_STACK_MAX_UNITS, a["n_units"])

        seeds = list(range(1, a["stack"] + 1))
        results = train_stack(data, "simple_rnn", a["n_units"], seeds, config, **quiet)
    x = data.inputs("train")
    return {
        # The first two epochs trace the graphs and compile them (XLA finishes in the second).
        "seconds": [row["seconds"] for row in results[0].history[2:]],
        "trial_steps": a["stack"] * x.shape[0] * x.shape[1],
    }


def worker_ensemble(a: dict) -> dict:
    """config.yaml's recipe for the seeds at one N: as one stack, or one after another."""
    from rnn_ensembles.config import network_variants
    from rnn_ensembles.stacking import train_stack
    from rnn_ensembles.training import TrainingConfig, configure_tensorflow, train

    config = a["config"]
    configure_tensorflow(1, deterministic=True)
    (task,) = config["tasks"].values()
    splits = {k: config["dataset"][f"n_{k}"] for k in ("train", "validation", "test")}
    data = _data(task, splits, config["dataset"]["seed"])
    (variant,) = network_variants(config["network"]).values()
    skip = ("threads", "gpu", "stack_size")
    training = TrainingConfig(**{k: v for k, v in config["training"].items() if k not in skip})
    args = (data, variant["architecture"], a["n_units"])
    options = {"log": lambda _: None, "model_options": variant["options"]}
    start = time.perf_counter()
    if a["stacked"]:
        results = train_stack(*args, a["seeds"], training, **options)
    else:
        results = [train(*args, seed, training, **options) for seed in a["seeds"]]
    wall = time.perf_counter() - start
    test = data.trials("test")
    accuracies = [
        float(
            data.task().score(
                r.model.predict(test.inputs, verbose=0), test.targets, test.mask, test.conditions
            )["accuracy"]
        )
        for r in results
    ]
    weights = [[w.tolist() for w in r.model.get_weights()] for r in results]
    return {
        "wall": wall,
        "accuracy": accuracies,
        "epochs": [r.epochs for r in results],
        "weights": weights,
    }


WORKERS = {"throughput": worker_throughput, "ensemble": worker_ensemble}


def run_worker(kind: str, checkout: Path = ROOT, **args) -> dict:
    """One measurement in a fresh process, with the package of ``checkout``."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    env["PYTHONPATH"] = os.pathsep.join([str(checkout / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps({"kind": kind, **args})],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"worker {kind} {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


class Table:
    def __init__(self):
        self.rows = []

    def add(self, measure, variant, value, unit, ratio=float("nan"), note="", **keys):
        row = dict.fromkeys(COLUMNS, "")
        row.update(keys, measure=measure, variant=variant, value=value, unit=unit, ratio=ratio)
        row["note"] = note
        self.rows.append(row)
        print("\t".join(str(row[c]) for c in COLUMNS), flush=True)

    def write(self, path: Path):
        lines = ["\t".join(COLUMNS)] + ["\t".join(str(r[c]) for c in COLUMNS) for r in self.rows]
        path.write_text("\n".join(lines) + "\n")


def measure_throughput(table: Table, plan: dict, summary: list):
    """Stacked against alone, per core, the runs of each N interleaved over repeats; with a
    baseline checkout also its one network alone."""
    for n_units, n_trials in plan["throughput_sizes"]:
        common = dict(task=plan["task"], n_units=n_units, n_trials=n_trials,
                      batch_size=64, epochs=plan["epochs"])  # fmt: skip
        runs = {k: (k, ROOT) for k in (1, *plan["stacks"])}
        if plan["baseline"]:
            runs["baseline"] = (1, plan["baseline"])
        rates = {key: [] for key in runs}
        for _ in range(plan["repeats"]):
            for key, (k, checkout) in runs.items():
                result = run_worker("throughput", checkout, stack=k, **common)
                rates[key].append(result["trial_steps"] / statistics.median(result["seconds"]))
        rate = {key: statistics.median(values) for key, values in rates.items()}
        alone = rate[1]
        table.add("throughput", "alone", alone, "trial-steps/s/core", 1.0, n_units=n_units, stack=1)
        ratios = []
        for k in plan["stacks"]:
            ratios.append(f"K={k} {rate[k] / alone:.2f}x")
            table.add("throughput", "stacked", rate[k], "trial-steps/s/core", rate[k] / alone,
                      "ratio: to one network alone (separate one-thread jobs)",
                      n_units=n_units, stack=k)  # fmt: skip
        if plan["baseline"]:
            before = rate["baseline"]
            ratios.append(f"(baseline checkout alone {before / alone:.2f}x)")
            table.add("throughput", "alone, baseline checkout", before, "trial-steps/s/core",
                      before / alone, "ratio: to one network alone",
                      n_units=n_units, stack=1)  # fmt: skip
        summary.append(
            f"throughput per core, N = {n_units}: stacked vs separate " + ", ".join(ratios)
        )


def measure_ensemble(table: Table, plan: dict, summary: list):
    """Wall time until every seed of a size is trained, stacked against one after another."""
    import numpy as np

    config = plan["ensemble_config"]
    criterion = config.get("criterion", {}).get("accuracy", 0.99)
    for n_units in plan["ensemble_sizes"]:
        runs = {}
        for stacked in (True, False):
            runs[stacked] = run_worker("ensemble", config=config, n_units=n_units,
                                       seeds=plan["ensemble_seeds"], stacked=stacked)  # fmt: skip
        same = all(
            np.array_equal(np.asarray(a), np.asarray(b))
            for wa, wb in zip(runs[True]["weights"], runs[False]["weights"], strict=True)
            for a, b in zip(wa, wb, strict=True)
        )
        for stacked, run in runs.items():
            solved = sum(acc >= criterion for acc in run["accuracy"])
            name = "stacked" if stacked else "one after another"
            table.add("time_to_trained_ensemble", name, run["wall"], "s",
                      runs[False]["wall"] / run["wall"],
                      f"{solved}/{len(run['accuracy'])} at test accuracy >= {criterion}; "
                      f"epochs {run['epochs']}; weights equal to alone: {same}",
                      n_units=n_units, stack=len(plan["ensemble_seeds"]))  # fmt: skip
        summary.append(
            f"trained ensemble of {len(plan['ensemble_seeds'])} seeds, N = {n_units}: stacked "
            f"{runs[True]['wall']:.0f} s vs separate {runs[False]['wall']:.0f} s "
            f"({runs[False]['wall'] / runs[True]['wall']:.2f}x); solved "
            f"{sum(a >= criterion for a in runs[True]['accuracy'])}/{len(runs[True]['accuracy'])}; "
            f"the same weights: {same}"
        )


def measure_workflow(table: Table, plan: dict, summary: list):
    """The whole workflow of ``plan["workflow_config"]`` with --cores 2: stacked, against a
    job per network (stack_size 1) or, with a baseline checkout, against that checkout."""
    reference = "baseline checkout" if plan["baseline"] else "a job per network"
    runs = {"automatic stacks": (None, ROOT)}
    runs[reference] = (None, plan["baseline"]) if plan["baseline"] else (1, ROOT)
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (stack_size, checkout) in runs.items():
            config = json.loads(json.dumps(plan["workflow_config"]))
            if checkout == ROOT:
                config.setdefault("training", {})["stack_size"] = stack_size
            else:  # an earlier version refuses the key
                config.get("training", {}).pop("stack_size", None)
            workdir = Path(tmp) / name.replace(" ", "_")
            workdir.mkdir()
            (workdir / "config.yaml").write_text(yaml.safe_dump(config))
            command = [
                sys.executable, "-m", "snakemake", "--snakefile", str(checkout / "Snakefile"),
                "--directory", str(workdir), "--configfile", str(workdir / "config.yaml"),
                "--cores", "2", "--quiet", *plan["workflow_args"],
            ]  # fmt: skip
            env = dict(os.environ, PYTHONPATH=str(checkout / "src"))
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=checkout, env=env)
            seconds[name] = time.perf_counter() - start
    for name, s in seconds.items():
        table.add("workflow", name, s, "s", seconds[reference] / s, "--cores 2; ratio: speed-up")
    stacked = seconds["automatic stacks"]
    summary.append(
        f"whole workflow, --cores 2: stacked {stacked:.0f} s vs {reference} "
        f"{seconds[reference]:.0f} s ({seconds[reference] / stacked:.2f}x)"
    )


def plan_for(quick: bool, baseline: Path | None = None) -> dict:
    default = yaml.safe_load((ROOT / "config.yaml").read_text())
    if quick:
        tiny = {
            "tasks": {"tiny": QUICK_TASK},
            "dataset": {"seed": 7, "n_train": 64, "n_validation": 16, "n_test": 16},
            "network": {"sizes": [2, 4], "seeds": [1, 2], "architecture": "simple_rnn",
                        "recurrent_initializer": "orthogonal"},
            "training": {"max_epochs": 2, "batch_size": 32},
        }  # fmt: skip
        return {
            "task": QUICK_TASK, "epochs": 3, "repeats": 1, "stacks": (2,),
            "throughput_sizes": [(4, 64)],
            "ensemble_config": tiny, "ensemble_sizes": [4], "ensemble_seeds": [1, 2],
            "workflow_config": tiny, "workflow_args": ["--until", "train_stack"],
            "baseline": baseline,
        }  # fmt: skip
    return {
        "task": next(iter(default["tasks"].values())), "epochs": 5, "repeats": 2,
        "stacks": (5, 20),
        # (N, trials per epoch): epochs of 16 batches, half of config.yaml's. N = 64 is
        # above CPU_STACK_MAX_UNITS, where the workflow gives a CPU a job per network.
        "throughput_sizes": [(8, 1024), (16, 1024), (32, 1024), (64, 1024)],
        "ensemble_config": default, "ensemble_sizes": [32, 64],
        "ensemble_seeds": default["network"]["seeds"],
        "workflow_config": default, "workflow_args": [], "baseline": baseline,
    }  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, about a minute")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    steps = {"throughput": measure_throughput, "ensemble": measure_ensemble,
             "workflow": measure_workflow}  # fmt: skip
    parser.add_argument("--only", nargs="+", choices=tuple(steps), default=tuple(steps))
    parser.add_argument(
        "--baseline", type=Path, help="a checkout of an earlier version to measure against"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        print("RESULT " + json.dumps(WORKERS[spec.pop("kind")](spec)), flush=True)
        return
    # The measurements' common runner, beside this script.
    sys.path.insert(0, str(Path(__file__).parent))
    from benchmark_training import run_steps

    plan = plan_for(args.quick, args.baseline and args.baseline.resolve())
    run_steps([steps[name] for name in args.only], plan, args.out, Table())


if __name__ == "__main__":
    main()
