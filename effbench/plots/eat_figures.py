"""Figures of the EAT study, drawn from its tables and per-example predictions."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..artefacts import save_figure  # noqa: E402
from .style import PAPER_MARKER, apply_style  # noqa: E402

MARKERS = {"dense": ("s", "tab:gray"), "shallow": ("^", "tab:blue")}


def frontier(table: pd.DataFrame, task: str):
    """Fig. 4: accuracy against batch-1 latency (tau labels), and the speed-ups at batch 1
    and the batched size against the accuracy change, beside the paper's points."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    eat = table[table["row"].str.startswith("eat_tau")].sort_values("tau")
    err = None
    if "accuracy_ci_low" in table:
        err = [eat["accuracy"] - eat["accuracy_ci_low"], eat["accuracy_ci_high"] - eat["accuracy"]]
    axes[0].errorbar(eat["latency_ms"], eat["accuracy"], yerr=err, marker="o", color="tab:orange", capsize=3, label="EAT")
    for _, r in eat.iterrows():
        axes[0].annotate(f"tau={r['tau']:g}" + (" *" if r["chosen"] else ""), (r["latency_ms"], r["accuracy"]),
                         fontsize=7, xytext=(3, 3), textcoords="offset points")
    for name, (marker, colour) in MARKERS.items():
        r = table[table["row"] == name]
        if not r.empty:
            axes[0].scatter(r["latency_ms"], r["accuracy"], marker=marker, color=colour, s=40, label=name, zorder=4)
    for name, marker in (("eat_no_exit", "x"), ("eat_patience", "P")):
        r = table[table["row"] == name]
        if not r.empty:
            axes[0].scatter(r["latency_ms"], r["accuracy"], marker=marker, color="tab:red", label=name, zorder=4)
    axes[0].set_xlabel("latency per example at batch 1 (ms, CPU)")
    axes[0].set_ylabel("test accuracy")
    axes[0].set_title(task)
    axes[0].legend(fontsize=7)
    speed_cols = [c for c in table if c.startswith("speedup_b") and "_vs_" not in c]
    points = table[table["row"].str.startswith("eat_tau") | (table["row"] == "shallow")]
    for col, marker in zip(["speedup_vs_dense"] + speed_cols, ["o", "s", "^"]):
        label = "batch 1" if col == "speedup_vs_dense" else f"batch {col[len('speedup_b'):]}"
        axes[1].scatter(points[col], points["delta_acc_pp"], marker=marker, label=f"measured, {label}")
    axes[1].scatter(points["predicted_speedup_b1"], points["delta_acc_pp"], marker="x", color="k",
                    label="FLOPs-predicted (batch 1)")
    for _, r in points.iterrows():
        axes[1].annotate(r["row"].replace("eat_tau", "tau="), (r["speedup_vs_dense"], r["delta_acc_pp"]), fontsize=7,
                         xytext=(3, -9), textcoords="offset points")
    if "paper_speedup_vs_bert" in table:
        paper = table.dropna(subset=["paper_speedup_vs_bert"])
        paper = paper[paper["row"] != "dense"]
        if len(paper):
            axes[1].scatter(paper["paper_speedup_vs_bert"], paper["paper_delta_acc_pp"],
                            label=f"paper ({paper['paper_table'].iloc[0]}: SST-2, 12 blocks, GPU)", **PAPER_MARKER)
    axes[1].axvline(1.0, color="k", lw=0.8)
    axes[1].axhline(0.0, color="k", lw=0.8)
    axes[1].set_xlabel("speed-up vs dense (measured)")
    axes[1].set_ylabel("accuracy change vs dense (pp)")
    axes[1].legend(fontsize=7)
    return fig


def retention_vs_length(preds: dict, scheduled: float, schedule: list[float] | None = None):
    """Fig. 2 and Fig. 5: the share of its input tokens each block processes, block by block (the
    examples that reached the block; the schedule of Alg. 1 beside it), and final retention (tokens
    in the last block run / input tokens) against length."""
    length = preds["length"]
    tokens = preds["tokens"]                                               # (n, L) tokens each block processed
    last = tokens[np.arange(len(length)), preds["exit_layer"] - 1]
    retention = last / length
    fig, (by_block, ax) = plt.subplots(1, 2, figsize=(10.5, 3.8))
    blocks = np.arange(1, tokens.shape[1] + 1)
    ran = tokens > 0
    share = [(tokens[ran[:, d], d] / length[ran[:, d]]).mean() if ran[:, d].any() else np.nan for d in range(len(blocks))]
    by_block.plot(blocks, share, "o-", color="tab:orange", label="measured (mean over examples that ran the block)")
    if schedule is not None:
        by_block.step(blocks, schedule, where="mid", color="tab:red", ls="--", label="Alg. 1 schedule")
    by_block.set_xlabel("block")
    by_block.set_ylabel("tokens processed / input tokens")
    by_block.set_xticks(blocks)
    by_block.set_ylim(0, 1.05)
    by_block.legend(fontsize=7)
    for depth, colour in ((preds["tokens"].shape[1], "tab:orange"), (4, "tab:blue")):
        sel = preds["exit_layer"] == depth
        if sel.any():
            ax.scatter(length[sel], retention[sel], s=6, alpha=0.4, color=colour, label=f"stopped after block {depth}")
    edges = np.unique(np.quantile(length, np.linspace(0, 1, 11)))
    which = np.clip(np.digitize(length, edges[1:-1]), 0, len(edges) - 2)
    centre = [length[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
    mean = [retention[which == b].mean() for b in range(len(edges) - 1) if (which == b).any()]
    ax.plot(centre, mean, "k-o", ms=3, label="mean per length decile")
    ax.axhline(scheduled, color="tab:red", ls="--", label=f"scheduled {scheduled:.2f}")
    ax.set_xlabel("input length (tokens)")
    ax.set_ylabel("final retention")
    ax.legend(fontsize=7)
    return fig


def exit_distribution(preds: dict, taus: list[float], n_layers: int):
    """Fig. 6: where examples stop, for each tau."""
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    shares = []
    for tau in taus:
        exits = preds[f"exit_{tau:g}"]
        shares.append([(exits == d).mean() for d in range(1, n_layers + 1)])
    shares = np.array(shares)
    bottom = np.zeros(len(taus))
    for d in range(n_layers):
        if shares[:, d].any():
            ax.bar([f"{t:g}" for t in taus], shares[:, d], bottom=bottom, label=f"block {d + 1}")
            bottom += shares[:, d]
    ax.set_xlabel("confidence threshold tau")
    ax.set_ylabel("share of test examples")
    ax.legend(fontsize=7, title="stops after")
    return fig


def ablation(table: pd.DataFrame):
    """Fig. 3: normalised compute, measured speed-up and accuracy change with each lever off."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, col, label in zip(axes, ["normalised_flops", "speedup_vs_dense", "delta_acc_pp"],
                              ["FLOPs / dense FLOPs", "measured speed-up vs dense (batch 1)", "accuracy change (pp)"]):
        ax.barh(table["variant"], table[col], color="tab:orange")
        ax.set_xlabel(label)
        ax.axvline(1.0 if col != "delta_acc_pp" else 0.0, color="k", lw=0.8)
    fig.tight_layout()
    return fig


def draw(kind: str, paths, **inputs) -> None:
    apply_style()
    fig = {"frontier": frontier, "retention": retention_vs_length, "exits": exit_distribution,
           "ablation": ablation}[kind](**inputs)
    save_figure(fig, paths)
    plt.close(fig)
