from effbench.studies.geometry.neuralsort import train_run
from effbench.studies.geometry.plan import NEURALSORT, run_dir
from effbench.workflow import setup

config = setup(snakemake)
family = snakemake.wildcards.geo_family
for seed in snakemake.params.seeds:  # one, or every seed (geometry.train_group: family), each with its checkpoint
    train_run(config["geometry"], family, int(seed), run_dir(family, NEURALSORT, seed), snakemake.params.state_dir)
