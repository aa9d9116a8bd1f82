"""The geometry tables: paper 003's Tables 2, 8/9, 15-17, 20, 22, 23 and the lambda sweep, from timings and runs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...artefacts import read_json, write_csv
from ...geometry import hulls
from ...stats.intervals import interval_columns, two_level_bootstrap_of
from .plan import DISPLAY, MAIN, METHOD_NAMES, grid, sweep, variant_settings


def _by_seed(merged: pd.DataFrame, col: str) -> np.ndarray:
    """(S, J) one metric: a row per seed, a column per held-out set (size, set). Each seed draws its
    own sets (sets.sets_for), so column j holds each seed's j-th set: the shared example resample of
    the two-level bootstrap then draws J sets of every seed, a bootstrap over sets within seeds."""
    return merged.pivot_table(index="seed", columns=["size", "set"], values=col, aggfunc="mean").to_numpy()


def _exp(result: dict) -> dict:
    """A log-scale interval back on the ratio's scale (percentile intervals carry over: always > 0)."""
    return {**result, "estimate": float(np.exp(result["estimate"])), "ci_low": float(np.exp(result["ci_low"])),
            "ci_high": float(np.exp(result["ci_high"])), "per_seed": np.exp(result["per_seed"]).tolist()}


def summarise_method(timings: pd.DataFrame, algorithm: str, prep: str, variant: str = "") -> dict:
    """Runtime, speed-up over raw input (same algorithm, same set), hull error and Hausdorff distance:
    their mean and 95% interval by the two-level bootstrap over seeds, then held-out sets within a seed
    (stats.intervals.two_level_bootstrap_of). Several seeds: seeds and sets vary; one seed (the sweeps):
    a bootstrap over its sets; one seed with one set: one value, no interval (NaN). The speed-up, a
    ratio, is a geometric mean with its interval on the log scale (so it stays > 0); the others
    are means of non-negative values, so their percentile intervals stay >= 0."""
    base = timings[(timings.algorithm == algorithm) & (timings.preprocess == "none")]
    rows = timings[(timings.algorithm == algorithm) & (timings.preprocess == prep) & (timings.variant.fillna("") == variant)]
    if rows.empty:
        return {}
    merged = rows.merge(base[["seed", "size", "set", "median_ms"]], on=["seed", "size", "set"], suffixes=("", "_raw"))
    merged["log_speedup"] = np.log(merged["median_ms_raw"] / merged["median_ms"])
    n_seeds, n_sets = _by_seed(merged, "median_ms").shape
    out = {"ci_over": f"{n_seeds} seed{'s' * (n_seeds > 1)} x {n_sets} set{'s' * (n_sets > 1)}",
           "n_seeds": n_seeds, "n_sets": n_sets, "points_in": float(merged["points_in"].mean()),
           # only EntropyNet is trained: elsewhere a seed draws point sets, not a model (ledger.seeds)
           "trained": prep == "entropynet"}
    for col, source in (("runtime_ms", "median_ms"), ("hull_error", "hull_error_pct"), ("hausdorff", "hausdorff")):
        out.update(interval_columns(col, two_level_bootstrap_of(_by_seed(merged, source))))
    out.update(interval_columns("speedup", _exp(two_level_bootstrap_of(_by_seed(merged, "log_speedup")))))
    out["points_out"] = float(merged["points_out"].mean())
    for col in ("entropy_bound_in", "entropy_bound_out", "delaunay_error", "forward_ms", "hull_on_output_ms",
                "forward_gflops_per_point", "vertex_recall"):
        if col in merged and merged[col].notna().any():
            out[col] = float(merged[col].mean())
    return out


def _at_table(timings: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    return timings[(timings["size"] == cfg["timing"]["table_n"]) | (timings["family"] == "mnist")]


def _with_paper(row: dict, claims, source: str, metrics, *, scale: str = "default", config: dict | None = None) -> dict:
    """The row with the paper's value and our verdict beside each metric it states: the ledger's verdict at
    `scale`, framed by the evidence kind the run's whole `config` gives it (claims.paper_columns)."""
    from ...claims import find_claim
    from ...ledger.columns import paper_columns
    for m in metrics:
        row.update(paper_columns(find_claim(claims, "geometry", source, row["row"], m), m, row, scale=scale, cfg=config))
    return row


def table2(cfg, timings, claims, *, scale: str = "default", config: dict | None = None) -> pd.DataFrame:
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
                                            ("runtime_ms", "speedup", "hull_error"), scale=scale, config=config))
    return pd.DataFrame(rows)


