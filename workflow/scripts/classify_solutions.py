"""Snakemake adapter of rnn_ensembles.stages.solutions.classify_solutions."""

from rnn_ensembles.stages.log import log_to
from rnn_ensembles.stages.solutions import classify_solutions

log_to(snakemake.log[0])
classify_solutions(
    snakemake.params["labels"],
    snakemake.input["topologies"],
    snakemake.input["metrics"],
    snakemake.input["weights"],
    initial_weights=dict(
        zip(snakemake.params["ensemble_labels"], snakemake.input["initial_weights"], strict=True)
    ),
    distance_paths={m: snakemake.input[m] for m in ("procrustes", "cka", "spectrum")},
    outputs=dict(snakemake.output.items()),
    linkage=snakemake.params["linkage"],
    level=snakemake.params["level"],
)
