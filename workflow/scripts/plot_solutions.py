"""Snakemake adapter of rnn_ensembles.stages.plots.plot_solutions."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_solutions

log_to(snakemake.log[0])
plot_solutions(
    snakemake.input["type_counts"],
    snakemake.input["embedding"],
    snakemake.input["statement"],
    outputs=dict(snakemake.output.items()),
    task=snakemake.wildcards["task"],
)
