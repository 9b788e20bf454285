"""Snakemake adapter of rnn_ensembles.stages.train.train_networks."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.train import FILES, train_networks

log_to(*snakemake.log)
seeds = snakemake.params["seeds"]
train_networks(
    snakemake.input["dataset"],
    outputs=[{name: snakemake.output[f"{name}_{i}"] for name in FILES} for i in range(len(seeds))],
    variant=snakemake.wildcards["variant"],
    architecture=snakemake.params["architecture"],
    model_options=snakemake.params["model_options"],
    size=int(snakemake.wildcards["size"]),
    seeds=seeds,
    training=snakemake.params["training"],
    threads=snakemake.threads,
    checkpoint_dirs=snakemake.params["checkpoint_dirs"],
)
