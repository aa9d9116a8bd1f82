# The validity stage (effbench/validity): the floors every result rests on, checked on what the
# studies wrote. Majority class and bag of words under each text task's dense model, dense and
# ViT and EntropyNet converged, no method above its own teacher without a control, no degenerate
# baseline, no constant ratio predictor passed off as adaptive, every interval an interval, every
# row on the same examples. At the default and paper scales a failed check fails the run.


rule vit_pixel_floor:
    """The ViT's floor: a logistic regression on raw pixels, on the ViT's own split (C chosen on validation)."""
    input:
        VIT_DATA,
    output:
        "results/vit/pixel_floor.json",
    log:
        "logs/vit/pixel_floor.log",
    benchmark:
        "benchmarks/vit/pixel_floor.tsv"
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../workflow_scripts/vit_pixel_floor.py"


def validity_inputs(wildcards):
    """Every artefact a check reads: the studies' tables, the runs' metrics, histories and
    predictions, the text floors (where the dense_floor rule exists) and the pixel floor."""
    dense = dense_study.tasks(config)
    preds = [f for t in EAT_TASKS for v in EAT_VARIANTS[t] for f in eat_run_files(t, v, ["preds.npz"])]
    preds += [f for t in ADTP_TASKS for v in ADTP_VARIANTS[t] for f in adtp_run_files(t, v, ["preds.npz"])]
    preds += [f for t in ADTP_TASKS for f in adtp_evaluated_files(t, ["preds.npz"])]
    preds += [f for v in TG_VARIANTS for f in tg_run_files(v, ["preds.npz"])]
    preds += [frontier_study.cost_file(t).replace(".json", ".npz") for t in FRONTIER_TASKS]
    return {
        "tables": [
            f
            for study in (rules.synthetic, rules.text_gate, rules.eat, rules.adtp, rules.frontier, rules.geometry, rules.vit)
            for f in study.input
        ],
        "significance": significance_targets(),
        "dense": [
            f"{paths.dense_dir(t, s)}/{f}" for t, facts in dense.items() for s in facts["seeds"]
            for f in ("metrics.json", "history.json")
        ],
        "floors": [f for t in dense for f in (f"results/dense/{t}/floor.json", f"results/dense/{t}/floor_preds.npz")]
        if hasattr(rules, "dense_floor")
        else [],
        "preds": preds,
        "vit": vit_run_files(["metrics.json", "history.json", "eval.csv"]),
        "geometry": geo_run_files(GEO_RUNS, ["history.json", "metrics.json"]),
        "pixels": rules.vit_pixel_floor.output,
    }


rule validity:
    input:
        unpack(validity_inputs),
    output:
        json="results/validity.json",
        md="results/validity.md",
    log:
        "logs/validity.log",
    benchmark:
        "benchmarks/validity.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/validity.py"
