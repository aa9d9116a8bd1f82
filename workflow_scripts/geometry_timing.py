
from effbench.studies.geometry.plan import run_dir, runs
from effbench.studies.geometry.timing import time_family
from effbench.studies.geometry.train import load_net
from effbench.workflow import setup

config = setup(snakemake)
cfg, family = config["geometry"], snakemake.wildcards.geo_family
nets = {(variant, seed): load_net(cfg, run_dir(fam, variant, seed))
        for fam, variant, seed in runs(cfg) if fam == family}
time_family(cfg, family, nets, snakemake.output[0])
