import numpy as np
import pandas as pd

from effbench.plots import eat_figures
from effbench.workflow import setup

config = setup(snakemake)
cfg, kind = config["eat"], snakemake.wildcards.eat_figure
table = pd.read_csv(snakemake.input.table)
with np.load(snakemake.input.preds[0]) as z:
    preds = dict(z)
scheduled = (1 - cfg["eat"]["prune_ratio"]) ** len(cfg["eat"]["prune_after"])
n_blocks = preds["tokens"].shape[1]      # block d runs on the share left by the pruning blocks before it
schedule = [(1 - cfg["eat"]["prune_ratio"]) ** sum(p < d for p in cfg["eat"]["prune_after"]) for d in range(1, n_blocks + 1)]
inputs = {"frontier": {"table": table, "task": snakemake.wildcards.eat_task},
          "retention": {"preds": preds, "scheduled": scheduled, "schedule": schedule},
          "exits": {"preds": preds, "taus": cfg["taus"], "n_layers": preds["tokens"].shape[1]},
          "ablation": {"table": table}}[kind]
eat_figures.draw(kind, [snakemake.output.png, snakemake.output.pdf], **inputs)
