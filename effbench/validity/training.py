"""Trained to convergence: the dense text models, the ViT dense model and EntropyNet.

Every speed-up and every accuracy delta is against a model that was finished training; a teacher
stopped early makes any method that trains longer look better. The contract with the trainers
(results/dense/<task>/seed<k>/metrics.json, results/vit/runs/dense/seed<k>/metrics.json):
early stopping over the whole validation split (on `monitor`: val_loss, or val_right, the share
right, for the dense text models since the loss and the accuracy disagreed), with `stopped` ("plateau" | "max_epochs"),
`best_epoch`, `epochs_run`, `max_epochs`, `patience`, and `val_loss` in every history record; the dense
text model also `plateau_p_value` (a one-sided paired test, exact McNemar on the validation examples,
that the last epoch is not more often right than the best one), which the ViT gives where it has one.
  dense_converged / vit_converged   stopped on a plateau that the paired test confirms (p > alpha), its
                                    best epoch the monitor's best; stopping at the maximum fails
  dense_continued_gain              dense trained as long again is not significantly better than dense
  entropynet_converged              EntropyNet (early-stopped on its validation sets' objective; the paper
                                    trains 200 fixed epochs) stopped on a plateau, not at the maximum, and
                                    over the last third of its epochs the validation objective shows no
                                    significant downward trend, or one under 1% of its whole descent
"""
from __future__ import annotations

import glob
from pathlib import Path

import numpy as np

from . import layout
from .core import record

KEYS = ("stopped", "best_epoch", "epochs_run", "max_epochs", "patience")
PLATEAU = "plateau_p_value"
FLAT = 0.01                 # a downward trend worth less than 1% of the run's whole descent over the window is flat
MIN_EPOCHS = 6              # fewer epochs cannot show a trend over their last third


def early_stopped(run, check, study, task, run_dir, guards, paired_plateau: bool = True) -> dict:
    """One early-stopped run; `paired_plateau`: its plateau must carry the paired test's p."""
    metrics_path, history_path = f"{run_dir}/metrics.json", f"{run_dir}/history.json"
    m = run.json(metrics_path)
    if m is None:
        return run.missing(check, study, task, metrics_path, f"{metrics_path} (the trained model)", guards=guards)
    lacking = [k for k in KEYS + ((PLATEAU,) if paired_plateau else ()) if k not in m]
    history = run.history(history_path) or []
    if lacking:
        return run.missing(check, study, task, metrics_path, f"{', '.join(lacking)} in {metrics_path} "
                           "(early stopping on the whole validation split's loss)", guards=guards)
    if not history or any("val_loss" not in h for h in history):
        return run.missing(check, study, task, metrics_path, f"val_loss in every record of {history_path}",
                           guards=guards)
    monitor = m.get("monitor", "val_loss")           # what early stopping watched (dense: config monitor)
    if any(monitor not in h for h in history):
        return run.missing(check, study, task, metrics_path, f"{monitor} in every record of {history_path}",
                           guards=guards)
    losses = np.array([h["val_loss"] for h in history], float)
    watched = np.array([h[monitor] for h in history], float)
    epochs = [h.get("epoch", i + 1) for i, h in enumerate(history)]
    p = m.get(PLATEAU)
    nums = {k: m[k] for k in KEYS} | {PLATEAU: p, "alpha": run.alpha, "min_val_loss": float(losses.min()),
                                      "monitor": monitor}
    if m["stopped"] != "plateau":
        return record(check, study, task, metrics_path, run_dir, "fail",
                      f"stopped at the maximum of {m['max_epochs']} epochs ({m['stopped']}), best epoch "
                      f"{m['best_epoch']}: not converged", nums, guards)
    if (paired_plateau or p is not None) and (p is None or not p > run.alpha):
        return record(check, study, task, metrics_path, run_dir, "fail",
                      f"the epochs after the best ({m['best_epoch']}) still improve on it "
                      f"(paired p = {p} <= {run.alpha}): the plateau is not confirmed", nums, guards)
    best = epochs[int(watched.argmin() if monitor == "val_loss" else watched.argmax())]
    if best != m["best_epoch"]:
        return record(check, study, task, metrics_path, run_dir, "fail",
                      f"best_epoch {m['best_epoch']} is not the best {monitor} (epoch {best})", nums, guards)
    confirmed = f"; paired p = {p:.3g} > {run.alpha}" if p is not None else ""
    return record(check, study, task, metrics_path, run_dir, "pass",
                  f"plateau after epoch {m['best_epoch']} of {m['epochs_run']} (max {m['max_epochs']}, patience "
                  f"{m['patience']}{confirmed})", nums, guards)


