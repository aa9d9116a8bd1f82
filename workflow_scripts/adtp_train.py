from pathlib import Path

from effbench.studies import adtp
from effbench.workflow import setup

config = setup(snakemake)
w = snakemake.wildcards
run_dir = Path(snakemake.output[0]).parent
adtp.train_seed(config["adtp"], w.adtp_task, w.adtp_variant, int(w.seed), run_dir, snakemake.params.state_dir,
                dense_dir=run_dir.parents[1] / adtp.DENSE / f"seed{w.seed}",
                cache_path=snakemake.input.get("cache"))
