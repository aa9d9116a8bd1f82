from pathlib import Path

from effbench.plots import synthetic_figures
from effbench.workflow import setup

config = setup(snakemake)
out = snakemake.output
for figure, png, pdf in zip(snakemake.params.figures, out.png, out.pdf, strict=True):
    synthetic_figures.draw(figure, config["synthetic"], Path(snakemake.input.tables[0]).parent, snakemake.params.runs,
                           [png, pdf])
