import numpy as np
import pandas as pd

from effbench.plots import eat_figures
from effbench.workflow import setup

config = setup(snakemake)
cfg, task = config["eat"], snakemake.wildcards.eat_task
table = pd.read_csv(snakemake.input.table)
preds = {}
if snakemake.input.preds:          # the EAT model's predictions (every figure but the ablation)
    with np.load(snakemake.input.preds[0]) as z:
        preds = dict(z)


def inputs_of(kind):
    if kind in ("frontier", "ablation"):
        return {"table": table, "task": task} if kind == "frontier" else {"table": table}
    scheduled = (1 - cfg["eat"]["prune_ratio"]) ** len(cfg["eat"]["prune_after"])
    n_blocks = preds["tokens"].shape[1]      # block d runs on the share left by the pruning blocks before it
    schedule = [(1 - cfg["eat"]["prune_ratio"]) ** sum(p < d for p in cfg["eat"]["prune_after"])
                for d in range(1, n_blocks + 1)]
    if kind == "retention":
        return {"preds": preds, "scheduled": scheduled, "schedule": schedule}
    return {"preds": preds, "taus": cfg["taus"], "n_layers": n_blocks}       # exits


out = snakemake.output
for kind, png, pdf in zip(snakemake.params.figures, out.png, out.pdf, strict=True):
    eat_figures.draw(kind, [png, pdf], **inputs_of(kind))
