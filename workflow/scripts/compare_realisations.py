"""Snakemake adapter of rnn_ensembles.stages.compare_realisations."""

from rnn_ensembles.stages import compare_realisations, log_to

log_to(snakemake.log[0])
compare_realisations(
    snakemake.params["labels"],
    snakemake.input["weights"],
    snakemake.input["arrays"],
    snakemake.input["dataset"],
    outputs=dict(snakemake.output.items()),
    linkage=snakemake.params["linkage"],
    n_clusters=snakemake.params["n_clusters"],
)
