# The rule of the dimensionality analysis (docs/extending.md): one job per task x variant,
# reading every network of the variant and the task's dataset.


rule analyse_dimensionality:
    input:
        weights=variant_files(f"{NETWORK}/weights.h5"),
        dataset=rules.make_dataset.output.dataset,
    output:
        f"{VARIANT_SUMMARY}/dimensionality.tsv",
    log:
        f"{VARIANT_SUMMARY}/dimensionality.log",
    conda:
        "../../envs/analyse_network.yaml"
    script:
        "dimensionality.py"
