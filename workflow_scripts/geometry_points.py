from effbench.studies.geometry.points import before_after
from effbench.workflow import setup

config = setup(snakemake)
before_after(config["geometry"], snakemake.output[0])
