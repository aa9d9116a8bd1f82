"""Figures of the geometry study, drawn from its CSV/JSON artefacts."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..artefacts import save_figure  # noqa: E402
from .style import PAPER_MARKER, apply_style  # noqa: E402

KIND_COLOURS = {"anchor": "tab:orange", "halfspace": "tab:blue", "rectangle": "tab:green"}


def correlation(sets: pd.DataFrame, summary: pd.DataFrame, paper_r2: float | None = None):
    """Fig. 4 / App. E.3: each surrogate against the reference entropy, one point per set."""
    sizes = sorted(sets["n"].unique())
    kinds = [k for k in KIND_COLOURS if f"h_{k}" in sets]
    fig, axes = plt.subplots(len(sizes), len(kinds), figsize=(3.6 * len(kinds), 3.2 * len(sizes)), squeeze=False)
    for i, n in enumerate(sizes):
        g = sets[sets["n"] == n]
        for j, kind in enumerate(kinds):
            ax = axes[i, j]
            for fam, gf in g.groupby("family"):
                ax.scatter(gf[f"h_{kind}"], gf["reference"], s=8, label=fam, alpha=0.7)
            r = summary[(summary["n"] == n) & (summary["variant"] == kind)].iloc[0]
            ax.set_title(f"{kind}, n={n}: R²={r['r_squared']:.2f}" + (f" (paper {paper_r2})" if paper_r2 else ""), fontsize=8)
            ax.set_xlabel(f"surrogate H_{kind} (nats)")
            ax.set_ylabel(f"structural entropy ({r['reference']}, nats)")
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def training(histories: dict):
    """Fig. 2 analogue: the surrogate of S' and of S under the learned ranges, the reference
    entropy bound of S', the margin and the hull error over epochs."""
    panels = [("surrogate_out", "surrogate H(S') (nats)"), ("surrogate_in", "surrogate H(S), learned ranges"),
              ("entropy_bound_out", "structural entropy bound of S'"), ("margin_p05", "margin (5th pct)"),
              ("hull_error_pct", "hull error (%)")]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3))
    for label, hist in histories.items():
        h = pd.DataFrame(hist)
        for ax, (col, title) in zip(axes, panels):
            ax.plot(h["epoch"], h[col], marker=".", label=label)
            ax.set_title(title, fontsize=8)
            ax.set_xlabel("epoch")
    for ax, (col, _) in zip(axes, panels):
        if col == "entropy_bound_out":
            first = pd.DataFrame(next(iter(histories.values())))
            ax.axhline(first["entropy_bound_in"].iloc[0], color="k", ls=":", lw=1, label="input S")
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def lambda_sweep(table: pd.DataFrame, paper_best: float = 0.1):
    """Fig. 6: end-to-end speed-up and hull error against lambda."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    for ax, col, title in ((axes[0], "speedup", "speed-up vs raw QHull (x)"), (axes[1], "hull_error", "hull error (%)")):
        err = [table[col] - table[f"{col}_ci_low"], table[f"{col}_ci_high"] - table[col]]
        ax.errorbar(table["lambda"], table[col], yerr=err, marker="o", capsize=3)
        ax.axvline(paper_best, color="k", ls=":", lw=1, label="paper's sweet spot")
        ax.set_xscale("log")
        ax.set_xlabel("lambda")
        ax.set_title(title, fontsize=9)
    axes[0].axhline(1, color="grey", lw=1)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def k_alpha(table: pd.DataFrame):
    """Fig. 5: speed-up over raw QHull (and hull error) on the k x alpha grid, one cell per variant."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    for ax, col, title, cmap in ((axes[0], "speedup", "speed-up vs raw QHull (x)", "viridis"),
                                 (axes[1], "hull_error", "hull error (%)", "magma_r")):
        grid = table.pivot(index="k_configured", columns="alpha", values=col)
        im = ax.imshow(grid.values, cmap=cmap, aspect="auto", origin="lower")
        ax.set_xticks(range(len(grid.columns)), [f"{a:g}" for a in grid.columns])
        ax.set_yticks(range(len(grid.index)), [str(k) for k in grid.index])
        ax.set_xlabel("alpha (anchor sharpness)")
        ax.set_ylabel("k (anchors)")
        ax.set_title(title, fontsize=9)
        for (i, j), v in np.ndenumerate(grid.values):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white",
                    bbox={"facecolor": "black", "alpha": 0.5, "pad": 1, "linewidth": 0})
        ax.grid(False)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def runtime(timings: pd.DataFrame):
    """End-to-end time against n for every (algorithm, preprocessing), per family."""
    t = timings[(timings["variant"].fillna("").isin(["", "ball"])) & (timings["family"] != "mnist")]
    families = sorted(t["family"].unique())
    fig, axes = plt.subplots(1, len(families), figsize=(5 * len(families), 3.8), squeeze=False)
    for ax, fam in zip(axes[0], families):
        g = t[t["family"] == fam].groupby(["algorithm", "preprocess", "size"])["median_ms"].median().reset_index()
        for (alg, prep), gg in g.groupby(["algorithm", "preprocess"]):
            ax.plot(gg["size"], gg["median_ms"], marker="o", ls="-" if alg == "qhull" else "--", label=f"{prep} + {alg}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("points n")
        ax.set_ylabel("end-to-end time (ms, median)")
        ax.set_title(fam)
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def table2_bars(table: pd.DataFrame):
    """Table 2 as bars: our speed-ups with 95% CIs beside the paper's, per family."""
    t = table[table["algorithm"] == "qhull"]
    fig, ax = plt.subplots(figsize=(9, 3.5))
    x = np.arange(len(t))
    ax.bar(x, t["speedup"], yerr=[t["speedup"] - t["speedup_ci_low"], t["speedup_ci_high"] - t["speedup"]], capsize=3)
    has = t["paper_speedup"].notna()
    ax.scatter(x[has.values], t.loc[has, "paper_speedup"], label="paper", **PAPER_MARKER)
    ax.axhline(1, color="grey", lw=1)
    ax.set_xticks(x, t["row"], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("speed-up vs raw QHull (x)")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig




def collapse(table: pd.DataFrame):
    """Entropy collapse: per-point assignment entropy over the anchors (share of log k; 1 = uniform,
    no sparsity signal) and the relative contrast of anchor distances, as the dimension grows."""
    apply_style()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax.errorbar(table["d"], table["assignment_entropy_share"], yerr=table["assignment_entropy_share_sd"],
                marker="o", capsize=3)
    ax.axhline(1.0, color="k", ls=":", lw=0.8, label="uniform assignments")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("dimension d")
    ax.set_ylabel("assignment entropy / log k")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    bx.errorbar(table["d"], table["relative_contrast"], yerr=table["relative_contrast_sd"], marker="o", capsize=3,
                color="tab:green")
    bx.set_xscale("log", base=2)
    bx.set_yscale("log")
    bx.set_xlabel("dimension d")
    bx.set_ylabel("relative contrast of anchor distances")
    fig.suptitle(f"Entropy collapse in high dimension ({int(table['n_seeds'].iloc[0])} seeds, mean +/- sd)")
    fig.tight_layout()
    return fig


def points(arrays: dict):
    """Fig. 10: a held-out set per family before (grey) and after (orange) EntropyNet, the original
    hull in black; the titles give the entropy bound of each and the hull vertex counts."""
    families = [str(f) for f in arrays["families"]]
    fig, axes = plt.subplots(1, len(families), figsize=(3.6 * len(families), 3.6), squeeze=False)
    for ax, family in zip(axes[0], families):
        pts, moved = arrays[f"{family}_in"], arrays[f"{family}_out"]
        ax.scatter(pts[:, 0], pts[:, 1], s=3, color="0.6", label="input S")
        ax.scatter(moved[:, 0], moved[:, 1], s=3, color="tab:orange", alpha=0.6, label="EntropyNet S'")
        hull = arrays[f"{family}_hull_in"]
        ring = np.append(hull, hull[:1])
        ax.plot(pts[ring, 0], pts[ring, 1], "k-", lw=0.8)
        before, after = arrays[f"{family}_bound"]
        ax.set_title(f"{family}: bound {before:.2f} -> {after:.2f} nats\nhull vertices "
                     f"{len(hull)} -> {len(arrays[f'{family}_hull_out'])}", fontsize=8)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].legend(fontsize=7, markerscale=3)
    fig.tight_layout()
    return fig


def amortisation(geometry: pd.DataFrame, vit: pd.DataFrame):
    """Fig. 9: the extra seconds a method has cost after N inference calls, its training overhead
    T less N times its measured saving per call (negative: amortised; a rising line never is)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    calls = np.logspace(0, 8, 200)
    for label, train_s, saving_ms in (
            (geometry["row"].iloc[0], 60 * geometry["training_overhead"].iloc[0], geometry["saving_per_call_ms"].iloc[0]),
            (vit["row"].iloc[0], vit["training_overhead_s"].iloc[0], vit["saving_per_call_ms"].iloc[0])):
        net = train_s - calls * saving_ms / 1e3
        line, = ax.plot(calls, net, label=f"{label}: T = {train_s:.0f} s, saving {saving_ms:.3g} ms/call")
        if saving_ms > 0:
            ax.axvline(train_s * 1e3 / saving_ms, color=line.get_color(), ls=":", lw=0.8)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("inference calls N")
    ax.set_ylabel("net extra cost (s)")
    ax.legend(fontsize=7)
    ax.set_title("amortisation of the training overhead (dotted: break-even)", fontsize=9)
    fig.tight_layout()
    return fig


FIGURES = {"correlation": correlation, "training": training, "lambda_sweep": lambda_sweep, "k_alpha": k_alpha,
           "runtime": runtime, "table2": table2_bars, "collapse": collapse,
           "points": points, "amortisation": amortisation}


def draw(kind: str, paths, **inputs) -> None:
    apply_style()
    fig = FIGURES[kind](**inputs)
    save_figure(fig, paths)
    plt.close(fig)
