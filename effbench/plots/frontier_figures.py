"""The cross-method frontier, drawn from its table (no metric computed here)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..artefacts import save_figure  # noqa: E402
from .style import apply_style  # noqa: E402

MARKERS = {"dense": "s", "shallow": "v", "entropy_topk": "o", "random": "x", "eat": "^", "adtp": "D",
           "attention_topk": "P"}


def frontier(table: pd.DataFrame, task: str):
    """Accuracy (95% CI) against measured speed-up over the SDPA dense model, at batch 1 and
    the batched size; the Pareto set joined by a line, each paper's operating point labelled."""
    batched = next(c for c in table if c.startswith("speedup_b") and c != "speedup_b1" and "_vs_" not in c)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, col in zip(axes, ["speedup_b1", batched]):
        for family, group in table.groupby("family"):
            yerr = None
            if "accuracy_ci_low" in group:
                yerr = [group["accuracy"] - group["accuracy_ci_low"], group["accuracy_ci_high"] - group["accuracy"]]
            ax.errorbar(group[col], group["accuracy"], yerr=yerr, fmt=MARKERS.get(family, "o"), capsize=2,
                        label=family, alpha=0.85)
        front = table[table[f"pareto_b{col[len('speedup_b'):]}"]].sort_values(col)
        ax.plot(front[col], front["accuracy"], "k--", lw=0.8, label="Pareto set")
        for _, r in table[table["paper_operating_point"].fillna("") != ""].iterrows():
            ax.annotate(r["paper_operating_point"], (r[col], r["accuracy"]), fontsize=7, xytext=(4, -10),
                        textcoords="offset points")
        ax.axvline(1.0, color="grey", lw=0.6)
        ax.set_xlabel(f"speed-up vs dense (SDPA), batch {col[len('speedup_b'):]} (CPU)")
    axes[0].set_ylabel(f"test accuracy ({task})")
    axes[0].legend(fontsize=7)
    return fig


def draw(table_path, task: str, paths) -> None:
    apply_style()
    fig = frontier(pd.read_csv(table_path), task)
    save_figure(fig, paths)
    plt.close(fig)
