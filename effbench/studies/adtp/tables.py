"""AD-TP tables: every number read from the runs, the evaluation-time methods, the cost job and
the claims ledger (paper values are never retyped here). Accuracies are on the test split,
in percent, with a 95% bootstrap CI over examples (first seed; over seeds and examples where
a variant has several)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...artefacts import read_json, read_npz, write_csv
from ...claims import load_ledger
from ...ledger.columns import with_paper_columns
from ...stats.intervals import bootstrap_ci
from ...stats.ratios import ratio_columns, ratio_interval
from ...stats.tests import mcnemar, paired_bootstrap
from ..dense.floor import floor_probs
from .plan import ADTP, DENSE, ORACLE, RANDOM_RATIO, SHALLOW, STATIC, STATIC_ORACLE, arp_variants, ltp_variants, variants

RETAINER_ROWS = {"adaptive": ADTP, "static": STATIC, "random": RANDOM_RATIO,
                 "oracle": ORACLE, "static_at_oracle": STATIC_ORACLE}   # the last two: what any ratio rule could gain


def load_preds(runs_root, name: str, seed: int) -> dict:
    return read_npz(Path(runs_root) / name / f"seed{seed}" / "preds.npz")


def regression(p: dict) -> bool:
    """A regression head's run (STS-B): one output per example, its predicted score."""
    from ...stats.task_metrics import is_regression
    return is_regression(p["probs_all"])


def correct(p: dict) -> np.ndarray:
    return p["probs_all"].argmax(1) == p["labels"]


def accuracy_pct(p: dict) -> dict:
    """Accuracy in % with a bootstrap CI (binary or multi-class: resampled correctness); for a
    regression run, GLUE's Pearson and Spearman correlations (%) with their bootstrap CIs instead."""
    from ...stats.task_metrics import score_pct

    if regression(p):
        return {k: v for m in ("pearson", "spearman") for k, v in
                score_pct(m, p["labels"], p["probs_all"][:, 0], n_resamples=2000).items()}
    c = correct(p).astype(float)
    r = bootstrap_ci(np.ones_like(c), c, "accuracy", 2000)
    return {"accuracy_pct": 100 * r["estimate"], "accuracy_pct_ci_low": 100 * r["ci_low"],
            "accuracy_pct_ci_high": 100 * r["ci_high"]}


def paired(a: dict, b: dict, n_resamples: int) -> dict:
    """A - B on the same examples: paired bootstrap of the accuracy difference (pp) and McNemar
    (a regression run has no accuracy: its correlations carry their own CIs, nothing is paired)."""
    if regression(a):
        return {}
    ca, cb = correct(a).astype(float), correct(b).astype(float)
    boot = paired_bootstrap(np.ones_like(ca), ca, cb, "accuracy", n_resamples)
    return {"delta_pp": 100 * boot["delta"], "delta_pp_ci_low": 100 * boot["ci_low"],
            "delta_pp_ci_high": 100 * boot["ci_high"], "p_bootstrap": boot["p_value"],
            "p_mcnemar": mcnemar(ca > 0.5, cb > 0.5)["p_value"]}


def run_row(p: dict) -> dict:
    return {**accuracy_pct(p), "mean_ratio": float(p["ratio"].mean()),
            "retention": float((p["kept"] / p["length"]).mean()), "gflops": float(p["flops"].mean() / 1e9),
            "scoring_gflops": float(p["scoring_flops"].mean() / 1e9)}


