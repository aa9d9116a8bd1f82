"""Tables of the synthetic track, read from the artefacts the runs wrote.

Intervals: accuracy and AUC use the project's one definition (two-level bootstrap: seeds,
then examples, from preds.npz); seed-level quantities (kept tokens, oracle overlap, ECE)
use a t interval over seeds.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...artefacts import read_json, read_npz, write_csv
from ...claims import find_claim, load_ledger, paper_columns
from ...stats.intervals import classification_intervals, seed_t_interval
from .plan import variants

STUDY = "synthetic"
TABLE2_SOURCE = "Table 2"
# the range of each seed-level quantity, to which its t interval is clipped (a symmetric interval
# near a bound crosses it: no share above 1, no count below 0)
SHARE = (0.0, 1.0)
SEED_RANGES = {"avg_kept": (0.0, np.inf), "gate_temperature": (0.0, np.inf),
               **dict.fromkeys(("ece", "gate_ece", "gate_ece_scaled", "gate_token_accuracy",
                                "oracle_precision", "oracle_recall", "oracle_signal_recall"), SHARE)}


def load_runs(cfg: dict, runs_root) -> pd.DataFrame:
    rows = []
    for name, spec in variants(cfg).items():
        for seed in cfg["seeds"]:
            m = read_json(Path(runs_root) / name / f"seed{seed}" / "metrics.json")["metrics"]
            rows.append({"variant": name, "seed": seed, "group": spec["group"], "gate": spec["gate"],
                         "dataset": spec["dataset"], "idf": spec["idf"], **m})
    return pd.DataFrame(rows)


def load_preds(cfg: dict, runs_root, name: str) -> dict:
    """Labels and the (S, n) probability matrix of one variant's seeds."""
    probs, labels = [], None
    for seed in cfg["seeds"]:
        z = read_npz(Path(runs_root) / name / f"seed{seed}" / "preds.npz")
        probs.append(z["probs"])
        labels = z["labels"]
    return {"labels": labels, "probs": np.vstack(probs)}


def metric_intervals(cfg: dict, runs_root, name: str) -> dict:
    p = load_preds(cfg, runs_root, name)
    return classification_intervals(p["labels"], p["probs"], cfg["bootstrap_resamples"])


def _seed_summary(runs: pd.DataFrame, name: str, columns) -> dict:
    sub = runs[runs["variant"] == name]
    out = {}
    for col in columns:
        if col in sub and sub[col].notna().any():
            lo, hi = seed_t_interval(sub[col].dropna(), bounds=SEED_RANGES[col])
            out.update({col: float(sub[col].mean()), f"{col}_ci_low": lo, f"{col}_ci_high": hi})
    return out


