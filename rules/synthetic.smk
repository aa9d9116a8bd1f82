# The synthetic track of the entropy-gate study (paper 000, §3.1, §4, §7, App. B).


rule synthetic_data:
    output:
        npz="data/generated/synthetic/{dataset}.npz",
        meta="data/generated/synthetic/{dataset}.json",
    log:
        "logs/synthetic/data_{dataset}.log",
    benchmark:
        "benchmarks/synthetic/data.{dataset}.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../workflow_scripts/synthetic_data.py"


rule synthetic_train:
    """All seeds of one variant in one job, so torch is imported once."""
    input:
        syn_dataset_of,
    output:
        syn_run_files("{variant}"),
    log:
        "logs/synthetic/train_{variant}.log",
    benchmark:
        "benchmarks/synthetic/train.{variant}.tsv"
    threads: TINY_MODEL_THREADS
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        state_dir=paths.state_dir("synthetic"),
    script:
        "../workflow_scripts/synthetic_train.py"


rule synthetic_timing:
    """Measured CPU wall time; takes every core so nothing runs beside it."""
    input:
        data="data/generated/synthetic/base.npz",
        runs=[syn_run_files(v, ["model.safetensors", "metrics.json"]) for v in SYN["timing"]["variants"]],
    output:
        "results/synthetic/cost/timing.json",
    log:
        "logs/synthetic/timing.log",
    benchmark:
        "benchmarks/synthetic/timing.tsv"
    threads: TIMING_THREADS
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        runs=lambda w: paths.runs_root("synthetic"),
    script:
        "../workflow_scripts/synthetic_timing.py"


rule synthetic_tables:
    input:
        runs=[syn_run_files(v, ["history.json", "metrics.json", "preds.npz"]) for v in SYN_VARIANTS],
        data=expand("data/generated/synthetic/{dataset}.json", dataset=SYN_DATASETS),
        # the validation split's class-set masks: the oracle overlaps' per-example counts
        data_npz=expand("data/generated/synthetic/{dataset}.npz", dataset=SYN_DATASETS),
        timing="results/synthetic/cost/timing.json",
        claims=LEDGER,
    output:
        [
            report(f, caption="../report/synthetic_table.rst", category="synthetic", subcategory="tables")
            for f in expand("results/synthetic/tables/{table}.csv", table=SYN_TABLES)
        ],
    log:
        "logs/synthetic/tables.log",
    benchmark:
        "benchmarks/synthetic/tables.tsv"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        runs=lambda w: paths.runs_root("synthetic"),
        data_dir=lambda w: "data/generated/synthetic",
    script:
        "../workflow_scripts/synthetic_tables.py"


rule synthetic_figure:
    """Every figure (PNG + PDF) from the tables and the per-run artefacts, in one job: they read the same
    inputs, and a job per figure paid a process start (3-5 s) for a second of drawing."""
    input:
        tables=expand("results/synthetic/tables/{table}.csv", table=SYN_TABLES),
        runs=[syn_run_files(v, ["history.json", "preds.npz"]) for v in SYN_VARIANTS],
    output:
        png=[
            report(
                f"results/synthetic/figures/{figure}.png",
                caption="../report/synthetic_figure.rst",
                category="synthetic",
                subcategory="figures",
                labels={"figure": figure},
            )
            for figure in SYN_FIGURES
        ],
        pdf=[f"results/synthetic/figures/{figure}.pdf" for figure in SYN_FIGURES],
    log:
        "logs/synthetic/figures.log",
    benchmark:
        "benchmarks/synthetic/figures.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        figures=SYN_FIGURES,
        runs=lambda w: paths.runs_root("synthetic"),
    script:
        "../workflow_scripts/synthetic_figure.py"


rule synthetic:
    """Target: the whole synthetic study."""
    input:
        synthetic_study.targets(SYN),
