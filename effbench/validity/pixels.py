"""The ViT's floor: a logistic regression on raw pixels, on the ViT's own split.

A vision transformer that a linear model on the raw pixels beats has not learned what its attention
is said to show; every sparsity, IoU and robustness number of it rests on that. The regression is
fitted on the ViT's training split (effbench.data.images.splits with the study's sizes and seed, the
call its training makes), its C chosen on the validation split, and scored on the same test split.
`fit` runs in the vit_pixel_floor rule (seconds on MNIST-5k); `check` reads what it wrote.
  vit_pixel_floor   the dense ViT's seed-mean clean test accuracy above the regression's (below it: fail);
                    above but not significantly (paired bootstrap over the same test images): a finding,
                    reported beside every ViT table, that withholds nothing (the ViT is not broken, only
                    not shown to beat a linear model on pixels)
"""
from __future__ import annotations

import numpy as np

from .core import record

C_GRID = (0.01, 0.1, 1.0)          # strong to weak regularisation; 784 pixels, thousands of images
FLOOR = "results/vit/pixel_floor.json"


def fit(cfg: dict, data_path=None) -> dict:
    from sklearn.linear_model import LogisticRegression

    from ..data.images import splits

    d = cfg["data"]
    data = splits(d["validation"], d["test"], d["split_seed"], d["source"], data_path)
    flat = {k: (x.reshape(len(x), -1), y) for k, (x, y) in data.items()}
    scores, best = {}, None
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=500).fit(*flat["train"])
        scores[str(c)] = float(model.score(*flat["validation"]))
        if best is None or scores[str(c)] > best[0]:       # ties keep the smaller C
            best = (scores[str(c)], c, model)
    x_test, y_test = flat["test"]
    correct = best[2].predict(x_test) == y_test
    return {"accuracy": float(correct.mean()), "test_correct": correct.astype(int).tolist(), "C": best[1],
            "val_accuracy": best[0],
            "val_scores": scores, "n_train": int(len(flat["train"][1])), "n_test": int(len(y_test)),
            "majority_rate": float(np.bincount(y_test).max() / len(y_test)), "source": d["source"]}


def dense_accuracy(run) -> tuple[float | None, list[float]]:
    """The dense ViT's clean test accuracy per seed (eval.csv: no selector, no sparsity)."""
    seeds = run.config["vit"]["seeds"]
    values = []
    for s in seeds:
        frame = run.csv(f"results/vit/runs/dense/seed{s}/eval.csv")
        if frame is None:
            continue
        hit = frame[(frame["selector"] == "none") & (frame["sparsity"].fillna(-1) == 0)]
        if not hit.empty:
            values.append(float(hit["accuracy"].iloc[0]))
    return (float(np.mean(values)) if values else None), values


def dense_correct(run) -> np.ndarray | None:
    """(S, n) clean test correctness of the dense ViT per seed (per_example.npz), or None."""
    rows = []
    for s in run.config["vit"]["seeds"]:
        z = run.npz(f"results/vit/runs/dense/seed{s}/per_example.npz")
        if z is None or "correct|none|0" not in z:
            return None
        rows.append(z["correct|none|0"])
    return np.stack(rows) if rows else None


def _significance(run, floor) -> tuple[dict, str]:
    """The paired test of ViT - pixels over the same test images: numbers and a clause for the message."""
    from .preds import paired

    vit = dense_correct(run)
    if vit is None or "test_correct" not in floor or vit.shape[1] != len(floor["test_correct"]):
        return {}, ("; significance not tested (the pixel floor's per-image correctness or the ViT's "
                    "per_example.npz is missing: rerun vit_pixel_floor)")
    test = paired(vit, np.asarray(floor["test_correct"])[None], alpha=run.alpha)
    above = test["lower_one_sided"] > 0            # the decision and the bound printed are the same one
    nums = {"delta": test["delta"], "lower_one_sided": test["lower_one_sided"], "p_value": test["p_value"]}
    level = f"{100 * (1 - run.alpha):g}%"
    return nums, (f"; {'significantly above' if above else 'not significantly above'} it: delta "
                  f"{test['delta']:+.3f}, one-sided {level} lower bound {test['lower_one_sided']:+.3f} (paired "
                  f"bootstrap over the same {vit.shape[1]} test images)"
                  + ("" if above else ", so the ViT's lead over a linear model on pixels is within noise"))


def check(run) -> list[dict]:
    from ..studies.vit.plan import tables

    guards = [f"results/vit/tables/{t}.csv" for t in tables(run.config["vit"])]
    floor = run.json(FLOOR)
    if floor is None:
        return [run.missing("vit_pixel_floor", "vit", "", FLOOR, f"{FLOOR} (the vit_pixel_floor rule)", "dense", guards)]
    mean, per_seed = dense_accuracy(run)
    if mean is None:
        return [run.missing("vit_pixel_floor", "vit", "", FLOOR, "the dense ViT's eval.csv", "dense", guards)]
    ok = mean > floor["accuracy"]
    nums = {"dense_accuracy": mean, "per_seed": per_seed, "pixel_lr_accuracy": floor["accuracy"], "C": floor["C"],
            "n_test": floor["n_test"]}
    msg = (f"dense ViT {mean:.3f} (seeds {', '.join(f'{v:.3f}' for v in per_seed)}) "
           + ("above" if ok else "not above") + f" a logistic regression on raw pixels ({floor['accuracy']:.3f}, "
           f"C = {floor['C']:g})" + ("" if ok else ": the ViT is under-trained for its data"))
    sig, clause = _significance(run, floor)
    nums.update(sig)
    msg += clause
    status = "fail" if not ok else ("finding" if sig and not sig["lower_one_sided"] > 0 else "pass")
    return [record("vit_pixel_floor", "vit", "", FLOOR, "dense", status, msg, nums, guards, withhold=status == "fail")]
