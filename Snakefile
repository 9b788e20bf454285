# Ensemble experiments on trained recurrent networks.
#   dataset -> train (one job per size x seed) -> analyse (one per network) -> aggregate
#   -> figures (one job per network, per size, per task); snakemake --report results/report.html
# Edit config.yaml, then: snakemake --cores all


# A --configfile replaces config.yaml as a whole (a preset, a test) instead of merging into it.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


# Description at the top of the HTML report (snakemake --report results/report.html).
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/dataset.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/dynamics.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
