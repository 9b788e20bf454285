"""Snakemake adapter of rnn_ensembles.stages.train.train_network."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.train import train_network

log_to(snakemake.log[0])
train_network(
    snakemake.input["dataset"],
    outputs=dict(snakemake.output.items()),
    variant=snakemake.wildcards["variant"],
    architecture=snakemake.params["architecture"],
    model_options=snakemake.params["model_options"],
    size=int(snakemake.wildcards["size"]),
    seed=int(snakemake.wildcards["seed"]),
    training=snakemake.params["training"],
    threads=snakemake.threads,
    checkpoint_dir=snakemake.params["checkpoint_dir"],
)
