"""Snakemake adapter of rnn_ensembles.stages.plots.plot_dynamics."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.plots import plot_dynamics

log_to(snakemake.log[0])
plot_dynamics(
    snakemake.input["arrays"],
    snakemake.input["fixed_points"],
    snakemake.input["curves"],
    snakemake.input["topology"],
    outputs=dict(snakemake.output.items()),
    name=snakemake.params["name"],
    accuracy=snakemake.params["accuracy"],
)
