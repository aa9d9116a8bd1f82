from effbench.artefacts import write_json
from effbench.studies.vit.plan import data_path
from effbench.validity.pixels import fit
from effbench.validity.stage import provenance
from effbench.workflow import setup

config = setup(snakemake)
metrics = fit(config["vit"], data_path(config["vit"]))
write_json(snakemake.output[0], {"provenance": provenance(config), "metrics": metrics})
print(metrics)
