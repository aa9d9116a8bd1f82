# Paired tests and Holm correction for every study's registered comparisons
# (config stats.comparisons), read from the per-example predictions of each run.


rule significance:
    input:
        unpack(comparison_preds),
    output:
        report("results/{study}/significance.csv", caption="../report/significance.rst", category="significance tests"),
    log:
        "logs/{study}/significance.log",
    benchmark:
        "benchmarks/{study}/significance.tsv"
    wildcard_constraints:
        study=r"synthetic|text_gate|eat/[A-Za-z0-9_-]+",
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        runs=lambda w: paths.runs_root(*w.study.split("/", 1)),
        pairs=lambda w: comparison_pairs(w.study),
    script:
        "../workflow_scripts/significance.py"


rule significance_all:
    input:
        significance_targets(),


rule bootstrap_benchmark:
    """Speed of the vectorised paired bootstrap (10,000 resamples, 872 examples: SST-2 dev size)."""
    output:
        report(
            "results/stats/bootstrap_benchmark.json",
            caption="../report/bootstrap_benchmark.rst",
            category="significance tests",
        ),
    log:
        "logs/stats/bootstrap_benchmark.log",
    benchmark:
        "benchmarks/stats/bootstrap_benchmark.tsv"
    threads: TIMING_THREADS
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n_examples=872,
        n_resamples=10000,
        n_seeds=[1, 5],
    script:
        "../workflow_scripts/bootstrap_benchmark.py"
