"""Snakemake adapter of rnn_ensembles.stages.plot_dataset."""

from rnn_ensembles.stages import log_to, plot_dataset

log_to(snakemake.log[0])
plot_dataset(
    snakemake.input["dataset"],
    outputs=dict(snakemake.output.items()),
    task=snakemake.wildcards["task"],
)
