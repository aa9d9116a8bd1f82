from pathlib import Path

from effbench.studies.adtp.teacher import teacher_cache
from effbench.workflow import setup

config = setup(snakemake)
w = snakemake.wildcards
teacher_cache(config["adtp"], w.adtp_task, int(w.seed), Path(snakemake.input.dense).parent, snakemake.output.npz)
