from effbench.plots import frontier_figures
from effbench.workflow import setup

setup(snakemake)
frontier_figures.draw(snakemake.input[0], snakemake.wildcards.frontier_task, [snakemake.output.png, snakemake.output.pdf])
