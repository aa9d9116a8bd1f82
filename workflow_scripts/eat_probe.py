from effbench.studies.eat.probe import probe_exit_features
from effbench.workflow import setup

config = setup(snakemake)
probe_exit_features(config["eat"], snakemake.wildcards.eat_task, snakemake.output[0])
