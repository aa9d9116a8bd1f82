"""How fast the paired bootstrap is: a benchmark artefact, never a timed test."""
from __future__ import annotations

import numpy as np

from ..artefacts import provenance, write_json
from ..cost.timing import time_callable
from .tests import paired_bootstrap


def bootstrap_benchmark(out_path, n_examples: int = 872, n_resamples: int = 10000, n_seeds=(1, 5),
                        repeats: int = 5) -> dict:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, n_examples)
    result = {}
    for s in n_seeds:
        a = np.clip(labels * 0.2 + rng.random((s, n_examples)) * 0.8, 0, 1)
        b = np.clip(labels * 0.1 + rng.random((s, n_examples)) * 0.9, 0, 1)
        for metric in ("accuracy", "auc"):
            timing = time_callable(lambda: paired_bootstrap(labels, a, b, metric, n_resamples), repeats, warmup=1)
            result[f"{metric}_seeds{s}"] = {"n_examples": n_examples, "n_resamples": n_resamples,
                                            "n_seeds": s, **timing}
    write_json(out_path, {"provenance": provenance(None), "metrics": result})
    return result
