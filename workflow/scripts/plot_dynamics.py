"""Snakemake adapter of rnn_ensembles.stages.plot_dynamics."""

from rnn_ensembles.stages import log_to, plot_dynamics

log_to(snakemake.log[0])
plot_dynamics(
    snakemake.input["arrays"],
    snakemake.input["fixed_points"],
    snakemake.input["curves"],
    outputs=dict(snakemake.output.items()),
    name=snakemake.params["name"],
    accuracy=snakemake.params["accuracy"],
)
