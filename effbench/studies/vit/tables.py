"""The ViT tables: paper 003's Tables 4, 5 and 19 in shape, from evaluations, costs and runs.

Intervals: every accuracy (Tables 4, 5, 19), mCE and IoU (robustness) is the project's two-level
bootstrap (seeds, then test images: stats.intervals) over each run's per-image evaluation
(plan.EXAMPLES), with the per-seed values beside it (`<metric>_per_seed`, `<metric>_ci_method`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...artefacts import read_json, read_npz, write_csv
from ...data.images import CORRUPTIONS
from ...stats.intervals import interval_columns, two_level_bootstrap, two_level_bootstrap_of
from ...stats.ratios import overhead_pct, ratio_columns, ratio_interval
from .plan import METHODS, OUTPUT_BASELINES, example_key, variants

SEVERITIES = (1, 2, 3)
N_RESAMPLES = 2000


def _stack(examples: dict, variant: str, seeds, key: str) -> np.ndarray:
    """(S, images): one per-image array of each seed of a variant (all seeds share the test split)."""
    return np.vstack([examples[(variant, seed)][key] for seed in seeds]).astype(float)


def accuracy_interval(examples: dict, variant: str, seeds, selector: str, sparsity: float) -> dict:
    """Clean accuracy (a share) of a variant's seeds at one selector and sparsity, two-level bootstrap
    (labels all ones, scores the correctness: accuracy is the share of correct images)."""
    correct = _stack(examples, variant, seeds, example_key("correct", selector, sparsity))
    return two_level_bootstrap(np.ones(correct.shape[1]), correct, "accuracy", N_RESAMPLES)


def iou_interval(examples: dict, variant: str, seeds, selector: str, sparsity: float) -> dict:
    """Mean per-image IoU of the [CLS] attention with the digit, two-level bootstrap; NaN (no
    interval) where the images carry no object mask."""
    iou = _stack(examples, variant, seeds, example_key("iou", selector, sparsity))
    if not np.isfinite(iou).all():
        return {"estimate": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                "per_seed": [float("nan")] * len(seeds), "method": "none"}
    return two_level_bootstrap_of(iou, n_resamples=N_RESAMPLES)


def _corrupted(examples: dict, variant: str, seeds, mode: str) -> np.ndarray:
    """(S, corruptions x severities, images) correctness of a variant's seeds on the corrupted test
    images with dense or sparse attention, corruption-major."""
    return np.stack([_stack(examples, variant, seeds, example_key("correct", f"corruption:{mode}", c, sev))
                     for c in CORRUPTIONS for sev in SEVERITIES], 1)


def _mce_statistic(means: np.ndarray) -> np.ndarray:
    """(..., S, 2 x corruptions x severities) accuracies, the model's then the dense model's (as
    mce_interval stacks them) -> (..., S) mCE: per seed, the mean over corruptions of the model's
    errors summed over severities over the dense model's, x 100. The dense model is 100 by
    construction (CIFAR-C uses AlexNet)."""
    err = (1 - means).reshape(*means.shape[:-1], 2, len(CORRUPTIONS), len(SEVERITIES)).sum(-1)   # (..., S, 2, C)
    return 100 * (err[..., 0, :] / np.maximum(err[..., 1, :], 1e-9)).mean(-1)


def mce_interval(examples: dict, variant: str, seeds, mode: str) -> dict:
    """mCE of a variant against the dense model of the same seed and attention mode, two-level
    bootstrap: on each resample of the images, each seed's mCE from its and dense's errors there."""
    both = np.concatenate([_corrupted(examples, variant, seeds, mode), _corrupted(examples, "dense", seeds, mode)], 1)
    return two_level_bootstrap_of(both, _mce_statistic, N_RESAMPLES)


def summarise(cfg: dict, evals: pd.DataFrame, cost: pd.DataFrame, metrics: dict, claims,
              examples: dict) -> dict[str, pd.DataFrame]:
    """examples: (variant, seed) -> that run's per-image arrays (plan.EXAMPLES)."""
    from ...claims import paper_value
    s = cfg["inference"]["headline_sparsity"]
    clean = evals[~evals["selector"].str.startswith("corruption")]

    def acc(variant, selector, sparsity):
        r = clean[(clean.variant == variant) & (clean.selector == selector) & np.isclose(clean.sparsity, sparsity)]
        return r

    def cost_row(variant, impl, mode, batch_key):
        r = cost[(cost.variant == variant) & (cost.impl == impl) & (cost["mode"] == mode)]
        r = r[r["batch"] == 1] if batch_key == "b1" else r[r["batch"] > 1]
        return r.iloc[0] if len(r) else None

    def block(variant, selector):
        return acc(variant, selector, s)["mean_block_length"].mean()

    def pv(source, row, metric):
        return paper_value(claims, "vit", source, row, metric)

    def acc_pct(name, variant, selector, sparsity):
        """`name` and its interval columns: accuracy in percent over the variant's seeds."""
        seeds = variants(cfg)[variant]["seeds"]
        return {"n_seeds": len(seeds),
                **interval_columns(name, accuracy_interval(examples, variant, seeds, selector, sparsity), 100)}

    rows4 = []
    for label, variant, selector in (("Top- b by magnitude", "dense", "magnitude"), ("L1 penalty (tuned)", "l1", "magnitude"),
                                     ("Entropy Reg. (ours)", "entropy", "entropy")):
        c = cost_row(variant, "manual", "sparse", "b1")
        rows4.append({"row": label, "variant": variant, "selector": selector, "sparsity": s,
                      **acc_pct("top_1", variant, selector, s),
                      "latency_ms": c["median_ms"] if c is not None else np.nan,
                      "mean_block_length": block(variant, selector),
                      "paper_top_1": pv("Table 4", label, "top_1"), "paper_latency_ms": pv("Table 4", label, "latency_ms"),
                      "paper_mean_block_length": pv("Table 4", label, "mean_block_length")})
    rows5 = []
    base = cost_row("dense", "manual", "dense", "b1")
    base_tp = cost_row("dense", "manual", "dense", "batch")
    for label, variant, impl, mode, selector, sp in (
            ("Dense Baseline", "dense", "manual", "dense", "none", 0.0),
            ("SDPA dense (FlashAttention analogue)", "dense", "sdpa", "dense", "none", 0.0),
            ("L1 Pruning", "l1", "manual", "sparse", "magnitude", s),
            ("Entropy Reg. (Ours)", "entropy", "manual", "sparse", "entropy", s),
            ("SDPA + L1", "l1", "sdpa", "sparse", "magnitude", s),
            ("SDPA + Ours", "entropy", "sdpa", "sparse", "entropy", s)):
        c, tp = cost_row(variant, impl, mode, "b1"), cost_row(variant, impl, mode, "batch")
        flops_red = 100 * (1 - c["flops_total_sparse"] / c["flops_total"]) if mode == "sparse" else 0.0
        paper_label = {"SDPA dense (FlashAttention analogue)": "FlashAttention v2",
                       "SDPA + Ours": "FlashAttention v2 + Ours", "SDPA + L1": "FlashAttention v2 + L1"}.get(label, label)
        rows5.append({"row": label, "paper_row": paper_label, "variant": variant, "impl": impl, "mode": mode,
                      **acc_pct("top_1_acc", variant, selector, sp), "flops_red": flops_red,
                      "keys_per_query": c["kept_keys"] if mode == "sparse" else c["tokens"],
                      "sparsity_in_sparse_layers": 1 - c["kept_keys"] / c["tokens"] if mode == "sparse" else 0.0,
                      "attention_share_of_flops": c["flops_attention_share"],
                      "latency_ms": c["median_ms"], "wall_clock_speedup": base["median_ms"] / c["median_ms"],
                      **_interval_of(c, "speedup_vs_dense_manual", "wall_clock_speedup"),
                      "throughput_img_s": tp["images_per_s"], "throughput_speedup": tp["images_per_s"] / base_tp["images_per_s"],
                      "attention_matrix_mb_batch": tp["attention_matrix_mb"],
                      "memory_gb": tp.get("peak_memory_gb", float("nan")),       # a GPU's allocator peak (NaN on CPU)
                      **{f"paper_{k}": pv("Table 5", paper_label, k) for k in
                         ("top_1_acc", "flops_red", "latency_ms", "memory_gb", "wall_clock_speedup",
                                                  "throughput_img_s")}})
    tables = {"table4": pd.DataFrame(rows4), "table5": pd.DataFrame(rows5)}
    # Table 19: entropy + magnitude pruning at a higher sparsity
    hi_s = cfg["inference"]["combined_sparsity"]
    rows19 = []
    for label, variant, selector, sp in (("Entropy Reg.", "entropy", "entropy", s), ("Magnitude Pruning", "dense", "magnitude", hi_s),
                                         ("Entropy Reg. + Pruning", "entropy", "combined", hi_s)):
        rows19.append({"row": label, **acc_pct("accuracy", variant, selector, sp), "sparsity": 100 * sp,
                       "paper_accuracy": pv("Table 19", label, "accuracy"), "paper_sparsity": pv("Table 19", label, "sparsity")})
    tables["table19"] = pd.DataFrame(rows19)
    # robustness (Table 27 shape) and IoU (Table 18 shape)
    rows_r = []
    compared = [("dense", "Standard"), ("l1", "L1 Regularization"),
                *((k, v) for k, v in OUTPUT_BASELINES.items() if k in variants(cfg)), ("entropy", "Entropy Reg. (Ours)")]
    for variant, label in compared:
        seeds = variants(cfg)[variant]["seeds"]
        for mode in ("dense", "sparse"):
            iou_sel, iou_sp = ("none", 0.0) if mode == "dense" else (METHODS[variants(cfg)[variant]["kind"]], s)
            rows_r.append({"row": f"{label} [{mode} attention]", "variant": variant, "attention": mode,
                           "n_seeds": len(seeds), **interval_columns("mce", mce_interval(examples, variant, seeds, mode)),
                           **interval_columns("iou", iou_interval(examples, variant, seeds, iou_sel, iou_sp)),
                           "clean_accuracy": acc(variant, iou_sel, iou_sp)["accuracy"].mean()})
    tables["robustness"] = pd.DataFrame(rows_r)
    # training overhead (Table 6) and break-even
    def epochs(variant):
        return [m["seconds_per_epoch"] for (v, _), m in metrics.items() if v == variant]

    dense_epoch = np.mean(epochs("dense"))
    rows6 = []
    for variant in ("l1", "entropy"):
        per = np.mean([m["seconds_per_epoch"] for (v, _), m in metrics.items() if v == variant])
        # over the seeds' trainings, run separately: unpaired (stats.ratios; none below its minimum of runs)
        overhead = overhead_pct(ratio_interval(epochs(variant), epochs("dense"), paired=False, statistic="mean"))
        rows6.append({"row": variant, "seconds_per_epoch": per, "dense_seconds_per_epoch": dense_epoch,
                      **ratio_columns("runtime_overhead_naive", overhead)})
    tables["table6"] = pd.DataFrame(rows6)
    ours = tables["table5"].set_index("row").loc["Entropy Reg. (Ours)"]
    t_train = (np.mean([m["train_seconds"] for (v, _), m in metrics.items() if v == "entropy"])
               - np.mean([m["train_seconds"] for (v, _), m in metrics.items() if v == "dense"]))
    saving = (1 - 1 / ours["wall_clock_speedup"]) * base["median_ms"]
    tables["break_even"] = pd.DataFrame([{"row": "ViT (MNIST-5k, batch 1)", "training_overhead_s": t_train,
                                          "speedup": ours["wall_clock_speedup"], "t_batch_ms": base["median_ms"],
                                          "saving_per_call_ms": saving,
                                          "break_even_calls": t_train * 1e3 / saving if saving > 0 else float("inf")}])
    # the lambda sweep and the fine patch: every lambda on the seeds the whole grid shares (the grid's extra
    # points train the first seed only; a mean over the headline's seeds beside them would mix seed spread in)
    sweep = []
    grid = {n: sp for n, sp in variants(cfg).items() if sp["kind"] == "entropy" and sp["patch"] == cfg["model"]["patch"]}
    shared = sorted(set.intersection(*(set(sp["seeds"]) for sp in grid.values()))) if grid else []
    for name, spec in grid.items():
        r, dense_attn = acc(name, "entropy", s), acc(name, "none", 0.0)
        if "seed" in r:
            r, dense_attn = r[r["seed"].isin(shared)], dense_attn[dense_attn["seed"].isin(shared)]
        sweep.append({"row": f"lambda={spec['lambda']:g}", "lambda": spec["lambda"], "seeds": len(shared),
                      "accuracy": r["accuracy"].mean(), "mean_block_length": r["mean_block_length"].mean(),
                      "iou": r["iou"].mean(), "dense_attention_accuracy": dense_attn["accuracy"].mean()})
    tables["lambda_sweep"] = pd.DataFrame(sweep).sort_values("lambda")
    if cfg["fine_patch"]:
        fp = cfg["fine_patch"]
        rows_f = []
        for kind in ("dense", "l1", "entropy"):
            name = f"{kind}_patch{fp}"
            sel = METHODS[kind]
            c_d, c_s = cost_row(name, "manual", "dense", "batch"), cost_row(name, "manual", "sparse", "batch")
            rows_f.append({"row": name, "patch": fp, "tokens": c_d["tokens"],
                           "attention_share_of_flops": c_d["flops_attention_share"],
                           "accuracy_dense_attention": acc(name, "none", 0.0)["accuracy"].mean(),
                           "accuracy_sparse": acc(name, sel, s)["accuracy"].mean(),
                           "mean_block_length": acc(name, sel, s)["mean_block_length"].mean(),
                           "throughput_speedup": c_s["images_per_s"] / c_d["images_per_s"],
                           "latency_speedup_b1": cost_row(name, "manual", "dense", "b1")["median_ms"]
                           / cost_row(name, "manual", "sparse", "b1")["median_ms"],
                           "sdpa_throughput_speedup": cost_row(name, "sdpa", "sparse", "batch")["images_per_s"]
                           / cost_row(name, "sdpa", "dense", "batch")["images_per_s"]})
        tables["fine_patch"] = pd.DataFrame(rows_f)
    return tables


def _interval_of(row, source: str, name: str) -> dict:
    """`name`'s interval columns read from `source`'s in a cost row (NaN where the cost artefact has none)."""
    return {f"{name}{end}": row.get(f"{source}{end}", np.nan) for end in ("_ci_low", "_ci_high", "_ci_method")}


def write_tables(cfg: dict, eval_paths, example_paths, cost_path, metric_paths, claims_paths, out_dir) -> dict:
    """example_paths: each run's plan.EXAMPLES, at results/vit/runs/<variant>/seed<k>/."""
    from ...claims import load_ledger
    evals = pd.concat([pd.read_csv(p) for p in eval_paths], ignore_index=True)
    metrics = {}
    for p in metric_paths:
        m = read_json(p)
        metrics[(m["provenance"]["variant"], m["provenance"]["seed"])] = m["metrics"]
    examples = {(Path(p).parent.parent.name, int(Path(p).parent.name.removeprefix("seed"))): read_npz(p)
                for p in example_paths}
    tables = summarise(cfg, evals, pd.read_csv(cost_path), metrics, load_ledger(claims_paths), examples)
    for name, frame in tables.items():
        write_csv(Path(out_dir) / f"{name}.csv", frame)
    return tables
