from effbench.studies.eat.cost import measure_cost
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.eat_task
measure_cost(config["eat"], task, snakemake.params.runs, snakemake.output[0], threads=snakemake.threads)
