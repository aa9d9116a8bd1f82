# The entropy gate on a BERT backbone (paper 000 §8, Table 3): offline Rotten Tomatoes + MiniLM
# by default; GLUE through `local` (TSV directory) or `hub` (datasets) at paper scale.
TG = config["text_gate"]
TG_TASK = dense_study.text_gate_task(TG)[0]  # the task its dense model and floor are named after
TG_VARIANTS = text_gate_study.variants(TG)
TG_DATA = dense_study.text_gate_task(TG)[1]


rule text_data:
    output:
        splits=expand("{dir}/{split}.csv", dir=TG_DATA, split=["train", "validation", "test"]),
        stats=f"{TG_DATA}/stats.json",
    log:
        "logs/text_gate/data.log",
    benchmark:
        "benchmarks/text_gate/data.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cache="data/raw",
    script:
        "../workflow_scripts/text_data.py"


if TG["source"] != "rotten_tomatoes":

    rule rotten_tomatoes_data:
        """The offline sentiment task for other studies when the text gate reads GLUE (same splits)."""
        output:
            splits=expand("data/text/rotten_tomatoes/{split}.csv", split=["train", "validation", "test"]),
            stats="data/text/rotten_tomatoes/stats.json",
        log:
            "logs/data/rotten_tomatoes.log",
        benchmark:
            "benchmarks/data/rotten_tomatoes.tsv"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            cache="data/raw",
            source="rotten_tomatoes",
        script:
            "../workflow_scripts/text_data.py"


rule text_gate_dense:
    """The text gate's dense row: the shared dense fine-tune evaluated, or (text_gate.dense_train) its own
    fixed-schedule fine-tune from pretrained, as paper 000 §8 trains it."""
    input:
        data=rules.text_data.output.splits,
        shared=(
            expand(
                "{dir}/model.safetensors",
                dir=[paths.dense_dir(dense_study.text_gate_task(TG)[0], s) for s in TG["seeds"]],
            )
            if TG["dense_train"] is None
            else []
        ),
    output:
        tg_run_files("dense"),
    log:
        "logs/text_gate/train.dense.log",
    benchmark:
        "benchmarks/text_gate/train.dense.tsv"
    threads: MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(4000, "text_gate_dense"),
        runtime=model_runtime(60, "text_gate_dense"),
        constraint=gpu_constraint("text_gate_dense"),
    params:
        state_dir=paths.state_dir("text_gate"),
        precision=TRAIN_PRECISION,
        data_dir=lambda w: TG_DATA,
    script:
        "../workflow_scripts/text_gate_train.py"


for _group in ("main", "grid"):
    if not tg_group_pattern(_group):
        continue

    rule:
        name:
            f"text_gate_gated_{_group}"
        input:
            data=rules.text_data.output.splits,
            dense=tg_run_files("dense", ["model.safetensors"]) if TG["gate"]["init"] == "dense" else [],
        output:
            tg_group_files(_group),
        log:
            "logs/text_gate/train.{tg_variant}.log",
        benchmark:
            "benchmarks/text_gate/train.{tg_variant}.tsv"
        wildcard_constraints:
            tg_variant=tg_group_pattern(_group),
        threads: MODEL_THREADS
        resources:
            gpu=GPU,
            mem_mb=model_mem(4000, f"text_gate_gated_{_group}"),
            runtime=model_runtime(60, f"text_gate_gated_{_group}"),
            constraint=gpu_constraint(f"text_gate_gated_{_group}"),
        params:
            state_dir=paths.state_dir("text_gate"),
            precision=TRAIN_PRECISION,
            data_dir=lambda w: TG_DATA,
        script:
            "../workflow_scripts/text_gate_train.py"


rule text_gate_cost:
    """FLOPs (counted and analytic) and measured CPU latency / throughput of every variant."""
    input:
        [tg_run_files(v, ["model.safetensors", "metrics.json"]) for v in TG_VARIANTS],
    output:
        "results/text_gate/cost/cost.json",
    log:
        "logs/text_gate/cost.log",
    benchmark:
        "benchmarks/text_gate/cost.tsv"
    threads: TIMING_THREADS
    resources:
        gpu=0 if TG["cost"]["device"] == "cpu" else GPU,
        mem_mb=model_mem(4000, "text_gate_cost"),
        runtime=model_runtime(30, "text_gate_cost"),
        constraint=None if TG["cost"]["device"] == "cpu" else gpu_constraint("text_gate_cost"),
    params:
        data_dir=lambda w: TG_DATA,
        runs=lambda w: paths.runs_root("text_gate"),
    script:
        "../workflow_scripts/text_gate_cost.py"


rule text_gate_table:
    input:
        runs=[tg_run_files(v, ["preds.npz"]) for v in TG_VARIANTS],
        cost=rules.text_gate_cost.output,
        claims=LEDGER,
        floor=(
            [paths.floor_files(TG_TASK)["preds"]]
            if dense_study.joins_floor({"test_subset": TG["eval_subset"]})
            else []
        ),
    output:
        report("results/text_gate/tables/table3.csv", caption="../report/text_gate_table.rst", category="text_gate"),
    log:
        "logs/text_gate/table.log",
    benchmark:
        "benchmarks/text_gate/table.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        runs=lambda w: paths.runs_root("text_gate"),
    script:
        "../workflow_scripts/text_gate_table.py"


rule text_gate_figure:
    input:
        rules.text_gate_table.output,
    output:
        png=report(
            "results/text_gate/figures/speed_vs_keep.png",
            caption="../report/text_gate_figure.rst",
            category="text_gate",
        ),
        pdf="results/text_gate/figures/speed_vs_keep.pdf",
    log:
        "logs/text_gate/figure.log",
    benchmark:
        "benchmarks/text_gate/figure.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/text_gate_figure.py"


rule text_gate:
    """Target: the whole text-gate study."""
    input:
        text_gate_study.targets(TG),
