"""The synthetic track: data, the tiny encoder with its gate, training and evaluation per seed."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...artefacts import config_hash, load_weights, provenance, read_npz, save_weights, seed_everything, write_json, write_npz
from ...cost.flops import count_flops
from ...cost.proxies import proxy_table
from ...data.synthetic import SyntheticSpec, bayes_accuracy, bayes_posterior, generate, idf_weights
from ...models.tiny_encoder import TinyEncoder
from ...pruning.gates import Gate, token_entropy
from ...stats.calibration import ece, fit_temperature, scaled_probs
from ...stats.intervals import accuracy, auc
from ...train import adamw, fit
from .plan import datasets, variants


def make_dataset(cfg: dict, name: str, out_path) -> None:
    spec = SyntheticSpec.from_config(datasets(cfg)[name])
    data = generate(spec, cfg["data_seed"])
    ceiling = bayes_accuracy(spec, data["signal_sets"], data["val_tokens"], data["val_labels"])
    data["val_bayes_posterior"] = bayes_posterior(spec, data["signal_sets"], data["val_tokens"])
    write_npz(out_path, **data)
    write_json(Path(out_path).with_suffix(".json"), {
        "provenance": provenance(datasets(cfg)[name], seed=cfg["data_seed"]),
        "metrics": {**ceiling, "spec": datasets(cfg)[name],
                    "mean_signal_tokens_val": float(data["val_signal_mask"].sum(1).mean()),
                    "mean_distractor_tokens_val": float(data["val_distractor_mask"].sum(1).mean())},
    })



def build_model(cfg: dict, spec: dict, data: dict) -> TinyEncoder:
    g = cfg["gate_settings"]
    gate = Gate(spec["gate"], cfg["model"]["dim"], 2, keep_ratio=spec["keep_ratio"],
                threshold=g["threshold"], temperature=g["temperature"], budget_weight=g["budget_weight"])
    vocab = cfg["data"]["vocab_size"]
    idf = torch.tensor(idf_weights(data["train_tokens"], vocab), dtype=torch.float32) if spec["idf"] else None
    return TinyEncoder(vocab, cfg["model"]["dim"], 2, gate, idf=idf, residual=cfg["model"]["residual"])


@torch.no_grad()
def predict(model: TinyEncoder, tokens: np.ndarray, batch_size: int = 1024) -> dict:
    """Probabilities, kept positions and the gate head's token logits (if any)."""
    model.eval()
    probs, kept, token_logits = [], [], []
    for start in range(0, len(tokens), batch_size):
        out = model(torch.as_tensor(tokens[start: start + batch_size]))
        probs.append(out["logits"].softmax(-1).numpy())
        kept.append(out["kept"].numpy())
        if out["gate"].token_logits is not None:
            token_logits.append(out["gate"].token_logits.numpy())
    return {"probs": np.concatenate(probs), "kept": np.concatenate(kept),
            "token_logits": np.concatenate(token_logits) if token_logits else None}


def _split_metrics(model, tokens, labels, prefix) -> dict:
    pred = predict(model, tokens)
    p1 = pred["probs"][:, 1]
    loss = float(-np.log(np.clip(pred["probs"][np.arange(labels.size), labels], 1e-12, None)).mean())
    return {f"{prefix}_loss": loss, f"{prefix}_accuracy": float(accuracy(labels, p1)),
            f"{prefix}_auc": float(auc(labels, p1))}


def train_seed(cfg: dict, name: str, data: dict, seed: int, run_dir: Path, state_dir: Path) -> dict:
    spec = variants(cfg)[name]
    seed_everything(seed)
    model = build_model(cfg, spec, data)
    tc = cfg["train"]
    optimizer = adamw([p for p in model.parameters() if p.requires_grad],
                      lr=tc["lr"], weight_decay=tc["weight_decay"])
    x_train = torch.as_tensor(data["train_tokens"])
    y_train = torch.as_tensor(data["train_labels"])

    def batches(epoch):
        order = torch.randperm(len(x_train))
        for start in range(0, len(order), tc["batch_size"]):
            idx = order[start: start + tc["batch_size"]]
            yield x_train[idx], y_train[idx]

    def step_loss(m, batch):
        x, y = batch
        return m.loss(m(x), y, tc["aux_weight"])

    # the per-epoch training-split curve reads as many training examples as the validation split has
    # (a fixed subset: the whole split cost a third of each job)
    n_curve = len(data["val_labels"])

    def evaluate(m):
        return {**_split_metrics(m, data["train_tokens"][:n_curve], data["train_labels"][:n_curve], "train"),
                **_split_metrics(m, data["val_tokens"], data["val_labels"], "val")}

    history = fit(model, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=state_dir / f"seed{seed}.pt", desc=f"{name} seed {seed}",
                  resume_key=config_hash([cfg, name, seed]))
    run_dir.mkdir(parents=True, exist_ok=True)
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": provenance(cfg, seed=seed, variant=name),
                                          "history": history})
    torch.manual_seed(seed + 10_000)   # the random gate's draws at evaluation
    metrics = evaluate_seed(cfg, spec, model, data, run_dir)
    write_json(run_dir / "metrics.json", {"provenance": provenance(cfg, seed=seed, variant=name, spec=spec),
                                          "metrics": metrics})
    return metrics


