# Geometry (paper 003 §4, App. E-G): surrogates vs the structural entropy, EntropyNet in front
# of QHull and our output-sensitive hull, every preprocessing timed end to end.
GEO = config["geometry"]
GEO_RUNS = geometry_study.runs(GEO)
GEO_TABLES = geometry_study.TABLES


GEO_TABLE_OUTPUTS = [geo_table_output(t) for t in GEO_TABLES]


# geometry.train_group: one job per run (`run`), or groups of runs trained one after the other in one
# process (`family`: each family's main runs, the sweep, the NeuralSort scorers), since each job's start
# (torch, pandas: 3-5 s of CPU) costs about what one default-scale run trains. A killed group loses
# nothing finished: each run resumes from its own checkpoint in state_dir (a finished run, instantly).
GEO_JOBS = geometry_study.train_jobs(GEO)
GEO_BY_RUN = GEO["train_group"] == "run"
GEO_NS_SEEDS = GEO["seeds"]


if GEO_BY_RUN:

    rule geometry_train:
        """One EntropyNet with its surrogate (hull-preserving loss + lambda * H)."""
        output:
            geo_run_files([("{geo_family}", "{geo_variant}", "{seed}")]),
        log:
            "logs/geometry/train.{geo_family}.{geo_variant}.seed{seed}.log",
        benchmark:
            "benchmarks/geometry/train.{geo_family}.{geo_variant}.seed{seed}.tsv"
        wildcard_constraints:
            geo_family="|".join(GEO["families"]),
            geo_variant="|".join(re.escape(v) for v in geometry_study.variants(GEO)),
        threads: TINY_MODEL_THREADS
        resources:
            mem_mb=2000,
            runtime=geo_job_runtime(1),
        params:
            runs=lambda w: [(w.geo_family, w.geo_variant, int(w.seed))],
            state_dir=paths.state_dir("geometry"),
        script:
            "../workflow_scripts/geometry_train.py"

    rule geometry_neuralsort:
        """Table 20's NeuralSort preprocessing: a point scorer trained through the relaxed sort (one per seed)."""
        output:
            [
                f"{geometry_study.run_dir('{geo_family}', geometry_study.NEURALSORT, '{seed}')}/{f}"
                for f in GEO_SCORER_FILES
            ],
        log:
            "logs/geometry/neuralsort.{geo_family}.seed{seed}.log",
        benchmark:
            "benchmarks/geometry/neuralsort.{geo_family}.seed{seed}.tsv"
        wildcard_constraints:
            geo_family=GEO["sweep_family"],
        threads: TINY_MODEL_THREADS
        resources:
            mem_mb=2000,
            runtime=geo_job_runtime(1),
        params:
            seeds=lambda w: [int(w.seed)],
            state_dir=paths.state_dir("geometry"),
        script:
            "../workflow_scripts/geometry_neuralsort.py"

else:

    rule geometry_train:
        """Every seed of one family's main EntropyNet, one after the other (geometry.train_group: family)."""
        output:
            geo_run_files([("{geo_family}", geometry_study.MAIN, s) for s in GEO["seeds"]]),
        log:
            "logs/geometry/train.{geo_family}.log",
        benchmark:
            "benchmarks/geometry/train.{geo_family}.tsv"
        wildcard_constraints:
            geo_family="|".join(GEO["families"]),
        threads: TINY_MODEL_THREADS
        resources:
            mem_mb=2000,
            runtime=geo_job_runtime(len(GEO["seeds"])),
        params:
            runs=lambda w: GEO_JOBS[w.geo_family],
            state_dir=paths.state_dir("geometry"),
        script:
            "../workflow_scripts/geometry_train.py"

    if "sweep" in GEO_JOBS:

        use rule geometry_train as geometry_sweep_train with:
            output:
                geo_run_files(GEO_JOBS["sweep"]),
            log:
                "logs/geometry/train.sweep.log",
            benchmark:
                "benchmarks/geometry/train.sweep.tsv"
            resources:
                mem_mb=2000,
                runtime=geo_job_runtime(len(GEO_JOBS["sweep"])),
            params:
                runs=GEO_JOBS["sweep"],
                state_dir=paths.state_dir("geometry"),

    rule geometry_neuralsort:
        """Table 20's NeuralSort preprocessing: a point scorer per seed, trained through the relaxed sort,
        every seed in one job (geometry.train_group: family)."""
        output:
            [
                f"{geometry_study.run_dir('{geo_family}', geometry_study.NEURALSORT, s)}/{f}"
                for s in GEO_NS_SEEDS
                for f in GEO_SCORER_FILES
            ],
        log:
            "logs/geometry/neuralsort.{geo_family}.log",
        benchmark:
            "benchmarks/geometry/neuralsort.{geo_family}.tsv"
        wildcard_constraints:
            geo_family=GEO["sweep_family"],
        threads: TINY_MODEL_THREADS
        resources:
            mem_mb=2000,
            runtime=geo_job_runtime(len(GEO_NS_SEEDS)),
        params:
            seeds=GEO_NS_SEEDS,
            state_dir=paths.state_dir("geometry"),
        script:
            "../workflow_scripts/geometry_neuralsort.py"


