from pathlib import Path

from effbench.artefacts import config_hash
from effbench.pages import render
from effbench.workflow import setup

config = setup(snakemake)
stamp = f"scale {config['scale']}, config {config_hash(config)}"
repo = Path(snakemake.scriptdir).resolve().parent        # scriptdir is rules/../workflow_scripts
for template, out in zip(snakemake.input.templates, snakemake.output):
    used = render(template, out, config, provenance=stamp, source=Path(template).resolve().relative_to(repo).as_posix())
    print(f"{out}: {len(set(used))} artefacts read from {Path(template).name}")
