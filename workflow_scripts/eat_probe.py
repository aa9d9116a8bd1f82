from effbench.studies import eat
from effbench.workflow import setup

config = setup(snakemake)
eat.probe_exit_features(config["eat"], snakemake.wildcards.eat_task, snakemake.output[0])
