"""Snakemake adapter of rnn_ensembles.stages.aggregate.summarise_robustness."""

from rnn_ensembles.stages.aggregate import summarise_robustness
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
summarise_robustness(
    snakemake.params["labels"],
    snakemake.input["curves"],
    snakemake.input["metrics"],
    outputs=dict(snakemake.output.items()),
    accuracy=snakemake.params["accuracy"],
    fraction=snakemake.params["fraction"],
    noise=snakemake.params["noise"],
)
