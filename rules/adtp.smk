# AD-TP (paper 001): per task a dense teacher, its cached IG attributions and ARP labels, the
# AD-TP student and its variants, a shallow distilled model; evaluation-time baselines, the
# TSP-vs-IG check, measured cost, and the paper's tables and figures in shape.
ADTP_CFG = config["adtp"]
ADTP_TASKS = list(ADTP_CFG["run_tasks"])
ADTP_VARIANTS = {task: adtp_study.variants(ADTP_CFG, task) for task in ADTP_TASKS}
ADTP_TRAINED = sorted({v for task in ADTP_TASKS for v in ADTP_VARIANTS[task]})


rule newsgroups_data:
    """20 Newsgroups from the dataset hub (or a local copy of its files): adtp.newsgroups."""
    output:
        splits=expand("data/text/newsgroups/{split}.csv", split=["train", "validation", "test"]),
        stats="data/text/newsgroups/stats.json",
    log:
        "logs/data/newsgroups.log",
    benchmark:
        "benchmarks/data/newsgroups.tsv"
    resources:
        mem_mb=4000,
        runtime=20,
    script:
        "../workflow_scripts/adtp_newsgroups.py"


rule adtp_teacher_cache:
    """Computed once per task and seed: the teacher's IG token attributions, logits, and
    whether it keeps its prediction when pruned to each candidate ratio (the ARP's labels)."""
    input:
        data=lambda w: adtp_data_files(w.adtp_task),
        dense=f"{paths.run_dir('adtp', 'dense', '{seed}', '{adtp_task}')}/model.safetensors",
    output:
        npz="results/adtp/teacher/{adtp_task}/seed{seed}.npz",
        json="results/adtp/teacher/{adtp_task}/seed{seed}.json",
    log:
        "logs/adtp/{adtp_task}/teacher.seed{seed}.log",
    benchmark:
        "benchmarks/adtp/{adtp_task}/teacher.seed{seed}.tsv"
    wildcard_constraints:
        adtp_task="|".join(ADTP_TASKS),
    threads: MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(6000, "adtp_teacher_cache"),
        runtime=model_runtime(60, "adtp_teacher_cache"),
        constraint=gpu_constraint("adtp_teacher_cache"),
    script:
        "../workflow_scripts/adtp_teacher.py"


rule adtp_train:
    input:
        unpack(adtp_train_inputs),
    output:
        [f"{paths.run_dir('adtp', '{adtp_variant}', '{seed}', '{adtp_task}')}/{f}" for f in RUN_FILES],
    log:
        "logs/adtp/{adtp_task}/train.{adtp_variant}.seed{seed}.log",
    benchmark:
        "benchmarks/adtp/{adtp_task}/train.{adtp_variant}.seed{seed}.tsv"
    wildcard_constraints:
        adtp_task="|".join(ADTP_TASKS),
        adtp_variant="|".join(map(re.escape, ADTP_TRAINED)),
    threads: MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(8000, "adtp_train"),
        runtime=model_runtime(120, "adtp_train"),
        constraint=gpu_constraint("adtp_train"),
    params:
        state_dir=lambda w: paths.state_dir("adtp", w.adtp_task),
        precision=TRAIN_PRECISION,
    script:
        "../workflow_scripts/adtp_train.py"


for _task in ADTP_TASKS:  # one rule per task: the methods it evaluates depend on the task's scorers

    rule:
        """Evaluation-time methods on the trained weights: static / random / oracle ratios (Table 4), each
        retrained ratio predictor at its own mean ratio, and the attention, random, IG and leave-one-out
        scorers on the dense model (ratio grid and matched)."""
        name:
            f"adtp_methods_{_task}"
        input:
            [
                f
                for v in ("dense", "adtp", *adtp_study.arp_variants(ADTP_CFG, _task))
                for f in adtp_run_files(_task, v, ["model.safetensors"], [adtp_first_seed(_task)])
            ],
        output:
            table=f"results/adtp/evaluated/{_task}.csv",
            runs=adtp_evaluated_files(_task),
        log:
            f"logs/adtp/{_task}/methods.log",
        benchmark:
            f"benchmarks/adtp/{_task}/methods.tsv"
        threads: MODEL_THREADS
        resources:
            gpu=GPU,
            mem_mb=model_mem(6000, f"adtp_methods_{_task}"),
            runtime=model_runtime(60, f"adtp_methods_{_task}"),
            constraint=gpu_constraint(f"adtp_methods_{_task}"),
        params:
            task=_task,
            runs=lambda w, task=_task: paths.runs_root("adtp", task),
        script:
            "../workflow_scripts/adtp_methods.py"


