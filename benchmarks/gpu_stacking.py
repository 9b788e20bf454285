"""A stacked ensemble on a GPU at the paper's protocol, against one network, and against the CPU.

The paper's flip-flop (340 steps), N = 400, batch 128, Adam 1e-4 with clipping, a few
hundred gradient steps (``--steps``): the trial-steps per second of a stack of ``--seeds``
networks and of one network alone, both on the GPU, epochs after the first (which traces the
graph). Then the first epoch of seed 1, trained in the stack on the GPU and alone on the CPU
(in a process that sees no GPU), compared weight by weight: on a GPU the order of float32
sums differs from the CPU's, so the two agree within float32 rounding, not to the bit.

    python benchmarks/gpu_stacking.py --out gpu-results        # a few minutes on one GPU
    python benchmarks/gpu_stacking.py --quick --out /tmp/x     # tiny sizes: keeps it working

Without a GPU it runs all the same on the CPU and says so in ``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PAPER = {"n_units": 400, "batch_size": 128, "learning_rate": 1e-4, "trial_length": 340}
QUICK = {"n_units": 8, "batch_size": 16, "learning_rate": 1e-3, "trial_length": 60}


def _data(plan: dict, n_train: int):
    from rnn_ensembles import dataset

    params = {} if plan["trial_length"] == 340 else {
        "trial_length": plan["trial_length"], "first_pulse_window": [5, 20],
        "pulse_offsets": [15, 30], "jitter": [1, 5], "pulse_length": 5, "delay": 5,
        "memory_pulse_interval": 12, "memory_first_pulse": 5,
    }  # fmt: skip
    return dataset.generate(
        "flipflop", params, {"train": n_train, "validation": 8, "test": 8}, 2024
    )


def worker(spec: dict) -> dict:
    """Train ``seeds`` as one stack for ``epochs``; the epoch seconds and seed 1's weights."""
    from rnn_ensembles.stacking import train_stack
    from rnn_ensembles.training import TrainingConfig, configure_tensorflow, device_name

    configure_tensorflow(os.cpu_count() or 1, deterministic=False)
    plan = spec["plan"]
    data = _data(plan, spec["n_train"])
    config = TrainingConfig(
        learning_rate=plan["learning_rate"], batch_size=plan["batch_size"],
        max_epochs=spec["epochs"], target_accuracy=None,
    )  # fmt: skip
    started = time.perf_counter()
    results = train_stack(
        data, "simple_rnn", plan["n_units"], spec["seeds"], config, log=lambda _: None,
        model_options={"recurrent_initializer": "orthogonal"},
    )  # fmt: skip
    x = data.inputs("train")
    return {
        "device": device_name(),
        "wall": time.perf_counter() - started,
        "seconds": [row["seconds"] for row in results[0].history],
        "trial_steps": len(spec["seeds"]) * x.shape[0] * x.shape[1],
        "weights": [w.tolist() for w in results[0].model.get_weights()],
    }


def run(spec: dict, cpu_only: bool = False) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if cpu_only:
        env["CUDA_VISIBLE_DEVICES"] = ""
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=20, help="members of the stack")
    parser.add_argument("--steps", type=int, default=300, help="gradient steps in all")
    parser.add_argument("--epochs", type=int, default=3, help="the steps in this many epochs")
    parser.add_argument("--out", type=Path, default=Path("gpu-results"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(json.loads(args.worker))), flush=True)
        return
    plan = QUICK if args.quick else PAPER
    seeds = list(range(1, (2 if args.quick else args.seeds) + 1))
    n_train = plan["batch_size"] * max(1, args.steps // args.epochs)
    common = {"plan": plan, "n_train": n_train, "epochs": args.epochs}
    stacked = run({**common, "seeds": seeds})
    alone = run({**common, "seeds": [1]})
    # The first epoch of seed 1 in the stack on the accelerator, and alone on the CPU.
    first = {**common, "epochs": 1}
    on_device = run({**first, "seeds": seeds})
    on_cpu = run({**first, "seeds": [1]}, cpu_only=True)
    differences = [
        float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / (np.abs(np.asarray(b)) + 1e-3)))
        for a, b in zip(on_device["weights"], on_cpu["weights"], strict=True)
    ]
    rate = {
        name: r["trial_steps"] / float(np.median(r["seconds"][1:] or r["seconds"]))
        for name, r in (("stacked", stacked), ("alone", alone))
    }
    summary = {
        "device": stacked["device"],
        "cpu_reference_device": on_cpu["device"],
        "protocol": plan,
        "seeds": len(seeds),
        "gradient_steps": args.epochs * (n_train // plan["batch_size"]),
        "trial_steps_per_s": rate,
        "stacked_over_alone": rate["stacked"] / rate["alone"],
        "wall_s": {"stacked": stacked["wall"], "alone": alone["wall"]},
        "seed1_first_epoch_max_relative_difference_to_cpu": max(differences),
        "within_float32_tolerance": max(differences) < 1e-3,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
