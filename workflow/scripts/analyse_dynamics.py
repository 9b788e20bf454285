"""Snakemake adapter of rnn_ensembles.stages.dynamics.analyse_dynamics."""

from rnn_ensembles.stages.dynamics import analyse_dynamics
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
analyse_dynamics(
    snakemake.input["weights"],
    snakemake.input["dataset"],
    snakemake.input["arrays"],
    outputs=dict(snakemake.output.items()),
    search=snakemake.params["search"],
    topology=snakemake.params["topology"],
    robustness=snakemake.params["robustness"],
    threads=snakemake.threads,
)
