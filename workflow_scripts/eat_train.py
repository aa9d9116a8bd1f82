from pathlib import Path

from effbench.data import tasks as text_tasks
from effbench.studies.eat.plan import DENSE
from effbench.studies.eat.train import train_seed
from effbench.workflow import setup

config = setup(snakemake)
cfg, w = config["eat"], snakemake.wildcards
run_dir = Path(snakemake.output[0]).parent
train_seed(cfg, w.eat_task, w.eat_variant, int(w.seed), text_tasks.data_dir(cfg["tasks"][w.eat_task]), run_dir,
               snakemake.params.state_dir, teacher_dir=run_dir.parents[1] / DENSE / f"seed{w.seed}")
