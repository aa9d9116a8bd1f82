"""Figures of the AD-TP study, drawn from its tables (a figure never computes a metric)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .style import PAPER_MARKER, apply_style  # noqa: E402

SCORER_COLOURS = {"attention": "tab:blue", "random": "tab:green", "ig": "tab:purple", "residual": "tab:red"}
POINTS = {"dense": ("s", "tab:gray"), "shallow": ("^", "tab:blue"), "adtp": ("*", "tab:orange"),
          "adtp_static": ("o", "tab:olive"), "adtp_random_ratio": ("v", "tab:pink")}


def budget(methods: pd.DataFrame, task: str):
    """Accuracy under different FLOPs budgets (each scorer's ratio grid on the dense weights;
    AD-TP and the retainer variants as points; the other studies' methods hollow), and
    accuracy against measured batch-1 latency for every timed method. A regression task (STS-B)
    has no accuracy: its Pearson correlation is drawn in its place."""
    apply_style()
    accuracy = methods.get("accuracy_pct", pd.Series(dtype=float))
    score = "pearson_pct" if "pearson_pct" in methods and accuracy.isna().all() else "accuracy_pct"
    ylabel = "test Pearson r (%)" if score == "pearson_pct" else "test accuracy (%)"
    methods = methods.assign(accuracy_pct=methods[score])          # the plotted y
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    for scorer, colour in SCORER_COLOURS.items():
        grid = methods[methods["method"].str.match(rf"^{scorer}_r[0-9.]+$")].sort_values("gflops")
        if len(grid):
            ax.plot(grid["gflops"], grid["accuracy_pct"], marker=".", color=colour, label=f"{scorer} scores (dense model)")
            with_scoring = grid["gflops"] + grid["scoring_gflops"].fillna(0)
            if (grid["scoring_gflops"].fillna(0) > 0).any():
                ax.plot(with_scoring, grid["accuracy_pct"], ls=":", color=colour, label=f"{scorer}, scoring FLOPs included")
    for name, (marker, colour) in POINTS.items():
        r = methods[methods["method"] == name]
        if len(r):
            ax.scatter(r["gflops"], r["accuracy_pct"], marker=marker, color=colour, s=60, zorder=4, label=name)
    ltp = methods[methods["method"].str.match(r"^ltp_t[0-9.e-]+$")].sort_values("gflops")
    if len(ltp):                # LTP's operating points (one per initial threshold), trained like AD-TP
        ax.plot(ltp["gflops"], ltp["accuracy_pct"], marker="D", color="tab:green", label="LTP (learned thresholds)")
    other = methods[methods["method"].str.startswith(("entropy_gate", "eat_"))]
    for _, r in other.iterrows():
        ax.scatter(r["gflops"], r["accuracy_pct"], facecolors="none", edgecolors="k", s=40, zorder=4)
        ax.annotate(r["method"], (r["gflops"], r["accuracy_pct"]), fontsize=6, xytext=(3, 3), textcoords="offset points")
    if "paper_accuracy" in methods:
        paper = methods.dropna(subset=["paper_accuracy"])
        dense_g = methods.loc[methods["method"] == "dense", "gflops"].iloc[0]
        if len(paper):
            ax.scatter(dense_g / paper["paper_flops_reduction_x"], paper["paper_accuracy"],
                       label="paper (GLUE, BERT, at our dense FLOPs / its reduction)", **PAPER_MARKER)
    ax.set_xscale("log")        # scoring FLOPs of IG / leave-one-out are orders above the pruned forward
    ax.set_xlabel("GFLOPs per example (analytic, = torch's count; log scale)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{task}: {ylabel.split(' (')[0].removeprefix('test ')} under FLOPs budgets")
    ax.legend(fontsize=6)
    ax = axes[1]
    timed = methods.dropna(subset=["latency_b1_ms"])
    for _, r in timed.iterrows():
        marker, colour = POINTS.get(r["method"], ("o", SCORER_COLOURS.get(r["method"].split("_")[0], "tab:brown")))
        ax.scatter(r["latency_b1_ms"], r["accuracy_pct"], marker=marker, color=colour, s=50)
        ax.annotate(r["method"], (r["latency_b1_ms"], r["accuracy_pct"]), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("latency per example at batch 1 (ms, CPU)")
    ax.set_ylabel(ylabel)
    ax.set_title("measured")
    fig.tight_layout()
    return fig


def sensitivity(table: pd.DataFrame, task: str):
    """Test accuracy as alpha, beta and gamma change one at a time (the others at their main values)."""
    apply_style()
    main = table[table["row"] == "adtp"].iloc[0]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
    for ax, weight in zip(axes, ("alpha", "beta", "gamma")):
        others = [w for w in ("alpha", "beta", "gamma") if w != weight]
        line = table[(table[others] == main[others]).all(1) & table["ce"].astype(bool) & table["teacher"].astype(bool)]
        line = line.sort_values(weight)
        err = [line["accuracy_pct"] - line["accuracy_pct_ci_low"], line["accuracy_pct_ci_high"] - line["accuracy_pct"]]
        ax.errorbar(line[weight], line["accuracy_pct"], yerr=err, marker="o", capsize=3)
        for _, r in line.iterrows():     # the ratio each run's ARP settled on: FLOPs differ between points
            ax.annotate(f"rho {r['mean_ratio']:.2g}", (r[weight], r["accuracy_pct"]), fontsize=7, xytext=(4, -10),
                        textcoords="offset points")
        ax.axvline(main[weight], color="k", lw=0.8, ls=":")
        ax.set_xlabel(weight)
        ax.set_xscale("symlog", linthresh=0.1)
    axes[0].set_ylabel("test accuracy (%)")
    fig.suptitle(f"{task}: loss-weight sensitivity (1 seed; 95% CI over examples; rho = mean kept ratio)")
    fig.tight_layout()
    return fig


def candidates(table: pd.DataFrame, task: str):
    """Validation accuracy after each epoch for each candidate-list length (the poster's list comparison)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    epochs = sorted(int(c.removeprefix("val_accuracy_epoch")) for c in table if c.startswith("val_accuracy_epoch"))
    for _, r in table.iterrows():
        ax.plot(epochs, [100 * r[f"val_accuracy_epoch{e}"] for e in epochs], marker="o",
                label=f"{int(r['n_candidates'])} candidates (test {r['accuracy_pct']:.1f}%, rho {r['mean_ratio']:.2g})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_xticks(epochs)
    ax.legend(fontsize=8)
    ax.set_title(f"{task}: AD-TP by candidate-list length (1 seed)")
    fig.tight_layout()
    return fig
