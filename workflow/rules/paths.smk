# Where every file of the workflow lives: one folder per task, variant and network.
#   results/<task>/dataset.h5
#   results/<task>/<variant>/N<size>/seed<seed>/   one network of the ensemble
#   results/<task>/external/<name>/                a network trained elsewhere
#   results/<task>/<variant>/summary/              the ensemble of one variant
#   results/<task>/summary/                        every network of the task compared


wildcard_constraints:
    task="|".join(config["tasks"]),
    variant="|".join(VARIANTS),
    size=r"\d+",
    seed=r"\d+",
    name=r"[A-Za-z0-9_-]+",
    # Any network of a task, of the ensemble or trained elsewhere: the rules that only
    # read weights.h5 serve both.
    network=r"[A-Za-z0-9_-]+/N\d+/seed\d+|external/[A-Za-z0-9_-]+",


NETWORK = "results/{task}/{variant}/N{size}/seed{seed}"
EXTERNAL = "results/{task}/external/{name}"
ANY_NETWORK = "results/{task}/{network}"
VARIANT_SUMMARY = "results/{task}/{variant}/summary"
SUMMARY = "results/{task}/summary"
TASK_FIGURES = "results/{task}/figures"
NETWORK_FIGURES = f"{ANY_NETWORK}/figures"
VARIANT_FIGURES = f"{VARIANT_SUMMARY}/figures"
SUMMARY_FIGURES = f"{SUMMARY}/figures"
# Seconds, memory and CPU time of every job (Snakemake benchmark files), for the cost summary.
BENCHMARKS = "results/{task}/benchmarks"


def variant_grid(variant):
    """Every (size, seed) of a variant, in a fixed order."""
    spec = VARIANTS[variant]
    return [(n, s) for n in spec["sizes"] for s in spec["seeds"]]


def network_labels(external=True):
    """Every network of a task, named by its folder under results/<task>/: the ensemble's
    (<variant>/N<size>/seed<seed>), then those trained elsewhere (external/<name>)."""
    ensemble = [
        f"{variant}/N{n}/seed{s}"
        for variant in VARIANTS
        for n, s in variant_grid(variant)
    ]
    if not external:
        return ensemble
    return ensemble + [f"external/{name}" for name in config["external_networks"]]


def every_network_file(name, external=True):
    """File ``name`` of every network of a task, in the order of network_labels(); only
    the ensemble's with ``external=False`` (a file that training writes)."""

    def files(wildcards):
        return [
            f"results/{wildcards.task}/{label}/{name}"
            for label in network_labels(external)
        ]

    return files


def variant_files(pattern):
    """``pattern`` (a path under a network folder) for every network of one variant."""

    def files(wildcards):
        return [
            pattern.format(
                task=wildcards.task, variant=wildcards.variant, size=n, seed=s
            )
            for n, s in variant_grid(wildcards.variant)
        ]

    return files


def size_files(pattern):
    """``pattern`` for every seed of one size of one variant, in seed order."""

    def files(wildcards):
        return [
            pattern.format(
                task=wildcards.task,
                variant=wildcards.variant,
                size=wildcards.size,
                seed=s,
            )
            for s in VARIANTS[wildcards.variant]["seeds"]
        ]

    return files


def variant_summary_files(name):
    """Summary file ``name`` of every variant of a task, in the order of VARIANTS."""

    def files(wildcards):
        return [f"results/{wildcards.task}/{v}/summary/{name}" for v in VARIANTS]

    return files


def external_source(wildcards):
    """The file of a network trained elsewhere (config external_networks)."""
    return config["external_networks"][wildcards.name]


def variant_seeds(wildcards):
    return VARIANTS[wildcards.variant]["seeds"]


def variant_expected(wildcards):
    """Every (size, seed) the summary of a variant expects."""
    return variant_grid(wildcards.variant)


def seed_stacks(seeds):
    """The seeds of a size in the stacks that train together (training.stack_size)."""
    size = config["training"]["stack_size"] or len(seeds)
    return [tuple(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def stacks_here(variant, size):
    """Whether the seeds of ``variant`` at ``size`` train as stacks: always with an explicit
    training.stack_size; with null (automatic), where a stack trains faster than its
    members one by one (rnn_ensembles.stacking.stack_refusal: the rate networks, on a CPU
    up to N = 32, on a GPU (training.gpu) at every N)."""
    if config["training"]["stack_size"] is not None:
        return True
    spec = VARIANTS[variant]
    refusal = stack_refusal(
        spec["architecture"], spec["options"], size, config["training"]["gpu"]
    )
    return refusal is None


def stack_rules():
    """The training rules, each as (its name, its member seeds as text, its variants, its
    sizes or None for any), in the order Snakemake prefers them where two could write a
    network: one rule per distinct stack of seeds, then one whose seed is a wildcard for
    the networks that train a job each (all of them with stack_size 1). A rule's variants
    and sizes are the values its wildcards may take; the networks of a variant that stack
    at some sizes and not at others fall to both rules there, hence the order."""
    if config["training"]["stack_size"] == 1:
        return [("train_stack", ("{seed}",), list(VARIANTS), None)]
    stacks = {}  # stack of seeds -> {variant: its sizes that train as that stack}
    alone = {}  # variant -> its sizes that train a job per network
    for variant, spec in VARIANTS.items():
        for size in spec["sizes"]:
            if not stacks_here(variant, size):
                alone.setdefault(variant, []).append(size)
                continue
            for stack in seed_stacks(spec["seeds"]):
                stacks.setdefault(stack, {}).setdefault(variant, []).append(size)
    groups = [(tuple(map(str, stack)), grid) for stack, grid in stacks.items()]
    if alone:
        groups.append((("{seed}",), alone))
    return [
        (
            "train_stack" if i == 0 else f"train_stack_{i + 1}",
            members,
            list(grid),
            sorted({size for sizes in grid.values() for size in sizes}),
        )
        for i, (members, grid) in enumerate(groups)
    ]


def member_path(member, name):
    """File ``name`` of the network of seed ``member`` (a number, or "{seed}")."""
    return f"results/{{task}}/{{variant}}/N{{size}}/seed{member}/{name}"


def stack_outputs(members):
    """The training rule's outputs: each file of each member, named <file>_<position>."""
    files = {"model": "model.keras", "weights": "weights.h5"}
    files |= {"initial_weights": "initial_weights.h5", "history": "history.tsv"}
    return {
        f"{key}_{i}": member_path(member, name)
        for i, member in enumerate(members)
        for key, name in files.items()
    }


def stack_seeds(members):
    """The seeds of a training job, from its wildcards where the seed is one."""

    def seeds(wildcards):
        return [int(member.format(**wildcards)) for member in members]

    return seeds
