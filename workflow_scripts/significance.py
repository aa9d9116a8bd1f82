from effbench.artefacts import write_csv
from effbench.stats.significance import study_significance
from effbench.workflow import setup

config = setup(snakemake)
frame = study_significance(snakemake.params.runs, snakemake.params.pairs, config["stats"])
write_csv(snakemake.output[0], frame)