def write_methods(cfg: dict, task: str, runs_root, methods_csv, cost_path, claims_paths, out_path, joined=None,
                  scale: str = "default", floor=None, *, config: dict | None) -> pd.DataFrame:
    """Accuracy vs FLOPs vs measured time for every method on one task (the poster's budget
    figure in numbers, and Tables 1-3 in shape), paper values beside ours: each claim whose
    ledger pointer at this scale reads a cell of this table (`paper_<metric>`, `verdict_<metric>`);
    floor: the task's floor_preds.npz, whose majority and bag-of-words rows join the table; `config`:
    the run's whole config, which names the stand-ins the verdicts are framed by (claims.paper_columns)."""
    from ...data.tasks import metric as task_metric
    from ...stats.task_metrics import score_pct

    t = cfg["tasks"][task]
    seed = t["seeds"][0]
    own_metric = task_metric(t)          # GLUE's F1 or Matthews beside accuracy, where the task has one
    claims = load_ledger(claims_paths)
    cost = read_json(cost_path)["metrics"]["methods"]
    evaluated = pd.read_csv(methods_csv)
    dense = load_preds(runs_root, DENSE, seed)
    rows = []
    for name in dict.fromkeys([DENSE, SHALLOW, ADTP, *ltp_variants(cfg, task), *evaluated["method"]]):
        if (Path(runs_root) / name / f"seed{seed}" / "preds.npz").exists():
            p = load_preds(runs_root, name, seed)
            row = {"method": name, **run_row(p)}
            if own_metric not in ("accuracy", "pearson"):       # pearson: run_row's, for a regression run
                row.update(score_pct(own_metric, p["labels"], p["probs_all"].argmax(1)))
            if name != DENSE:
                row.update({f"vs_dense_{k}": v for k, v in paired(p, dense, cfg["n_resamples"]).items()})
                # FLOPs counted per test example of both models: the reduction's interval pairs the examples,
                # as accuracy's does (the dense row's is 1 by definition, its pointers say so: point_basis)
                row.update(ratio_columns("flops_reduction_x", ratio_interval(dense["flops"], p["flops"], statistic="mean",
                                                                             unit="test examples")))
        else:     # a ratio-grid point of a baseline scorer (no per-example artefact kept)
            e = evaluated.set_index("method").loc[name]
            row = {"method": name, "accuracy_pct": 100 * e["accuracy"], "mean_ratio": e["mean_ratio"],
                   "retention": e["retention"], "gflops": e["gflops"], "scoring_gflops": e["scoring_gflops"],
                   **{f"{m}_pct": 100 * e[m] for m in ("pearson", "spearman") if m in e.index}}
        row["source"] = "trained" if name in variants(cfg, task) else "evaluation-time"
        rows.append(row)
    if floor is not None and not regression(dense):   # the floor every method must clear, on the same examples
        for name, probs in floor_probs(floor, dense["labels"]).items():
            p = {"probs_all": probs, "labels": dense["labels"]}
            rows.append({"method": name, **accuracy_pct(p),
                         **{f"vs_dense_{k}": v for k, v in paired(p, dense, cfg["n_resamples"]).items()},
                         "source": "floor"})
    frame = pd.DataFrame(rows)
    dense_g = frame.set_index("method").loc[DENSE, "gflops"]
    frame["flops_reduction_x"] = dense_g / frame["gflops"]
    frame["flops_reduction_x_with_scoring"] = dense_g / (frame["gflops"] + frame["scoring_gflops"])
    timed = {"adtp_static": STATIC, **{f"{k}_matched": f"{k}_static" for k in t["scorers"]}}
    for i, r in frame.iterrows():
        c = cost.get(r["method"]) or cost.get(timed.get(r["method"], ""))
        if c is not None:
            frame.loc[i, "latency_b1_ms"] = c["latency_b1"]["mean_ms"]
            frame.loc[i, "speedup_b1"] = c["speedup_b1"]                    # against the library's (SDPA) dense
            for end in ("_ci_low", "_ci_high", "_ci_method"):                 # over the paired examples timed
                if f"speedup_b1{end}" in c:
                    frame.loc[i, f"speedup_b1{end}"] = c[f"speedup_b1{end}"]
            frame.loc[i, "speedup_b1_vs_eager"] = c["speedup_b1_vs_eager"]   # against our eager dense path
            for b, th in c["throughput"].items():
                frame.loc[i, f"throughput_b{b}_per_s"] = th["examples_per_s"]
                frame.loc[i, f"speedup_b{b}"] = th["speedup"]
                frame.loc[i, f"speedup_b{b}_vs_eager"] = th["speedup_vs_eager"]
    frame = with_paper_columns(frame, claims, out_path, scale, cfg=config)
    if joined is not None and len(joined):
        frame = pd.concat([frame, joined], ignore_index=True)
    write_csv(out_path, frame)
    return frame


