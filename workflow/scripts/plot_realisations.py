"""Snakemake adapter of rnn_ensembles.stages.plot_realisations."""

from rnn_ensembles.stages import log_to, plot_realisations

log_to(snakemake.log[0])
plot_realisations(
    snakemake.input["arrays"],
    seeds=snakemake.params["seeds"],
    pairs_path=snakemake.input["pairs"],
    outputs=dict(snakemake.output.items()),
    task=snakemake.wildcards["task"],
    size=int(snakemake.wildcards["size"]),
)