def variant_table(cfg, timings, runs_root, claims, source, labels: dict, metrics, *,
                  scale: str = "default", config: dict | None = None) -> pd.DataFrame:
    """One row per variant (uniform sweep family, QHull, table size)."""
    t = _at_table(timings[timings.family == cfg["sweep_family"]], cfg)
    rows = []
    for label, variant in labels.items():
        if variant != MAIN and variant not in sweep(cfg):
            continue
        s = summarise_method(t, "qhull", "entropynet", variant)
        if not s:
            continue
        seeds = cfg["seeds"] if variant == MAIN else cfg["seeds"][: cfg["variant_seeds"]]
        m = [read_json(Path(runs_root) / cfg["sweep_family"] / variant / f"seed{k}" / "metrics.json")["metrics"] for k in seeds]
        row = {"row": label, "variant": variant, **s, **_alias(s, "speedup", "speedup_vs_raw"),
               **_alias(s, "hausdorff", "hull_error_hausdorff_10_3", 1e3),
               "training_time_min": float(np.mean([r["train_seconds"] for r in m])) / 60,
               "lambda": m[0]["lambda"], "k": m[0]["k"], "kind": m[0]["kind"],
               "surrogate_reduction_pct": 100 * float(np.mean([1 - r["surrogate_out"] / r["surrogate_in"] for r in m])),
               "entropy_reduction": 100 * (1 - s.get("entropy_bound_out", np.nan) / s.get("entropy_bound_in", np.nan))}
        rows.append(_with_paper(row, claims, source, metrics, scale=scale, config=config))
    return pd.DataFrame(rows)


def _alias(s: dict, metric: str, name: str, scale: float = 1.0) -> dict:
    """One metric's interval columns of a summarise_method row under the name (and unit) a paper's table uses."""
    return interval_columns(name, {"estimate": s[metric], "ci_low": s[f"{metric}_ci_low"], "ci_high": s[f"{metric}_ci_high"],
                                   "method": s[f"{metric}_ci_method"],
                                   "per_seed": [float(v) for v in s[f"{metric}_per_seed"].split(" / ")]}, scale)


TABLE15 = {"Ball-Based (General)": MAIN, "Halfspace-Aware": "halfspace", "Axis-Aligned Rectangles": "rectangle"}
TABLE16 = {"8": "k8", "16": MAIN, "32": "k32", "64": "k64"}
TABLE17 = {"Full method (k-means++ init)": MAIN, "Fixed anchors": "fixed_anchors",
           "$\\alpha = 1$ (low temp)": "alpha1", "$\\lambda = 1.0$ (too large)": "lambda1"}


def lambda_sweep(cfg, timings, runs_root, claims, *, scale: str = "default", config: dict | None = None) -> pd.DataFrame:
    labels = {f"lambda={variant_settings(cfg, v)['lambda']:g}": v for v in [MAIN, *cfg["sweep"]]
              if v == MAIN or variant_settings(cfg, v)["lambda"] != cfg["surrogate"]["lambda"]
              and {**cfg["variants"][v]}.keys() == {"lambda"}}
    frame = variant_table(cfg, timings, runs_root, claims, "Fig. 6", labels, (), scale=scale, config=config)
    return frame.sort_values("lambda") if not frame.empty else frame


def k_alpha(cfg, timings, runs_root, claims, *, scale: str = "default", config: dict | None = None) -> pd.DataFrame:
    """Fig. 5: speed-up and hull error over anchor count k x fixed sharpness alpha (QHull, table size)."""
    labels = {name: name for name in grid(cfg)}
    frame = variant_table(cfg, timings, runs_root, claims, "Fig. 5", labels, (), scale=scale, config=config)
    if frame.empty:
        return frame
    frame["alpha"] = [grid(cfg)[v]["alpha_start"] for v in frame["variant"]]
    frame["k_configured"] = [grid(cfg)[v]["k"] for v in frame["variant"]]
    return frame.sort_values(["k_configured", "alpha"]).reset_index(drop=True)


def table20(cfg, timings, claims, *, scale: str = "default", config: dict | None = None) -> pd.DataFrame:
    t = _at_table(timings[timings.family == cfg["sweep_family"]], cfg)
    names = {"none": "Raw Input", "sort": "Heuristic Sort", "kmeans": "k-means", "akl_toussaint": "Akl-Toussaint",
             "neuralsort": "NeuralSort Preprocessing", "entropynet": "Entropy Regularization"}
    rows = []
    for prep, label in names.items():
        s = summarise_method(t, "qhull", prep, MAIN if prep == "entropynet" else "")
        if s:
            # no bound measured (the raw input has none to reduce): NaN, "not measured", never a literal 0.0
            measured = "entropy_bound_in" in s and "entropy_bound_out" in s
            red = 100 * (1 - s["entropy_bound_out"] / s["entropy_bound_in"]) if measured else float("nan")
            rows.append(_with_paper({"row": label, "preprocess": prep, **s, "entropy_reduction": red,
                                     "entropy_reduction_measured": measured},
                                    claims, "Table 20", ("runtime_ms", "speedup", "entropy_reduction"),
                                    scale=scale, config=config))
    return pd.DataFrame(rows)


