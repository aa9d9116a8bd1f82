from effbench.studies.adtp.methods import evaluate_methods
from effbench.studies.adtp.plan import runs_root
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.params.task
evaluate_methods(config["adtp"], task, runs_root(task), snakemake.output.table)
