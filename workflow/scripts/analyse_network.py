"""Snakemake adapter of rnn_ensembles.stages.analyse.analyse_network."""

from rnn_ensembles.stages.analyse import analyse_network
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
analyse_network(
    snakemake.input["weights"],
    snakemake.input["dataset"],
    metrics_path=snakemake.output["metrics"],
    arrays_path=snakemake.output["arrays"],
    success_accuracy=snakemake.params["success_accuracy"],
)
