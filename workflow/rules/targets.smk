# The final outputs: every summary and figure of every task, variant and network.
import re


def wildcard_values(names):
    """Every combination of the values of the wildcards ``names`` (besides task)."""
    if "network" in names:
        return [{"network": label} for label in network_labels()]
    ensemble = [
        {"variant": v, "size": n, "seed": s}
        for v in VARIANTS
        for n, s in variant_grid(v)
    ]
    keep = [key for key in ("variant", "size", "seed") if key in names]
    return list(
        {
            tuple((k, row[k]) for k in keep): dict((k, row[k]) for k in keep)
            for row in ensemble
        }.values()
    )


def rule_outputs(*rules_, tasks=None):
    """Every output of ``rules_`` for every task (or those of ``tasks``) and every value of
    their other wildcards."""
    paths = []
    for rule_ in rules_:
        for pattern in rule_.output:
            names = set(re.findall(r"{(\w+)}", pattern)) - {"task"}
            for task in config["tasks"] if tasks is None else tasks:
                paths += [
                    pattern.format(task=task, **row) for row in wildcard_values(names)
                ]
    return list(dict.fromkeys(paths))


def final_outputs():
    return rule_outputs(
        rules.plot_dataset,
        rules.plot_network,
        rules.plot_realisations,
        rules.plot_ensemble,
        rules.plot_variants,
        rules.plot_dynamics,
        rules.plot_comparison,
        rules.plot_solutions,
    ) + rule_outputs(rules.plot_psychometric, tasks=PSYCHOMETRIC_TASKS)
