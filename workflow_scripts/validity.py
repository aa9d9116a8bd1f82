import sys

from effbench.validity.stage import main
from effbench.workflow import setup

config = setup(snakemake)
# the log keeps the whole report; the failed checks also reach the terminal (Snakemake removes a failed job's outputs)
status = main(".", config, snakemake.output.json, snakemake.output.md)
if status:
    print(f"validity failed at the {config['scale']} scale: see {snakemake.log[0]}", file=sys.__stderr__)
sys.exit(status)
