"""Snakemake adapter of rnn_ensembles.stages.aggregate.compare_realisations."""

from rnn_ensembles.stages.aggregate import compare_realisations
from rnn_ensembles.stages.log import log_to

log_to(snakemake.log[0])
compare_realisations(
    snakemake.params["labels"],
    snakemake.input["arrays"],
    outputs=dict(snakemake.output.items()),
    linkage=snakemake.params["linkage"],
    n_clusters=snakemake.params["n_clusters"],
)
