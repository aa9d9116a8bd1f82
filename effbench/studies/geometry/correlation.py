"""Surrogate vs reference: H_diff and the structural entropy (exact and bounded) on independent sets."""
from __future__ import annotations

import pandas as pd
import torch

from ...artefacts import write_csv
from ...data.points import point_set
from ...entropy.range_partition import structural_entropy_bound, structural_entropy_exact
from ...entropy.surrogates import KINDS, Surrogate
from .sets import rng_for
from .train import anchors_k, temperature


def correlation(cfg: dict, out_sets, out_summary) -> pd.DataFrame:
    """Every surrogate kind (k-means initialised, untrained) against the reference entropy on
    many independent sets: exact at tiny n, the triangulation bound at larger n (App. E.3)."""
    cc, base = cfg["correlation"], cfg["surrogate"]
    rows = []
    for n in cc["sizes"]:
        reference = structural_entropy_exact if n <= cc["exact_max_n"] else structural_entropy_bound
        for family in cc["families"]:
            rng = rng_for("correlation", family, n)
            for j in range(cc["sets_per_family"]):
                pts = point_set(family, n, rng)
                if len(pts) > n:                          # digits: a random subset of their pixels
                    pts = pts[rng.choice(len(pts), n, replace=False)]
                row = {"n": n, "family": family, "set": j,
                       "reference": reference(pts), "reference_kind": "exact" if n <= cc["exact_max_n"] else "bound"}
                x = torch.tensor(pts, dtype=torch.float32)
                for kind in KINDS:
                    settings = {**base, "kind": kind}
                    s = Surrogate(kind, pts, anchors_k(settings, n), temperature(settings, 0, 1), seed=j, learnable=False)
                    with torch.no_grad():
                        row[f"h_{kind}"] = float(s(x))
                        for alpha in cc["extra_alphas"] if kind == "anchor" else ():
                            s.temperature = float(alpha)          # same anchors, sharper assignments
                            row[f"h_anchor_alpha{alpha:g}"] = float(s(x))
                rows.append(row)
    sets = pd.DataFrame(rows)
    write_csv(out_sets, sets)
    summary = correlation_summary(sets)
    write_csv(out_summary, summary)
    return summary


def correlation_summary(sets: pd.DataFrame) -> pd.DataFrame:
    from scipy.stats import linregress, spearmanr
    rows = []
    columns = [c for c in sets if c.startswith("h_")]
    for (n, ref_kind), g in sets.groupby(["n", "reference_kind"]):
        for col in columns:
            name = col[2:]
            fit_ = linregress(g[col], g["reference"])
            rows.append({"row": f"{name} n={n}", "surrogate": name.split("_")[0], "variant": name, "n": n,
                         "reference": ref_kind, "sets": len(g), "r_squared": fit_.rvalue ** 2, "slope": fit_.slope,
                         "p_value": fit_.pvalue, "spearman": spearmanr(g[col], g["reference"]).statistic})
    return pd.DataFrame(rows)
