"""The headline metrics of every study in one flat JSON (what `dvc metrics show` lists),
read from the tables the pipeline wrote; a study whose tables are absent is left out."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

# (metric name, table, row selector, column); row selector: a row label, or "chosen" for the
# operating point the EAT study chose on validation
HEADLINES = [
    ("synthetic/full/accuracy", "results/synthetic/tables/table2.csv", "full", "accuracy"),
    ("synthetic/entropy_topk/accuracy", "results/synthetic/tables/table2.csv", "entropy_topk", "accuracy"),
    ("synthetic/entropy_topk/speedup_b800", "results/synthetic/tables/table2.csv", "entropy_topk", "speedup_x_b800"),
    ("text_gate/dense/accuracy", "results/text_gate/tables/table3.csv", "dense", "accuracy"),
    ("text_gate/entropy_p0.75/accuracy", "results/text_gate/tables/table3.csv", "entropy_topk_p0.75", "accuracy"),
    ("text_gate/entropy_p0.75/flops_reduction", "results/text_gate/tables/table3.csv", "entropy_topk_p0.75", "flops_reduction"),
    ("text_gate/entropy_p0.75/speedup_b32", "results/text_gate/tables/table3.csv", "entropy_topk_p0.75", "speedup_b32"),
    ("geometry/entropynet_qhull/speedup", "results/geometry/tables/table2.csv", "Synthetic (High) / EntropyNet (Ours)", "speedup"),
    ("geometry/entropynet_qhull/hull_error_pct", "results/geometry/tables/table2.csv", "Synthetic (High) / EntropyNet (Ours)", "hull_error"),
    ("geometry/akl_toussaint_qhull/speedup", "results/geometry/tables/table2.csv", "Synthetic (High) / Akl-Toussaint", "speedup"),
    ("geometry/anchor_surrogate/r_squared", "results/geometry/correlation/summary.csv", "anchor n=10", "r_squared"),
    ("vit/entropy/top_1", "results/vit/tables/table4.csv", "Entropy Reg. (ours)", "top_1"),
    ("vit/l1/top_1", "results/vit/tables/table4.csv", "L1 penalty (tuned)", "top_1"),
    ("vit/entropy/mean_block_length", "results/vit/tables/table4.csv", "Entropy Reg. (ours)", "mean_block_length"),
    ("vit/entropy/wall_clock_speedup", "results/vit/tables/table5.csv", "Entropy Reg. (Ours)", "wall_clock_speedup"),
]


EAT_COLUMNS = ("accuracy", "delta_acc_pp", "speedup_vs_dense", "speedup_b32")
ADTP_COLUMNS = ("accuracy_pct", "flops_reduction_x", "speedup_b1")


def _adtp(root) -> dict:
    """AD-TP per task: accuracy, FLOPs reduction and batch-1 speed-up, and adaptive minus static (pp)."""
    out = {}
    summary = Path(root) / "results/adtp/tables/summary.csv"
    if summary.exists():
        frame = pd.read_csv(summary)
        for _, r in frame[frame["model"] == "adtp"].iterrows():
            out.update({f"adtp/{r['task']}/{col}": float(r[col]) for col in ADTP_COLUMNS if col in r})
    for path in sorted(Path(root).glob("results/adtp/*/tables/retainer.csv")):
        frame = pd.read_csv(path).set_index("row")
        out[f"adtp/{path.parts[-3]}/adaptive_minus_static_pp"] = float(frame.loc["static", "adaptive_minus_delta_pp"])
    return out


def headline_metrics(root=".") -> dict:
    out = {}
    eat = [(f"eat/{p.parts[-3]}/{col}", str(p.relative_to(root)), "chosen", col)     # every task the config ran
           for p in sorted(Path(root).glob("results/eat/*/tables/frontier.csv")) for col in EAT_COLUMNS]
    for name, table, row, column in [*HEADLINES, *eat]:
        path = Path(root) / table
        if not path.exists():
            continue
        frame = pd.read_csv(path)
        rows = frame[frame["chosen"].astype(bool)] if row == "chosen" else frame[frame["row"].astype(str) == row]
        if not rows.empty and column in rows:
            out[name] = float(rows[column].iloc[0])
    return {**out, **_adtp(root)}
