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
        validity=rules.validity.output.json,
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


rule results_pages:
    """docs/results/<page>.md rendered from docs/templates/<page>.md and the artefacts: a rerun at any
    scale rewrites every number on them."""
    input:
        templates=[os.path.join(workflow.basedir, "docs", "templates", f"{p}.md") for p in PAGES],
        studies=[
            rules.synthetic.input,
            rules.text_gate.input,
            rules.eat.input,
            rules.adtp.input,
            rules.frontier.input,
            rules.geometry.input,
            rules.vit.input,
        ],
        claims=rules.claims.output,
        validity=rules.validity.output.json,
    output:
        [f"docs/results/{p}.md" for p in PAGES],
    log:
        "logs/results_pages.log",
    benchmark:
        "benchmarks/results_pages.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/results_pages.py"
