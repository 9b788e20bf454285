# Ensemble experiments on trained recurrent networks.
#   dataset -> train (one job per size x seed) -> analyse (one per network) -> aggregate
# Edit config.yaml, then: snakemake --cores all


# A --configfile replaces config.yaml as a whole (a preset, a test) instead of merging into it.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/dataset.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/aggregate.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
