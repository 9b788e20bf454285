"""Snakemake adapter of rnn_ensembles.stages.dynamics.import_network."""

from rnn_ensembles.stages.dynamics import import_network
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
import_network(
    snakemake.input["source"],
    snakemake.input["dataset"],
    output=snakemake.output["weights"],
    name=snakemake.wildcards["name"],
)