def evaluate_seed(cfg: dict, spec: dict, model: TinyEncoder, data: dict, run_dir: Path) -> dict:
    labels = data["val_labels"]
    pred = predict(model, data["val_tokens"])
    p1 = pred["probs"][:, 1]
    kept = pred["kept"]
    informative = data["val_signal_mask"] | data["val_distractor_mask"]
    seq_len, dim = data["val_tokens"].shape[1], cfg["model"]["dim"]
    n_kept = kept.sum(1)
    metrics = {
        "accuracy": float(accuracy(labels, p1)),
        "auc": float(auc(labels, p1)),
        "ece": ece(pred["probs"], labels, cfg["calibration_bins"]),
        "avg_kept": float(n_kept.mean()),
        "keep_ratio": spec["keep_ratio"],
        # oracle overlap: of the kept positions, the share holding a class-set token, and
        # of the positions holding one, the share kept (random keeps a share p of them)
        "oracle_precision": float((kept & informative).sum() / kept.sum()),
        "oracle_recall": float((kept & informative).sum() / max(informative.sum(), 1)),
        "oracle_signal_recall": float((kept & data["val_signal_mask"]).sum() / max(data["val_signal_mask"].sum(), 1)),
        "bayes_agreement": float(((p1 > 0.5) == (data["val_bayes_posterior"] > 0.5)).mean()),
        **proxy_table(seq_len, dim, float(n_kept.mean()) / seq_len, **cfg["latency_proxy"]),
    }
    # counted on one batch, as the model runs batched: a variable keep (entropy_threshold) is padded to
    # the batch's largest, so this is the batched cost, gate included (tables.counted_width says the width)
    x_val = torch.as_tensor(data["val_tokens"][: cfg["flops_examples"]])
    metrics["counted_flops_per_example"] = count_flops(model, x_val) / len(x_val)
    arrays = {"ids": np.arange(labels.size), "labels": labels, "probs": p1, "kept": kept}
    if pred["token_logits"] is not None:
        # the gate head's calibration as a per-token predictor of the sequence label,
        # before and after temperature scaling fitted on the training split
        tl_val = pred["token_logits"].reshape(-1, 2)
        y_tok = np.repeat(labels, seq_len)
        tl_train = predict(model, data["train_tokens"])["token_logits"].reshape(-1, 2)
        fit = fit_temperature(tl_train, np.repeat(data["train_labels"], seq_len))
        temp = fit["temperature"]
        metrics.update({
            "gate_token_accuracy": float((tl_val.argmax(1) == y_tok).mean()),
            "gate_ece": ece(scaled_probs(tl_val), y_tok, cfg["calibration_bins"]),
            "gate_temperature": temp,
            "gate_temperature_at_bound": fit["at_bound"],
            "gate_ece_scaled": ece(scaled_probs(tl_val, temp), y_tok, cfg["calibration_bins"]),
        })
        arrays["token_entropy"] = token_entropy(torch.as_tensor(pred["token_logits"])).numpy()
        arrays["token_prob"] = scaled_probs(tl_val)[:, 1].reshape(labels.size, seq_len)
    write_npz(run_dir / "preds.npz", **arrays)
    return metrics


def train_variant(cfg: dict, name: str, data_path, out_root, state_root) -> None:
    """Train and evaluate every seed of one variant (one process: torch imported once)."""
    data = read_npz(data_path)
    for seed in cfg["seeds"]:
        run_dir = Path(out_root) / name / f"seed{seed}"
        if (run_dir / "metrics.json").exists() and (run_dir / "preds.npz").exists():
            continue   # finished in an earlier, interrupted job
        train_seed(cfg, name, data, seed, run_dir, Path(state_root) / name)


def load_model(cfg: dict, name: str, data: dict, run_dir) -> TinyEncoder:

    model = build_model(cfg, variants(cfg)[name], data)
    model.load_state_dict(load_weights(Path(run_dir) / "model.safetensors"), strict=True)
    return model.eval()
