from pathlib import Path

from effbench.plots import synthetic_figures
from effbench.workflow import setup

config = setup(snakemake)
synthetic_figures.draw(snakemake.wildcards.figure, config["synthetic"], Path(snakemake.input.tables[0]).parent,
                       snakemake.params.runs, [snakemake.output.png, snakemake.output.pdf])
