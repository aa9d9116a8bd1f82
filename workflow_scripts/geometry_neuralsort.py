from pathlib import Path

from effbench.studies.geometry.neuralsort import train_run
from effbench.workflow import setup

config = setup(snakemake)
w = snakemake.wildcards
train_run(config["geometry"], w.geo_family, int(w.seed), Path(snakemake.output[0]).parent, snakemake.params.state_dir)
