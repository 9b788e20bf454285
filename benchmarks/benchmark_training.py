"""Training speed of the workflow against the paper-style baseline, measured in one run.

The baseline is what the paper's code does: Keras ``SimpleRNN`` + ``Dense`` trained with
``model.fit`` (batch 128, Adam 1e-4, no clipping) on every core. Against it, on the same
trials and in the same run (the numbers of two runs on a shared machine do not compare):

* training throughput (trials x time steps per second, per core) at several sizes, of the
  workflow's training loop (``rnn_ensembles.training.train``: hand-written BPTT, one thread
  per job) and of ``model.fit`` with one and with every thread;
* the achieved GFLOP/s of a training step (the matmuls of forward and backward BPTT) against
  a plain matmul of the same shapes (batch x N times N x N), measured here too;
* time to a trained network (test sign accuracy >= the criterion) with the shipped recipe
  (``config.yaml``) and with the paper's protocol (30,050 trials, at most 20 epochs, stop
  when the training loss is below 0.009), median over seeds with the success rate; a run
  still short of the criterion when it hits the cap counts as "> cap";
* ensemble throughput of the whole workflow on a small config with ``--cores 2`` against
  ``--cores 1``;
* per architecture (``rnn_ensembles.models.ARCHITECTURES``, and a constrained
  ``simple_rnn``), the throughput of the workflow's loop against ``model.fit`` of the
  architecture's own model, both on one thread, and what GradientTape costs ``leaky_rnn``
  against its hand-written BPTT in the same loop.

Every measurement runs in its own process, so that each gets its own TensorFlow thread
pools; the variants of one measurement run one after another, interleaved over repeats
(``--quick`` runs all of the per-architecture ones in one process, to save the start-ups).
Writes ``benchmark.tsv`` (one row per measured value) and ``summary.txt`` to ``--out``.

    python benchmarks/benchmark_training.py            # about an hour on a 2-core laptop
    python benchmarks/benchmark_training.py --quick    # a minute: tiny sizes, keeps it working
"""

from __future__ import annotations

import argparse
import contextlib
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
COLUMNS = (
    "measure",
    "variant",
    "n_units",
    "batch_size",
    "threads",
    "seed",
    "value",
    "unit",
    "ratio",
    "note",
)
PAPER_TASK = {"kind": "flipflop"}
# The tests' tiny task (short trials, few of them): every measurement runs in a minute.
QUICK_TASK = yaml.safe_load((ROOT / "tests/configs/tiny.yaml").read_text())["tasks"]["tiny"]
PAPER_PROTOCOL = {
    "n_train": 30050,
    "batch_size": 128,
    "learning_rate": 1e-4,
    "max_epochs": 20,
    "loss_threshold": 0.009,
}
# Build options of the architectures measured by architecture_throughput (default: none).
ARCHITECTURE_OPTIONS = {"leaky_rnn": {"tau": 5.0, "dt": 1.0}}
# Also measured, as "<architecture> constrained", where the architecture takes these options.
CONSTRAINED = (
    "simple_rnn",
    {"dale": True, "connection_probability": 0.3, "recurrent_initializer": "orthogonal"},
)
# The architecture whose hand-written BPTT is timed against GradientTape in the same loop.
TAPE_COST = "leaky_rnn"


# -- workers: each runs in a fresh process ---------------------------------------------------
def _setup(threads: int):
    """Thread pools of this process; a second call (several workers in one process) must ask
    for the same number, as TensorFlow cannot change them once it runs."""
    from rnn_ensembles.training import configure_tensorflow

    configure_tensorflow(threads, deterministic=False)


def _trials(task: dict, sizes: dict, seed: int = 2024):
    from rnn_ensembles import dataset

    return dataset.generate(
        task["kind"], {k: v for k, v in task.items() if k != "kind"}, sizes, seed
    )


def _paper_model(
    n_units: int,
    n_bits: int,
    learning_rate: float,
    architecture: str = "simple_rnn",
    options: dict | None = None,
):
    """The paper's training setup: SimpleRNN + Dense (or another architecture's model),
    Adam without clipping, MSE."""
    import keras

    from rnn_ensembles.models import get_architecture

    model = get_architecture(architecture).build(n_units, n_bits, n_bits, **(options or {}))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


