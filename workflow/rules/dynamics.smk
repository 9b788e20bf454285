# Dynamics and comparison of realisations: fixed points and robustness of every network,
# networks trained elsewhere (config external_networks, under results/<task>/external/),
# and distances between all networks of a task with their clustering.


rule import_network:
    input:
        source=external_source,
        dataset=rules.make_dataset.output.dataset,
    output:
        weights=f"{EXTERNAL}/weights.h5",
    log:
        f"{EXTERNAL}/import.log",
    conda:
        task_env("../../envs/import_network.yaml")
    resources:
        mem_mb=2048,
        runtime=10,
    script:
        "../scripts/import_network.py"


rule analyse_dynamics:
    input:
        weights=f"{ANY_NETWORK}/weights.h5",
        dataset=rules.make_dataset.output.dataset,
        arrays=rules.analyse_network.output.arrays,
    output:
        fixed_points=f"{ANY_NETWORK}/fixed_points.h5",
        summary=f"{ANY_NETWORK}/fixed_points.json",
        robustness=f"{ANY_NETWORK}/robustness.tsv",
        topology=f"{ANY_NETWORK}/topology.json",
    log:
        f"{ANY_NETWORK}/dynamics.log",
    benchmark:
        f"{BENCHMARKS}/analyse_dynamics/{{network}}.tsv"
    conda:
        task_env("../../envs/analyse_dynamics.yaml")
    threads: 1
    resources:
        mem_mb=2048,
        runtime=30,
    params:
        search=config["fixed_points"],
        topology=config["topology"],
        robustness=config["robustness"],
    script:
        "../scripts/analyse_dynamics.py"


rule compare_realisations:
    input:
        arrays=every_network_file("analysis.h5"),
    output:
        procrustes=f"{SUMMARY}/distances_procrustes.tsv",
        cka=f"{SUMMARY}/distances_cka.tsv",
        spectrum=f"{SUMMARY}/distances_spectrum.tsv",
        clusters=f"{SUMMARY}/clusters.tsv",
    log:
        f"{SUMMARY}/compare_realisations.log",
    benchmark:
        f"{BENCHMARKS}/compare_realisations.tsv"
    conda:
        task_env("../../envs/compare_realisations.yaml")
    resources:
        mem_mb=2048,
        runtime=30,
    params:
        labels=network_labels(),
        linkage=config["comparison"]["linkage"],
        n_clusters=config["comparison"]["n_clusters"],
    script:
        "../scripts/compare_realisations.py"


rule summarise_fixed_points:
    input:
        summaries=every_network_file("fixed_points.json"),
    output:
        table=f"{SUMMARY}/fixed_points.tsv",
    log:
        f"{SUMMARY}/summarise_fixed_points.log",
    benchmark:
        f"{BENCHMARKS}/summarise_fixed_points.tsv"
    conda:
        task_env("../../envs/summarise_fixed_points.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        labels=network_labels(),
    script:
        "../scripts/summarise_fixed_points.py"


rule summarise_robustness:
    input:
        curves=every_network_file("robustness.tsv"),
        metrics=every_network_file("metrics.json"),
    output:
        curves=f"{SUMMARY}/robustness.tsv",
        sizes=f"{SUMMARY}/robustness_by_size.tsv",
        minimal_size=f"{SUMMARY}/minimal_size_noise.json",
    log:
        f"{SUMMARY}/summarise_robustness.log",
    benchmark:
        f"{BENCHMARKS}/summarise_robustness.tsv"
    conda:
        task_env("../../envs/summarise_robustness.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        labels=network_labels(),
        accuracy=config["criterion"]["accuracy"],
        fraction=config["criterion"]["fraction"],
        noise=config["robustness"]["criterion_noise"],
    script:
        "../scripts/summarise_robustness.py"


rule plot_dynamics:
    input:
        arrays=rules.analyse_network.output.arrays,
        fixed_points=rules.analyse_dynamics.output.fixed_points,
        curves=rules.analyse_dynamics.output.robustness,
        topology=rules.analyse_dynamics.output.topology,
    output:
        fixed_points=report(
            f"{NETWORK_FIGURES}/fixed_points.png",
            caption="../report/dynamics_fixed_points.rst",
            category=report_category("dynamics"),
            subcategory=any_network_subcategory,
            labels={"content": "1. fixed points in SVD space"},
        ),
        robustness=report(
            f"{NETWORK_FIGURES}/robustness.png",
            caption="../report/dynamics_robustness.rst",
            category=report_category("dynamics"),
            subcategory=any_network_subcategory,
            labels={"content": "3. robustness"},
        ),
        jacobian_spectra=report(
            f"{NETWORK_FIGURES}/jacobian_spectra.png",
            caption="../report/dynamics_jacobian_spectra.rst",
            category=report_category("dynamics"),
            subcategory=any_network_subcategory,
            labels={"content": "2. Jacobian spectra at the fixed points"},
        ),
        topology=report(
            f"{NETWORK_FIGURES}/topology.png",
            caption="../report/dynamics_topology.rst",
            category=report_category("dynamics"),
            subcategory=any_network_subcategory,
            labels={
                "content": "4. topology: saddle links and input-driven transitions"
            },
        ),
    log:
        f"{NETWORK_FIGURES}/plot_dynamics.log",
    conda:
        task_env("../../envs/plot_dynamics.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        name=any_network_subcategory,
        accuracy=config["criterion"]["accuracy"],
    script:
        "../scripts/plot_dynamics.py"


rule plot_comparison:
    input:
        procrustes=rules.compare_realisations.output.procrustes,
        cka=rules.compare_realisations.output.cka,
        spectrum=rules.compare_realisations.output.spectrum,
        clusters=rules.compare_realisations.output.clusters,
        fixed_points=rules.summarise_fixed_points.output.table,
        robustness=rules.summarise_robustness.output.curves,
        robustness_sizes=rules.summarise_robustness.output.sizes,
        minimal_size_noise=rules.summarise_robustness.output.minimal_size,
    output:
        distances=report(
            f"{SUMMARY_FIGURES}/distances.png",
            caption="../report/comparison_distances.rst",
            category=report_category("ensemble"),
            subcategory="{task}: every variant",
            labels={"content": "2. distances between realisations"},
        ),
        fixed_points=report(
            f"{SUMMARY_FIGURES}/fixed_points_by_size.png",
            caption="../report/comparison_fixed_points.rst",
            category=report_category("ensemble"),
            subcategory="{task}: every variant",
            labels={"content": "3. fixed points against network size"},
        ),
        robustness=report(
            f"{SUMMARY_FIGURES}/robustness_by_size.png",
            caption="../report/comparison_robustness.rst",
            category=report_category("ensemble"),
            subcategory="{task}: every variant",
            labels={"content": "4. robustness against network size"},
        ),
    log:
        f"{SUMMARY_FIGURES}/plot_comparison.log",
    conda:
        task_env("../../envs/plot_comparison.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    params:
        linkage=config["comparison"]["linkage"],
        n_clusters=config["comparison"]["n_clusters"],
        accuracy=config["criterion"]["accuracy"],
    script:
        "../scripts/plot_comparison.py"
