"""Tables of the synthetic track, read from the artefacts the runs wrote.

Intervals: every quantity with a per-example form uses the project's one definition, the two-level
bootstrap (seeds, then examples) with the per-seed values beside it (`<m>_ci_method`, `<m>_per_seed`):
accuracy and AUC from preds.npz's probabilities; avg_kept from the kept tokens per example; the oracle
overlaps as ratios of per-example counts (kept positions from preds.npz, class-set positions from the
dataset's masks); gate_token_accuracy from the gate head's per-token predictions. Quantities with no
per-example form (ECE, the fitted temperature) show their per-seed values and no interval (method none).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...artefacts import read_json, read_npz, write_csv
from ...claims import find_claim, load_ledger
from ...ledger.columns import paper_columns
from ...stats.intervals import classification_intervals, interval_columns, two_level_bootstrap_of
from .plan import variants

STUDY = "synthetic"
TABLE2_SOURCE = "Table 2"
# seed-level quantities with no per-example form: per-seed values, no interval
SEED_ONLY = ("ece", "gate_ece", "gate_ece_scaled", "gate_temperature")


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


def counted_width(cfg: dict, runs_root, name: str) -> float:
    """Tokens each block after the gate runs at in the batch torch's counter counts (the first
    flops_examples validation examples, as evaluate_seed counts them), mean over seeds: the largest
    keep in that batch, since a gate that keeps a variable number per sequence (entropy_threshold)
    is padded to it. A top-k gate keeps the same k everywhere, so its width is k; a width of seq_len
    means the count pays every token after the gate, whatever the average keep."""
    widths = [read_npz(Path(runs_root) / name / f"seed{seed}" / "preds.npz")["kept"][: cfg["flops_examples"]]
              .sum(1).max() for seed in cfg["seeds"]]
    return float(np.mean(widths))


def metric_intervals(cfg: dict, runs_root, name: str) -> dict:
    p = load_preds(cfg, runs_root, name)
    return classification_intervals(p["labels"], p["probs"], cfg["bootstrap_resamples"])


def _ratio(means):
    """(..., S, 2) per-seed means of a numerator and a denominator count -> (..., S) their ratio."""
    den = means[..., 1]
    return means[..., 0] / np.where(den > 0, den, np.inf)


def per_example(cfg: dict, runs_root, data: dict, name: str) -> dict:
    """Each per-example quantity behind a seed-level metric, (S, n) or (S, 2, n) over the variant's seeds,
    with the statistic of per-seed example means that gives the metric (as evaluate_seed computes it)."""
    informative = data["val_signal_mask"] | data["val_distractor_mask"]
    out = {"avg_kept": [], "oracle_precision": [], "oracle_recall": [], "oracle_signal_recall": [],
           "gate_token_accuracy": []}
    for seed in cfg["seeds"]:
        z = read_npz(Path(runs_root) / name / f"seed{seed}" / "preds.npz")
        kept = z["kept"].astype(bool)
        n_kept, hit = kept.sum(1), (kept & informative).sum(1)
        out["avg_kept"].append(n_kept)
        out["oracle_precision"].append([hit, n_kept])
        out["oracle_recall"].append([hit, informative.sum(1)])
        out["oracle_signal_recall"].append([(kept & data["val_signal_mask"]).sum(1), data["val_signal_mask"].sum(1)])
        if "token_prob" in z:   # the gate head's per-token prediction of the sequence label, per example
            out["gate_token_accuracy"].append(((z["token_prob"] > 0.5) == z["labels"][:, None].astype(bool)).mean(1))
    stats = {"oracle_precision": _ratio, "oracle_recall": _ratio, "oracle_signal_recall": _ratio}
    return {k: (np.asarray(v, float), stats.get(k)) for k, v in out.items() if len(v) == len(cfg["seeds"])}


def _seed_summary(cfg: dict, runs: pd.DataFrame, name: str, columns, examples: dict) -> dict:
    """Seed-level columns: a two-level bootstrap where per-example values exist, else the per-seed
    values with no interval."""
    sub = runs[runs["variant"] == name]
    out = {}
    for col in columns:
        if col in examples:
            values, statistic = examples[col]
            out.update(interval_columns(col, two_level_bootstrap_of(values, statistic, cfg["bootstrap_resamples"])))
        elif col in SEED_ONLY and col in sub and sub[col].notna().any():
            seeds = sub[col].dropna().astype(float)
            out.update(interval_columns(col, {"estimate": float(seeds.mean()), "ci_low": float("nan"),
                                              "ci_high": float("nan"), "per_seed": seeds.tolist(), "method": "none"}))
    return out


def write_tables(cfg: dict, runs_root, data_dir, timing_path, claims_path, out_dir, *, scale: str,
                 config: dict | None) -> None:
    """`scale`, `config` (the run's whole config): the ledger's, which Table 2's verdict columns read."""
    out_dir = Path(out_dir)
    runs = load_runs(cfg, runs_root)
    write_csv(out_dir / "runs.csv", runs)
    specs = variants(cfg)
    ceilings = {p.stem: read_json(p)["metrics"] for p in Path(data_dir).glob("*.json")}
    timing = read_json(timing_path)["metrics"]
    claims = load_ledger(claims_path)
    intervals = {name: metric_intervals(cfg, runs_root, name) for name in specs}
    data = {d: read_npz(Path(data_dir) / f"{d}.npz") for d in {spec["dataset"] for spec in specs.values()}}
    examples = {name: per_example(cfg, runs_root, data[spec["dataset"]], name) for name, spec in specs.items()}
    full_flops = runs[runs["variant"] == "full"]["counted_flops_per_example"].mean()

    # ---- Table 2: the main comparison, paper values beside ours
    rows = []
    for name, spec in specs.items():
        if spec["group"] != "main":
            continue
        sub = runs[runs["variant"] == name]
        row = {"row": name, "gate": spec["gate"], "keep_ratio": spec["keep_ratio"], **intervals[name],
               **_seed_summary(cfg, runs, name, ["avg_kept"], examples[name]),
               "flops_proxy_rel": sub["flops_proxy_rel"].mean(),
               "flops_proxy_saving": 1 - sub["flops_proxy_rel"].mean(),
               "latency_proxy_paper": sub["latency_proxy_paper"].mean(),
               "latency_proxy_paper_rel": sub["latency_proxy_paper_rel"].mean(),
               "latency_proxy_paper_saving": 1 - sub["latency_proxy_paper_rel"].mean(),
               "latency_proxy_two_layer_rel": sub["latency_proxy_two_layer_rel"].mean(),
               "counted_flops_rel": sub["counted_flops_per_example"].mean() / full_flops,
               "counted_width": counted_width(cfg, runs_root, name),
               "bayes_accuracy": ceilings[spec["dataset"]]["bayes_accuracy"]}
        if name in timing:
            for bs, b in timing[name]["batches"].items():
                row[f"latency_ms_b{bs}"] = b["total"]["median_ms"]
                row[f"speedup_x_b{bs}"] = b.get("speedup_vs_full")
                row[f"gate_share_b{bs}"] = b["gate_share"]
        for metric in ("accuracy", "auc", "avg_kept", "flops_proxy_rel", "latency_proxy_paper_rel"):
            row.update(paper_columns(find_claim(claims, STUDY, TABLE2_SOURCE, name, metric), metric, row,
                                     scale=scale, cfg=config))
        rows.append(row)
    write_csv(out_dir / "table2.csv", pd.DataFrame(rows))

    # ---- ablations: keep ratio, noise-flip stress, IDF; each beside its Bayes ceiling
    rows = []
    for name, spec in specs.items():
        data_spec = ceilings[spec["dataset"]]
        rows.append({"row": name, "group": spec["group"], "gate": spec["gate"], "keep_ratio": spec["keep_ratio"],
                     "idf": spec["idf"], "noise_rate": data_spec["spec"]["noise_rate"],
                     "bayes_accuracy": data_spec["bayes_accuracy"], **intervals[name],
                     **_seed_summary(cfg, runs, name, ["avg_kept"], examples[name])})
    write_csv(out_dir / "ablation.csv", pd.DataFrame(rows))

    # ---- calibration: the classifier's ECE, and the gate head's before/after temperature
    rows = []
    for name in specs:
        rows.append({"row": name, **_seed_summary(cfg, runs, name, ["ece", "gate_ece", "gate_ece_scaled", "gate_temperature",
                                                                    "gate_token_accuracy"], examples[name])})
    write_csv(out_dir / "calibration.csv", pd.DataFrame(rows))

    # ---- oracle overlap: which kept positions hold class-set tokens (random keeps share p)
    rows = []
    for name, spec in specs.items():
        if spec["keep_ratio"] < 1:
            rows.append({"row": name, "gate": spec["gate"], "keep_ratio": spec["keep_ratio"],
                         "dataset": spec["dataset"], "random_expectation_recall": spec["keep_ratio"],
                         **_seed_summary(cfg, runs, name, ["oracle_precision", "oracle_recall", "oracle_signal_recall"],
                                         examples[name])})
    write_csv(out_dir / "oracle.csv", pd.DataFrame(rows))

    # ---- efficiency: proxies, counted FLOPs and measured wall time side by side
    rows = []
    for name, entry in timing.items():
        sub = runs[runs["variant"] == name]
        width = counted_width(cfg, runs_root, name)
        for bs, b in entry["batches"].items():
            rows.append({"row": name, "batch_size": int(bs), "keep_ratio": entry["keep_ratio"],
                         "latency_ms": b["total"]["median_ms"], "latency_iqr_ms": b["total"]["iqr_ms"],
                         "latency_mad_ms": b["total"]["mad_ms"], "gate_ms": b["gate"]["median_ms"],
                         "gate_share": b["gate_share"], "layer1_ms": b["layer1"]["median_ms"],
                         "layer2_head_ms": b["layer2_head"]["median_ms"], "speedup_x": b.get("speedup_vs_full"),
                         "flops_proxy_rel": sub["flops_proxy_rel"].mean(),
               "flops_proxy_saving": 1 - sub["flops_proxy_rel"].mean(),
                         "counted_flops_rel": sub["counted_flops_per_example"].mean() / full_flops,
                         "counted_width": width})
    write_csv(out_dir / "efficiency.csv", pd.DataFrame(rows))