@contextlib.contextmanager
def _gradients(architecture: str, gradients: str):
    """The gradient the training loop uses for ``architecture``: ``"own"``, the module's
    stacked form or ``loss_and_gradients`` where it has one (as in the workflow), or
    ``"tape"``, those hidden for the duration, so that the loop falls back on its
    GradientTape. Yields the name of the one in use."""
    from rnn_ensembles.models import get_architecture

    if gradients not in ("own", "tape"):
        raise ValueError(f"gradients = {gradients!r}: expected 'own' or 'tape'")
    module = get_architecture(architecture)
    names = ("loss_and_gradients", "stack_form")
    hidden = (
        {n: vars(module).pop(n) for n in names if n in vars(module)} if gradients == "tape" else {}
    )
    try:
        yield "hand-written BPTT" if hasattr(module, "stack_form") else "GradientTape"
    finally:
        for name, value in hidden.items():
            setattr(module, name, value)


class _EpochClock:
    """Keras callback: seconds of each epoch."""

    def __new__(cls):
        import keras

        class Clock(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.seconds = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self.start)

        return Clock()


def worker_fit_throughput(a: dict) -> dict:
    """model.fit epochs of the paper's setup (of ``architecture``'s model with
    ``model_options``, simple_rnn's by default); seconds of every epoch after the first."""
    _setup(a["threads"])
    import keras

    data = _trials(a["task"], {"train": a["n_trials"], "validation": 1, "test": 1})
    x, y = data.inputs("train"), data.targets("train")
    keras.utils.set_random_seed(1)
    model = _paper_model(
        a["n_units"],
        x.shape[-1],
        1e-4,
        a.get("architecture", "simple_rnn"),
        a.get("model_options"),
    )
    clock = _EpochClock()
    model.fit(x, y, batch_size=a["batch_size"], epochs=a["epochs"], verbose=0, callbacks=[clock])
    return {"seconds": clock.seconds[1:], "trial_steps": x.shape[0] * x.shape[1]}


def worker_train_throughput(a: dict) -> dict:
    """Epochs of the workflow's own training loop, of ``architecture`` (simple_rnn by
    default) with ``model_options`` and ``gradients`` (see :func:`_gradients`); the
    validation split is one trial."""
    _setup(a["threads"])
    from rnn_ensembles.training import TrainingConfig, train

    data = _trials(a["task"], {"train": a["n_trials"], "validation": 1, "test": 1})
    config = TrainingConfig(
        batch_size=a["batch_size"], max_epochs=a["epochs"], target_accuracy=None
    )
    architecture = a.get("architecture", "simple_rnn")
    with _gradients(architecture, a.get("gradients", "own")) as gradient:
        result = train(
            data,
            architecture,
            a["n_units"],
            1,
            config,
            log=lambda *_: None,
            model_options=a.get("model_options"),
        )
    x = data.inputs("train")
    return {
        "seconds": [row["seconds"] for row in result.history[1:]],
        "trial_steps": x.shape[0] * x.shape[1],
        "gradient": gradient,
    }


def worker_matmul(a: dict) -> dict:
    """GFLOP/s of (batch x N) @ (N x N), chained so that nothing but the matmuls is timed."""
    _setup(a["threads"])
    import numpy as np
    import tensorflow as tf

    n, batch, chain = a["n_units"], a["batch_size"], 100
    rng = np.random.default_rng(0)
    h = tf.constant(rng.normal(size=(batch, n)).astype(np.float32))
    # Orthogonal, so that the chained products neither blow up nor vanish.
    w = tf.constant(np.linalg.qr(rng.normal(size=(n, n)))[0].astype(np.float32))

    @tf.function
    def chained(h):
        for _ in range(chain):
            h = tf.matmul(h, w)
        return h

    chained(h).numpy()
    seconds = []
    for _ in range(a["repeats"]):
        start = time.perf_counter()
        chained(h).numpy()
        seconds.append(time.perf_counter() - start)
    return {"gflops": 2 * batch * n * n * chain / statistics.median(seconds) / 1e9}


def _test_accuracy(model, data) -> float:
    from rnn_ensembles.metrics import sign_accuracy

    x, y = data.inputs("test"), data.targets("test")
    return sign_accuracy(model.predict(x, batch_size=200, verbose=0), y)


