"""Snakemake adapter of rnn_ensembles.stages.plots.plot_variants."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_variants

log_to(snakemake.log[0])
plot_variants(
    snakemake.input["variants"],
    snakemake.input["networks"],
    outputs=dict(snakemake.output.items()),
    task=snakemake.wildcards["task"],
    accuracy=snakemake.params["accuracy"],
    fraction=snakemake.params["fraction"],
)
