from effbench.studies.adtp.methods import evaluate_methods
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.params.task
evaluate_methods(config["adtp"], task, snakemake.params.runs, snakemake.output.table)
