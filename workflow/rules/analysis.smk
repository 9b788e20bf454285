rule analyse_network:
    input:
        # Trained by train_stack, or imported by import_network (dynamics.smk).
        weights=f"{ANY_NETWORK}/weights.h5",
        dataset=rules.make_dataset.output.dataset,
    output:
        metrics=f"{ANY_NETWORK}/metrics.json",
        arrays=f"{ANY_NETWORK}/analysis.h5",
    log:
        f"{ANY_NETWORK}/analyse.log",
    benchmark:
        f"{BENCHMARKS}/analyse_network/{{network}}.tsv"
    conda:
        task_env("../../envs/analyse_network.yaml")
    resources:
        mem_mb=2048,
        runtime=10,
    params:
        success_accuracy=config["criterion"]["accuracy"],
    script:
        "../scripts/analyse_network.py"
