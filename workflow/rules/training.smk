# The seeds of one size train as stacks of training.stack_size, each stack one job; by
# default (null) all seeds of a size where a stack is faster than its members one by one,
# and a job per network elsewhere (stack_rules). A rule's outputs are fixed patterns, so
# each distinct stack of seeds gets a rule of its own: train_stack, train_stack_2, ...,
# and the networks that train alone one more, whose seed is a wildcard (stack_size 1:
# that rule alone). Each network keeps its own files, which every later rule reads.
TRAINING_RULES = stack_rules()

for rule_name, members, variants, sizes in TRAINING_RULES:

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
            size="|".join(map(str, sizes)) if sizes else r"\d+",
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


# Where a variant's networks stack at some sizes and train alone at others, both rules
# could write them: the stacks come first.
if len(TRAINING_RULES) > 1:
    workflow.ruleorder(*(name for name, *_ in TRAINING_RULES))
