from effbench.plots import text_gate_figures
from effbench.workflow import setup

setup(snakemake)
text_gate_figures.draw(snakemake.input[0], [snakemake.output.png, snakemake.output.pdf])
