from effbench.plots import synthetic_figures
from effbench.workflow import setup

config = setup(snakemake)
synthetic_figures.draw(snakemake.wildcards.figure, config["synthetic"], "results/synthetic/tables",
                       "results/synthetic/runs", [snakemake.output.png, snakemake.output.pdf])
