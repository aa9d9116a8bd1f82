import pandas as pd

from effbench.artefacts import save_figure
from effbench.plots import adtp_figures
from effbench.workflow import setup

setup(snakemake)
w = snakemake.wildcards
fig = getattr(adtp_figures, w.adtp_figure)(pd.read_csv(snakemake.input[0]), w.adtp_task)
save_figure(fig, [snakemake.output.png, snakemake.output.pdf])
