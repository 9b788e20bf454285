"""Snakemake adapter of rnn_ensembles.stages.plots.plot_realisations."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_realisations

log_to(snakemake.log[0])
plot_realisations(
    snakemake.input["arrays"],
    seeds=snakemake.params["seeds"],
    pairs_path=snakemake.input["pairs"],
    outputs=dict(snakemake.output.items()),
    task=f"{snakemake.wildcards['task']}, {snakemake.wildcards['variant']}",
    size=int(snakemake.wildcards["size"]),
)
