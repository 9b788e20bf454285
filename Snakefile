# Ensemble experiments on trained recurrent networks: task x variant x size x seed.
#   make_dataset        one per task: the task's trials (HDF5)
#   train_stack         one per variant x size: its seeds as one stacked model (training.stack_size);
#                       import_network for networks trained elsewhere
#   analyse_network     one per network: errors, spectrum, SVD of the activity
#   analyse_dynamics    one per network: fixed points, their topology, robustness
#   aggregate_ensemble  one per task x variant: success per size, the minimal size
#   compare_variants, compare_realisations, summarise_fixed_points, summarise_robustness:
#                       one per task, across variants and external networks
#   classify_solutions  one per task: each network's topology graph -> its solution type
#   plot_*              figures; snakemake --report results/report.html
# Edit config.yaml, then: snakemake --cores all


# A --configfile replaces config.yaml as a whole (a preset, a test) instead of merging into it.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


# Description at the top of the HTML report (snakemake --report results/report.html).
report: "workflow/report/workflow.rst"


include: "workflow/rules/config.smk"
include: "workflow/rules/paths.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/dataset.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/dynamics.smk"
include: "workflow/rules/solutions.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/targets.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
