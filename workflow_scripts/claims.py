from pathlib import Path

from effbench.artefacts import atomic_path, write_csv
from effbench.claims import load_ledger, render, to_markdown
from effbench.validity.report import load as load_validity
from effbench.workflow import setup

setup(snakemake)
frame = render(load_ledger(snakemake.input.ledger), Path("."), snakemake.config["scale"],
               validity=load_validity(snakemake.input.validity), cfg=snakemake.config, complete=True)
write_csv(snakemake.output.csv, frame)
with atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(to_markdown(frame))
