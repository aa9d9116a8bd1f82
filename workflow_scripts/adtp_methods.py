from effbench.studies import adtp
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.params.task
adtp.evaluate_methods(config["adtp"], task, adtp.runs_root(task), snakemake.output.table)