def write_tables(cfg: dict, runs_root, data_dir, timing_path, claims_path, out_dir) -> None:
    out_dir = Path(out_dir)
    runs = load_runs(cfg, runs_root)
    write_csv(out_dir / "runs.csv", runs)
    specs = variants(cfg)
    ceilings = {p.stem: read_json(p)["metrics"] for p in Path(data_dir).glob("*.json")}
    timing = read_json(timing_path)["metrics"]
    claims = load_ledger(claims_path)
    intervals = {name: metric_intervals(cfg, runs_root, name) for name in specs}
    full_flops = runs[runs["variant"] == "full"]["counted_flops_per_example"].mean()

    # ---- Table 2: the main comparison, paper values beside ours
    rows = []
    for name, spec in specs.items():
        if spec["group"] != "main":
            continue
        sub = runs[runs["variant"] == name]
        row = {"row": name, "gate": spec["gate"], "keep_ratio": spec["keep_ratio"], **intervals[name],
               **_seed_summary(runs, name, ["avg_kept"]),
               "flops_proxy_rel": sub["flops_proxy_rel"].mean(),
               "flops_proxy_saving": 1 - sub["flops_proxy_rel"].mean(),
               "latency_proxy_paper": sub["latency_proxy_paper"].mean(),
               "latency_proxy_paper_rel": sub["latency_proxy_paper_rel"].mean(),
               "latency_proxy_paper_saving": 1 - sub["latency_proxy_paper_rel"].mean(),
               "latency_proxy_two_layer_rel": sub["latency_proxy_two_layer_rel"].mean(),
               "counted_flops_rel": sub["counted_flops_per_example"].mean() / full_flops,
               "bayes_accuracy": ceilings[spec["dataset"]]["bayes_accuracy"]}
        if name in timing:
            for bs, b in timing[name]["batches"].items():
                row[f"latency_ms_b{bs}"] = b["total"]["median_ms"]
                row[f"speedup_x_b{bs}"] = b.get("speedup_vs_full")
                row[f"gate_share_b{bs}"] = b["gate_share"]
        for metric in ("accuracy", "auc", "avg_kept", "flops_proxy_rel", "latency_proxy_paper_rel"):
            row.update(paper_columns(find_claim(claims, STUDY, TABLE2_SOURCE, name, metric), metric, row))
        rows.append(row)
    write_csv(out_dir / "table2.csv", pd.DataFrame(rows))

    # ---- ablations: keep ratio, noise-flip stress, IDF; each beside its Bayes ceiling
    rows = []
    for name, spec in specs.items():
        data_spec = ceilings[spec["dataset"]]
        rows.append({"row": name, "group": spec["group"], "gate": spec["gate"], "keep_ratio": spec["keep_ratio"],
                     "idf": spec["idf"], "noise_rate": data_spec["spec"]["noise_rate"],
                     "bayes_accuracy": data_spec["bayes_accuracy"], **intervals[name],
                     **_seed_summary(runs, name, ["avg_kept"])})
    write_csv(out_dir / "ablation.csv", pd.DataFrame(rows))

    # ---- calibration: the classifier's ECE, and the gate head's before/after temperature
    rows = []
    for name in specs:
        rows.append({"row": name, **_seed_summary(runs, name, ["ece", "gate_ece", "gate_ece_scaled",
                                                               "gate_temperature", "gate_token_accuracy"])})
    write_csv(out_dir / "calibration.csv", pd.DataFrame(rows))

    # ---- oracle overlap: which kept positions hold class-set tokens (random keeps share p)
    rows = []
    for name, spec in specs.items():
        if spec["keep_ratio"] < 1:
            rows.append({"row": name, "gate": spec["gate"], "keep_ratio": spec["keep_ratio"],
                         "dataset": spec["dataset"], "random_expectation_recall": spec["keep_ratio"],
                         **_seed_summary(runs, name, ["oracle_precision", "oracle_recall", "oracle_signal_recall"])})
    write_csv(out_dir / "oracle.csv", pd.DataFrame(rows))

    # ---- efficiency: proxies, counted FLOPs and measured wall time side by side
    rows = []
    for name, entry in timing.items():
        sub = runs[runs["variant"] == name]
        for bs, b in entry["batches"].items():
            rows.append({"row": name, "batch_size": int(bs), "keep_ratio": entry["keep_ratio"],
                         "latency_ms": b["total"]["median_ms"], "latency_iqr_ms": b["total"]["iqr_ms"],
                         "latency_mad_ms": b["total"]["mad_ms"], "gate_ms": b["gate"]["median_ms"],
                         "gate_share": b["gate_share"], "layer1_ms": b["layer1"]["median_ms"],
                         "layer2_head_ms": b["layer2_head"]["median_ms"], "speedup_x": b.get("speedup_vs_full"),
                         "flops_proxy_rel": sub["flops_proxy_rel"].mean(),
               "flops_proxy_saving": 1 - sub["flops_proxy_rel"].mean(),
                         "counted_flops_rel": sub["counted_flops_per_example"].mean() / full_flops})
    write_csv(out_dir / "efficiency.csv", pd.DataFrame(rows))
