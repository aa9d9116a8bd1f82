# Paired tests and Holm correction for every study's registered comparisons
# (config stats.comparisons), read from the per-example predictions of each run.


def comparison_preds(wildcards):
    pairs = config["stats"]["comparisons"][wildcards.study]
    variants = sorted({v for pair in pairs for v in pair})
    seeds = {"synthetic": lambda v: SYN["seeds"], "text_gate": lambda v: TG_VARIANTS[v]["seeds"]}[wildcards.study]
    return {v: expand("results/{study}/runs/{variant}/seed{seed}/preds.npz", study=wildcards.study,
                      variant=v, seed=seeds(v)) for v in variants}


rule significance:
    input: unpack(comparison_preds)
    output: report("results/{study}/significance.csv", caption="../report/significance.rst", category="statistics")
    log: "logs/{study}/significance.log"
    benchmark: "benchmarks/{study}/significance.tsv"
    resources: mem_mb=2000, runtime=20
    script: "../workflow_scripts/significance.py"


rule significance_all:
    input: expand("results/{study}/significance.csv", study=config["stats"]["comparisons"])


rule bootstrap_benchmark:
    """Speed of the vectorised paired bootstrap (10,000 resamples, 872 examples: SST-2 dev size)."""
    output: report("results/stats/bootstrap_benchmark.json", caption="../report/bootstrap_benchmark.rst", category="statistics")
    params: n_examples=872, n_resamples=10000, n_seeds=[1, 5]
    log: "logs/stats/bootstrap_benchmark.log"
    benchmark: "benchmarks/stats/bootstrap_benchmark.tsv"
    threads: workflow.cores
    resources: mem_mb=2000, runtime=10
    script: "../workflow_scripts/bootstrap_benchmark.py"
