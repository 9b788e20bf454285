"""Snakemake adapter of rnn_ensembles.stages.aggregate.summarise_fixed_points."""

from rnn_ensembles.stages.aggregate import summarise_fixed_points
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
summarise_fixed_points(
    snakemake.params["labels"],
    snakemake.input["summaries"],
    output=snakemake.output["table"],
)
