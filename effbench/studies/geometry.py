"""Geometry study (paper 003 §4, App. E-G): does lowering range-partition entropy speed up hulls?

Jobs, each a function here:
  train_run        EntropyNet + surrogate per (family, variant, seed): history, metrics, weights
  correlation      surrogate vs reference structural entropy across many independent point sets
  time_family      end-to-end timing of (hull algorithm) x (preprocessing) on held-out sets
  time_large       n = 10^6 hull and n = 10^5 Delaunay (Table 23)
  write_tables     Tables 2, 8/9, 15, 16, 17, 20, 22, 23 and the lambda sweep, paper values beside

Point sets for training, validation and timing come from independent random streams keyed by
(role, family, seed), so EntropyNet is never timed or scored on a set it was trained on.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file

from ..artefacts import config_hash, provenance, read_json, save_weights, seed_everything, write_csv, write_json
from ..cost.timing import time_interleaved
from ..data.points import FAMILIES, point_set
from ..entropy.range_partition import structural_entropy_bound, structural_entropy_exact
from ..entropy.surrogates import KINDS, Surrogate
from ..geometry import hulls
from ..geometry.entropynet import EntropyNet, hull_constraints, hull_loss
from ..stats.intervals import seed_t_interval
from ..train import fit

ROLES = {"train": 0, "validation": 1, "test": 2, "correlation": 3, "large": 4}
MAIN = "ball"
DISPLAY = {"uniform": "Synthetic (High)", "parabolic": "Synthetic (Parabolic)", "mnist": "QuickDraw (Low)"}
METHOD_NAMES = {"none": "Raw", "sort": "Heuristic Sort", "kmeans": "k-means", "akl_toussaint": "Akl-Toussaint",
                "entropynet": "EntropyNet (Ours)"}


def rng_for(role: str, family: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([ROLES[role], FAMILIES.index(family), seed])


def sets_for(role: str, family: str, n: int, count: int, seed: int) -> list[np.ndarray]:
    rng = rng_for(role, family, seed)
    return [point_set(family, n, rng) for _ in range(count)]


# ------------------------------------------------------------------ what runs
def variant_settings(cfg: dict, variant: str) -> dict:
    """The surrogate and loss settings of one variant: the base settings with its overrides."""
    return {**cfg["surrogate"], **cfg["variants"][variant]}


def runs(cfg: dict) -> list[tuple[str, str, int]]:
    """(family, variant, seed) of every EntropyNet to train: the main variant on every family
    with all seeds; the other variants on the sweep family with the first `variant_seeds`."""
    out = [(f, MAIN, s) for f in cfg["families"] for s in cfg["seeds"]]
    out += [(cfg["sweep_family"], v, s) for v in cfg["sweep"] for s in cfg["seeds"][: cfg["variant_seeds"]]]
    return out


def run_dir(family: str, variant: str, seed: int) -> str:
    return f"results/geometry/entropynet/{family}/{variant}/seed{seed}"


# ------------------------------------------------------------------ training
def anchors_k(settings: dict, n: int) -> int:
    """k = min(k, n / 4) (paper Table 21)."""
    return max(2, min(int(settings["k"]), n // 4))


def temperature(settings: dict, epoch: int, epochs: int) -> float:
    """Anchors: alpha annealed linearly from alpha_start to alpha_end; ranges: a fixed tau."""
    if settings["kind"] != "anchor":
        return float(settings["tau"])
    frac = epoch / max(epochs - 1, 1)
    return float(settings["alpha_start"] + frac * (settings["alpha_end"] - settings["alpha_start"]))


def evaluate_sets(net: EntropyNet, surrogate: Surrogate, sets: list[np.ndarray]) -> dict:
    """Mean surrogate before/after, hull error, margin, reference entropy bound before/after."""
    rows = []
    for pts in sets:
        moved = net.transform(pts)
        x, x2 = (torch.tensor(p, dtype=torch.float32) for p in (pts, moved))
        with torch.no_grad():
            h0, h1 = float(surrogate(x)), float(surrogate(x2))
            margin = surrogate.margin(x2)
        true, out = hulls.qhull(pts), hulls.qhull(moved)
        err = hulls.hull_error(pts, true, moved, out)
        rows.append({"surrogate_in": h0, "surrogate_out": h1, **err,
                     "margin_p05": float(torch.quantile(margin, 0.05)), "margin_min": float(margin.min()),
                     "entropy_bound_in": structural_entropy_bound(pts),
                     "entropy_bound_out": structural_entropy_bound(moved),
                     "hull_vertices_in": len(true), "hull_vertices_out": len(out)})
    return pd.DataFrame(rows).mean().to_dict()


def train_run(cfg: dict, family: str, variant: str, seed: int, out_dir, state_dir) -> dict:
    """Train one EntropyNet (batch = one point set, so digit shapes of any size train alike)."""
    settings = variant_settings(cfg, variant)
    tc = cfg["train"]
    seed_everything(seed)
    n = tc["n"]
    train_sets = sets_for("train", family, n, tc["sets"], seed)
    val_sets = sets_for("validation", family, n, tc["validation_sets"], seed)
    constraints = [hull_constraints(p) for p in train_sets]
    tensors = [torch.tensor(p, dtype=torch.float32) for p in train_sets]
    k = anchors_k(settings, min(len(p) for p in train_sets))
    surrogate = Surrogate(settings["kind"], np.concatenate(train_sets[:8]), k, temperature(settings, 0, tc["epochs"]),
                          seed=seed, learnable=settings["learnable"])
    net = EntropyNet(sigma=cfg["entropynet"]["sigma"], dropout=cfg["entropynet"]["dropout"])
    params = list(net.parameters()) + [p for p in surrogate.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=tc["lr"], weight_decay=tc["weight_decay"])
    lam, sigma = float(settings["lambda"]), net.sigma
    current = {"epoch": 0}

    def batches(epoch):
        surrogate.temperature = temperature(settings, epoch, tc["epochs"])
        current["epoch"] = epoch
        order = torch.randperm(len(tensors))
        return [(tensors[i], constraints[i]) for i in order.tolist()]

    def step_loss(model, batch):
        pts, hull = batch
        moved = model(pts[None])[0]
        return hull_loss(pts, moved, hull, sigma) + lam * surrogate(moved)

    def evaluate(model):
        record = evaluate_sets(model, surrogate, val_sets)
        return {**record, "temperature": surrogate.temperature, "effective_cells": float(np.exp(record["surrogate_out"]))}

    t0 = time.perf_counter()
    history = fit(net, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=Path(state_dir) / f"{family}.{variant}.seed{seed}.pt", desc=f"{family}/{variant}",
                  resume_key=config_hash({"train": tc, "settings": settings, "net": cfg["entropynet"], "family": family}))
    train_seconds = time.perf_counter() - t0
    out_dir = Path(out_dir)
    save_weights(net, out_dir / "model.safetensors")
    prov = provenance({"train": tc, "settings": settings}, seed, family=family, variant=variant)
    write_json(out_dir / "history.json", {"provenance": prov, "history": history})
    write_json(out_dir / "metrics.json", {"provenance": prov, "metrics": {
        **history[-1], "train_seconds": train_seconds, "k": k, "kind": settings["kind"], "lambda": lam,
        "learnable": settings["learnable"], "n_train": n, "epochs": tc["epochs"]}})
    return history[-1]


def load_net(cfg: dict, directory) -> EntropyNet:
    net = EntropyNet(sigma=cfg["entropynet"]["sigma"], dropout=cfg["entropynet"]["dropout"])
    net.load_state_dict(load_file(str(Path(directory) / "model.safetensors")), strict=True)
    return net.eval()


# ------------------------------------------------------------------ surrogate vs reference
def correlation(cfg: dict, out_sets, out_summary) -> pd.DataFrame:
    """Every surrogate kind (k-means initialised, untrained) against the reference entropy on
    many independent sets: exact at tiny n, the triangulation bound at larger n (App. E.3)."""
    cc, base = cfg["correlation"], cfg["surrogate"]
    rows = []
    for n in cc["sizes"]:
        reference = structural_entropy_exact if n <= cc["exact_max_n"] else structural_entropy_bound
        for family in cc["families"]:
            rng = rng_for("correlation", family, n)
            for j in range(cc["sets_per_family"]):
                pts = point_set(family, n, rng)
                if len(pts) > n:                          # digits: a random subset of their pixels
                    pts = pts[rng.choice(len(pts), n, replace=False)]
                row = {"n": n, "family": family, "set": j,
                       "reference": reference(pts), "reference_kind": "exact" if n <= cc["exact_max_n"] else "bound"}
                x = torch.tensor(pts, dtype=torch.float32)
                for kind in KINDS:
                    settings = {**base, "kind": kind}
                    s = Surrogate(kind, pts, anchors_k(settings, n), temperature(settings, 0, 1), seed=j, learnable=False)
                    with torch.no_grad():
                        row[f"h_{kind}"] = float(s(x))
                        for alpha in cc["extra_alphas"] if kind == "anchor" else ():
                            s.temperature = float(alpha)          # same anchors, sharper assignments
                            row[f"h_anchor_alpha{alpha:g}"] = float(s(x))
                rows.append(row)
    sets = pd.DataFrame(rows)
    write_csv(out_sets, sets)
    summary = correlation_summary(sets)
    write_csv(out_summary, summary)
    return summary


def correlation_summary(sets: pd.DataFrame) -> pd.DataFrame:
    from scipy.stats import linregress, spearmanr
    rows = []
    columns = [c for c in sets if c.startswith("h_")]
    for (n, ref_kind), g in sets.groupby(["n", "reference_kind"]):
        for col in columns:
            name = col[2:]
            fit_ = linregress(g[col], g["reference"])
            rows.append({"row": f"{name} n={n}", "surrogate": name.split("_")[0], "variant": name, "n": n,
                         "reference": ref_kind, "sets": len(g), "r_squared": fit_.rvalue ** 2, "slope": fit_.slope,
                         "p_value": fit_.pvalue, "spearman": spearmanr(g[col], g["reference"]).statistic})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ timing
def sizes_for(cfg: dict, family: str) -> list[int]:
    return [0] if family == "mnist" else list(cfg["timing"]["sizes"])   # 0: a digit's own size


def time_family(cfg: dict, family: str, nets: dict, out_csv) -> pd.DataFrame:
    """End-to-end time of every (algorithm, preprocessing) on held-out sets, with points in and
    out of the preprocessing stage, hull errors and, for EntropyNet, the stage breakdown.
    nets: {(variant, seed): EntropyNet}; variants other than the main one are timed with QHull
    at the table size only."""
    tcfg, opts = cfg["timing"], cfg["qhull_options"]
    rows = []
    for seed in cfg["seeds"]:
        for n in sizes_for(cfg, family):
            for j, pts in enumerate(sets_for("test", family, n or 1, tcfg["sets_per_seed"], seed)):
                rows += _time_one_set(cfg, family, seed, n, j, pts, nets, opts)
    frame = pd.DataFrame(rows)
    write_csv(out_csv, frame)
    return frame


def _time_one_set(cfg, family, seed, n, j, pts, nets, opts):
    tcfg = cfg["timing"]
    true = hulls.qhull(pts, opts)
    k_kmeans = cfg["kmeans_k"]
    pipelines = {}
    for alg in hulls.ALGORITHMS:
        for prep in hulls.PREPROCESSORS:
            def run(alg=alg, prep=prep):
                idx = hulls.preprocess(prep, pts, k_kmeans)
                return idx, idx[hulls.run_hull(alg, pts[idx], opts)]
            pipelines[(alg, prep, "")] = run
    at_table = family == "mnist" or n == tcfg["table_n"]
    for (variant, s), net in nets.items():
        if s != seed or (variant != MAIN and not at_table):
            continue
        for alg in (hulls.ALGORITHMS if variant == MAIN else ("qhull",)):
            def run(alg=alg, net=net):
                moved = net.transform(pts)
                return moved, hulls.run_hull(alg, moved, opts)
            pipelines[(alg, "entropynet", variant)] = run
    timed = time_interleaved({key: fn for key, fn in pipelines.items()}, repeats=tcfg["repeats"], warmup=tcfg["warmup"])
    stages = {}
    if (MAIN, seed) in nets:                             # Table 22: the stages of the main pipeline
        net = nets[(MAIN, seed)]
        moved = net.transform(pts)
        stages = time_interleaved({"forward": lambda: net.transform(pts),
                                   "qhull_on_output": lambda: hulls.qhull(moved, opts),
                                   "chan_on_output": lambda: hulls.chan(moved)},
                                  repeats=tcfg["repeats"], warmup=tcfg["warmup"])
    rows = []
    for (alg, prep, variant), fn in pipelines.items():
        first, vertices = fn()
        if prep == "entropynet":
            out_pts, points_out = first, len(pts)
            err = hulls.hull_error(pts, true, out_pts, vertices)
        else:
            points_out = len(first)
            err = hulls.hull_error(pts, true, pts, vertices)
        row = {"family": family, "seed": seed, "n": len(pts), "size": n, "set": j, "algorithm": alg,
               "preprocess": prep, "variant": variant or "", "median_ms": timed[(alg, prep, variant)]["median_ms"],
               "iqr_ms": timed[(alg, prep, variant)]["iqr_ms"], "points_in": len(pts), "points_out": points_out,
               "hull_vertices": len(vertices), "true_hull_vertices": len(true), **err, "qhull_options": opts or "(default)"}
        if prep == "entropynet" and at_table:
            row["entropy_bound_in"] = structural_entropy_bound(pts)
            row["entropy_bound_out"] = structural_entropy_bound(first)
            row["delaunay_error"] = hulls.delaunay_error(pts, first)
        if prep == "entropynet" and variant == MAIN and stages:
            row["forward_ms"] = stages["forward"]["median_ms"]
            row["hull_on_output_ms"] = stages[f"{alg}_on_output"]["median_ms"]
        rows.append(row)
    return rows


def time_large(cfg: dict, net: EntropyNet, out_csv) -> pd.DataFrame:
    """Table 23: convex hull at n_hull and Delaunay at n_delaunay (uniform), few repeats."""
    from scipy.spatial import Delaunay
    lc, opts = cfg["large"], cfg["qhull_options"]
    rng = rng_for("large", "uniform", 0)
    pts = point_set("uniform", lc["n_hull"], rng)
    fns = {"SciPy ConvexHull": lambda: hulls.qhull(pts, opts),
           "Chan (ours)": lambda: hulls.chan(pts),
           "Akl-Toussaint + SciPy ConvexHull": lambda: hulls.qhull(pts[hulls.akl_toussaint(pts)], opts),
           "EntropyNet + Chan's Alg.": lambda: hulls.chan(net.transform(pts)),
           "EntropyNet + SciPy ConvexHull": lambda: hulls.qhull(net.transform(pts), opts)}
    timed = time_interleaved(fns, repeats=lc["repeats"], warmup=1)
    rows = [{"task": "Convex Hull", "method": name, "n": len(pts), **_stats_s(t)} for name, t in timed.items()]
    dpts = point_set("uniform", lc["n_delaunay"], rng)
    moved = net.transform(dpts)
    dfns = {"SciPy Delaunay": lambda: Delaunay(dpts), "EntropyNet + SciPy Delaunay": lambda: Delaunay(net.transform(dpts))}
    dtimed = time_interleaved(dfns, repeats=lc["repeats"], warmup=1)
    derr = hulls.delaunay_error(dpts, moved)
    rows += [{"task": "Delaunay Triangulation", "method": name, "n": len(dpts), **_stats_s(t),
              "delaunay_error": derr if "EntropyNet" in name else 0.0} for name, t in dtimed.items()]
    frame = pd.DataFrame(rows)
    for task, g in frame.groupby("task"):
        base = g["total_time_s"].iloc[0]
        frame.loc[g.index, "speedup_vs_scipy"] = base / g["total_time_s"]
    frame["row"] = frame["task"] + " / " + frame["method"]
    write_csv(out_csv, frame)
    return frame


def _stats_s(t: dict) -> dict:
    raw = np.asarray(t["raw_ms"]) / 1e3
    return {"total_time_s": t["median_ms"] / 1e3, "iqr_s": t["iqr_ms"] / 1e3, "repeats": t["n_repeats"],
            "min_s": float(raw.min()), "max_s": float(raw.max())}


def forward_gflops(net: EntropyNet, n: int) -> float:
    """FLOPs of one EntropyNet forward on n points (torch's counter): the floor under its time."""
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        net(torch.rand(1, n, 2))
    return counter.get_total_flops() / 1e9


# ------------------------------------------------------------------ tables
def _interval(values) -> tuple[float, float, float]:
    values = np.asarray(values, float)
    lo, hi = seed_t_interval(values)
    return float(values.mean()), lo, hi


def summarise_method(timings: pd.DataFrame, algorithm: str, prep: str, variant: str = "") -> dict:
    """Mean and 95% t-interval of runtime, speed-up over raw input (same algorithm, same set),
    hull error and Hausdorff distance. The unit is the seed where there are several, else the set."""
    base = timings[(timings.algorithm == algorithm) & (timings.preprocess == "none")]
    rows = timings[(timings.algorithm == algorithm) & (timings.preprocess == prep) & (timings.variant.fillna("") == variant)]
    if rows.empty:
        return {}
    merged = rows.merge(base[["seed", "size", "set", "median_ms"]], on=["seed", "size", "set"], suffixes=("", "_raw"))
    merged["speedup"] = merged["median_ms_raw"] / merged["median_ms"]
    unit = "seed" if merged["seed"].nunique() > 1 else "set"
    per = merged.groupby(unit).agg(runtime_ms=("median_ms", "mean"), speedup=("speedup", lambda s: float(np.exp(np.log(s).mean()))),
                                   hull_error=("hull_error_pct", "mean"), hausdorff=("hausdorff", "mean"),
                                   points_out=("points_out", "mean"))
    out = {"ci_over": f"{len(per)} {unit}s", "points_in": float(merged["points_in"].mean())}
    for col in ("runtime_ms", "speedup", "hull_error", "hausdorff"):
        out[col], out[f"{col}_ci_low"], out[f"{col}_ci_high"] = _interval(per[col])
    out["points_out"] = float(per["points_out"].mean())
    for col in ("entropy_bound_in", "entropy_bound_out", "delaunay_error", "forward_ms", "hull_on_output_ms"):
        if col in merged and merged[col].notna().any():
            out[col] = float(merged[col].mean())
    return out


def _at_table(timings: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    return timings[(timings["size"] == cfg["timing"]["table_n"]) | (timings["family"] == "mnist")]


def _with_paper(row: dict, claims, source: str, metrics) -> dict:
    """The row with the paper's value and our verdict beside each metric it states."""
    from ..claims import find_claim, paper_columns
    for m in metrics:
        row.update(paper_columns(find_claim(claims, "geometry", source, row["row"], m), m, row))
    return row


def table2(cfg, timings, claims) -> pd.DataFrame:
    rows = []
    for family in [f for f in ("uniform", "parabolic") if f in cfg["families"]]:
        t = _at_table(timings[timings.family == family], cfg)
        for alg in hulls.ALGORITHMS:
            for prep in (*hulls.PREPROCESSORS, "entropynet"):
                s = summarise_method(t, alg, prep, MAIN if prep == "entropynet" else "")
                if s:
                    label = f"{DISPLAY[family]} / {METHOD_NAMES[prep]}" + ("" if alg == "qhull" else " [Chan]")
                    rows.append(_with_paper({"row": label, "family": family, "algorithm": alg, "preprocess": prep,
                                             "n": cfg["timing"]["table_n"], **s}, claims, "Table 2",
                                            ("runtime_ms", "speedup", "hull_error")))
    return pd.DataFrame(rows)


def variant_table(cfg, timings, runs_root, claims, source, labels: dict, metrics) -> pd.DataFrame:
    """One row per variant (uniform sweep family, QHull, table size)."""
    t = _at_table(timings[timings.family == cfg["sweep_family"]], cfg)
    rows = []
    for label, variant in labels.items():
        if variant != MAIN and variant not in cfg["sweep"]:
            continue
        s = summarise_method(t, "qhull", "entropynet", variant)
        if not s:
            continue
        seeds = cfg["seeds"] if variant == MAIN else cfg["seeds"][: cfg["variant_seeds"]]
        m = [read_json(Path(runs_root) / cfg["sweep_family"] / variant / f"seed{k}" / "metrics.json")["metrics"] for k in seeds]
        row = {"row": label, "variant": variant, **s, "speedup_vs_raw": s["speedup"],
               "speedup_vs_raw_ci_low": s["speedup_ci_low"], "speedup_vs_raw_ci_high": s["speedup_ci_high"],
               "hull_error_hausdorff_10_3": 1e3 * s["hausdorff"],
               "hull_error_hausdorff_10_3_ci_low": 1e3 * s["hausdorff_ci_low"],
               "hull_error_hausdorff_10_3_ci_high": 1e3 * s["hausdorff_ci_high"],
               "training_time_min": float(np.mean([r["train_seconds"] for r in m])) / 60,
               "lambda": m[0]["lambda"], "k": m[0]["k"], "kind": m[0]["kind"],
               "surrogate_reduction_pct": 100 * float(np.mean([1 - r["surrogate_out"] / r["surrogate_in"] for r in m])),
               "entropy_reduction": 100 * (1 - s.get("entropy_bound_out", np.nan) / s.get("entropy_bound_in", np.nan))}
        rows.append(_with_paper(row, claims, source, metrics))
    return pd.DataFrame(rows)


TABLE15 = {"Ball-Based (General)": MAIN, "Halfspace-Aware": "halfspace", "Axis-Aligned Rectangles": "rectangle"}
TABLE16 = {"8": "k8", "16": MAIN, "32": "k32", "64": "k64"}
TABLE17 = {"Full method (k-means++ init)": MAIN, "Fixed anchors": "fixed_anchors",
           "$\\alpha = 1$ (low temp)": "alpha1", "$\\lambda = 1.0$ (too large)": "lambda1"}


def lambda_sweep(cfg, timings, runs_root, claims) -> pd.DataFrame:
    labels = {f"lambda={variant_settings(cfg, v)['lambda']:g}": v for v in [MAIN, *cfg["sweep"]]
              if v == MAIN or variant_settings(cfg, v)["lambda"] != cfg["surrogate"]["lambda"]
              and {**cfg["variants"][v]}.keys() == {"lambda"}}
    frame = variant_table(cfg, timings, runs_root, claims, "Fig. 6", labels, ())
    return frame.sort_values("lambda") if not frame.empty else frame


def table20(cfg, timings, claims) -> pd.DataFrame:
    t = _at_table(timings[timings.family == cfg["sweep_family"]], cfg)
    names = {"none": "Raw Input", "sort": "Heuristic Sort", "kmeans": "k-means", "akl_toussaint": "Akl-Toussaint",
             "entropynet": "Entropy Regularization"}
    rows = []
    for prep, label in names.items():
        s = summarise_method(t, "qhull", prep, MAIN if prep == "entropynet" else "")
        if s:
            red = 100 * (1 - s["entropy_bound_out"] / s["entropy_bound_in"]) if "entropy_bound_in" in s else 0.0
            rows.append(_with_paper({"row": label, "preprocess": prep, **s, "entropy_reduction": red},
                                    claims, "Table 20", ("runtime_ms", "speedup", "entropy_reduction")))
    return pd.DataFrame(rows)


def table22(cfg, timings, claims) -> pd.DataFrame:
    rows = []
    for family in [f for f in ("uniform", "mnist") if f in cfg["families"]]:
        t = _at_table(timings[timings.family == family], cfg)
        chan = summarise_method(t, "chan", "entropynet", MAIN)
        raw_q = summarise_method(t, "qhull", "none")
        raw_c = summarise_method(t, "chan", "none")
        if not chan:
            continue
        rows.append(_with_paper({"row": DISPLAY[family], "family": family, "n": chan["points_in"],
                                 "entropynet": chan.get("forward_ms"), "chan_s_alg": chan.get("hull_on_output_ms"),
                                 "total_pipeline": chan["runtime_ms"], "raw_chan_ms": raw_c["runtime_ms"],
                                 "raw_qhull_ms": raw_q["runtime_ms"],
                                 "net_benefit_vs_qhull_ms": raw_q["runtime_ms"] - chan["runtime_ms"],
                                 "net_benefit_vs_chan_ms": raw_c["runtime_ms"] - chan["runtime_ms"],
                                 **_flops_floor(chan["points_in"], claims)},
                                claims, "Table 22", ("entropynet", "chan_s_alg", "total_pipeline")))
    return pd.DataFrame(rows)


def _flops_floor(n: float, claims) -> dict:
    """The arithmetic one EntropyNet forward needs at n points, and the rate the paper's
    0.8 ms forward (Table 22, Synthetic High) would imply at that n."""
    from ..claims import paper_value
    gflops = forward_gflops(EntropyNet(), int(round(n)))
    paper_ms = paper_value(claims, "geometry", "Table 22", "Synthetic (High)", "entropynet")
    return {"forward_gflops": gflops, "tflops_per_s_for_paper_forward_time": gflops / paper_ms if paper_ms else np.nan}


def table23(large: pd.DataFrame, claims) -> pd.DataFrame:
    frame = large.copy()
    names = {"Convex Hull / SciPy ConvexHull": "Convex Hull / SciPy ConvexHull",
             "Convex Hull / EntropyNet + Chan's Alg.": "Convex Hull / EntropyNet + Chan’s Alg."}
    frame["row"] = frame["row"].map(lambda r: names.get(r, r))
    rows = [_with_paper(r, claims, "Table 23", ("total_time_s", "speedup_vs_scipy")) for r in frame.to_dict("records")]
    return pd.DataFrame(rows)


def break_even(cfg, timings, runs_root, claims) -> pd.DataFrame:
    """Tables 8/9 from our numbers: N_min = T / ((1 - 1/S) t_raw), S the measured end-to-end
    speed-up of EntropyNet + QHull, T its training time; no break-even where S <= 1."""
    t = _at_table(timings[timings.family == cfg["sweep_family"]], cfg)
    s = summarise_method(t, "qhull", "entropynet", MAIN)
    raw = summarise_method(t, "qhull", "none")
    train = np.mean([read_json(Path(runs_root) / cfg["sweep_family"] / MAIN / f"seed{k}" / "metrics.json")["metrics"]["train_seconds"]
                     for k in cfg["seeds"]])
    saving_ms = (1 - 1 / s["speedup"]) * raw["runtime_ms"]
    row = {"row": "EntropyNet (Geometry)", "training_overhead": train / 60, "speedup": s["speedup"],
           "speedup_ci_low": s["speedup_ci_low"], "speedup_ci_high": s["speedup_ci_high"],
           "speedup_factor": s["speedup"], "t_raw_ms": raw["runtime_ms"], "saving_per_call_ms": saving_ms,
           "break_even_calls": train * 1e3 / saving_ms if saving_ms > 0 else float("inf")}
    row = _with_paper(row, claims, "Table 8", ("training_overhead", "speedup"))
    row = _with_paper(row, claims, "Table 9", ("speedup_factor",))
    return pd.DataFrame([row])


def within_run_correlation(cfg, runs_root) -> pd.DataFrame:
    """The paper's E.3 measured 'across training': R^2 between the surrogate of S' and the
    structural-entropy bound of S' over the epochs of each main run (validation sets)."""
    from scipy.stats import linregress
    rows = []
    for family in cfg["families"]:
        for seed in cfg["seeds"]:
            h = pd.DataFrame(read_json(Path(runs_root) / family / MAIN / f"seed{seed}" / "history.json")["history"])
            fit_ = linregress(h["surrogate_out"], h["entropy_bound_out"]) if len(h) > 2 else None
            rows.append({"row": f"{family} seed{seed}", "family": family, "seed": seed, "epochs": len(h),
                         "r_squared": fit_.rvalue ** 2 if fit_ else np.nan, "slope": fit_.slope if fit_ else np.nan,
                         "surrogate_first": h["surrogate_out"].iloc[0], "surrogate_last": h["surrogate_out"].iloc[-1],
                         "surrogate_of_input_last": h["surrogate_in"].iloc[-1],
                         "bound_input": h["entropy_bound_in"].iloc[0], "bound_first": h["entropy_bound_out"].iloc[0],
                         "bound_last": h["entropy_bound_out"].iloc[-1], "effective_cells_last": h["effective_cells"].iloc[-1]})
    return pd.DataFrame(rows)


def write_tables(cfg: dict, timing_csvs, large_csv, runs_root, claims_paths, out_dir) -> dict:
    from ..claims import load_ledger
    claims = load_ledger(claims_paths)
    timings = pd.concat([pd.read_csv(p) for p in timing_csvs], ignore_index=True)
    timings["variant"] = timings["variant"].fillna("")
    out_dir = Path(out_dir)
    tables = {"table2": table2(cfg, timings, claims),
              "table15": variant_table(cfg, timings, runs_root, claims, "Table 15", TABLE15, ("speedup_vs_raw", "hull_error")),
              "table16": variant_table(cfg, timings, runs_root, claims, "Table 16", TABLE16,
                                       ("speedup", "hull_error", "training_time_min")),
              "table17": variant_table(cfg, timings, runs_root, claims, "Table 17", TABLE17,
                                       ("speedup", "hull_error_hausdorff_10_3")),
              "lambda_sweep": lambda_sweep(cfg, timings, runs_root, claims),
              "table20": table20(cfg, timings, claims),
              "table22": table22(cfg, timings, claims),
              "table23": table23(pd.read_csv(large_csv), claims),
              "break_even": break_even(cfg, timings, runs_root, claims),
              "within_run_correlation": within_run_correlation(cfg, runs_root)}
    for name, frame in tables.items():
        write_csv(out_dir / f"{name}.csv", frame)
    return tables