rule adtp_consistency:
    """Table 5: the trained TSP against IG (the AD-TP model's own, and the teacher's) on validation."""
    input:
        lambda w: [
            f
            for v in ("dense", "adtp")
            for f in adtp_run_files(w.adtp_task, v, ["model.safetensors"], [adtp_first_seed(w.adtp_task)])
        ],
    output:
        report(
            "results/adtp/{adtp_task}/tables/consistency.csv",
            caption="../report/adtp_consistency.rst",
            category="adtp",
        ),
    log:
        "logs/adtp/{adtp_task}/consistency.log",
    benchmark:
        "benchmarks/adtp/{adtp_task}/consistency.tsv"
    wildcard_constraints:
        adtp_task="|".join(ADTP_TASKS),
    threads: MODEL_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(4000, "adtp_consistency"),
        runtime=model_runtime(30, "adtp_consistency"),
        constraint=gpu_constraint("adtp_consistency"),
    params:
        runs=lambda w: paths.runs_root("adtp", w.adtp_task),
    script:
        "../workflow_scripts/adtp_consistency.py"


rule adtp_cost:
    """Analytic FLOPs checked against torch's counter; batch-1 latency and throughput of every deployable method."""
    input:
        lambda w: [
            f
            for v in ("dense", "shallow", "adtp", *adtp_study.ltp_variants(ADTP_CFG, w.adtp_task))
            for f in adtp_run_files(
                w.adtp_task, v, ["model.safetensors", "metrics.json"], [adtp_first_seed(w.adtp_task)]
            )
        ],
    output:
        paths.cost_file("adtp", "{adtp_task}"),
    log:
        "logs/adtp/{adtp_task}/cost.log",
    benchmark:
        "benchmarks/adtp/{adtp_task}/cost.tsv"
    wildcard_constraints:
        adtp_task="|".join(ADTP_TASKS),
    threads: TIMING_THREADS
    resources:
        gpu=GPU,
        mem_mb=model_mem(6000, "adtp_cost"),
        runtime=model_runtime(60, "adtp_cost"),
        constraint=gpu_constraint("adtp_cost"),
    params:
        runs=lambda w: paths.runs_root("adtp", w.adtp_task),
    script:
        "../workflow_scripts/adtp_cost.py"


for _task in ADTP_TASKS:  # one rule per task: which group tables it writes depends on its extras

    rule:
        """The task's tables, paper values beside ours: methods (accuracy vs FLOPs vs measured time;
        Tables 1-3 in shape), retainer (Table 4, paired tests), and the ablation, candidate-list,
        IG-steps (Table 6) and sensitivity tables of the trained variants."""
        name:
            f"adtp_tables_{_task}"
        input:
            **adtp_table_inputs(_task),
        output:
            methods=report(
                f"results/adtp/{_task}/tables/methods.csv", caption="../report/adtp_methods.rst", category="adtp"
            ),
            retainer=report(
                f"results/adtp/{_task}/tables/retainer.csv", caption="../report/adtp_retainer.rst", category="adtp"
            ),
            groups=[
                report(f"results/adtp/{_task}/tables/{g}.csv", caption="../report/adtp_groups.rst", category="adtp")
                for g in adtp_study.group_tables(ADTP_CFG, _task)
            ],
        log:
            f"logs/adtp/{_task}/tables.log",
        benchmark:
            f"benchmarks/adtp/{_task}/tables.tsv"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            task=_task,
            runs=lambda w, task=_task: paths.runs_root("adtp", task),
        script:
            "../workflow_scripts/adtp_table.py"


rule adtp_figure:
    input:
        lambda w: f"results/adtp/{w.adtp_task}/tables/{'methods' if w.adtp_figure == 'budget' else w.adtp_figure}.csv",
    output:
        png=report(
            "results/adtp/{adtp_task}/figures/{adtp_figure}.png", caption="../report/adtp_figure.rst", category="adtp"
        ),
        pdf="results/adtp/{adtp_task}/figures/{adtp_figure}.pdf",
    log:
        "logs/adtp/{adtp_task}/figure.{adtp_figure}.log",
    benchmark:
        "benchmarks/adtp/{adtp_task}/figure.{adtp_figure}.tsv"
    wildcard_constraints:
        adtp_task="|".join(ADTP_TASKS),
        adtp_figure="budget|sensitivity|candidates",
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/adtp_figure.py"


rule adtp_summary:
    """Tables 1-3 in one: dense, the shallower distilled model and AD-TP on every task."""
    input:
        expand("results/adtp/{task}/tables/methods.csv", task=ADTP_TASKS),
    output:
        report("results/adtp/tables/summary.csv", caption="../report/adtp_summary.rst", category="adtp"),
    log:
        "logs/adtp/summary.log",
    benchmark:
        "benchmarks/adtp/summary.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/adtp_table.py"


rule adtp_significance:
    """The statistics suite's paired tests and Holm correction for stats.comparisons.adtp (binary tasks)."""
    input:
        adtp_comparison_preds,
    output:
        report(
            "results/adtp/{adtp_task}/significance.csv",
            caption="../report/significance.rst",
            category="significance tests",
        ),
    log:
        "logs/adtp/{adtp_task}/significance.log",
    benchmark:
        "benchmarks/adtp/{adtp_task}/significance.tsv"
    wildcard_constraints:
        adtp_task="|".join(ADTP_TASKS),
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        runs=lambda w: paths.runs_root("adtp", w.adtp_task),
        pairs=config["stats"]["comparisons"]["adtp"],
    script:
        "../workflow_scripts/significance.py"


rule adtp:
    """Target: the whole AD-TP study."""
    input:
        adtp_study.targets(ADTP_CFG),
