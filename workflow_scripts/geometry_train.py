from pathlib import Path

from effbench.studies.geometry.train import train_run
from effbench.workflow import setup

config = setup(snakemake)
w = snakemake.wildcards
train_run(config["geometry"], w.geo_family, w.geo_variant, int(w.seed), Path(snakemake.output[0]).parent,
                   snakemake.params.state_dir)
