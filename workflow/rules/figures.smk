# Figures (rnn_ensembles.figures) and their entries in the HTML report:
#   snakemake --report results/report.html
# One job per network draws all of its figures, so that plotting stays cheap next to training.


rule plot_dataset:
    input:
        dataset=rules.make_dataset.output.dataset,
    output:
        training_trials=report(
            f"{TASK_FIGURES}/training_trials.png",
            caption="../report/dataset_training_trials.rst",
            category=report_category("dataset"),
            subcategory="{task}",
            labels={"content": "1. training trials"},
        ),
        probe_trials=report(
            f"{TASK_FIGURES}/probe_trials.png",
            caption="../report/dataset_probe_trials.rst",
            category=report_category("dataset"),
            subcategory="{task}",
            labels={"content": "2. probe trials (the flip-flop's eight-states trial)"},
        ),
    log:
        f"{TASK_FIGURES}/plot_dataset.log",
    conda:
        task_env("../../envs/plot_dataset.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    script:
        "../scripts/plot_dataset.py"


rule plot_network:
    input:
        weights=f"{NETWORK}/weights.h5",
        initial_weights=f"{NETWORK}/initial_weights.h5",
        history=f"{NETWORK}/history.tsv",
        arrays=f"{NETWORK}/analysis.h5",
    output:
        history=report(
            f"{NETWORK}/figures/training_history.png",
            caption="../report/network_history.rst",
            category=report_category("training"),
            subcategory=network_subcategory,
            labels={"content": "loss and validation accuracy"},
        ),
        test_trials=report(
            f"{NETWORK}/figures/test_trials.png",
            caption="../report/network_test_trials.rst",
            category=report_category("network"),
            subcategory=network_subcategory,
            labels={"content": "1. test trials"},
        ),
        probe_trials=report(
            f"{NETWORK}/figures/probe_trials.png",
            caption="../report/network_probe_trials.rst",
            category=report_category("network"),
            subcategory=network_subcategory,
            labels={"content": "2. probe trials (the flip-flop's eight-states trial)"},
        ),
        connectivity=report(
            f"{NETWORK}/figures/connectivity.png",
            caption="../report/network_connectivity.rst",
            category=report_category("network"),
            subcategory=network_subcategory,
            labels={"content": "3. connectivity matrix"},
        ),
        spectrum=report(
            f"{NETWORK}/figures/eigenvalues.png",
            caption="../report/network_eigenvalues.rst",
            category=report_category("network"),
            subcategory=network_subcategory,
            labels={"content": "4. eigenvalues before and after training"},
        ),
        state_space=report(
            f"{NETWORK}/figures/state_space.png",
            caption="../report/network_state_space.rst",
            category=report_category("network"),
            subcategory=network_subcategory,
            labels={"content": "5. memory states in SVD space"},
        ),
    log:
        f"{NETWORK}/figures/plot_network.log",
    conda:
        task_env("../../envs/plot_network.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        loss_threshold=config["training"]["loss_threshold"],
        target_accuracy=config["training"]["target_accuracy"],
    script:
        "../scripts/plot_network.py"


rule plot_realisations:
    input:
        arrays=size_files(f"{NETWORK}/analysis.h5"),
        pairs=rules.aggregate_ensemble.output.realisation_pairs,
    output:
        spectra=report(
            f"{VARIANT_FIGURES}/N{{size}}_eigenvalues.png",
            caption="../report/realisations_eigenvalues.rst",
            category=report_category("ensemble"),
            subcategory=size_subcategory,
            labels={"content": "1. eigenvalues of every realisation"},
        ),
        state_spaces=report(
            f"{VARIANT_FIGURES}/N{{size}}_state_spaces.png",
            caption="../report/realisations_state_spaces.rst",
            category=report_category("ensemble"),
            subcategory=size_subcategory,
            labels={"content": "2. memory states of every realisation"},
        ),
        disparity=report(
            f"{VARIANT_FIGURES}/N{{size}}_disparity.png",
            caption="../report/realisations_disparity.rst",
            category=report_category("ensemble"),
            subcategory=size_subcategory,
            labels={"content": "3. pairwise disparity of realisations"},
        ),
    log:
        f"{VARIANT_FIGURES}/N{{size}}_plot_realisations.log",
    conda:
        task_env("../../envs/plot_realisations.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        seeds=variant_seeds,
    script:
        "../scripts/plot_realisations.py"


rule plot_ensemble:
    input:
        networks=rules.aggregate_ensemble.output.networks,
        sizes=rules.aggregate_ensemble.output.sizes,
        minimal_size=rules.aggregate_ensemble.output.minimal_size,
        realisations=rules.aggregate_ensemble.output.realisations,
        realisation_pairs=rules.aggregate_ensemble.output.realisation_pairs,
    output:
        performance=report(
            f"{VARIANT_FIGURES}/performance_by_size.png",
            caption="../report/ensemble_performance.rst",
            category=report_category("ensemble"),
            subcategory=variant_subcategory,
            labels={"content": "1. performance against network size"},
        ),
        tables=report(
            f"{VARIANT_FIGURES}/summary_tables.html",
            caption="../report/ensemble_tables.rst",
            category=report_category("ensemble"),
            subcategory=variant_subcategory,
            labels={"content": "2. summary tables"},
        ),
    log:
        f"{VARIANT_FIGURES}/plot_ensemble.log",
    conda:
        task_env("../../envs/plot_ensemble.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        accuracy=config["criterion"]["accuracy"],
        fraction=config["criterion"]["fraction"],
    script:
        "../scripts/plot_ensemble.py"


rule plot_variants:
    input:
        variants=rules.compare_variants.output.variants,
        sizes=variant_summary_files("sizes.tsv"),
        networks=variant_summary_files("networks.tsv"),
    output:
        performance=report(
            f"{SUMMARY_FIGURES}/variants_by_size.png",
            caption="../report/ensemble_variants.rst",
            category=report_category("ensemble"),
            subcategory="{task}: every variant",
            labels={"content": "1. performance of every variant against size"},
        ),
    log:
        f"{SUMMARY_FIGURES}/plot_variants.log",
    conda:
        task_env("../../envs/plot_variants.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        accuracy=config["criterion"]["accuracy"],
        fraction=config["criterion"]["fraction"],
    script:
        "../scripts/plot_variants.py"


rule plot_psychometric:
    input:
        table=rules.summarise_psychometric.output.table,
        memory=rules.summarise_psychometric.output.memory,
    output:
        figure=report(
            f"{VARIANT_FIGURES}/psychometric.png",
            caption="../report/ensemble_psychometric.rst",
            category=report_category("ensemble"),
            subcategory=variant_subcategory,
            labels={"content": "psychometric curves"},
        ),
    log:
        f"{VARIANT_FIGURES}/plot_psychometric.log",
    conda:
        task_env("../../envs/plot_psychometric.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    script:
        "../scripts/plot_psychometric.py"
