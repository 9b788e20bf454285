# Categories and subcategories of the HTML report (snakemake --report results/report.html).
# The report lists them in text order: numbered categories follow the workflow, and sizes
# and seeds padded with figure spaces sort as numbers.
REPORT_CATEGORY = {
    "dataset": "1. Dataset",
    "training": "2. Training",
    "network": "3. Per-network analysis",
    "ensemble": "4. Ensemble",
    "dynamics": "5. Fixed points and robustness",
    "solutions": "6. Solution types",
}


def report_category(stage):
    """The report section of a stage; with several tasks, one section per task and stage."""
    name = REPORT_CATEGORY[stage]
    if len(config["tasks"]) == 1:
        return name
    return lambda wildcards: f"{wildcards.task}: {name}"


def sortable_number(value, values):
    """``value`` right-aligned to the widest of ``values`` with digit-wide figure spaces."""
    width = max(len(str(v)) for v in values)
    return str(value).rjust(width, "\u2007")


def ensemble_network_name(task, variant, size, seed):
    """Task, variant, size and seed of one network, sortable in the report."""
    spec = VARIANTS[variant]
    size = sortable_number(size, spec["sizes"])
    seed = sortable_number(seed, spec["seeds"])
    return f"{task}, {variant}: N = {size}, seed {seed}"


def network_subcategory(wildcards):
    """Report subcategory (and figure title) of one network of the ensemble."""
    return ensemble_network_name(
        wildcards.task, wildcards.variant, wildcards.size, wildcards.seed
    )


def any_network_subcategory(wildcards):
    """Report subcategory (and figure title) of any network: of the ensemble, or trained
    elsewhere."""
    kind, rest = wildcards.network.split("/", 1)
    if kind == "external":
        return f"{wildcards.task}: {rest} (trained elsewhere)"
    size, seed = rest.split("/")
    return ensemble_network_name(wildcards.task, kind, size[1:], seed[4:])


def size_subcategory(wildcards):
    """Report subcategory of the realisations of one size of one variant."""
    size = sortable_number(wildcards.size, VARIANTS[wildcards.variant]["sizes"])
    return f"{wildcards.task}, {wildcards.variant}: N = {size}"


def variant_subcategory(wildcards):
    return f"{wildcards.task}, {wildcards.variant}: all sizes"
