"""Snakemake adapter of rnn_ensembles.stages.summarise_robustness."""

from rnn_ensembles.stages import log_to, summarise_robustness

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
