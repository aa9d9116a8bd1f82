import numpy as np
import pandas as pd

from effbench.artefacts import read_json
from effbench.plots import geometry_figures
from effbench.workflow import setup


def inputs_of(kind, files):
    """What figure `kind` draws from its input files (rules/common.smk, geo_figure_inputs)."""
    if kind == "correlation":
        return {"sets": pd.read_csv(files[0]), "summary": pd.read_csv(files[1]), "paper_r2": 0.96}
    if kind == "training":
        return {"histories": {f.split("/")[-3]: read_json(f)["history"] for f in files}}
    if kind == "points":
        with np.load(files[0]) as z:
            return {"arrays": dict(z)}
    if kind == "amortisation":
        return {"geometry": pd.read_csv(files[0]), "vit": pd.read_csv(files[1])}
    if kind == "runtime":
        return {"timings": pd.concat([pd.read_csv(f) for f in files], ignore_index=True)}
    return {"table": pd.read_csv(files[0])}


setup(snakemake)
out = snakemake.output
for kind, png, pdf in zip(snakemake.params.figures, out.png, out.pdf, strict=True):
    files = snakemake.input[kind]
    geometry_figures.draw(kind, [png, pdf], **inputs_of(kind, [files] if isinstance(files, str) else list(files)))
