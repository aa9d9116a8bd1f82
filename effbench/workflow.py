"""What every workflow script does first: send output to the rule's log, pin threads, state the device."""
from __future__ import annotations

import logging
import os
import sys


def setup(smk, threads: int | None = None) -> dict:
    """Redirect stdout/stderr to the rule's log, pin torch threads, return the config."""
    if smk.log:
        log = open(smk.log[0], "w", buffering=1)
        sys.stdout = sys.stderr = log
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    n = int(threads or smk.threads or smk.config.get("threads", 1))
    # a job pays for torch only if it uses it: pin an imported torch now, and one imported
    # later through the OpenMP variable it reads when it starts
    os.environ["OMP_NUM_THREADS"] = str(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    if "compute" in smk.config:        # where this job's models run (resolved when a model first asks)
        from .compute import configure

        configure(smk.config["compute"])
    return smk.config
