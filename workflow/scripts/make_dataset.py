"""Snakemake adapter of rnn_ensembles.stages.make_dataset."""

from rnn_ensembles.stages import log_to, make_dataset

log_to(snakemake.log[0])
make_dataset(
    snakemake.output["dataset"],
    task=snakemake.params["task"],
    splits=snakemake.params["splits"],
    seed=snakemake.params["seed"],
)
