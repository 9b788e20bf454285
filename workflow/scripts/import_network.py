"""Snakemake adapter of rnn_ensembles.stages.import_network."""

from rnn_ensembles.stages import import_network, log_to

log_to(snakemake.log[0])
import_network(
    snakemake.input["source"],
    snakemake.input["dataset"],
    output=snakemake.output["weights"],
    name=snakemake.wildcards["name"],
)
