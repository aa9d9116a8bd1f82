from pathlib import Path

from effbench.studies import eat
from effbench.workflow import setup

config = setup(snakemake)
cfg, w = config["eat"], snakemake.wildcards
run_dir = Path(snakemake.output[0]).parent
eat.train_seed(cfg, w.eat_task, w.eat_variant, int(w.seed), eat.data_dir(cfg, w.eat_task), run_dir,
               snakemake.params.state_dir, teacher_dir=run_dir.parents[1] / eat.DENSE / f"seed{w.seed}")
