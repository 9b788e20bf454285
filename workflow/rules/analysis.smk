rule analyse_network:
    input:
        weights=rules.train_network.output.weights,
        dataset=rules.make_dataset.output.dataset,
    output:
        metrics=f"{NETWORK}/metrics.json",
        arrays=f"{NETWORK}/analysis.h5",
    log:
        f"{NETWORK}/analyse.log",
    conda:
        "../../envs/analyse_network.yaml"
    resources:
        mem_mb=2048,
        runtime=10,
    params:
        success_accuracy=config["criterion"]["accuracy"],
    script:
        "../scripts/analyse_network.py"
