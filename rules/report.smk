# The claims ledger rendered against what the pipeline measured.


rule claims:
    input:
        ledger=LEDGER,
        tables=rules.synthetic.input,
        text_gate=rules.text_gate.input,
        eat=rules.eat.input,
        adtp=rules.adtp.input,
        geometry=rules.geometry.input,
        vit=rules.vit.input,
    output:
        csv=report("results/claims.csv", caption="../report/claims.rst", category="claims"),
        md="results/claims.md",
    log:
        "logs/claims.log",
    benchmark:
        "benchmarks/claims.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/claims.py"


rule headline_metrics:
    """The headline number of every study in one JSON: what `dvc metrics show` lists."""
    input:
        rules.claims.output.csv,
    output:
        "results/metrics.json",
    log:
        "logs/headline_metrics.log",
    benchmark:
        "benchmarks/headline_metrics.tsv"
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../workflow_scripts/headline_metrics.py"
