"""Snakemake adapter of rnn_ensembles.stages.plot_ensemble."""

from rnn_ensembles.stages import log_to, plot_ensemble

log_to(snakemake.log[0])
plot_ensemble(
    dict(snakemake.input.items()),
    outputs=dict(snakemake.output.items()),
    task=snakemake.wildcards["task"],
    accuracy=snakemake.params["accuracy"],
    fraction=snakemake.params["fraction"],
)
