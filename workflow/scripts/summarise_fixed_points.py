"""Snakemake adapter of rnn_ensembles.stages.summarise_fixed_points."""

from rnn_ensembles.stages import log_to, summarise_fixed_points

log_to(snakemake.log[0])
summarise_fixed_points(
    snakemake.params["labels"],
    snakemake.input["summaries"],
    output=snakemake.output["table"],
)
