"""EAT's evaluation: one per-example trace, every operating point (tau) read from it, tau chosen on validation."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ...artefacts import provenance, read_json, write_json, write_npz
from ...compute import current, numpy, on
from ...data import tasks
from ...data.batching import collate, encode, sequential_order
from ...data.text import read_split as load_split
from ...data.text import subsample
from ...models.eat import EATClassifier, trace_flops
from ...stats.calibration import ece, fit_temperature, scaled_probs
from .plan import DENSE, choose_tau, tau_key


@torch.no_grad()
def trace(model, encoded, pad_id: int, tau: float | None = None, batch_size: int = 64, sep_id=None) -> dict:
    """Per example: class probabilities, exit block, tokens each block processed, length,
    and (EAT) the logits of every exit head when no exit is taken."""
    model.eval()
    n, n_layers = len(encoded), len(model.layers)
    probs = np.zeros((n, model.head.out_features))
    exit_layer = np.full(n, n_layers)
    tokens = np.zeros((n, n_layers), int)
    heads = {}
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        batch = on(model, collate([encoded[i] for i in idx], pad_id, sep_id))
        out = model(**batch, tau=tau) if isinstance(model, EATClassifier) else model(**batch)
        probs[idx] = numpy(out["logits"].softmax(-1))
        exit_layer[idx] = numpy(out["exit_layer"])
        tokens[idx] = numpy(out["tokens"])
        if tau is None:
            for depth, logits in out.get("exit_logits", {}).items():
                heads.setdefault(depth, np.zeros_like(probs))[idx] = numpy(logits)
    return {"probs": probs, "exit_layer": exit_layer, "tokens": tokens, "length": np.array(list(map(len, encoded))),
            "exit_logits": heads}


def at_tau(model: EATClassifier, full: dict, tau: float, patience: bool = False) -> dict:
    """The trace EAT gives at threshold tau, derived from its no-exit trace: exits are decided
    per example from the block-4 head alone, so an example's outcome does not depend on the
    rest of its batch (tests check it against running the model at tau)."""
    from ...exits import should_exit

    at = model.eat.exit_at
    head = model.exit_heads[str(at)]
    logits = torch.as_tensor(full["exit_logits"][at])
    previous = torch.as_tensor(full["exit_logits"][at - 1]) if patience else None
    done = should_exit(logits, tau, head.temperature, previous).numpy()
    probs = np.where(done[:, None], logits.softmax(-1).numpy(), full["probs"])
    tokens = full["tokens"].copy()
    tokens[done, at:] = 0
    return {**full, "probs": probs, "exit_layer": np.where(done, at, full["exit_layer"]), "tokens": tokens}


def summarise(model, tr: dict, labels: np.ndarray) -> dict:
    """Accuracy, average executed depth, final retention and mean analytic FLOPs of a trace."""
    last = tr["tokens"][np.arange(len(labels)), tr["exit_layer"] - 1]     # tokens of the last block run
    flops = np.array([trace_flops(model, t, int(e)) for t, e in zip(tr["tokens"].tolist(), tr["exit_layer"])])
    return {"accuracy": float((tr["probs"].argmax(1) == labels).mean()),
            "avg_depth": float(tr["exit_layer"].mean()),
            "avg_retention": float((last / tr["length"]).mean()),
            "exit_share": float((tr["exit_layer"] < len(model.layers)).mean()),
            "gflops": float(flops.mean() / 1e9), "n": int(len(labels))}


def calibrate_exit(model: EATClassifier, x_val, y_val, pad, sep, cfg) -> dict:
    """ECE (15 bins) of the exit head on validation; temperature scaling when above the threshold."""
    head = model.exit_heads[str(model.eat.exit_at)]
    z = trace(model, x_val, pad, sep_id=sep)["exit_logits"][model.eat.exit_at]
    before = ece(scaled_probs(z), y_val, cfg["calibration_bins"])
    fit = fit_temperature(z, y_val) if before > cfg["ece_threshold"] else {"temperature": 1.0, "at_bound": ""}
    temperature = fit["temperature"]
    head.temperature.fill_(temperature)
    after = ece(scaled_probs(z, temperature), y_val, cfg["calibration_bins"])
    return {"exit_ece_before": before, "exit_temperature": temperature, "exit_temperature_at_bound": fit["at_bound"],
            "exit_ece_after": after}


def evaluate_run(cfg, task, name, seed, model, tokenizer, directory, run_dir, calibration) -> dict:
    """Sweep tau on validation and test; choose tau on validation; write metrics and preds."""
    tcfg = cfg["tasks"][task]
    pair = tasks.is_pair(directory)
    pad, sep = tokenizer.pad_token_id, tasks.sep_id(tokenizer, pair)
    splits = {}
    for split in ("validation", "test"):
        frame = subsample(load_split(directory, split), tcfg["test_subset" if split == "test" else "eval_subset"],
                        cfg["split_seed"])
        splits[split] = (encode(tokenizer, frame, tcfg["max_length"]), frame["label"].to_numpy())
    traces = {(s, "none"): trace(model, splits[s][0], pad, sep_id=sep) for s in splits}
    if isinstance(model, EATClassifier):
        for s in splits:
            for t in cfg["taus"]:
                traces[(s, tau_key(t))] = at_tau(model, traces[(s, "none")], t)
                traces[(s, f"patience{t:g}")] = at_tau(model, traces[(s, "none")], t, patience=True)
    rows = {f"{s}/{k}": summarise(model, tr, splits[s][1]) for (s, k), tr in traces.items()}
    chosen, rule = "none", {}
    if isinstance(model, EATClassifier):
        dense_val = read_json(Path(run_dir).parents[1] / DENSE / f"seed{seed}" / "metrics.json")
        dense_acc = dense_val["metrics"]["validation/none"]["accuracy"]
        tau, met = choose_tau({t: rows[f"validation/{tau_key(t)}"] for t in cfg["taus"]}, dense_acc,
                              cfg["max_drop_pp"])
        chosen, rule = tau_key(tau), {"tau_rule_met": met}   # False: no tau met the rule; the largest is used
    test_labels = splits["test"][1]
    best = traces[("test", chosen)]
    extra = {f"probs_{k}": tr["probs"][:, 1] for (s, k), tr in traces.items() if s == "test"}
    extra.update({f"exit_{k}": tr["exit_layer"] for (s, k), tr in traces.items() if s == "test"})
    write_npz(Path(run_dir) / "preds.npz", ids=np.arange(len(test_labels)), labels=test_labels,
              probs=best["probs"][:, 1], probs_all=best["probs"], exit_layer=best["exit_layer"],
              tokens=best["tokens"], length=best["length"], **extra)
    metrics = {**rows, "chosen_tau": chosen, **rule, **calibration, "n_layers": len(model.layers)}
    write_json(Path(run_dir) / "metrics.json",
               {"provenance": provenance(cfg, seed=seed, task=task, variant=name, compute=current().describe(),
                                         settings=asdict(model.eat) if isinstance(model, EATClassifier) else None),
                "metrics": metrics})
    return metrics
