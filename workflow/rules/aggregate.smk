rule aggregate_ensemble:
    input:
        metrics=variant_files(f"{NETWORK}/metrics.json"),
        arrays=variant_files(f"{NETWORK}/analysis.h5"),
    output:
        networks=f"{VARIANT_SUMMARY}/networks.tsv",
        sizes=f"{VARIANT_SUMMARY}/sizes.tsv",
        minimal_size=f"{VARIANT_SUMMARY}/minimal_size.json",
        realisations=f"{VARIANT_SUMMARY}/realisations.tsv",
        realisation_pairs=f"{VARIANT_SUMMARY}/realisation_pairs.tsv",
    log:
        f"{VARIANT_SUMMARY}/aggregate.log",
    benchmark:
        f"{BENCHMARKS}/aggregate_ensemble/{{variant}}.tsv"
    conda:
        task_env("../../envs/aggregate_ensemble.yaml")
    resources:
        mem_mb=2048,
        runtime=10,
    params:
        expected=variant_expected,
        accuracy=config["criterion"]["accuracy"],
        fraction=config["criterion"]["fraction"],
    script:
        "../scripts/aggregate_ensemble.py"


rule compare_variants:
    input:
        sizes=variant_summary_files("sizes.tsv"),
        minimal_size=variant_summary_files("minimal_size.json"),
    output:
        variants=f"{SUMMARY}/variants.tsv",
    log:
        f"{SUMMARY}/compare_variants.log",
    conda:
        task_env("../../envs/compare_variants.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        variants=VARIANTS,
    script:
        "../scripts/compare_variants.py"


rule summarise_psychometric:
    input:
        weights=variant_files(f"{NETWORK}/weights.h5"),
        dataset=rules.make_dataset.output.dataset,
    output:
        table=f"{VARIANT_SUMMARY}/psychometric.tsv",
        memory=f"{VARIANT_SUMMARY}/memory_decoding.tsv",
    log:
        f"{VARIANT_SUMMARY}/summarise_psychometric.log",
    conda:
        task_env("../../envs/summarise_psychometric.yaml")
    resources:
        mem_mb=2048,
        runtime=10,
    script:
        "../scripts/summarise_psychometric.py"
