# Solution types: every network's topology graph (analyse_dynamics) sorted into
# isomorphism classes, set against the geometric distances of compare_realisations.


rule classify_solutions:
    input:
        topologies=every_network_file("topology.json"),
        metrics=every_network_file("metrics.json"),
        weights=every_network_file("weights.h5"),
        initial_weights=every_network_file("initial_weights.h5", external=False),
        procrustes=rules.compare_realisations.output.procrustes,
        cka=rules.compare_realisations.output.cka,
        spectrum=rules.compare_realisations.output.spectrum,
    output:
        network_types=f"{SUMMARY}/solution_types_by_network.tsv",
        type_counts=f"{SUMMARY}/solution_types.tsv",
        type_features=f"{SUMMARY}/solution_type_features.tsv",
        embedding=f"{SUMMARY}/embedding.tsv",
        agreement=f"{SUMMARY}/geometry_topology.tsv",
        statement=f"{SUMMARY}/geometry_topology.json",
    log:
        f"{SUMMARY}/classify_solutions.log",
    benchmark:
        f"{BENCHMARKS}/classify_solutions.tsv"
    conda:
        task_env("../../envs/classify_solutions.yaml")
    resources:
        mem_mb=2048,
        runtime=30,
    params:
        labels=network_labels(),
        ensemble_labels=network_labels(external=False),
        linkage=config["comparison"]["linkage"],
        level=config["topology"]["solution_graph"],
    script:
        "../scripts/classify_solutions.py"


rule plot_solutions:
    input:
        type_counts=rules.classify_solutions.output.type_counts,
        embedding=rules.classify_solutions.output.embedding,
        statement=rules.classify_solutions.output.statement,
    output:
        types=report(
            f"{SUMMARY_FIGURES}/solution_types_by_size.png",
            caption="../report/solutions_types.rst",
            category=report_category("solutions"),
            subcategory="{task}: every variant",
            labels={"content": "1. solution types against network size"},
        ),
        embedding=report(
            f"{SUMMARY_FIGURES}/geometry_topology.png",
            caption="../report/solutions_embedding.rst",
            category=report_category("solutions"),
            subcategory="{task}: every variant",
            labels={"content": "2. geometry against topology"},
        ),
    log:
        f"{SUMMARY_FIGURES}/plot_solutions.log",
    conda:
        task_env("../../envs/plot_solutions.yaml")
    resources:
        mem_mb=1024,
        runtime=10,
    script:
        "../scripts/plot_solutions.py"
