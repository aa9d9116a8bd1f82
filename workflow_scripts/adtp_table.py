from pathlib import Path

from effbench.studies.adtp.tables import joined_rows, write_group, write_methods, write_retainer, write_summary
from effbench.workflow import optional_input, setup

config = setup(snakemake)
cfg, inputs, outputs = config["adtp"], snakemake.input, snakemake.output
if snakemake.rule == "adtp_summary":
    write_summary(cfg, {p.split("/")[2]: p for p in inputs}, outputs[0])
else:
    task = snakemake.params.task
    runs = snakemake.params.runs
    joined = joined_rows(inputs.get("text_gate"), inputs.get("eat"))
    scale = config["scale"]      # which of the ledger's pointers (and stand-ins: config) the paper columns follow
    write_methods(cfg, task, runs, inputs.evaluated, inputs.cost, inputs.claims, outputs.methods, joined, scale,
                  optional_input(snakemake, "floor"), config=config)
    write_retainer(cfg, task, runs, inputs.claims, outputs.retainer, scale, config=config)
    for path in outputs.groups:
        write_group(cfg, task, runs, Path(path).stem, inputs.claims, path, scale, config=config)
