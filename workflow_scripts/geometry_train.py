from pathlib import Path

from effbench.studies import geometry
from effbench.workflow import setup

config = setup(snakemake)
w = snakemake.wildcards
geometry.train_run(config["geometry"], w.geo_family, w.geo_variant, int(w.seed), Path(snakemake.output[0]).parent,
                   snakemake.params.state_dir)
