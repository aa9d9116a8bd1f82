"""Evaluation-time methods on the same weights: static / random ratio, and dense pruned by other scorers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ...artefacts import provenance, write_csv, write_json
from ...compute import numpy, on
from ...data import tasks
from ...data.batching import collate, encode, sequential_order
from ...models.adtp import ADTPClassifier, candidate_ratios
from ...models.losses import explained_output
from ...models.text_classifier import TextClassifier
from ...pruning import attribution as attr
from .data import split_frame
from .evaluate import oracle_ratios, summarise, trace, write_preds
from .model import as_pruner, load_trained, special_ids
from .plan import ADTP, DENSE, ORACLE, RANDOM_RATIO, STATIC, STATIC_ORACLE, arp_variants
from .teacher import token_attributions


def scorer_scores(kind: str, dense: TextClassifier, encoded, labels_for, tokenizer, cfg, sep_id=None,
                  seed: int = 0) -> list | None:
    """Per-example token scores of a baseline scorer on the unpruned dense model (attention: None,
    the pruning forward computes it in place). IG and leave-one-out explain its own prediction."""
    if isinstance(dense, ADTPClassifier):
        raise TypeError("score tokens on the unpruned dense model, not on a pruning one")
    if kind == "attention":
        return None
    if kind == "random":
        rng = np.random.default_rng(seed)
        return [rng.random(len(e)) for e in encoded]
    if kind == "ig":
        return token_attributions(dense, encoded, labels_for, tokenizer, cfg["adtp"]["ig_steps"], None, sep_id=sep_id)
    pad = tokenizer.pad_token_id
    out = [None] * len(encoded)
    for idx in sequential_order(list(map(len, encoded)), 32):
        batch = on(dense, collate([encoded[i] for i in idx], pad, sep_id))
        target = on(dense, torch.as_tensor(labels_for[idx]))
        s = numpy(attr.occlusion_scores(dense, batch, target, pad, special_ids(tokenizer)))
        for row, i in enumerate(idx):
            out[i] = s[row, : len(encoded[i])]
    return out


def scoring_flops(kind: str, dense_flops: np.ndarray, length: np.ndarray, ig_steps: int) -> np.ndarray:
    """FLOPs a scorer spends before pruning, on top of the pruned forward: IG m forwards and
    backwards of the dense model (~3x a forward each); leave-one-out one dense forward per token."""
    if kind == "ig":
        return 3.0 * ig_steps * dense_flops
    if kind == "residual":
        return (length - 2).clip(min=0) * dense_flops
    return np.zeros_like(dense_flops)


def evaluate_methods(cfg: dict, task: str, runs_root, out_csv) -> pd.DataFrame:
    """Evaluation-time methods on the test split (first seed): the retainer's static and random
    ratios on the AD-TP weights; each baseline scorer on the dense weights at the ratio grid and
    at AD-TP's own ratios (matched FLOPs). Matched rows are written as runs for the paired tests."""
    t = cfg["tasks"][task]
    seed = t["seeds"][0]
    runs_root = Path(runs_root)
    directory = tasks.data_dir(cfg["tasks"][task])
    pair = tasks.is_pair(directory)
    frame = split_frame(cfg, task, "test")
    labels = frame["label"].to_numpy()
    student, tokenizer = load_trained(cfg, task, ADTP, runs_root / ADTP / f"seed{seed}")
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    encoded = encode(tokenizer, frame, t["max_length"])
    adaptive = trace(student, encoded, pad, sep)
    rng = np.random.default_rng(seed)
    oracle = oracle_ratios(student, encoded, pad, sep, candidate_ratios(student.adtp.n_candidates))
    methods = {STATIC: trace(student, encoded, pad, sep, ratio=float(adaptive["ratio"].mean())),
               RANDOM_RATIO: trace(student, encoded, pad, sep, ratio=rng.permutation(adaptive["ratio"])),
               ORACLE: trace(student, encoded, pad, sep, ratio=oracle),
               STATIC_ORACLE: trace(student, encoded, pad, sep, ratio=float(oracle.mean()))}
    for name in arp_variants(cfg, task):      # each retrained ratio predictor against its own static twin
        variant, _ = load_trained(cfg, task, name, runs_root / name / f"seed{seed}")
        own = trace(variant, encoded, pad, sep)
        methods[f"{name}_static"] = trace(variant, encoded, pad, sep, ratio=float(own["ratio"].mean()))
    rows = [{"method": ADTP, "scorer": "tsp", "ratio_rule": "adaptive", **summarise(adaptive, labels),
             "scoring_gflops": 0.0}]
    rows += [{"method": k, "scorer": "tsp", "ratio_rule": k.removeprefix("adtp_"), **summarise(v, labels),
              "scoring_gflops": 0.0} for k, v in methods.items()]
    dense, _ = load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")
    dense_trace = trace(dense, encoded, pad, sep)
    # scorers explain the dense model's own prediction (a regression head: its one score, output 0)
    predicted = explained_output(torch.as_tensor(dense_trace["probs"])).numpy()
    pruner = as_pruner(cfg, load_trained(cfg, task, DENSE, runs_root / DENSE / f"seed{seed}")[0], tokenizer, pair)
    for kind in t["scorers"]:
        scores = scorer_scores(kind, dense, encoded, predicted, tokenizer, cfg, sep, seed)   # on the unpruned model
        extra = scoring_flops(kind, dense_trace["flops"], dense_trace["length"], cfg["adtp"]["ig_steps"])
        for r in [*cfg["baseline_ratios"], "matched"]:
            ratio = adaptive["ratio"] if r == "matched" else float(r)
            tr = trace(pruner, encoded, pad, sep, ratio=ratio, scores=scores, scorer="attention" if kind == "attention" else None)
            name = f"{kind}_{'matched' if r == 'matched' else f'r{float(r):g}'}"
            rows.append({"method": name, "scorer": kind, "ratio_rule": "adaptive (AD-TP's)" if r == "matched" else "static",
                         **summarise(tr, labels), "scoring_gflops": float(extra.mean() / 1e9)})
            if r == "matched":
                methods[name] = tr
                methods[name]["scoring"] = extra
    for name, tr in methods.items():
        run_dir = runs_root / name / f"seed{seed}"
        write_preds(run_dir, tr, labels, tr.get("scoring"))
        write_json(run_dir / "metrics.json", {"provenance": provenance(cfg, seed=seed, task=task, variant=name,
                                                                       note="evaluation-time method, no training"),
                                              "metrics": {"test": summarise(tr, labels)}})
    out = pd.DataFrame(rows)
    dense_g = float(dense_trace["flops"].mean() / 1e9)
    out["flops_reduction_x"] = dense_g / out["gflops"]
    out["flops_reduction_x_with_scoring"] = dense_g / (out["gflops"] + out["scoring_gflops"])
    write_csv(out_csv, out)
    return out
