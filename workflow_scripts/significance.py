from pathlib import Path

from effbench.artefacts import write_csv
from effbench.stats.significance import study_significance
from effbench.workflow import setup

config = setup(snakemake)
study = snakemake.wildcards.study
frame = study_significance(Path("results", study, "runs"), config["stats"]["comparisons"][study.split("/")[0]], config["stats"])
write_csv(snakemake.output[0], frame)
