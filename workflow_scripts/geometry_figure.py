import pandas as pd

from effbench.artefacts import read_json
from effbench.plots import geometry_figures
from effbench.workflow import setup

config = setup(snakemake)
kind, files = snakemake.wildcards.geo_figure, list(snakemake.input)
if kind == "correlation":
    inputs = {"sets": pd.read_csv(files[0]), "summary": pd.read_csv(files[1]), "paper_r2": 0.96}
elif kind == "training":
    inputs = {"histories": {f.split("/")[-3]: read_json(f)["history"] for f in files}}
elif kind == "points":
    import numpy as np

    with np.load(files[0]) as z:
        inputs = {"arrays": dict(z)}
elif kind == "amortisation":
    inputs = {"geometry": pd.read_csv(files[0]), "vit": pd.read_csv(files[1])}
elif kind == "runtime":
    inputs = {"timings": pd.concat([pd.read_csv(f) for f in files], ignore_index=True)}
else:
    inputs = {"table": pd.read_csv(files[0])}
geometry_figures.draw(kind, [snakemake.output.png, snakemake.output.pdf], **inputs)
