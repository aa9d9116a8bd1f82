from effbench.studies.geometry.collapse import collapse
from effbench.workflow import setup

config = setup(snakemake)
collapse(config["geometry"], snakemake.output[0])
