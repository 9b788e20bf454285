"""Snakemake adapter of rnn_ensembles.stages.plots.plot_ensemble."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_ensemble

log_to(snakemake.log[0])
plot_ensemble(
    dict(snakemake.input.items()),
    outputs=dict(snakemake.output.items()),
    task=f"{snakemake.wildcards['task']}, {snakemake.wildcards['variant']}",
    accuracy=snakemake.params["accuracy"],
    fraction=snakemake.params["fraction"],
)
