from pathlib import Path

import pandas as pd

from effbench.artefacts import write_csv
from effbench.plots import vit_figures
from effbench.studies.vit.evaluate import attention_maps
from effbench.workflow import setup

config = setup(snakemake)
cfg = config["vit"]
runs = {}
for path in snakemake.input.runs:
    run = Path(path).parent
    runs.setdefault(run.parent.name, run)
panels = attention_maps(cfg, runs, n_images=4)
write_csv(snakemake.output.iou, pd.DataFrame(panels["iou"]))
vit_figures.draw([snakemake.output.png, snakemake.output.pdf], panels)
