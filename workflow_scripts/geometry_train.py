from effbench.studies.geometry.plan import run_dir
from effbench.studies.geometry.train import train_run
from effbench.workflow import setup

config = setup(snakemake)
# the job's runs (geometry.train_group), one after the other; each resumes from its own checkpoint,
# so a rerun of a killed group skips the runs it finished
for family, variant, seed in snakemake.params.runs:
    train_run(config["geometry"], family, variant, int(seed), run_dir(family, variant, seed), snakemake.params.state_dir)
