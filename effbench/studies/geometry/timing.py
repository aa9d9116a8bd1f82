"""The timing matrix: (QHull | Chan) x (each preprocessing), end to end and interleaved."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...artefacts import write_csv
from ...cost.timing import time_interleaved
from ...data.points import point_set
from ...entropy.range_partition import structural_entropy_bound
from ...geometry import hulls
from ...geometry.entropynet import EntropyNet
from ...stats.ratios import ratio_columns, ratio_interval
from .plan import MAIN
from .sets import rng_for, sets_for, sizes_for


def time_family(cfg: dict, family: str, nets: dict, out_csv, scorers: dict | None = None) -> pd.DataFrame:
    """End-to-end time of every (algorithm, preprocessing) on held-out sets, with points in and
    out of the preprocessing stage, hull errors and, for EntropyNet, the stage breakdown.
    nets: {(variant, seed): EntropyNet}; variants other than the main one are timed with QHull
    at the table size only. scorers: {seed: NeuralSort PointScorer} (Table 20), timed with QHull
    at the table size, scoring included."""
    tcfg, opts = cfg["timing"], cfg["qhull_options"]
    rows = []
    for seed in cfg["seeds"]:
        for n in sizes_for(cfg, family):
            for j, pts in enumerate(sets_for("test", family, n or 1, tcfg["sets_per_seed"], seed)):
                rows += _time_one_set(cfg, family, seed, n, j, pts, nets, opts, (scorers or {}).get(seed))
    frame = pd.DataFrame(rows)
    write_csv(out_csv, frame)
    return frame


def _time_one_set(cfg, family, seed, n, j, pts, nets, opts, scorer=None):
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
    if scorer is not None and at_table:              # the learned filter: score, keep the top share, then QHull
        def run_neuralsort():
            idx = scorer.select(pts, cfg["neuralsort"]["keep"])
            return idx, idx[hulls.qhull(pts[idx], opts)]
        pipelines[("qhull", "neuralsort", "")] = run_neuralsort
    for (variant, s), net in nets.items():
        if s != seed or (variant != MAIN and not at_table):
            continue
        for alg in (hulls.ALGORITHMS if variant == MAIN else ("qhull",)):
            def run(alg=alg, net=net):
                moved = net.transform(pts)
                return moved, hulls.run_hull(alg, moved, opts)
            pipelines[(alg, "entropynet", variant)] = run
    timed = time_interleaved({key: fn for key, fn in pipelines.items()}, repeats=tcfg["repeats"], warmup=tcfg["warmup"])
    stages, per_point_gflops = {}, None
    if (MAIN, seed) in nets:                             # Table 22: the stages of the main pipeline
        net = nets[(MAIN, seed)]
        # the arithmetic floor under the forward's time; linear in n (pointwise MLPs, max-pool)
        per_point_gflops = forward_gflops(net, len(pts)) / len(pts)
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
        if prep == "neuralsort":                      # the structure of what reaches the hull algorithm
            row["entropy_bound_in"] = structural_entropy_bound(pts)
            row["entropy_bound_out"] = structural_entropy_bound(pts[first])
            row["vertex_recall"] = float(np.isin(true, first).mean())
        if prep == "entropynet" and variant == MAIN and stages:
            row["forward_ms"] = stages["forward"]["median_ms"]
            row["hull_on_output_ms"] = stages[f"{alg}_on_output"]["median_ms"]
            row["forward_gflops_per_point"] = per_point_gflops
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
    # each task's first method (SciPy) is the reference; the rounds were interleaved, so the speed-up's
    # interval pairs them (stats.ratios)
    for task, task_timed in (("Convex Hull", timed), ("Delaunay Triangulation", dtimed)):
        base = next(iter(task_timed.values()))["raw_ms"]
        for name, t in task_timed.items():
            i = frame.index[(frame["task"] == task) & (frame["method"] == name)][0]
            for col, value in ratio_columns("speedup_vs_scipy", ratio_interval(base, t["raw_ms"])).items():
                frame.loc[i, col] = value
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
