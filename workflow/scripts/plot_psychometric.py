"""Snakemake adapter of rnn_ensembles.stages.plots.plot_psychometric."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_psychometric

log_to(snakemake.log[0])
plot_psychometric(
    snakemake.input["table"],
    snakemake.input["memory"],
    snakemake.output["figure"],
    task=snakemake.wildcards["task"],
    variant=snakemake.wildcards["variant"],
)
