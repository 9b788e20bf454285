"""Snakemake adapter of rnn_ensembles.stages.plots.plot_dataset."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_dataset

log_to(snakemake.log[0])
plot_dataset(
    snakemake.input["dataset"],
    outputs=dict(snakemake.output.items()),
    task=snakemake.wildcards["task"],
)