def dense_converged(run) -> list[dict]:
    out = []
    for task, facts in layout.text_tasks(run.config).items():
        guards = [t.artefact for t in layout.tables(run.config, task) + layout.extra_tables(run.config, task)]
        for seed in facts["seeds"]:
            rec = early_stopped(run, "dense_converged", "dense", task, f"results/dense/{task}/seed{seed}", guards)
            subset = run.config["dense"].get("validation_subset", 0)
            if subset and rec["status"] == "pass":       # the smoke scale only (config.py refuses it elsewhere)
                rec["message"] += f" on a {subset}-example validation subset (smoke scale), not the whole split"
            out.append(rec)
    return out


def vit_converged(run) -> list[dict]:
    from ..studies.vit.plan import tables

    cfg = run.config["vit"]
    guards = [f"results/vit/tables/{t}.csv" for t in tables(cfg)]
    return [early_stopped(run, "vit_converged", "vit", "", f"results/vit/runs/dense/seed{s}", guards, False)
            for s in cfg["seeds"]]


def dense_continued_gain(run) -> list[dict]:
    from .teacher import above

    out = []
    for task in layout.text_tasks(run.config):
        for table in layout.tables(run.config, task):
            frame = run.csv(table.artefact)
            if frame is None:
                continue
            got = {n: (a, r) for n, a, r in layout.rows(frame, table) if n in ("dense", layout.CONTROL)}
            if len(got) < 2:
                continue
            (acc, row), dense = got[layout.CONTROL], got["dense"][0]
            hi, nums = above(run, table, frame, layout.CONTROL, acc, row, "dense", dense)
            nums = {"dense_continued": acc, "dense": dense, **nums}
            guards = [t.artefact for t in layout.tables(run.config, task) + layout.extra_tables(run.config, task)]
            msg = (f"dense trained as long again gains {100 * (acc - dense):+.1f} pp ({acc:.3f} vs {dense:.3f}, "
                   f"{nums['test']}): the dense model had not converged" if hi else
                   f"dense_continued {acc:.3f} not significantly above dense {dense:.3f}")
            out.append(record("dense_continued_gain", table.study, task, table.artefact, layout.CONTROL,
                              "fail" if hi else "pass", msg, nums, guards))
    return out


def trend(values) -> dict:
    """Slope of the last third of a per-epoch series, its one-sided p (downward), and its size
    over the window relative to the series' whole range (what training has gained in all)."""
    from scipy.stats import linregress

    y = np.asarray(values, float)
    tail = y[-max(3, len(y) // 3):]
    fit = linregress(np.arange(tail.size), tail)
    p_down = fit.pvalue / 2 if fit.slope < 0 else 1 - fit.pvalue / 2
    # relative to the whole run's descent, not to the level: an objective that falls geometrically toward
    # 0 keeps a constant relative slope however little is left to gain
    drop = -fit.slope * (tail.size - 1) / max(float(y.max() - y.min()), 1e-12)
    return {"slope": float(fit.slope), "p_down": float(p_down), "relative_drop": float(drop), "window": int(tail.size)}


def entropynet_converged(run) -> list[dict]:
    out = []
    pattern = str(run.path("results/geometry/runs/*/*/seed*/history.json"))
    from ..studies.geometry.plan import TABLES

    guards = [f"results/geometry/tables/{t}.csv" for t in TABLES]
    for path in sorted(glob.glob(pattern)):
        rel = str(Path(path).relative_to(run.root))
        history = run.history(rel) or []
        key = next((k for k in ("val_loss", "val_objective", "train_objective") if history and k in history[0]), None)
        subject = str(Path(rel).parent)
        if key is None or len(history) < MIN_EPOCHS:
            why = f"{len(history)} epochs: too few to test a plateau" if key else "no per-epoch objective"
            out.append(run.missing("entropynet_converged", "geometry", "", rel, why, subject, guards)
                       if run.scale != "smoke" else
                       record("entropynet_converged", "geometry", "", rel, subject, "not_applicable",
                              f"not at the smoke scale: {why}", guards=guards))
            continue
        metrics = (run.json(str(Path(rel).parent / "metrics.json")) or {})
        if metrics.get("stopped") == "max_epochs":
            out.append(record("entropynet_converged", "geometry", "", rel, subject, "fail",
                              f"stopped at the maximum of {metrics.get('max_epochs')} epochs, best epoch "
                              f"{metrics.get('best_epoch')}: not converged", {k: metrics.get(k) for k in KEYS}, guards))
            continue
        t = trend([h[key] for h in history])
        ok = t["p_down"] > run.alpha or t["relative_drop"] < FLAT
        nums = {**t, "series": key, "epochs": len(history), "alpha": run.alpha,
                **{k: metrics[k] for k in KEYS if k in metrics}}
        msg = (f"{key} flat over the last {t['window']} of {len(history)} epochs (drop {100 * t['relative_drop']:.2f}%, "
               f"p = {t['p_down']:.3g})" if ok else
               f"{key} still falling over the last {t['window']} of {len(history)} epochs "
               f"({100 * t['relative_drop']:.1f}% drop, p = {t['p_down']:.3g}): train longer")
        out.append(record("entropynet_converged", "geometry", "", rel, subject, "pass" if ok else "fail", msg, nums,
                          guards))
    return out
