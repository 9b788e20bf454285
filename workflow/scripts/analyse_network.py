"""Snakemake adapter of rnn_ensembles.stages.analyse_network."""

from rnn_ensembles.stages import analyse_network, log_to

log_to(snakemake.log[0])
analyse_network(
    snakemake.input["weights"],
    snakemake.input["dataset"],
    metrics_path=snakemake.output["metrics"],
    arrays_path=snakemake.output["arrays"],
    success_accuracy=snakemake.params["success_accuracy"],
)