def joined_rows(text_gate_table=None, eat_frontier=None) -> pd.DataFrame:
    """The entropy gate and EAT on the same backbone and task, read from their own studies'
    tables (other splits and training budgets: shown for reference, not paired-tested)."""
    rows = []
    if text_gate_table and Path(text_gate_table).exists():
        tg = pd.read_csv(text_gate_table)
        dense_g = tg.loc[tg["row"] == "dense", "gflops"].iloc[0]
        for _, r in tg[tg["gate"] == "entropy_topk"].iterrows():
            rows.append({"method": f"entropy_gate_{r['row']}", "source": "text_gate study (test split, the shared dense)",
                         "accuracy_pct": 100 * r["accuracy"], "accuracy_pct_ci_low": 100 * r["accuracy_ci_low"],
                         "accuracy_pct_ci_high": 100 * r["accuracy_ci_high"], "mean_ratio": r["keep_ratio"],
                         "gflops": r["gflops"], "flops_reduction_x": dense_g / r["gflops"], "speedup_b1": r["speedup_b1"]})
    if eat_frontier and Path(eat_frontier).exists():
        ef = pd.read_csv(eat_frontier)
        for _, r in ef[ef["chosen"].astype(bool)].iterrows():
            rows.append({"method": f"eat_{r['row']}", "source": "eat study (test split, the shared dense)",
                         "accuracy_pct": 100 * r["accuracy"], "accuracy_pct_ci_low": 100 * r.get("accuracy_ci_low", np.nan),
                         "accuracy_pct_ci_high": 100 * r.get("accuracy_ci_high", np.nan), "retention": r["avg_retention"],
                         "gflops": r["gflops"], "flops_reduction_x": 1 / r["gflops_vs_dense"],
                         "speedup_b1": r["speedup_vs_dense"]})
    return pd.DataFrame(rows)


def ratio_spread(p: dict) -> dict:
    """How adaptive a ratio rule was: mean, spread and the share of its most common ratio."""
    values, counts = np.unique(p["ratio"].round(6), return_counts=True)
    return {"rho": float(p["ratio"].mean()), "rho_sd": float(p["ratio"].std()), "distinct_ratios": len(values),
            "most_common_ratio": float(values[counts.argmax()]), "most_common_ratio_share": float(counts.max() / counts.sum())}


def write_retainer(cfg: dict, task: str, runs_root, claims_paths, out_path, scale: str = "default", *,
                   config: dict | None) -> pd.DataFrame:
    """Table 4: the same AD-TP weights with the ratio chosen adaptively (ARP), statically
    (every sequence at the ARP's mean ratio: equal FLOPs up to length mix) or at random (the
    ARP's ratios shuffled across sequences); paired tests of adaptive against each. The oracle
    gives each sequence the smallest ratio that keeps its unpruned prediction (a perfect ARP);
    against the static ratio at its own mean it measures the headroom any adaptive rule has."""
    t = cfg["tasks"][task]
    seed = t["seeds"][0]
    claims = load_ledger(claims_paths)
    preds = {row: load_preds(runs_root, name, seed) for row, name in RETAINER_ROWS.items()}
    dense_g = load_preds(runs_root, DENSE, seed)["flops"].mean()
    rows = []
    for row, p in preds.items():
        r = {"row": row, "method": RETAINER_ROWS[row], **run_row(p), **ratio_spread(p)}
        r["flops_reduction_x"] = dense_g / p["flops"].mean()
        if row != "adaptive":
            r.update({f"adaptive_minus_{k}": v for k, v in paired(preds["adaptive"], p, cfg["n_resamples"]).items()})
        if row == "oracle":
            r.update({f"oracle_minus_static_{k}": v for k, v in
                      paired(p, preds["static_at_oracle"], cfg["n_resamples"]).items()})
        rows.append(r)
    frame = with_paper_columns(pd.DataFrame(rows), claims, out_path, scale, cfg=config)
    write_csv(out_path, frame)
    return frame


SENSITIVITY_ZEROS = ("adtp_no_logit", "adtp_no_ig", "adtp_no_retainer")   # alpha, beta, gamma = 0


def variant_rows(cfg: dict, task: str, runs_root, group: str, reference: str = ADTP, extra=()) -> pd.DataFrame:
    """One row per trained variant of a group (plus the main AD-TP run): test accuracy (CI),
    ratio, FLOPs, training time, and the paired difference to the main run."""
    specs = variants(cfg, task)
    seed = cfg["tasks"][task]["seeds"][0]
    ref = load_preds(runs_root, reference, seed)
    dense_g = load_preds(runs_root, DENSE, seed)["flops"].mean()
    rows = []
    for name, spec in specs.items():
        if spec["kind"] != "adtp" or (spec["group"] != group and name != reference and name not in extra):
            continue
        p = load_preds(runs_root, name, seed)
        m = read_json(Path(runs_root) / name / f"seed{seed}" / "metrics.json")["metrics"]
        r = {"row": name, **{k: spec[k] for k in ("alpha", "beta", "gamma", "ce", "teacher", "ig_steps", "n_candidates")},
             **run_row(p), "flops_reduction_x": dense_g / p["flops"].mean(),
             "train_seconds_per_epoch": m["train_seconds"] / m["train_epochs"]}
        if name != reference:
            r.update({f"minus_adtp_{k}": v for k, v in paired(p, ref, cfg["n_resamples"]).items()})
        rows.append(r)
    return pd.DataFrame(rows)


