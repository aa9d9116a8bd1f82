# Paired tests and Holm correction for every study's registered comparisons
# (config stats.comparisons), read from the per-example predictions of each run.


def comparison_preds(wildcards):
    pairs = config["stats"]["comparisons"][wildcards.study]
    variants = sorted({v for pair in pairs for v in pair})
    return {v: expand("results/{study}/runs/{variant}/seed{seed}/preds.npz", study=wildcards.study,
                      variant=v, seed=SYN["seeds"]) for v in variants}


rule significance:
    input: unpack(comparison_preds)
    output: report("results/{study}/significance.csv", caption="../report/significance.rst", category="statistics")
    log: "logs/{study}/significance.log"
    benchmark: "benchmarks/{study}/significance.tsv"
    resources: mem_mb=2000, runtime=20
    script: "../workflow_scripts/significance.py"


rule significance_all:
    input: expand("results/{study}/significance.csv", study=config["stats"]["comparisons"])
