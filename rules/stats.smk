# Paired tests and Holm correction for every study's registered comparisons
# (config stats.comparisons), read from the per-example predictions of each run.


def run_seeds(study, variant):
    """Seeds of one variant of a study ('eat/<task>' for an EAT task)."""
    if study.startswith("eat/"):
        return EAT_VARIANTS[study.split("/", 1)[1]][variant]["seeds"]
    return {"synthetic": SYN["seeds"], "text_gate": TG_VARIANTS.get(variant, {}).get("seeds")}[study]


def comparison_preds(wildcards):
    study, *task = wildcards.study.split("/", 1)
    variants = sorted({v for pair in config["stats"]["comparisons"][study] for v in pair})
    return {v: [f"{paths.run_dir(study, v, seed, *task)}/preds.npz" for seed in run_seeds(wildcards.study, v)]
            for v in variants}


def significance_targets():
    out = []
    for study in config["stats"]["comparisons"]:
        if study == "eat":
            out += [f"results/eat/{t}/significance.csv" for t in EAT_TASKS if text_tasks.binary(EAT_CFG["tasks"][t])]
        elif study == "adtp":    # rules/adtp.smk: adtp_significance
            out += [f"results/adtp/{t}/significance.csv" for t in ADTP_TASKS if text_tasks.binary(ADTP_CFG["tasks"][t])]
        else:
            out.append(f"results/{study}/significance.csv")
    return out


rule significance:
    input: unpack(comparison_preds)
    output: report("results/{study}/significance.csv", caption="../report/significance.rst", category="statistics")
    params:
        runs=lambda w: paths.runs_root(*w.study.split("/", 1)),
        comparisons=lambda w: w.study.split("/")[0],
    wildcard_constraints: study=r"synthetic|text_gate|eat/[A-Za-z0-9_-]+"
    log: "logs/{study}/significance.log"
    benchmark: "benchmarks/{study}/significance.tsv"
    resources: mem_mb=2000, runtime=20
    script: "../workflow_scripts/significance.py"


rule significance_all:
    input: significance_targets()


rule bootstrap_benchmark:
    """Speed of the vectorised paired bootstrap (10,000 resamples, 872 examples: SST-2 dev size)."""
    output: report("results/stats/bootstrap_benchmark.json", caption="../report/bootstrap_benchmark.rst", category="statistics")
    params: n_examples=872, n_resamples=10000, n_seeds=[1, 5]
    log: "logs/stats/bootstrap_benchmark.log"
    benchmark: "benchmarks/stats/bootstrap_benchmark.tsv"
    threads: workflow.cores
    resources: mem_mb=2000, runtime=10
    script: "../workflow_scripts/bootstrap_benchmark.py"
