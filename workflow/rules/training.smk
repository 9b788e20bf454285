rule train_network:
    input:
        dataset=rules.make_dataset.output.dataset,
    output:
        model=f"{NETWORK}/model.keras",
        weights=f"{NETWORK}/weights.h5",
        initial_weights=f"{NETWORK}/initial_weights.h5",
        history=f"{NETWORK}/history.tsv",
    log:
        f"{NETWORK}/train.log",
    benchmark:
        f"{BENCHMARKS}/train_network/{{variant}}_N{{size}}_seed{{seed}}.tsv"
    conda:
        task_env("../../envs/train_network.yaml")
    threads: config["training"]["threads"]
    resources:
        mem_mb=train_mem_mb,
        runtime=train_runtime,
        # training.gpu: one GPU per job (SLURM: --gpus=1; locally capped by --resources gpu=N).
        gpu=int(config["training"]["gpu"]),
    params:
        architecture=variant_architecture,
        model_options=variant_options,
        training=training_options(),
        # Not an output: it must survive a killed job so that the rerun resumes from it.
        checkpoint_dir=f"{NETWORK}/checkpoint",
    script:
        "../scripts/train_network.py"
