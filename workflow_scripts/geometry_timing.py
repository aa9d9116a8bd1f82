
from effbench.studies import geometry
from effbench.workflow import setup

config = setup(snakemake)
cfg, family = config["geometry"], snakemake.wildcards.geo_family
nets = {(variant, seed): geometry.load_net(cfg, geometry.run_dir(fam, variant, seed))
        for fam, variant, seed in geometry.runs(cfg) if fam == family}
geometry.time_family(cfg, family, nets, snakemake.output[0])
