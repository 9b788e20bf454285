"""Snakemake adapter of rnn_ensembles.stages.aggregate.summarise_psychometric."""

from rnn_ensembles.stages.aggregate import summarise_psychometric
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
summarise_psychometric(
    snakemake.input["weights"], snakemake.input["dataset"], dict(snakemake.output.items())
)