def arp_rows(cfg: dict, task: str, runs_root) -> pd.DataFrame:
    """Table 4's question given a fair chance: the poster's ratio predictor and each retrained one
    (larger head learning rate, class-balanced loss, pooled input, all three), each against its own
    weights at its own mean ratio (equal FLOPs up to the length mix), and the oracle's headroom."""
    seed = cfg["tasks"][task]["seeds"][0]
    dense_g = load_preds(runs_root, DENSE, seed)["flops"].mean()
    specs = variants(cfg, task)
    rows = []
    for name, static in ((ADTP, STATIC), *((v, f"{v}_static") for v in arp_variants(cfg, task)), (ORACLE, STATIC_ORACLE)):
        p, q = load_preds(runs_root, name, seed), load_preds(runs_root, static, seed)
        spec = specs.get(name, {})
        rows.append({"row": name, **{k: spec.get(k) for k in ("head_lr_x", "arp_balanced", "arp_input")},
                     **run_row(p), **ratio_spread(p), "flops_reduction_x": dense_g / p["flops"].mean(),
                     "static_accuracy_pct": 100 * float(correct(q).mean()),
                     "static_flops_reduction_x": dense_g / q["flops"].mean(),
                     **{f"adaptive_minus_static_{k}": v for k, v in paired(p, q, cfg["n_resamples"]).items()}})
    frame = pd.DataFrame(rows)
    headroom = frame.loc[frame["row"] == ORACLE, "adaptive_minus_static_delta_pp"].item()
    frame["share_of_oracle_headroom"] = frame["adaptive_minus_static_delta_pp"] / headroom if headroom > 0 else np.nan
    return frame


def write_group(cfg: dict, task: str, runs_root, group: str, claims_paths, out_path, scale: str = "default", *,
                config: dict | None) -> pd.DataFrame:
    if group == "arp":
        frame = arp_rows(cfg, task, runs_root)
        write_csv(out_path, frame)
        return frame
    frame = variant_rows(cfg, task, runs_root, group, extra=SENSITIVITY_ZEROS if group == "sensitivity" else ())
    if group == "candidates":      # the training curves per list length (validation accuracy after each epoch)
        seed = cfg["tasks"][task]["seeds"][0]
        for i, r in frame.iterrows():
            history = read_json(Path(runs_root) / r["row"] / f"seed{seed}" / "history.json")["history"]
            for h in history:
                frame.loc[i, f"val_accuracy_epoch{h['epoch']}"] = h["val_accuracy"]
        frame = frame.sort_values("n_candidates")
    if group == "ig_steps":          # Table 6's rows are m = 1, 3, 5, 7
        frame.insert(0, "m", frame["ig_steps"])
        frame["row"] = [f"m={m}" for m in frame["m"]]
        frame = frame.sort_values("m")
    if group == "ablation":
        drops = frame.loc[frame["row"] != ADTP, "minus_adtp_delta_pp"]
        frame = pd.concat([frame, pd.DataFrame([{"row": "max_drop", "accuracy_drop_pct_max": float(-drops.min())}])],
                          ignore_index=True)
    frame = with_paper_columns(frame, load_ledger(claims_paths), out_path, scale, cfg=config)
    write_csv(out_path, frame)
    return frame


def write_summary(cfg: dict, method_tables: dict, out_path) -> pd.DataFrame:
    """Tables 1-3 in one: dense, the shallower distilled model and AD-TP on every task."""
    rows = []
    for task, path in method_tables.items():
        m = pd.read_csv(path).set_index("method")
        for name in (DENSE, SHALLOW, ADTP):
            r = m.loc[name]
            rows.append({"task": task, "model": name, "paper_column": cfg["tasks"][task].get("paper_column"),
                         **{k: r.get(k) for k in ("accuracy_pct", "accuracy_pct_ci_low", "accuracy_pct_ci_high",
                                                  "flops_reduction_x", "mean_ratio", "paper_accuracy",
                                                  "paper_flops_reduction_x", "verdict_accuracy", "verdict_flops_reduction_x")},
                         **{k: r[k] for k in r.index if k.startswith("speedup_b")}})
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    return frame
