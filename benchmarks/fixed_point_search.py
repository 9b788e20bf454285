"""How complete the fixed-point search is, and what it costs, on trained networks.

For each network (a ``weights.h5`` of a workflow run) and each constant input of its task,
three searches from the same trajectories as the dynamics stage uses (the probe trials and
the first ``--n-trials`` test trials, ``rnn_ensembles.stages.dynamics``):

* ``old``: the search as it shipped before rounds: Adam on q from 128 sampled states, one
  round (``minimiser="adam", max_rounds=1``);
* ``new``: :meth:`~rnn_ensembles.fixed_points.FixedPointFinder.search` with its defaults;
* ``reference``: an exhaustive search (:class:`ExhaustiveFinder`): ``REFERENCE_ROUNDS``
  rounds (fewer when one adds nothing) of thousands of sampled states (each drawn twice,
  the second time farther off), boundary states between each stable point and twice as
  many neighbours, states at random points on the segments between them, and thousands
  of states off the saddles, minimised by the trust-region method for twice as long
  with a patient stall cut-off: 20 to 100 times the new search's time;
* ``independent``: a check that shares neither minimiser nor initial states with the
  other two (:class:`IndependentFinder`): MINPACK's hybrid Powell method from thousands of
  sampled states at three noise levels and as many uniform states in the box of the
  trajectories.

Printed per network: the stable / saddle / unstable counts of each search, the saddles
split into those with one unstable direction (``index1``, the saddles between two basins
that a topology joins to attractors) and the others; how many of the reference's points
of each kind the search found, and of the independent check's index-1 saddles and
points; its seconds; and the ratios to the reference.  Each
search runs on one thread, as the dynamics stage does.

    python benchmarks/fixed_point_search.py --results results/flipflop3
    python benchmarks/fixed_point_search.py --results results/flipflop3 \\
        --networks 'simple_rnn/N32/seed*' --quick
    python benchmarks/fixed_point_search.py --results results/flipflop3 \\
        --references fp_references --output fixed_point_search.tsv  # keeps the references
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from rnn_ensembles import dataset
from rnn_ensembles.fixed_points import FixedPointFinder, FixedPoints, far_from
from rnn_ensembles.models import load_network

REFERENCE_ROUNDS = 10
KINDS = ("stable", "index1", "other_saddle", "unstable")


class ExhaustiveFinder(FixedPointFinder):
    """The finder with larger budgets and more kinds of initial states: a patient stall
    cut-off (q must fall by a tenth in 20 iterations); every sampled state also drawn a
    second time with three times the noise added on top (farther off the visited
    states); twice the neighbours per stable point; and on
    each pair's segment, :data:`SEGMENT_STATES` states at random fractions with noise
    (the pair states of the first design, before the bisection)."""

    STALL_WINDOW, STALL_FACTOR = 20, 0.9
    PAIR_NEIGHBOURS = 20
    SEGMENT_STATES = 4

    def sample_states(self, *trajectories, seed=None):
        near = super().sample_states(*trajectories, seed=seed)
        rng = np.random.default_rng(self.hps["seed"] if seed is None else seed)
        far = near + rng.normal(0.0, 3 * self.hps["initial_noise"], size=near.shape)
        return np.concatenate([near, far])

    def boundary_states(self, start, end, seed=None):
        rng = np.random.default_rng(seed)
        fraction = rng.uniform(0.1, 0.9, size=(self.SEGMENT_STATES, len(start), 1))
        segment = (start + fraction * (end - start)).reshape(-1, start.shape[1])
        segment += rng.normal(0.0, self.hps["initial_noise"], size=segment.shape)
        return np.concatenate([super().boundary_states(start, end, seed), segment])


class IndependentFinder(FixedPointFinder):
    """A check that shares neither the minimiser nor the initial states of the search:
    MINPACK's hybrid Powell method (``scipy.optimize.root``, with the analytic Jacobian)
    from each of many states, one at a time, and no boundary or manifold states.  The
    states are the sampled ones at three noise levels (``initial_noise`` times 1, 4 and
    10) and as many drawn uniformly from the box that the trajectories span."""

    NOISE_FACTORS = (1.0, 4.0, 10.0)

    def search(self, *trajectories):
        rng = np.random.default_rng(self.hps["seed"] + 1)
        sampled = self.sample_states(*trajectories)
        states = [
            sampled + rng.normal(0.0, factor * self.hps["initial_noise"], sampled.shape)
            for factor in self.NOISE_FACTORS
        ]
        visited = np.concatenate(trajectories)
        low, high = visited.min(axis=0), visited.max(axis=0)
        states.append(rng.uniform(low, high, size=(len(sampled), len(low))))
        found = self.find(np.concatenate(states))
        found.attrs.update({"n_rounds": 1, "saturated": False})
        return found

    def trust_region(self, states, known):
        from scipy.optimize import root

        eye = np.eye(self.network.state_size)

        def residual(state):
            return self.step(state[None])[0] - state

        def jacobian(state):
            return self.network.jacobian(state[None], self.inputs)[0] - eye

        ends = [root(residual, state, jac=jacobian, method="hybr").x for state in states]
        return np.asarray(ends), 0


def searches(quick: bool) -> dict:
    """name -> (finder class, search parameters) of the three searches compared."""
    n_reference = 500 if quick else 2000
    return {
        "old": (FixedPointFinder, {"minimiser": "adam", "max_rounds": 1}),
        "new": (FixedPointFinder, {}),
        "independent": (IndependentFinder, {"n_initial": n_reference}),
        "reference": (
            ExhaustiveFinder,
            {
                "n_initial": n_reference,
                "n_pairs": n_reference,
                "n_paths": 6,
                "n_saddle_states": 2 * n_reference,
                "trust_region_iterations": 100,
                "max_rounds": 4 if quick else REFERENCE_ROUNDS,
            },
        ),
    }


def kinds(found) -> np.ndarray:
    """Per point, one of :data:`KINDS`."""
    modes = found.n_unstable_modes
    kind = np.where(modes == 1, "index1", "other_saddle")
    kind = np.where(found.stability == "stable", "stable", kind)
    return np.where(found.stability == "unstable", "unstable", kind)


def compare(network, trajectories, inputs, quick: bool, reference_path=None) -> list[dict]:
    """One row per search: counts by kind, reference points found, seconds.

    The reference is read from ``reference_path`` when that exists (its time from its
    attrs), else searched and, given a path, written there.
    """
    results = {}
    for name, (finder, hps) in searches(quick).items():
        if name == "reference" and reference_path is not None and reference_path.exists():
            found = FixedPoints.restore(reference_path)
            results[name] = (found, float(found.attrs["search_time_s"]))
            continue
        started = time.perf_counter()
        found = finder(network, inputs=inputs, **hps).search(*trajectories)
        results[name] = (found, time.perf_counter() - started)
        if name == "reference" and reference_path is not None:
            reference_path.parent.mkdir(parents=True, exist_ok=True)
            found.save(reference_path)
    reference, reference_seconds = results["reference"]
    reference_kinds = kinds(reference)
    independent = results["independent"][0]
    independent_index1 = kinds(independent) == "index1"
    rows = []
    for name, (found, seconds) in results.items():
        found_kinds = kinds(found)
        # A reference point is found when the search has a point within the tolerance.
        missed = far_from(reference.points, found.points, 1e-3)
        row = {"search": name, "seconds": round(seconds, 3)}
        for kind in KINDS:
            row[kind] = int(np.sum(found_kinds == kind))
            row[f"{kind}_of_ref"] = int(np.sum(~missed & (reference_kinds == kind)))
        row["outside_ref"] = int(far_from(found.points, reference.points, 1e-3).sum())
        missed = far_from(independent.points, found.points, 1e-3)
        row["index1_of_indep"] = int(np.sum(~missed & independent_index1))
        row["all_of_indep"] = int(np.sum(~missed))
        row["rounds"] = int(found.attrs["n_rounds"])
        row["saturated"] = bool(found.attrs["saturated"])
        row["time_ratio"] = round(seconds / reference_seconds, 4)
        rows.append(row)
    return rows


def trajectories_of(network, data, n_trials: int) -> list[np.ndarray]:
    """The states the dynamics stage samples from: probe trials, then test trials."""
    return [
        network.states(data.inputs(split)[:n]).reshape(-1, network.state_size)
        for split, n in (("probe", None), ("test", n_trials))
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, required=True, help="a task's results folder")
    parser.add_argument(
        "--networks",
        nargs="+",
        default=["*/N*/seed*"],
        help="network folders under --results (globs), default every one",
    )
    parser.add_argument("--n-trials", type=int, default=20, help="test trials (config's)")
    parser.add_argument("--quick", action="store_true", help="a smaller reference search")
    parser.add_argument("--output", type=Path, help="also write the table here (TSV)")
    parser.add_argument(
        "--references",
        type=Path,
        help="keep each reference search here and reuse it (it takes minutes at N = 128)",
    )
    args = parser.parse_args(argv)

    data = dataset.read(args.results / "dataset.h5", splits=("test", "probe"))
    constant_inputs = data.task().constant_inputs()
    paths = sorted(
        {path for pattern in args.networks for path in args.results.glob(f"{pattern}/weights.h5")}
    )
    if not paths:
        sys.exit(f"no weights.h5 under {args.results} matching {args.networks}")
    rows = []
    for path in paths:
        network = load_network(path)
        with threadpool_limits(1):
            trajectories = trajectories_of(network, data, args.n_trials)
            for index, (input_name, vector) in enumerate(constant_inputs.items()):
                name = str(path.parent.relative_to(args.results))
                reference_path = (
                    args.references / name / f"input{index}{'_quick' if args.quick else ''}.h5"
                    if args.references
                    else None
                )
                for row in compare(network, trajectories, vector, args.quick, reference_path):
                    row = {"network": name, "input": input_name, **row}
                    rows.append(row)
                    print("\t".join(str(v) for v in row.values()), flush=True)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.to_string(index=False))
        by_search = table.groupby("search")[["seconds", *KINDS, "outside_ref"]].sum()
        print("\ntotals\n", by_search.to_string())
    if args.output:
        table.to_csv(args.output, sep="\t", index=False)


if __name__ == "__main__":
    main()
