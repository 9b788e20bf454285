"""Snakemake adapter of rnn_ensembles.stages.plots.plot_network."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_network

log_to(snakemake.log[0])
plot_network(
    snakemake.input["weights"],
    snakemake.input["initial_weights"],
    snakemake.input["history"],
    snakemake.input["arrays"],
    outputs=dict(snakemake.output.items()),
    task=f"{snakemake.wildcards['task']}, {snakemake.wildcards['variant']}",
    loss_threshold=snakemake.params["loss_threshold"],
    target_accuracy=snakemake.params["target_accuracy"],
)
