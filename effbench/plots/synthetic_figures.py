"""Figures of the synthetic track. Each reads tables and run artefacts and draws; none
computes a metric that is not already in an artefact (ROC points and reliability bins are
derived from preds.npz by the stats module)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from ..artefacts import (  # noqa: E402
    read_json,
    read_npz,  # noqa: E402
    save_figure,
)
from ..stats.calibration import reliability_bins  # noqa: E402
from ..studies.synthetic.plan import variants  # noqa: E402
from .style import PAPER_MARKER, apply_style, colour  # noqa: E402


def _main(cfg):
    return [n for n, s in variants(cfg).items() if s["group"] == "main"]


def _histories(cfg, runs_root, name) -> pd.DataFrame:
    frames = []
    for seed in cfg["seeds"]:
        h = pd.DataFrame(read_json(Path(runs_root) / name / f"seed{seed}" / "history.json")["history"])
        h["seed"] = seed
        frames.append(h)
    return pd.concat(frames)


def _curves(ax, cfg, runs_root, column, ylabel):
    for name in _main(cfg):
        g = _histories(cfg, runs_root, name).groupby("epoch")[column]
        m, s = g.mean(), g.std().fillna(0)
        ax.plot(m.index, m.values, label=name, color=colour(name))
        ax.fill_between(m.index, m - s, m + s, alpha=0.15, color=colour(name))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)


def loss_curves(cfg, tables, runs_root):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    _curves(axes[0], cfg, runs_root, "train_loss", "cross-entropy")
    axes[0].set_title("training split (as many examples as validation)")
    _curves(axes[1], cfg, runs_root, "val_loss", "cross-entropy")
    axes[1].set_title("validation split")
    axes[1].legend(fontsize=7)
    return fig


def _single_curve(column, ylabel):
    def draw(cfg, tables, runs_root):
        fig, ax = plt.subplots(figsize=(6, 3.8))
        _curves(ax, cfg, runs_root, column, ylabel)
        if column == "val_accuracy":
            ax.axhline(tables["table2"]["bayes_accuracy"].iloc[0], ls=":", color="k", lw=1,
                       label="Bayes-optimal accuracy")
        ax.legend(fontsize=7)
        ax.set_title(f"{ylabel} per epoch (mean ± sd over seeds)")
        return fig
    return draw


def _bar(ax, frame, column, paper_column):
    x = np.arange(len(frame))
    err = None
    if f"{column}_ci_low" in frame:
        err = [frame[column] - frame[f"{column}_ci_low"], frame[f"{column}_ci_high"] - frame[column]]
    ax.bar(x, frame[column], yerr=err, capsize=3, color=[colour(r) for r in frame["row"]], label="ours (95% CI)")
    if paper_column in frame and frame[paper_column].notna().any():
        ax.scatter(x, frame[paper_column], **PAPER_MARKER, label="paper")
    ax.set_xticks(x, frame["row"], rotation=30, ha="right")
    ax.set_ylabel(column)


def bar_accuracy(cfg, tables, runs_root):
    t2 = tables["table2"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    _bar(axes[0], t2, "accuracy", "paper_accuracy")
    axes[0].axhline(t2["bayes_accuracy"].iloc[0], ls=":", color="k", lw=1, label="Bayes-optimal")
    axes[0].set_ylim(0.45, 1.0)
    axes[0].legend(fontsize=7)
    _bar(axes[1], t2, "auc", "paper_auc")
    axes[1].set_ylim(0.45, 1.0)
    return fig


def bar_kept_tokens(cfg, tables, runs_root):
    fig, ax = plt.subplots(figsize=(6, 3.8))
    _bar(ax, tables["table2"], "avg_kept", "paper_avg_kept")
    ax.set_ylabel("tokens kept after the gate (of L)")
    ax.legend(fontsize=7)
    return fig


def ablation(cfg, tables, runs_root):
    ab = tables["ablation"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for gate in cfg["ablation"]["keep_ratio_gates"]:
        sub = ab[(ab["gate"] == gate) & (ab["group"].isin(["main", "keep_ratio"]))
                 & ~ab["idf"] & (ab["noise_rate"] == cfg["data"]["noise_rate"])].sort_values("keep_ratio")
        axes[0].errorbar(sub["keep_ratio"], sub["accuracy"],
                         yerr=[sub["accuracy"] - sub["accuracy_ci_low"], sub["accuracy_ci_high"] - sub["accuracy"]],
                         marker="o", capsize=3, label=gate, color=colour(gate))
    full = ab[ab["row"] == "full"]
    axes[0].axhline(full["accuracy"].iloc[0], color=colour("full"), ls="--", lw=1, label="full")
    axes[0].set_xlabel("keep ratio p")
    axes[0].set_ylabel("accuracy")
    axes[0].set_title("keep ratio")
    axes[0].legend(fontsize=7)
    for gate in cfg["ablation"]["noise_gates"]:
        sub = ab[(ab["gate"] == gate) & ~ab["idf"] & (ab["keep_ratio"].isin([cfg["keep_ratio"], 1.0]))
                 & ab["group"].isin(["main", "noise"])].sort_values("noise_rate")
        axes[1].errorbar(sub["noise_rate"], sub["accuracy"],
                         yerr=[sub["accuracy"] - sub["accuracy_ci_low"], sub["accuracy_ci_high"] - sub["accuracy"]],
                         marker="o", capsize=3, label=gate, color=colour(gate))
    ceiling = ab.drop_duplicates("noise_rate").sort_values("noise_rate")
    axes[1].plot(ceiling["noise_rate"], ceiling["bayes_accuracy"], "k:", label="Bayes-optimal")
    axes[1].set_xlabel("noise rate")
    axes[1].set_title("noise-flip stress")
    axes[1].legend(fontsize=7)
    sub = ab[(ab["gate"] == "entropy_topk") & (ab["keep_ratio"] == cfg["keep_ratio"])
             & ab["group"].isin(["main", "noise", "idf"])]
    labels = [f"{'IDF' if r.idf else 'no IDF'}\nnoise {r.noise_rate:g}" for r in sub.itertuples()]
    x = np.arange(len(sub))
    axes[2].bar(x, sub["accuracy"], yerr=[sub["accuracy"] - sub["accuracy_ci_low"],
                                          sub["accuracy_ci_high"] - sub["accuracy"]],
                capsize=3, color=["tab:orange" if i else "tab:blue" for i in sub["idf"]])
    axes[2].set_xticks(x, labels, fontsize=7)
    axes[2].set_ylim(0.45, 1.0)
    axes[2].set_title("IDF scaling (entropy gate)")
    return fig


def roc_proposed(cfg, tables, runs_root):
    name = cfg["proposed"]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    for seed in cfg["seeds"]:
        z = read_npz(Path(runs_root) / name / f"seed{seed}" / "preds.npz")
        fpr, tpr, _ = roc_curve(z["labels"], z["probs"])
        ax.plot(fpr, tpr, lw=1, label=f"seed {seed}")
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"ROC: {name}")
    ax.legend(fontsize=7)
    return fig


def reliability(cfg, tables, runs_root):
    name = cfg["proposed"]
    probs, labels, tok_p, tok_y = [], [], [], []
    for seed in cfg["seeds"]:
        z = read_npz(Path(runs_root) / name / f"seed{seed}" / "preds.npz")
        probs.append(z["probs"])
        labels.append(z["labels"])
        if "token_prob" in z:
            tok_p.append(z["token_prob"].ravel())
            tok_y.append(np.repeat(z["labels"], z["token_prob"].shape[1]))
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    panels = [("classifier", np.concatenate(probs), np.concatenate(labels))]
    if tok_p:
        panels.append(("gate head (per token)", np.concatenate(tok_p), np.concatenate(tok_y)))
    for ax, (title, p1, y) in zip(axes, panels):
        conf = np.maximum(p1, 1 - p1)
        bins = reliability_bins(conf, (p1 > 0.5) == y, cfg["calibration_bins"])
        used = bins["count"] > 0
        ax.bar(bins["edges"][:-1][used], bins["accuracy"][used], width=np.diff(bins["edges"])[used],
               align="edge", alpha=0.7, edgecolor="k", label="accuracy")
        ax.plot([0, 1], [0, 1], "k:", lw=1)
        ax.set_xlim(0.45, 1)
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{name}: {title}")
    return fig


FIGURES = {
    "loss_curves": loss_curves,
    "val_accuracy": _single_curve("val_accuracy", "validation accuracy"),
    "val_auc": _single_curve("val_auc", "validation AUC"),
    "bar_accuracy": bar_accuracy,
    "bar_kept_tokens": bar_kept_tokens,
    "ablation": ablation,
    "roc_proposed": roc_proposed,
    "reliability": reliability,
}


def draw(figure: str, cfg: dict, tables_dir, runs_root, paths) -> None:
    apply_style()
    tables = {p.stem: pd.read_csv(p) for p in Path(tables_dir).glob("*.csv")}
    fig = FIGURES[figure](cfg, tables, runs_root)
    save_figure(fig, paths)
    plt.close(fig)
