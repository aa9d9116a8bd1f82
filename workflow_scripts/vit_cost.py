from pathlib import Path

from effbench.studies.vit.cost import measure_cost
from effbench.workflow import setup

config = setup(snakemake)
cfg = config["vit"]
first = {}
for path in snakemake.input.runs:                  # one run per variant: its first seed
    run = Path(path).parent
    first.setdefault(run.parent.name, run)
measure_cost(cfg, first, snakemake.output[0])
