"""The decision rules of the entropy-gate paper's §9.10, applied to any study.

For each registered comparison A vs B (same validation examples, several seeds each):
  primary:   paired bootstrap over examples of the seed-mean difference (accuracy, AUC);
             its two-sided p feeds Holm across the study's comparisons, per metric
  secondary: per-seed McNemar (accuracy) and DeLong (AUC); Cohen's h; the paper's own
             §9.1 aggregation (per-seed bootstrap CIs averaged over seeds)
  decision:  'A better' only if Holm-adjusted p < alpha and |delta| >= the pre-declared
             minimum effect; non-inferiority of A to B if the one-sided upper bound of
             (B - A) is below the margin (both of the paper's margins reported).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..artefacts import read_npz
from .intervals import METRICS, bootstrap_ci
from .tests import cohens_h, delong_test, holm, mcnemar, mcnemar_power, mcnemar_sample_size, non_inferior, paired_bootstrap


def load_variant_preds(runs_root, variant: str) -> dict:
    """labels (n,) and probs (S, n) from results/<study>/runs/<variant>/seed*/preds.npz."""
    paths = sorted(Path(runs_root, variant).glob("seed*/preds.npz"))
    if not paths:
        raise FileNotFoundError(f"no preds.npz under {Path(runs_root, variant)}")
    probs, labels, ids = [], None, None
    for p in paths:
        z = read_npz(p)
        if ids is not None and not np.array_equal(ids, z["ids"]):
            raise ValueError(f"{p}: example ids differ between seeds; comparisons must be paired")
        ids, labels = z["ids"], z["labels"]
        probs.append(z["probs"])
    return {"ids": ids, "labels": labels, "probs": np.vstack(probs), "seeds": [p.parent.name for p in paths]}


def compare(a: dict, b: dict, cfg: dict) -> list[dict]:
    """One row per metric for the comparison A - B."""
    if not np.array_equal(a["ids"], b["ids"]):
        raise ValueError("the two models were evaluated on different examples")
    labels = a["labels"]
    rows = []
    for metric in ("accuracy", "auc"):
        boot = paired_bootstrap(labels, a["probs"], b["probs"], metric, cfg["n_resamples"], seed=0)
        row = {"metric": metric, "value_a": float(METRICS[metric](labels, a["probs"]).mean()),
               "value_b": float(METRICS[metric](labels, b["probs"]).mean()), **boot}
        # non-inferiority of A to B at the paper's two margins (§9.7): the one-sided 95% upper
        # bound of the loss B - A must stay below the margin
        strict, loose = sorted(cfg["non_inferiority_margin"][metric])
        row.update({"ni_upper_bound_of_loss": -boot["lower_one_sided"],
                    "ni_margin_strict": strict, "ni_strict": non_inferior(-boot["lower_one_sided"], strict),
                    "ni_margin_loose": loose, "ni_loose": non_inferior(-boot["lower_one_sided"], loose)})
        # the paper's own §9.1 aggregation: per-seed bootstrap CIs of A, averaged
        per_seed = [bootstrap_ci(labels, s, metric, 1000, seed=0) for s in a["probs"]]
        row["paper_agg_ci_low_a"] = float(np.mean([c["ci_low"] for c in per_seed]))
        row["paper_agg_ci_high_a"] = float(np.mean([c["ci_high"] for c in per_seed]))
        if metric == "accuracy":
            seed_p = [mcnemar((sa > 0.5) == labels, (sb > 0.5) == labels)["p_value"]
                      for sa, sb in zip(a["probs"], b["probs"])]
            row["secondary_test"] = "McNemar per seed"
            row["cohens_h"] = cohens_h(row["value_a"], row["value_b"])
            # planning figures for the paired design, from the observed discordance (mean over seeds)
            pairs = [((sa > 0.5) == labels, (sb > 0.5) == labels) for sa, sb in zip(a["probs"], b["probs"])]
            p10 = float(np.mean([(ra & ~rb).mean() for ra, rb in pairs]))
            p01 = float(np.mean([(~ra & rb).mean() for ra, rb in pairs]))
            row.update({"discordant_a_only": p10, "discordant_b_only": p01,
                        "planning_power_paired": mcnemar_power(p10, p01, labels.size, cfg["alpha"]),
                        "planning_n_for_80pct_power": mcnemar_sample_size(p10, p01, cfg["alpha"], 0.8)})
        else:
            seed_p = [delong_test(labels, sa, sb)["p_value"] for sa, sb in zip(a["probs"], b["probs"])]
            row["secondary_test"] = "DeLong per seed"
        row["secondary_p_values"] = ";".join(f"{p:.4g}" for p in seed_p)
        row["secondary_n_significant"] = int(sum(p < cfg["alpha"] for p in seed_p))
        rows.append(row)
    return rows


def study_significance(runs_root, pairs, cfg: dict) -> pd.DataFrame:
    """Every registered comparison of one study, Holm-corrected per metric, with decisions."""
    cache: dict[str, dict] = {}

    def preds(v):
        if v not in cache:
            cache[v] = load_variant_preds(runs_root, v)
        return cache[v]

    rows = []
    for a, b in pairs:
        for r in compare(preds(a), preds(b), cfg):
            rows.append({"model_a": a, "model_b": b, **r})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["p_holm"] = np.nan
    for metric, idx in frame.groupby("metric").groups.items():
        frame.loc[idx, "p_holm"] = holm(frame.loc[idx, "p_value"].to_numpy())
    min_effect = frame["metric"].map(cfg["min_effect"])
    significant = (frame["p_holm"] < cfg["alpha"]) & (frame["delta"].abs() >= min_effect)
    frame["decision"] = np.where(significant & (frame["delta"] > 0), "A better",
                                 np.where(significant, "B better", "no claim"))
    return frame
