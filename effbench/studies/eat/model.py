"""EAT's models: a dense classifier patched into the variant a spec describes, and trained ones loaded."""
from __future__ import annotations

from pathlib import Path

from ...artefacts import load_weights
from ...compute import current
from ...data import tasks
from ...models.backbones import load_variant_encoder, variant_backbone
from ...models.eat import EATSettings, apply_eat
from ...models.text_classifier import TextClassifier, truncate_layers
from .plan import variants


def settings(cfg: dict, spec: dict, sep_token_id: int | None = None) -> EATSettings:
    e = cfg["eat"]
    return EATSettings(prune_after=list(e["prune_after"]), prune_ratio=e["prune_ratio"] if spec["prune"] else 0.0,
                       half_window=e["half_window"] if spec["window"] else None, exit_layers=list(e["exit_layers"]),
                       exit_at=e["exit_at"], exit_weight=e["exit_weight"], exit_pooling=e["exit_pooling"], patience=False,
                       sep_token_id=sep_token_id)


def patch(cfg: dict, spec: dict, model: TextClassifier, tokenizer, pair: bool = False) -> TextClassifier:
    """Turn a dense classifier into the variant `spec` describes (shallow: its first blocks, unless it
    has a backbone of its own; EAT)."""
    if spec["kind"] == "shallow" and not variant_backbone(cfg, "shallow")[1]:
        truncate_layers(model, cfg["shallow_layers"])
    elif spec["kind"] == "eat":
        apply_eat(model, settings(cfg, spec, tasks.sep_id(tokenizer, pair)), cfg["dropout"])
    return model


def build(cfg: dict, spec: dict, n_classes: int, pair: bool = False):
    encoder, tokenizer, _ = load_variant_encoder(cfg, spec["kind"])
    return patch(cfg, spec, TextClassifier(encoder, n_classes, cfg["dropout"]), tokenizer, pair), tokenizer


def load_trained(cfg: dict, task: str, name: str, run_dir, directory):
    model, tokenizer = build(cfg, variants(cfg, task)[name], tasks.n_classes(directory), tasks.is_pair(directory))
    model.load_state_dict(load_weights(Path(run_dir) / "model.safetensors"), strict=True)
    return model.to(current().device).eval(), tokenizer
