"""AD-TP's models: the backbone classifier with the ARP + TSP retainer patched in, built or loaded."""
from __future__ import annotations

from pathlib import Path

import torch

from ...artefacts import load_weights
from ...compute import current
from ...data import tasks
from ...models.adtp import ADTPClassifier, ADTPSettings, apply_adtp
from ...models.backbones import load_variant_encoder
from ...models.ltp import LTPSettings, apply_ltp
from ...models.text_classifier import TextClassifier, truncate_layers
from .plan import variants


def settings(cfg: dict, spec: dict, sep_token_id=None) -> ADTPSettings:
    a = cfg["adtp"]
    return ADTPSettings(prune_after=list(a["prune_after"]), n_candidates=spec.get("n_candidates", a["n_candidates"]),
                        tsp_hidden=a["tsp_hidden"], sep_token_id=sep_token_id, arp_input=spec.get("arp_input", "cls"))


def build(cfg: dict, spec: dict, n_classes: int, pair: bool = False):
    encoder, tokenizer, own = load_variant_encoder(cfg, spec["kind"])
    model = TextClassifier(encoder, n_classes, cfg["dropout"])
    if spec["kind"] == "shallow" and not own:
        truncate_layers(model, cfg["shallow_layers"])
    elif spec["kind"] == "adtp":
        apply_adtp(model, settings(cfg, spec, tasks.sep_id(tokenizer, pair)))
    elif spec["kind"] == "ltp":        # hard pruning unless its trainer says soft
        apply_ltp(model, LTPSettings(final_threshold=spec["threshold"], temperature=cfg["ltp"]["temperature"],
                                     sep_token_id=tasks.sep_id(tokenizer, pair), mode="hard"))
    return model, tokenizer


def load_trained(cfg: dict, task: str, name: str, run_dir):
    directory = tasks.data_dir(cfg["tasks"][task])
    model, tokenizer = build(cfg, variants(cfg, task)[name], tasks.n_classes(directory), tasks.is_pair(directory))
    model.load_state_dict(load_weights(Path(run_dir) / "model.safetensors"), strict=True)
    return model.to(current().device).eval(), tokenizer


def as_pruner(cfg: dict, dense: TextClassifier, tokenizer, pair: bool) -> ADTPClassifier:
    """The dense model with the pruning path (its ARP / TSP unused: ratio and scores are given)."""
    torch.manual_seed(0)
    return apply_adtp(dense, settings(cfg, {}, tasks.sep_id(tokenizer, pair))).eval()


def special_ids(tokenizer) -> list[int]:
    return [tokenizer.cls_token_id, tokenizer.sep_token_id]
