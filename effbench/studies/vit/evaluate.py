"""ViT evaluation: accuracy at matched key sparsity, corruption error, IoU of [CLS] attention with the digit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ...artefacts import write_csv, write_npz
from ...compute import current, numpy, on
from ...data.images import CORRUPTIONS, OBJECT_MASKS, corrupt, foreground_patches
from ...models.vit import ViT, recording
from ...pruning.key_support import mean_run_length, run_counts
from .plan import example_key, variants
from .train import _tensor, data_splits, eval_parts, load_run, selector_for


@torch.inference_mode()
def evaluate_run(cfg: dict, name: str, seed: int, run_dir, out_path, examples_path) -> dict:
    """Accuracy per sparsity and selector, block length, IoU with the digit, corruption errors:
    their means in out_path (eval.csv), and per test image, in order, in examples_path (one array
    per evaluation, named by plan.example_key; every seed sees the same test split, so the tables
    can bootstrap seeds and images together)."""
    model, anchors = load_run(cfg, name, run_dir)
    spec = variants(cfg)[name]
    data = data_splits(cfg)
    x, y = data["test"]
    device = current().device
    xt, yt = _tensor(x).to(device), torch.from_numpy(y).to(device)
    # IoU with the object where its pixels are its mask (the grey sets); the hub's RGB sets have none
    fg = (torch.from_numpy(foreground_patches(x, spec["patch"])).to(device)
          if cfg["data"]["source"] in OBJECT_MASKS else None)
    rows, examples = [], {}
    kinds = ["magnitude"] + (["entropy", "combined"] if spec["kind"] == "entropy" else [])
    for kind in kinds:
        for sparsity in ([0.0] if kind == kinds[0] else []) + list(cfg["inference"]["sparsities"]):
            sel = selector_for(cfg, name, anchors, sparsity, kind) if sparsity > 0 else None
            scored = score(cfg, model, xt, yt, sel, fg, sparsity)
            correct, iou = scored["correct"], scored["iou"]                                # (images,)
            selector = kind if sparsity > 0 else "none"
            examples[example_key("correct", selector, sparsity)] = numpy(correct)
            examples[example_key("iou", selector, sparsity)] = numpy(iou)
            row = {"variant": name, "seed": seed, "selector": selector, "sparsity": sparsity,
                   "accuracy": float(correct.float().mean()), "iou": float(iou.mean())}
            if sel is not None:
                row["mean_block_length"] = float(np.mean([mean_run_length(None, model.tokens, scored["runs"][layer])
                                                          for layer in cfg["inference"]["sparse_layers"]]))
                row["weights_not_computed"] = weights_not_computed(model, scored["support"], len(model.blocks))
            rows.append(row)
    sel = selector_for(cfg, name, anchors, cfg["inference"]["headline_sparsity"])
    for corruption in CORRUPTIONS:
        for severity in (1, 2, 3):
            xc = _tensor(corrupt(x, corruption, severity, seed=severity)).to(device)
            for label, s in (("dense", None), ("sparse", sel)):
                correct = score(cfg, model, xc, yt, s)["correct"]
                examples[example_key("correct", f"corruption:{label}", corruption, severity)] = numpy(correct)
                rows.append({"variant": name, "seed": seed, "selector": f"corruption:{label}", "corruption": corruption,
                             "severity": severity, "accuracy": float(correct.float().mean())})
    frame = pd.DataFrame(rows)
    write_csv(out_path, frame)
    write_npz(examples_path, **examples)
    return {"rows": len(frame)}


def score(cfg: dict, model: ViT, x: torch.Tensor, y: torch.Tensor, selector=None, fg: torch.Tensor | None = None,
          sparsity: float = 0.0) -> dict:
    """One evaluation of `model` on images x, labels y in batches of `vit.eval_batch_size` (train.eval_parts),
    keeping per batch only what is scored: the last sparse layer's attention when there is a mask to
    score it against (fg), and the supports' run counts. Per image, in order: `correct`, `iou` (NaN
    without a mask); per sparse layer: `runs` (kept, runs: run_counts summed over the batches) and
    `support` (one batch's supports: their widths are the same for every image)."""
    last = max(cfg["inference"]["sparse_layers"])
    correct, iou, runs, support = [], [], {}, {}
    for part in eval_parts(len(x), cfg):
        record = recording("attn", layers=[last]) if fg is not None else recording()
        correct.append(model(x[part], selector=selector, record=record).argmax(1) == y[part])
        iou.append(cls_iou_per_image(record, last, fg[part], sparsity) if fg is not None
                   else torch.full(correct[-1].shape, float("nan"), device=x.device))
        support = record.get("support", {})
        for layer, idx in support.items():
            kept, starts = run_counts(idx, model.tokens)
            runs[layer] = (runs.get(layer, (0, 0))[0] + kept, runs.get(layer, (0, 0))[1] + starts)
    return {"correct": torch.cat(correct), "iou": torch.cat(iou), "runs": runs, "support": support}


def cls_patch_attention(record: dict, layer: int, n_tokens: int) -> torch.Tensor:
    """The [CLS] query's attention over the patches in `layer`, heads averaged: (B, P). With a
    sparse layer the weights of its kept keys are placed at their positions (of n_tokens), zero elsewhere."""
    attn = record["attn"][layer][:, :, 0]                      # (B, H, keys)
    support = record.get("support", {}).get(layer)
    if support is not None:
        attn = attn.new_zeros(*attn.shape[:2], n_tokens).scatter_(-1, support, attn)
    return attn[..., 1:].mean(1)


def cls_iou_per_image(record: dict, layer: int, fg: torch.Tensor, sparsity: float) -> torch.Tensor:
    """(images,) IoU between the patches the [CLS] query attends to most in `layer` (its top
    (1 - sparsity) share; 25% when dense) and the digit."""
    keep = max(1, round(fg.shape[1] * (1 - (sparsity or 0.75))))
    top = cls_patch_attention(record, layer, fg.shape[1] + 1).topk(keep, dim=-1).indices
    mask = torch.zeros_like(fg).scatter_(1, top, True)
    inter, union = (mask & fg).sum(1), (mask | fg).sum(1)
    return inter / union.clamp(min=1)


def weights_not_computed(model: ViT, supports: dict, depth: int) -> float:
    n = model.tokens
    kept = sum(s.shape[-1] for s in supports.values()) + (depth - len(supports)) * n
    return 1 - kept / (depth * n)


@torch.inference_mode()
def attention_maps(cfg: dict, runs: dict, n_images: int = 4) -> dict:
    """Per model: the [CLS] query's attention over patches in the last sparse layer (heads averaged),
    with dense attention and at the headline sparsity (zero where a key is not kept), and Fig. 8's
    per-image IoU of that attention with the digit, over every test image (`iou`: one row per
    model, mode and image; the first n_images are drawn)."""
    data = data_splits(cfg)
    images = data["test"][0]
    masks = cfg["data"]["source"] in OBJECT_MASKS        # no object masks: IoU is NaN, only the drawn images run
    x, x_all = _tensor(images[:n_images]), _tensor(images if masks else images[:n_images])
    layer = max(cfg["inference"]["sparse_layers"])
    sparsity = cfg["inference"]["headline_sparsity"]
    out = {"images": x.numpy(), "maps": {}, "iou": []}
    for name, run_dir in runs.items():
        model, anchors = load_run(cfg, name, run_dir)
        g = model.grid
        maps = {}
        fg = on(model, torch.from_numpy(foreground_patches(images, model.patch))) if masks else None
        for mode, sel in (("dense", None), ("sparse", selector_for(cfg, name, anchors, sparsity))):
            attn, iou = [], []
            for part in eval_parts(len(x_all), cfg):          # in batches: the whole test split at masks
                record = recording("attn", layers=[layer])
                model(on(model, x_all[part]), selector=sel, record=record)
                attn.append(numpy(cls_patch_attention(record, layer, model.tokens)))
                if masks:
                    iou.append(numpy(cls_iou_per_image(record, layer, fg[part], sparsity if mode == "sparse" else 0.0)))
            maps[mode] = np.concatenate(attn)[:n_images].reshape(n_images, g, g)
            iou = np.concatenate(iou) if masks else np.full(n_images, np.nan)
            out["iou"] += [{"variant": name, "mode": mode, "image": i, "iou": float(v)} for i, v in enumerate(iou)]
        out["maps"][name] = maps
    return out
