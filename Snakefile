# effbench: one DAG from raw data to every table and figure.
#   snakemake --cores N                         everything, default config
#   snakemake --cores N synthetic               one study
#   snakemake --cores 1 results/synthetic/figures/val_auc.png   one artefact
import os

from snakemake.utils import min_version

from effbench import hub
from effbench.config import validate
from effbench.config_sources import replace_task_lists, retype_overrides

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config.yaml")


report: "report/workflow.rst"


replace_task_lists(config, workflow.overwrite_configfiles)  # a scale's task list replaces the default one
retype_overrides(config, workflow.config_settings.overwrite_config)  # --config a='{b: 0.3}': 0.3 is a number
validate(config, files=[*workflow.configfiles, *workflow.overwrite_configfiles])  # bad input fails here, before any job
hub.apply(config)  # HF_HOME and offline hubs: every job started from here inherits them (effbench/hub.py)


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/synthetic.smk"
include: "rules/dense.smk"
include: "rules/text_gate.smk"
include: "rules/eat.smk"
include: "rules/adtp.smk"
include: "rules/frontier.smk"
include: "rules/geometry.smk"
include: "rules/vit.smk"
include: "rules/stats.smk"
include: "rules/validity.smk"
include: "rules/report.smk"
include: "rules/cache.smk"


rule all:
    default_target: True
    input:
        rules.synthetic.input,
        rules.text_gate.input,
        rules.eat.input,
        rules.adtp.input,
        rules.frontier.input,
        rules.geometry.input,
        rules.vit.input,
        rules.significance_all.input,
        rules.validity.output,
        rules.claims.output,
        rules.results_pages.output,
        rules.headline_metrics.output,
        rules.bootstrap_benchmark.output,
        expand("data/text/{corpus}/stats.json", corpus=["fortunes", "spam"]),
