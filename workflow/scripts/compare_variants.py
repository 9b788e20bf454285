"""Snakemake adapter of rnn_ensembles.stages.aggregate.compare_variants."""

from rnn_ensembles.stages.aggregate import compare_variants
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
compare_variants(
    snakemake.params["variants"],
    snakemake.input["sizes"],
    snakemake.input["minimal_size"],
    snakemake.output["variants"],
)
