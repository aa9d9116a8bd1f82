from pathlib import Path

from effbench.studies.adtp.plan import DENSE
from effbench.studies.adtp.train import train_seed
from effbench.workflow import setup

config = setup(snakemake)
w = snakemake.wildcards
run_dir = Path(snakemake.output[0]).parent
train_seed(config["adtp"], w.adtp_task, w.adtp_variant, int(w.seed), run_dir, snakemake.params.state_dir,
                dense_dir=run_dir.parents[1] / DENSE / f"seed{w.seed}",
                cache_path=snakemake.input.get("cache"))