def table22(cfg, timings, claims, *, scale: str = "default", config: dict | None = None) -> pd.DataFrame:
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
                                 "total_pipeline": chan["runtime_ms"],      # with its interval over the timing repeats
                                 "total_pipeline_ci_low": chan.get("runtime_ms_ci_low"),
                                 "total_pipeline_ci_high": chan.get("runtime_ms_ci_high"),
                                 "raw_chan_ms": raw_c["runtime_ms"],
                                 "raw_qhull_ms": raw_q["runtime_ms"],
                                 "net_benefit_vs_qhull_ms": raw_q["runtime_ms"] - chan["runtime_ms"],
                                 "net_benefit_vs_chan_ms": raw_c["runtime_ms"] - chan["runtime_ms"],
                                 **_flops_floor(chan["points_in"], chan["forward_gflops_per_point"], claims)},
                                claims, "Table 22", ("entropynet", "chan_s_alg", "total_pipeline"),
                                scale=scale, config=config))
    return pd.DataFrame(rows)


def _flops_floor(n: float, gflops_per_point: float, claims) -> dict:
    """The arithmetic one EntropyNet forward needs at n points (torch's count in the timing
    job), and the rate the paper's 0.8 ms forward (Table 22, Synthetic High) would imply at that n."""
    from ...claims import paper_value
    gflops = gflops_per_point * int(round(n))
    paper_ms = paper_value(claims, "geometry", "Table 22", "Synthetic (High)", "entropynet")
    return {"forward_gflops": gflops, "tflops_per_s_for_paper_forward_time": gflops / paper_ms if paper_ms else np.nan}


def table23(large: pd.DataFrame, claims, *, scale: str = "default", config: dict | None = None) -> pd.DataFrame:
    frame = large.copy()
    names = {"Convex Hull / SciPy ConvexHull": "Convex Hull / SciPy ConvexHull",
             "Convex Hull / EntropyNet + Chan's Alg.": "Convex Hull / EntropyNet + Chan’s Alg."}
    frame["row"] = frame["row"].map(lambda r: names.get(r, r))
    rows = [_with_paper(r, claims, "Table 23", ("total_time_s", "speedup_vs_scipy"), scale=scale, config=config)
            for r in frame.to_dict("records")]
    return pd.DataFrame(rows)


def break_even(cfg, timings, runs_root, claims, *, scale: str = "default", config: dict | None = None) -> pd.DataFrame:
    """Tables 8/9 from our numbers: N_min = T / ((1 - 1/S) t_raw), S the measured end-to-end
    speed-up of EntropyNet + QHull, T its training time (the training steps of every process that
    ran part of the run, fit's train_seconds); no break-even where S <= 1."""
    t = _at_table(timings[timings.family == cfg["sweep_family"]], cfg)
    s = summarise_method(t, "qhull", "entropynet", MAIN)
    raw = summarise_method(t, "qhull", "none")
    train = np.mean([read_json(Path(runs_root) / cfg["sweep_family"] / MAIN / f"seed{k}" / "metrics.json")["metrics"]["train_seconds"]
                     for k in cfg["seeds"]])
    saving_ms = (1 - 1 / s["speedup"]) * raw["runtime_ms"]
    row = {"row": "EntropyNet (Geometry)", "training_overhead": train / 60, **_alias(s, "speedup", "speedup"),
           **_alias(s, "speedup", "speedup_factor"), "t_raw_ms": raw["runtime_ms"], "saving_per_call_ms": saving_ms,
           "break_even_calls": train * 1e3 / saving_ms if saving_ms > 0 else float("inf")}
    row = _with_paper(row, claims, "Table 8", ("training_overhead", "speedup"), scale=scale, config=config)
    row = _with_paper(row, claims, "Table 9", ("speedup_factor",), scale=scale, config=config)
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


def write_tables(cfg: dict, timing_csvs, large_csv, runs_root, claims_paths, out_dir, *, scale: str,
                 config: dict | None) -> dict:
    """Every geometry table; `scale`, `config` (the run's whole config): the ledger's, which the verdict
    columns read (claims.paper_columns)."""
    from ...claims import load_ledger
    at = {"scale": scale, "config": config}
    claims = load_ledger(claims_paths)
    timings = pd.concat([pd.read_csv(p) for p in timing_csvs], ignore_index=True)
    timings["variant"] = timings["variant"].fillna("")
    out_dir = Path(out_dir)
    tables = {"table2": table2(cfg, timings, claims, **at),
              "table15": variant_table(cfg, timings, runs_root, claims, "Table 15", TABLE15, ("speedup_vs_raw", "hull_error"), **at),
              "table16": variant_table(cfg, timings, runs_root, claims, "Table 16", TABLE16,
                                       ("speedup", "hull_error", "training_time_min"), **at),
              "table17": variant_table(cfg, timings, runs_root, claims, "Table 17", TABLE17,
                                       ("speedup", "hull_error_hausdorff_10_3"), **at),
              "lambda_sweep": lambda_sweep(cfg, timings, runs_root, claims, **at),
              "k_alpha": k_alpha(cfg, timings, runs_root, claims, **at),
              "table20": table20(cfg, timings, claims, **at),
              "table22": table22(cfg, timings, claims, **at),
              "table23": table23(pd.read_csv(large_csv), claims, **at),
              "break_even": break_even(cfg, timings, runs_root, claims, **at),
              "within_run_correlation": within_run_correlation(cfg, runs_root)}
    for name, frame in tables.items():
        write_csv(out_dir / f"{name}.csv", frame)
    return tables
