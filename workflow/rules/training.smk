# The seeds of one size train as stacks of training.stack_size (all of them by default),
# each stack one job. A rule's outputs are fixed patterns, so each distinct stack of seeds
# gets a rule of its own: train_stack, train_stack_2, ... (stack_size 1: one rule, a job
# per network). Each network keeps its own files, which every later rule reads.
for rule_name, members, variants in stack_rules():

    rule:
        name:
            rule_name
        input:
            dataset=rules.make_dataset.output.dataset,
        output:
            **stack_outputs(members),
        log:
            [member_path(m, "train.log") for m in members],
        benchmark:
            f"{BENCHMARKS}/train_stack/{{variant}}_N{{size}}_seeds{'_'.join(members)}.tsv"
        wildcard_constraints:
            variant="|".join(variants),
        conda:
            task_env("../../envs/train_stack.yaml")
        threads: config["training"]["threads"]
        resources:
            mem_mb=stack_mem_mb(len(members)),
            runtime=stack_runtime(len(members)),
            # training.gpu: one GPU per stack (SLURM: --gpus=1; locally capped by --resources gpu=N).
            gpu=int(config["training"]["gpu"]),
        params:
            architecture=variant_architecture,
            model_options=variant_options,
            training=training_options(),
            seeds=stack_seeds(members),
            # Not outputs: they must survive a killed job so that the rerun resumes from them.
            checkpoint_dirs=[member_path(m, "checkpoint") for m in members],
        script:
            "../scripts/train_stack.py"
