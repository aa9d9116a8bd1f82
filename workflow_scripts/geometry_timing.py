
from effbench.studies.geometry.neuralsort import load_scorer
from effbench.studies.geometry.plan import neuralsort_dirs, run_dir, runs
from effbench.studies.geometry.timing import time_family
from effbench.studies.geometry.train import load_net
from effbench.workflow import setup

config = setup(snakemake)
cfg, family = config["geometry"], snakemake.wildcards.geo_family
nets = {(variant, seed): load_net(cfg, run_dir(fam, variant, seed))
        for fam, variant, seed in runs(cfg) if fam == family}
scorers = {int(d.rsplit("seed", 1)[1]): load_scorer(cfg, d) for d in neuralsort_dirs(cfg, family)}
time_family(cfg, family, nets, snakemake.output[0], scorers)
