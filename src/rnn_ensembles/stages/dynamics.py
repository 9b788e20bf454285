"""The dynamics stages: networks trained elsewhere, fixed points and robustness of each
network."""

from __future__ import annotations

import time

from rnn_ensembles import dataset
from rnn_ensembles.analysis import read_analysis
from rnn_ensembles.io import atomic_path, write_json
from rnn_ensembles.models import load_network
from rnn_ensembles.stages.log import log


def import_network(source, dataset_path, output, name: str) -> None:
    """Read a network trained elsewhere (any format of rnn_ensembles.importers), check it
    fits the task, and write it as a weights file of this workflow."""
    from rnn_ensembles import importers

    task = dataset.read(dataset_path, splits=()).task()
    network = importers.import_network(source, {"name": name, "status": "imported"})
    network.check_fits(task, source)
    log.info(
        "%s: N = %d from %s (%s)", name, network.n_units, source, network.attrs["source_format"]
    )
    network.save(output)


def analyse_dynamics(
    weights_path,
    dataset_path,
    analysis_path,
    outputs: dict,
    search: dict,
    robustness: dict,
    topology: dict | None = None,
    threads: int = 1,
) -> None:
    """Fixed points of one network, their stability and their distance to its memory
    states (``fixed_points``, ``summary``); the topology graph of its dynamics under the
    task's resting input (``topology``); its accuracy under input noise, pulse amplitude
    and pruning (``robustness``)."""

    from threadpoolctl import threadpool_limits

    from rnn_ensembles import fixed_points
    from rnn_ensembles import robustness as perturb
    from rnn_ensembles.topology import network_topology

    network = load_network(weights_path)
    data = dataset.read(dataset_path, splits=("test", "probe"))
    task = data.task()
    # The flip-flop's memory states, or the end state of each condition of the probe trials.
    memory = read_analysis(analysis_path, ("state_activity",))["state_activity"]
    options = dict(search)
    n_trials = options.pop("n_trials")
    with threadpool_limits(threads):
        start = time.perf_counter()
        trajectories = [
            network.states(data.inputs(split)[:n]).reshape(-1, network.state_size)
            for split, n in (("probe", None), ("test", n_trials))
        ]
        searches = {}
        # One search under each input that the task holds for a while (fixation, a cue).
        for name, vector in task.constant_inputs().items():
            finder = fixed_points.FixedPointFinder(network, inputs=vector, **options)
            searches[name] = finder.search(*trajectories)
        found = fixed_points.FixedPoints.merge(searches)
        # The memory states are held under the first input (the flip-flop's no input).
        row = fixed_points.describe(next(iter(searches.values())), network, memory)
        row["fixed_points_by_input"] = {name: part.counts() for name, part in searches.items()}
        # Saturated: the last round of new initial states added no fixed point, under
        # every input searched.
        row["search_saturated"] = all(
            bool(part.attrs.get("saturated", False)) for part in searches.values()
        )
        row["search_rounds"] = max(int(part.attrs.get("n_rounds", 1)) for part in searches.values())
        row.update(n_units=network.n_units, wall_time_s=time.perf_counter() - start)
        log.info(
            "%s; %d of %d memory states held by a stable fixed point (%.1f s)",
            found.summary(),
            row["memory_states_matched"],
            row["memory_states"],
            row["wall_time_s"],
        )
        start = time.perf_counter()
        options = {k: v for k, v in (topology or {}).items() if k != "solution_graph"}
        graph = network_topology(network, found, task, task_states=memory, **options)
        row["topology_time_s"] = time.perf_counter() - start
        log.info("topology: %s (%.1f s)", graph.summary(), row["topology_time_s"])
        start = time.perf_counter()
        # The noise level of the robust minimal size is always measured.
        noise = sorted({*robustness["noise_levels"], robustness["criterion_noise"]})
        curves = perturb.robustness_curves(
            network,
            data.task(),
            robustness["n_trials"],
            robustness["seed"],
            noise,
            robustness["amplitudes"],
            robustness["prune_fractions"],
        )
        log.info("robustness curves: %.1f s", time.perf_counter() - start)
    found.save(outputs["fixed_points"])
    graph.save(outputs["topology"])
    write_json(outputs["summary"], row)
    with atomic_path(outputs["robustness"]) as tmp:
        curves.to_csv(tmp, sep="\t", index=False)
