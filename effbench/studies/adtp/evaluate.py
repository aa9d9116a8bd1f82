"""AD-TP's evaluation: one per-example trace (ratio, kept tokens, FLOPs) written as preds."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ...artefacts import provenance, write_json, write_npz
from ...compute import current, numpy, on
from ...data import tasks
from ...data.batching import collate, encode, sequential_order
from ...models.adtp import ADTPClassifier, example_flops
from ...models.losses import outputs
from ...stats.task_metrics import agreeing, headline
from .data import split_frame
from .plan import variants
from .teacher import _padded


@torch.no_grad()
def trace(model, encoded, pad_id: int, sep_id=None, batch_size: int = 64, ratio=None, scores=None,
          scorer: str | None = None) -> dict:
    """Per example: class probabilities (a regression head: its score), the ratio used, tokens per
    block, kept tokens, length and analytic FLOPs. ratio: None (ARP), a float, or one per example; scores: a list of
    per-token arrays (None: TSP)."""
    model.eval()
    n, n_layers = len(encoded), len(model.layers)
    probs = np.zeros((n, model.head.out_features))
    ratio_used = np.ones(n)
    tokens = np.zeros((n, n_layers), int)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = on(model, collate([encoded[i] for i in idx], pad_id, sep_id))
        if isinstance(model, ADTPClassifier):
            r = ratio if ratio is None or np.isscalar(ratio) else torch.as_tensor(np.asarray(ratio)[idx])
            s = None if scores is None else on(model, torch.as_tensor(_padded([scores[i] for i in idx], batch["input_ids"].shape[1])))
            out = model(**batch, ratio=r, scores=s, scorer=scorer)
            ratio_used[idx] = numpy(out["ratio"])
        else:
            out = model(**batch)
        probs[idx] = numpy(outputs(out["logits"]))
        tokens[idx] = numpy(out["tokens"])
    length = np.array(list(map(len, encoded)))
    flops = np.array([example_flops(model, t, scorer or ("tsp" if scores is None else "external")) for t in tokens])
    return {"probs": probs, "ratio": ratio_used, "tokens": tokens, "length": length,
            "kept": tokens[:, -1], "flops": flops}


def oracle_ratios(model: ADTPClassifier, encoded, pad_id: int, sep_id, candidates) -> np.ndarray:
    """Per sequence, the smallest candidate ratio at which the model (with its own TSP scores) still
    gives its unpruned prediction: what a perfect ARP would pick (its training target, here on the
    evaluated sequences). It bounds what any adaptive ratio rule can gain over a static one."""
    full = trace(model, encoded, pad_id, sep_id, ratio=1.0)["probs"]
    chosen = np.ones(len(encoded))
    for c in sorted((c for c in candidates if c < 1.0), reverse=True):   # smaller agreeing ratios overwrite larger
        chosen[agreeing(trace(model, encoded, pad_id, sep_id, ratio=c)["probs"], full)] = c
    return chosen


def summarise(tr: dict, labels: np.ndarray) -> dict:
    """Accuracy (a regression task: Pearson and Spearman correlation; accuracy NaN), ratio, retention, FLOPs."""
    return {"accuracy": np.nan, **headline(tr["probs"], labels), "mean_ratio": float(tr["ratio"].mean()),
            "retention": float((tr["kept"] / tr["length"]).mean()), "gflops": float(tr["flops"].mean() / 1e9),
            "n": int(len(labels))}


def write_preds(run_dir, tr: dict, labels: np.ndarray, extra_flops=None) -> None:
    """preds.npz in the shape every statistic reads (probs: class-1 probability on binary tasks, a
    regression head's score)."""
    probs = tr["probs"][:, 1] if tr["probs"].shape[1] == 2 else tr["probs"][:, 0] if tr["probs"].shape[1] == 1 \
        else tr["probs"].max(1)
    write_npz(Path(run_dir) / "preds.npz", ids=np.arange(len(labels)), labels=labels, probs=probs,
              probs_all=tr["probs"], ratio=tr["ratio"], tokens=tr["tokens"], kept=tr["kept"], length=tr["length"],
              flops=tr["flops"], scoring_flops=np.zeros(len(labels)) if extra_flops is None else extra_flops)


def finish_run(cfg, task, name, seed, model, tokenizer, run_dir, history: list, extra: dict) -> dict:
    """A trained variant's artefacts: weights, training history, then its evaluation."""
    from ...artefacts import save_weights

    run_dir = Path(run_dir)
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": provenance(cfg, seed=seed, task=task, variant=name),
                                          "history": history})
    return evaluate_run(cfg, task, name, seed, model, tokenizer, run_dir, extra)


def evaluate_run(cfg, task, name, seed, model, tokenizer, run_dir, extra: dict) -> dict:
    pair = tasks.is_pair(tasks.data_dir(cfg["tasks"][task]))
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    rows, test_trace, test_labels = {}, None, None
    for split in ("validation", "test"):
        frame = split_frame(cfg, task, split)
        tr = trace(model, encode(tokenizer, frame, cfg["tasks"][task]["max_length"]), pad, sep)
        rows[split] = summarise(tr, frame["label"].to_numpy())
        if split == "test":
            test_trace, test_labels = tr, frame["label"].to_numpy()
    write_preds(run_dir, test_trace, test_labels)
    spec = variants(cfg, task)[name]
    metrics = {**rows, **extra, "n_layers": len(model.layers), "spec": spec}
    write_json(Path(run_dir) / "metrics.json",
               {"provenance": provenance(cfg, seed=seed, task=task, variant=name, compute=current().describe(),
                                         settings=asdict(model.adtp) if isinstance(model, ADTPClassifier) else None),
                "metrics": metrics})
    return metrics
