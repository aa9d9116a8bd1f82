from pathlib import Path

from effbench.studies import adtp
from effbench.studies import adtp_report as report
from effbench.workflow import setup

config = setup(snakemake)
cfg, inputs, outputs = config["adtp"], snakemake.input, snakemake.output
if snakemake.rule == "adtp_summary":
    report.write_summary(cfg, {p.split("/")[2]: p for p in inputs}, outputs[0])
else:
    task = snakemake.params.task
    runs = adtp.runs_root(task)
    joined = report.joined_rows(inputs.get("text_gate"), inputs.get("eat"))
    report.write_methods(cfg, task, runs, inputs.evaluated, inputs.cost, inputs.claims, outputs.methods, joined)
    report.write_retainer(cfg, task, runs, inputs.claims, outputs.retainer)
    for path in outputs.groups:
        report.write_group(cfg, task, runs, Path(path).stem, inputs.claims, path)
