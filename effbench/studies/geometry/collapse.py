"""Paper 003's named failure mode, measured: in high dimension the anchors' soft assignments
become uniform ("entropy collapse", d = 2048 in its §7) and carry no sparsity signal.

Synthetic point sets: `clusters` Gaussian clusters whose centres lie in a 2-D signal subspace
(the unit square, as the 2-D geometry sets), plus isotropic noise of the same scale in every one
of d dimensions. Anchors come from k-means++ (as EntropyNet's start). Squared distances are
divided by their mean, so alpha keeps the meaning it has in 2-D and only the *relative* contrast of
distances changes with d: the curse of dimensionality the paper names. Per dimension and seed:
each point's assignment entropy over the k anchors as a share of log k (1 = uniform), the median
relative contrast of its anchor distances ((max - min) / min), and H_diff as a share of log k.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from ...artefacts import write_csv
from ...entropy.surrogates import entropy_of_masses, kmeans_pp


def mixture(n: int, d: int, clusters: int, spread: float, noise: float, rng: np.random.Generator) -> np.ndarray:
    """(n, d): clustered in the first two coordinates, isotropic noise of sd `noise` in all d."""
    centres = rng.random((clusters, 2))
    x = rng.normal(0.0, noise, (n, d))
    x[:, :2] += centres[rng.integers(clusters, size=n)] + rng.normal(0.0, spread, (n, 2))
    return x


def measure(x: np.ndarray, k: int, alpha: float, rng: np.random.Generator) -> dict:
    anchors = torch.as_tensor(kmeans_pp(x, k, rng))
    d2 = torch.cdist(torch.as_tensor(x), anchors).pow(2)                       # (n, k)
    assign = torch.softmax(-alpha * d2 / d2.mean(), dim=-1)
    per_point = -(assign * torch.log(assign.clamp_min(1e-12))).sum(-1)        # (n,)
    dist = d2.sqrt()
    contrast = ((dist.max(1).values - dist.min(1).values) / dist.min(1).values.clamp_min(1e-12))
    log_k = math.log(anchors.shape[0])
    return {"assignment_entropy_share": float(per_point.mean() / log_k),
            "relative_contrast": float(contrast.median()),     # median: a point that is its own anchor has min 0
            "h_diff_share": float(entropy_of_masses(assign) / log_k)}


def collapse(cfg: dict, out_csv) -> pd.DataFrame:
    c = cfg["collapse"]
    rows = []
    for seed in c["seeds"]:
        for d in c["dims"]:
            rng = np.random.default_rng([seed, d])
            x = mixture(c["n"], d, c["clusters"], c["spread"], c["noise"], rng)
            rows.append({"d": d, "seed": seed, **measure(x, c["k"], c["alpha"], rng)})
    frame = pd.DataFrame(rows)
    summary = frame.groupby("d").agg(**{f"{m}{s}": (m, f) for m in ("assignment_entropy_share", "relative_contrast",
                                                                     "h_diff_share")
                                        for s, f in (("", "mean"), ("_sd", "std"))}).reset_index()
    summary["n_seeds"] = len(c["seeds"])
    summary["row"] = [f"d={d}" for d in summary["d"]]
    write_csv(out_csv, summary)
    return summary
