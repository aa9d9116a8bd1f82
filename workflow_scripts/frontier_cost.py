from effbench.studies.frontier.measure import measure
from effbench.workflow import setup

config = setup(snakemake)
measure(config, snakemake.wildcards.frontier_task, snakemake.output.cost, snakemake.output.preds, snakemake.threads)
