"""Snakemake adapter of rnn_ensembles.stages.aggregate.aggregate_ensemble."""

from rnn_ensembles.stages.aggregate import aggregate_ensemble
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
aggregate_ensemble(
    snakemake.input["metrics"],
    snakemake.input["arrays"],
    expected=[tuple(pair) for pair in snakemake.params["expected"]],
    outputs=dict(snakemake.output.items()),
    accuracy=snakemake.params["accuracy"],
    fraction=snakemake.params["fraction"],
)