def worker_trained_ours(a: dict) -> dict:
    """The shipped recipe: config.yaml's dataset and training sections, one thread."""
    _setup(1)
    from rnn_ensembles.training import TrainingConfig, train

    cfg = a["config"]
    splits = {name: cfg["dataset"][f"n_{name}"] for name in ("train", "validation", "test")}
    data = _trials(a["task"], splits, cfg["dataset"]["seed"])
    jobs = ("threads", "gpu", "stack_size")
    training = {k: v for k, v in cfg["training"].items() if k not in jobs}
    init = cfg["network"].get("recurrent_initializer", "identity")
    result = train(
        data,
        "simple_rnn",
        a["n_units"],
        a["seed"],
        TrainingConfig(**training),
        log=lambda *_: None,
        model_options={"recurrent_initializer": init},
    )
    return {
        "seconds": result.wall_time_s,
        "accuracy": _test_accuracy(result.model, data),
        "steps": len(result.history) * -(-splits["train"] // training["batch_size"]),
    }


def worker_trained_paper(a: dict) -> dict:
    """The paper's protocol with model.fit on every core; checks the test accuracy after
    each epoch and stops at the criterion, the paper's loss threshold, or the cap."""
    _setup(a["threads"])
    import keras

    p = a["protocol"]
    cfg = a["config"]
    sizes = {"train": p["n_train"], "validation": 1, "test": cfg["dataset"]["n_test"]}
    data = _trials(a["task"], sizes, cfg["dataset"]["seed"])
    x, y = data.inputs("train"), data.targets("train")
    keras.utils.set_random_seed(a["seed"])
    model = _paper_model(a["n_units"], x.shape[-1], p["learning_rate"])
    state = {"accuracy": 0.0, "reached": None, "epochs": 0}
    start = time.perf_counter()

    class Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            state["epochs"] = epoch + 1
            state["accuracy"] = _test_accuracy(self.model, data)
            elapsed = time.perf_counter() - start
            if state["accuracy"] >= a["accuracy"]:
                state["reached"] = elapsed
            if state["reached"] or logs["loss"] < p["loss_threshold"] or elapsed > a["cap"]:
                self.model.stop_training = True

    model.fit(
        x,
        y,
        batch_size=p["batch_size"],
        epochs=p["max_epochs"],
        verbose=0,
        callbacks=[Watch()],
        shuffle=True,
    )
    seconds = state["reached"] if state["reached"] else time.perf_counter() - start
    return {
        "seconds": seconds,
        "accuracy": state["accuracy"],
        "steps": state["epochs"] * -(-p["n_train"] // p["batch_size"]),
    }


WORKERS = {
    "fit_throughput": worker_fit_throughput,
    "train_throughput": worker_train_throughput,
    "matmul": worker_matmul,
    "trained_ours": worker_trained_ours,
    "trained_paper": worker_trained_paper,
}


def run_workers(specs: list[dict]) -> list[dict]:
    """The measurements ``specs`` (each a worker's ``kind`` and its arguments) one after
    another in one fresh Python process (its own thread pools and memory)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(specs)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"workers {specs} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def run_worker(kind: str, **args) -> dict:
    """One measurement in a fresh Python process."""
    return run_workers([{"kind": kind, **args}])[0]


# -- the benchmark -------------------------------------------------------------------------
def flops_per_trial_step(n_units: int, n_bits: int) -> int:
    """Matmul FLOPs of forward + backward BPTT per trial and time step: forward x W_in,
    h W_rec, h W_out; backward dz W_out^T, delta W_rec^T; gradients of W_in, W_rec, W_out."""
    n, io = n_units, n_bits
    return 2 * (3 * n * n + 2 * io * n + 3 * n * io)


def load_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


class Table:
    def __init__(self):
        self.rows = []

    def add(self, measure, variant, value, unit, ratio=float("nan"), note="", **keys):
        row = dict.fromkeys(COLUMNS, "")
        row.update(keys, measure=measure, variant=variant, value=value, unit=unit)
        row.update(ratio=ratio, note=note)
        self.rows.append(row)
        shown = {k: row[k] for k in ("n_units", "batch_size", "threads", "seed") if row[k] != ""}
        print(f"{measure:<22} {variant:<28} {shown} {value:.4g} {unit} ratio {ratio:.3g} {note}")

    def write(self, path: Path):
        lines = ["\t".join(COLUMNS)]
        for row in self.rows:
            lines.append("\t".join(str(row[c]) for c in COLUMNS))
        path.write_text("\n".join(lines) + "\n")


def measure_throughput(table: Table, plan: dict, summary: list):
    """Trial-steps per second per core, interleaved over repeats; GFLOP/s vs matmul."""
    cores = plan["cores"]
    variants = {
        "paper_fit": ("fit_throughput", 128, cores),
        "paper_fit_1thread": ("fit_throughput", 128, 1),
        "workflow_loop": ("train_throughput", 64, 1),
        "workflow_loop_batch128": ("train_throughput", 128, 1),
    }
    variants = {k: v for k, v in variants.items() if k in plan["throughput_variants"]}
    for n, n_trials in plan["throughput_sizes"]:
        seconds = {v: [] for v in variants}
        for _ in range(plan["repeats"]):
            for name, (kind, batch, threads) in variants.items():
                out = run_worker(
                    kind,
                    task=plan["task"],
                    n_units=n,
                    n_trials=n_trials,
                    batch_size=batch,
                    threads=threads,
                    epochs=plan["epochs"],
                )
                seconds[name] += out["seconds"]
                trial_steps = out["trial_steps"]
        per_core = {
            v: trial_steps / statistics.median(s) / variants[v][2] for v, s in seconds.items()
        }
        base = per_core["paper_fit"]
        for name, (_, batch, threads) in variants.items():
            table.add(
                "throughput",
                name,
                per_core[name],
                "trial_steps/s/core",
                per_core[name] / base,
                n_units=n,
                batch_size=batch,
                threads=threads,
            )
        matmul = run_worker(
            "matmul", n_units=n, batch_size=64, threads=1, repeats=plan["repeats"] * 3
        )["gflops"]
        table.add("matmul", "tf.matmul chain", matmul, "GFLOP/s", 1.0, n_units=n, batch_size=64)
        flops = flops_per_trial_step(n, 3)
        for name in ("workflow_loop", "paper_fit_1thread"):
            if name not in per_core:
                continue
            achieved = per_core[name] * flops / 1e9
            table.add(
                "gflops",
                name,
                achieved,
                "GFLOP/s",
                achieved / matmul,
                "ratio: of the matmul rate",
                n_units=n,
                batch_size=variants[name][1],
                threads=1,
            )
        summary.append(
            f"N = {n}: workflow loop {per_core['workflow_loop']:.0f} trial-steps/s/core = "
            f"{per_core['workflow_loop'] / base:.2f} x paper-style model.fit "
            f"({base:.0f}, {cores} threads); {per_core['workflow_loop'] * flops / 1e9:.1f} "
            f"GFLOP/s = {per_core['workflow_loop'] * flops / 1e9 / matmul:.0%} of a plain "
            f"matmul ({matmul:.1f} GFLOP/s)"
        )


def architecture_variants() -> dict[str, tuple[str, dict]]:
    """Row name -> (architecture, build options): every registered architecture, and
    CONSTRAINED as "<architecture> constrained" where that architecture takes its options."""
    from rnn_ensembles.models import ARCHITECTURES, get_architecture

    variants = {name: (name, ARCHITECTURE_OPTIONS.get(name, {})) for name in ARCHITECTURES}
    name, options = CONSTRAINED
    module = get_architecture(name)
    problems = getattr(module, "option_problems", lambda _: [])
    if set(options) <= set(module.OPTIONS) and not problems(options):
        variants[f"{name} constrained"] = CONSTRAINED
    return variants


def measure_architectures(table: Table, plan: dict, summary: list):
    """Trial-steps per second of the workflow's loop against model.fit of the same model,
    per architecture, one thread each, interleaved over repeats; and the loop of TAPE_COST
    with its hand-written BPTT against the same loop on GradientTape."""
    from rnn_ensembles.models import get_architecture

    n, batch = plan["architecture_size"], 64
    shape = dict(n_units=n, batch_size=batch, threads=1)
    trials = dict(task=plan["task"], n_trials=plan["architecture_trials"], epochs=plan["epochs"])
    common = dict(shape, **trials)
    variants = architecture_variants()
    runs = {}  # (row, what) -> worker spec
    for row, (architecture, options) in variants.items():
        model = dict(common, architecture=architecture, model_options=options)
        runs[row, "loop"] = dict(model, kind="train_throughput")
        runs[row, "fit"] = dict(model, kind="fit_throughput")
    tape_cost = hasattr(get_architecture(TAPE_COST), "loss_and_gradients")
    if tape_cost:
        runs[TAPE_COST, "tape"] = dict(runs[TAPE_COST, "loop"], gradients="tape")
    keys = list(runs) * plan["repeats"]
    specs = [runs[key] for key in keys]
    if plan["architecture_one_process"]:
        results = run_workers(specs)
    else:
        results = [run_worker(**spec) for spec in specs]
    seconds = {key: [] for key in runs}
    for key, result in zip(keys, results, strict=True):
        seconds[key] += result["seconds"]
    last = dict(zip(keys, results, strict=True))  # trial steps and gradient: every repeat's
    rate = {key: last[key]["trial_steps"] / statistics.median(s) for key, s in seconds.items()}
    for row, (_, options) in variants.items():
        loop, fit, gradient = rate[row, "loop"], rate[row, "fit"], last[row, "loop"]["gradient"]
        note = f"workflow loop ({gradient}) / model.fit ({fit:.0f} trial_steps/s)"
        table.add(
            "architecture_throughput",
            row,
            loop,
            "trial_steps/s",
            loop / fit,
            note + (f"; options {json.dumps(options)}" if options else ""),
            **shape,
        )
        summary.append(
            f"{row}, N = {n}, batch {batch}, 1 thread: workflow loop ({gradient}) "
            f"{loop:.0f} trial-steps/s = {loop / fit:.2f} x model.fit ({fit:.0f})"
        )
    if not tape_cost:
        summary.append(f"GradientTape cost: {TAPE_COST} has no hand-written BPTT to compare")
        return
    if last[TAPE_COST, "tape"]["gradient"] != "GradientTape":
        raise RuntimeError(f"the loop of {TAPE_COST} did not fall back on GradientTape")
    own, taped = rate[TAPE_COST, "loop"], rate[TAPE_COST, "tape"]
    table.add(
        "architecture_throughput",
        f"{TAPE_COST} GradientTape cost",
        taped,
        "trial_steps/s",
        own / taped,
        f"workflow loop on GradientTape; ratio: the loop with hand-written BPTT "
        f"({own:.0f} trial_steps/s) over it",
        **shape,
    )
    summary.append(
        f"GradientTape cost, {TAPE_COST}, N = {n}: the workflow loop with hand-written BPTT "
        f"{own:.0f} trial-steps/s = {own / taped:.2f} x the same loop on GradientTape "
        f"({taped:.0f})"
    )


def _median_time(results: list[dict], accuracy: float, cap: float):
    """Median seconds to a trained network over seeds, a failure counting as infinite; the
    number trained; and a lower bound of that median: the median of the seconds run (a
    failed run would have needed more than it ran)."""
    times = [
        r["seconds"] if r["accuracy"] >= accuracy and r["seconds"] <= cap else float("inf")
        for r in results
    ]
    ran = statistics.median(r["seconds"] for r in results)
    return statistics.median(times), sum(t < float("inf") for t in times), ran


def measure_time_to_trained(table: Table, plan: dict, summary: list):
    config = load_config()
    config["dataset"].update(plan["dataset"])
    accuracy = plan.get("accuracy", config["criterion"]["accuracy"])
    cap = plan["cap"]
    for n in plan["trained_sizes"]:
        results = {"paper_protocol": [], "workflow_recipe": []}
        for seed in plan["seeds"]:
            common = dict(task=plan["task"], n_units=n, seed=seed, config=config)
            ours = run_worker("trained_ours", **common)
            paper = run_worker(
                "trained_paper",
                **common,
                protocol=plan["protocol"],
                threads=plan["cores"],
                cap=cap,
                accuracy=accuracy,
            )
            for name, r in (("workflow_recipe", ours), ("paper_protocol", paper)):
                results[name].append(r)
                table.add(
                    "trained_run",
                    name,
                    r["seconds"],
                    "s",
                    note=f"test accuracy {r['accuracy']:.4f}, {r['steps']} steps",
                    n_units=n,
                    seed=seed,
                )
        base, _, base_ran = _median_time(results["paper_protocol"], accuracy, cap)
        line = []
        for name, rs in results.items():
            median, ok, ran = _median_time(rs, accuracy, cap)
            if median == float("inf"):
                ratio, shown, speedup = float("nan"), f"> {ran:.0f} s", "n/a"
            elif base == float("inf"):
                # The baseline never got there: its run time bounds the speed-up from below.
                ratio, shown = base_ran / median, f"{median:.0f} s"
                speedup = f">= {ratio:.1f} x"
            else:
                ratio, shown = base / median, f"{median:.0f} s"
                speedup = f"{ratio:.1f} x"
            table.add(
                "time_to_trained",
                name,
                median,
                "s",
                ratio,
                f"median over {len(rs)} seeds, {ok}/{len(rs)} reached {accuracy} "
                f"(inf: not reached, median run {ran:.0f} s, cap {cap:.0f} s)",
                n_units=n,
            )
            line.append(f"{name} {shown} ({ok}/{len(rs)} trained, {speedup})")
        summary.append(f"N = {n}: time to a trained network: " + ", ".join(line))


def measure_workflow(table: Table, plan: dict, summary: list):
    """Wall time of the whole workflow on a small config with --cores 1 and --cores 2."""
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(yaml.safe_dump(plan["workflow_config"]))
        for cores in (1, 2):
            workdir = Path(tmp) / f"cores{cores}"
            command = [
                sys.executable, "-m", "snakemake",
                "--snakefile", str(ROOT / "Snakefile"),
                "--directory", str(workdir),
                "--configfile", str(config),
                "--cores", str(cores),
                "--quiet",
                *plan["workflow_args"],
            ]  # fmt: skip
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
            seconds[cores] = time.perf_counter() - start
    grid = plan["workflow_config"]["network"]
    networks = len(grid["sizes"]) * len(grid["seeds"])
    for cores, s in seconds.items():
        table.add(
            "workflow",
            f"--cores {cores}",
            networks / s * 60,
            "networks/min",
            seconds[1] / s,
            f"{networks} networks in {s:.0f} s",
            threads=cores,
        )
    summary.append(
        f"whole workflow, {networks} networks: --cores 2 {seconds[1] / seconds[2]:.2f} x the "
        f"throughput of --cores 1 ({seconds[2]:.0f} s vs {seconds[1]:.0f} s)"
    )


def measure_analysis_cost(table: Table, plan: dict, summary: list):
    """Seconds of the analysis and aggregation jobs against those of training, from the
    Snakemake benchmark files of one run of the default config (a small one with --quick)."""
    from rnn_ensembles.resources import ANALYSIS_RULES, DYNAMICS_RULES, analysis_share, stage_costs

    config = plan["analysis_config"] or load_config()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        command = [
            sys.executable, "-m", "snakemake",
            "--snakefile", str(ROOT / "Snakefile"),
            "--directory", tmp,
            "--configfile", str(path),
            "--cores", str(plan["cores"]),
            "--quiet",
            *plan["analysis_targets"],
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        wall = time.perf_counter() - start
        results = Path(tmp) / "results"
        costs = stage_costs(*(results / task / "benchmarks" for task in config["tasks"]))
    training = costs["train_stack"]["seconds"]
    for rule, cost in sorted(costs.items()):
        table.add(
            "job_seconds",
            rule,
            cost["seconds"],
            "s",
            cost["seconds"] / training,
            f"{cost['jobs']} jobs; ratio: to the seconds of train_stack",
        )
    shares = {
        "analysis + aggregation": analysis_share(costs, ANALYSIS_RULES),
        "dynamics + comparison": analysis_share(costs, DYNAMICS_RULES),
    }
    for name, share in shares.items():
        table.add("cost_share", name, share, "fraction of training", share)
    networks = costs["analyse_network"]["jobs"]
    summary.append(
        f"{networks} networks, workflow wall {wall:.0f} s, training {training:.0f} job-s: "
        + ", ".join(f"{k} {100 * v:.1f} % of training" for k, v in shares.items())
    )


def plan_for(quick: bool, cap: float) -> dict:
    if quick:
        task = QUICK_TASK
        workflow_config = {
            "tasks": {"tiny": dict(task)},
            "dataset": {"seed": 7, "n_train": 64, "n_validation": 16, "n_test": 16},
            "network": {"sizes": [2, 4], "seeds": [1]},
            "training": {"max_epochs": 2, "batch_size": 32},
        }
        # One network, each analysis at its smallest.
        levels = {"noise_levels": [0.0], "amplitudes": [1.0], "prune_fractions": [0.0]}
        analysis_config = dict(
            workflow_config,
            network={"sizes": [4], "seeds": [1]},
            fixed_points={"n_trials": 4, "n_initial": 16, "max_iterations": 100},
            robustness={"n_trials": 4, **levels},
        )
        return {
            "task": task,
            "cores": 2,
            "repeats": 1,
            "epochs": 2,
            "throughput_sizes": [(16, 128)],
            "throughput_variants": ("paper_fit", "workflow_loop"),
            "architecture_size": 8,
            "architecture_trials": 128,
            "architecture_one_process": True,
            # Any accuracy counts, so that every path of the time-to-trained code yields a number.
            "accuracy": 0.0,
            "trained_sizes": [8],
            "seeds": [1],
            "cap": cap or 30,
            "dataset": {"n_train": 64, "n_validation": 16, "n_test": 16},
            "protocol": {**PAPER_PROTOCOL, "n_train": 128, "max_epochs": 2},
            "workflow_config": workflow_config,
            # Training only: the whole workflow of even a tiny config takes minutes.
            "workflow_args": ["--until", "train_stack"],
            "analysis_config": analysis_config,
            "analysis_targets": ["--until", "aggregate_ensemble", "summarise_fixed_points"],
        }
    return {
        "task": PAPER_TASK,
        "cores": os.cpu_count() or 1,
        "repeats": 2,
        "epochs": 3,
        # (N, trials per epoch): enough trials for a second or more per epoch.
        "throughput_sizes": [(16, 2048), (64, 1024), (400, 256)],
        "throughput_variants": (
            "paper_fit",
            "paper_fit_1thread",
            "workflow_loop",
            "workflow_loop_batch128",
        ),
        "architecture_size": 64,
        "architecture_trials": 1024,
        "architecture_one_process": False,
        "trained_sizes": [64, 100],
        "seeds": [1, 2, 3],
        "cap": cap or 900,
        "dataset": {},
        "protocol": PAPER_PROTOCOL,
        "workflow_config": {
            "tasks": {"flipflop3": {"kind": "flipflop"}},
            "dataset": {"seed": 2024, "n_train": 256, "n_validation": 64, "n_test": 64},
            "network": {"sizes": [8, 16], "seeds": [1, 2]},
            "training": {"max_epochs": 3},
        },
        "workflow_args": [],
        "analysis_config": None,  # config.yaml, the default experiment
        "analysis_targets": [
            "--until",
            "aggregate_ensemble",
            "compare_realisations",
            "summarise_fixed_points",
            "summarise_robustness",
            "classify_solutions",
        ],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, about a minute")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    parser.add_argument("--cap", type=float, default=0, help="seconds per trained network")
    parser.add_argument("--trained-sizes", type=int, nargs="+", help="N of the time to train")
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds of the time to train")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("throughput", "architectures", "trained", "workflow", "analysis"),
        default=("throughput", "architectures", "trained", "workflow", "analysis"),
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        results = [WORKERS[spec.pop("kind")](spec) for spec in json.loads(args.worker)]
        print("RESULT " + json.dumps(results), flush=True)
        return
    plan = plan_for(args.quick, args.cap)
    plan["trained_sizes"] = args.trained_sizes or plan["trained_sizes"]
    plan["seeds"] = args.seeds or plan["seeds"]
    steps = {
        "throughput": measure_throughput,
        "architectures": measure_architectures,
        "trained": measure_time_to_trained,
        "workflow": measure_workflow,
        "analysis": measure_analysis_cost,
    }
    run_steps([steps[name] for name in args.only], plan, args.out, Table())


def run_steps(steps, plan: dict, out: Path, table) -> None:
    """Run each measurement of ``steps``, writing the table after each, then the summary."""
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    started = time.perf_counter()
    for step in steps:
        step(table, plan, summary)
        table.write(out / "benchmark.tsv")
    summary.append(f"benchmark wall time {time.perf_counter() - started:.0f} s")
    text = "\n".join(summary) + "\n"
    (out / "summary.txt").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
