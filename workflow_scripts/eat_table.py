import pandas as pd

from effbench.studies import eat
from effbench.workflow import setup

config = setup(snakemake)
task = snakemake.wildcards.eat_task
if snakemake.rule == "eat_ablation_table":
    eat.write_ablation(pd.read_csv(snakemake.input[0]), snakemake.output[0])
else:
    eat.write_frontier(config["eat"], task, f"results/eat/{task}/runs", snakemake.input.cost,
                       snakemake.input.claims, snakemake.output[0])
