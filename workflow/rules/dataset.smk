rule make_dataset:
    output:
        dataset="results/{task}/dataset.h5",
    log:
        "results/{task}/dataset.log",
    conda:
        task_env("../../envs/make_dataset.yaml")
    resources:
        mem_mb=2048,
        runtime=10,
    params:
        task=task_config,
        splits=dataset_splits(),
        seed=config["dataset"]["seed"],
    script:
        "../scripts/make_dataset.py"
