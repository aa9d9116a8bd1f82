import pandas as pd

from effbench.studies.eat.tables import write_ablation, write_frontier
from effbench.workflow import optional_input, setup

config = setup(snakemake)
task = snakemake.wildcards.eat_task
if snakemake.rule == "eat_ablation_table":
    write_ablation(pd.read_csv(snakemake.input[0]), snakemake.output[0])
else:
    write_frontier(config["eat"], task, snakemake.params.runs, snakemake.input.cost, snakemake.input.claims,
                   snakemake.output[0], optional_input(snakemake, "floor"), scale=config["scale"], config=config)