rule geometry_correlation:
    """Surrogates against the exact / bounded structural entropy across independent point sets (Fig. 4)."""
    output:
        sets="results/geometry/correlation/sets.csv",
        summary=report(
            "results/geometry/correlation/summary.csv",
            caption="../report/geometry_correlation.rst",
            category="geometry",
        ),
    log:
        "logs/geometry/correlation.log",
    benchmark:
        "benchmarks/geometry/correlation.tsv"
    threads: TINY_MODEL_THREADS
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../workflow_scripts/geometry_correlation.py"


rule geometry_collapse:
    """The high-dimensional failure mode: anchor assignments turn uniform as d grows (paper 003, §7)."""
    output:
        report("results/geometry/collapse.csv", caption="../report/geometry_collapse.rst", category="geometry"),
    log:
        "logs/geometry/collapse.log",
    benchmark:
        "benchmarks/geometry/collapse.tsv"
    threads: TINY_MODEL_THREADS
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/geometry_collapse.py"


rule geometry_points:
    """Fig. 10: one held-out set per family before and after the trained EntropyNet."""
    input:
        geo_run_files([r for r in GEO_RUNS if r[1] == "ball" and r[2] == GEO["seeds"][0]], ["model.safetensors"]),
    output:
        "results/geometry/points.npz",
    log:
        "logs/geometry/points.log",
    benchmark:
        "benchmarks/geometry/points.tsv"
    threads: TINY_MODEL_THREADS
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/geometry_points.py"


rule geometry_timing:
    """End-to-end time of (QHull | Chan) x (none | sort | k-means | Akl-Toussaint | EntropyNet), and QHull after
    NeuralSort, on held-out sets."""
    input:
        geo_family_runs,
    output:
        "results/geometry/timing/{geo_family}.csv",
    log:
        "logs/geometry/timing.{geo_family}.log",
    benchmark:
        "benchmarks/geometry/timing.{geo_family}.tsv"
    wildcard_constraints:
        geo_family="|".join(GEO["families"]),
    threads: TIMING_THREADS
    resources:
        mem_mb=8000,
        runtime=model_runtime(60, "geometry_timing"),  # seeds x sets x (repeats + warm-up) x points: hours at paper scale
    script:
        "../workflow_scripts/geometry_timing.py"


rule geometry_large:
    """Table 23: hull at n = 10^6 and Delaunay at n = 10^5 (uniform)."""
    input:
        geo_run_files([(GEO["sweep_family"], "ball", GEO["seeds"][0])], ["model.safetensors"]),
    output:
        "results/geometry/timing/large.csv",
    log:
        "logs/geometry/large.log",
    benchmark:
        "benchmarks/geometry/large.tsv"
    threads: TIMING_THREADS
    resources:
        mem_mb=16000,
        runtime=model_runtime(60, "geometry_large"),
    script:
        "../workflow_scripts/geometry_large.py"


rule geometry_tables:
    input:
        timings=expand("results/geometry/timing/{family}.csv", family=GEO["families"]),
        large="results/geometry/timing/large.csv",
        runs=geo_run_files(GEO_RUNS, ["metrics.json", "history.json"]),
        claims=LEDGER,
    output:
        GEO_TABLE_OUTPUTS,
    log:
        "logs/geometry/tables.log",
    benchmark:
        "benchmarks/geometry/tables.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        runs=lambda w: paths.runs_root("geometry"),
    script:
        "../workflow_scripts/geometry_tables.py"


GEO_FIG = {name: geo_figure_job(name) for name in geometry_study.FIGURE_JOBS}


rule geometry_figure:
    """The figures of the trained models, the timings and the tables, in one job."""
    input:
        **GEO_FIG["geometry_figure"]["input"],
    output:
        png=GEO_FIG["geometry_figure"]["png"],
        pdf=GEO_FIG["geometry_figure"]["pdf"],
    log:
        "logs/geometry/figures.log",
    benchmark:
        "benchmarks/geometry/figures.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        figures=GEO_FIG["geometry_figure"]["figures"],
    script:
        "../workflow_scripts/geometry_figure.py"


use rule geometry_figure as geometry_analysis_figure with:
    input:
        **GEO_FIG["geometry_analysis_figure"]["input"],
    output:
        png=GEO_FIG["geometry_analysis_figure"]["png"],
        pdf=GEO_FIG["geometry_analysis_figure"]["pdf"],
    log:
        "logs/geometry/analysis_figures.log",
    benchmark:
        "benchmarks/geometry/analysis_figures.tsv"
    params:
        figures=GEO_FIG["geometry_analysis_figure"]["figures"],


rule geometry:
    """Target: the whole geometry study."""
    input:
        geometry_study.targets(GEO),
