"""Snakemake adapter of rnn_ensembles.stages.plots.plot_comparison."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_comparison

log_to(snakemake.log[0])
plot_comparison(
    dict(snakemake.input.items()),
    outputs=dict(snakemake.output.items()),
    task=snakemake.wildcards["task"],
    linkage=snakemake.params["linkage"],
    n_clusters=snakemake.params["n_clusters"],
    accuracy=snakemake.params["accuracy"],
)
