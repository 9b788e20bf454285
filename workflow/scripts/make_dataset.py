"""Snakemake adapter of rnn_ensembles.stages.dataset.make_dataset."""

from rnn_ensembles.stages.dataset import make_dataset
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
make_dataset(
    snakemake.output["dataset"],
    task=snakemake.params["task"],
    splits=snakemake.params["splits"],
    seed=snakemake.params["seed"],
)
