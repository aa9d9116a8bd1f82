"""What every workflow script does first: send output to the rule's log, pin threads."""
from __future__ import annotations

import logging
import sys


def setup(smk, threads: int | None = None) -> dict:
    """Redirect stdout/stderr to the rule's log, pin torch threads, return the config."""
    if smk.log:
        log = open(smk.log[0], "w", buffering=1)
        sys.stdout = sys.stderr = log
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    n = threads or smk.threads or smk.config.get("threads", 1)
    try:
        import torch
        torch.set_num_threads(int(n))
    except ImportError:
        pass
    return smk.config
