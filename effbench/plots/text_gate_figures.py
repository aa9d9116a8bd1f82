"""Figures of the text-gate study, drawn from its Table 3 (no metric computed here)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..artefacts import save_figure  # noqa: E402
from .style import apply_style, colour  # noqa: E402


def speed_vs_keep(table: pd.DataFrame):
    """Measured speed-up against keep ratio (per batch size) beside the FLOPs-predicted one,
    and accuracy against FLOPs reduction, with the paper's operating point."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    entropy = table[table["gate"].isin(["entropy_topk", "none"])].sort_values("keep_ratio")
    speed_cols = sorted((c for c in table if c.startswith("speedup_b") and "_vs_" not in c),
                        key=lambda c: int(c[len("speedup_b"):]))
    for col in speed_cols:
        axes[0].plot(entropy["keep_ratio"], entropy[col], marker="o", label=f"measured, batch {col[len('speedup_b'):]}")
    axes[0].plot(entropy["keep_ratio"], entropy["flops_predicted_speedup"], "k--", label="FLOPs-predicted")
    axes[0].set_xlabel("keep ratio p (gate after block 1)")
    axes[0].set_ylabel("speed-up vs dense (CPU)")
    axes[0].legend(fontsize=7)
    for gate, group in table.groupby("gate"):
        group = group.sort_values("flops_reduction")
        axes[1].errorbar(100 * group["flops_reduction"], group["accuracy"],
                         yerr=[group["accuracy"] - group["accuracy_ci_low"], group["accuracy_ci_high"] - group["accuracy"]],
                         marker="o", capsize=3, label=gate, color=colour(gate))
    paper = table.dropna(subset=["paper_accuracy"])
    axes[1].scatter(100 * paper["paper_flops_reduction"].fillna(0), paper["paper_accuracy"], marker="D", color="k",
                    label="paper (DistilBERT, SST-2)", zorder=5)
    axes[1].set_xlabel("FLOPs reduction (%)")
    axes[1].set_ylabel("validation accuracy")
    axes[1].legend(fontsize=7)
    return fig


def draw(table_path, paths) -> None:
    apply_style()
    fig = speed_vs_keep(pd.read_csv(table_path))
    save_figure(fig, paths)
    plt.close(fig)
