"""A BERT-family encoder with a linear head on [CLS], and the token gate as a patch.

`apply_gate(model, gate, after_layer)` turns the dense classifier into the entropy-gate
paper's §8 model: the first `after_layer` blocks see every token; the gate then keeps its
share of each example's real tokens ([CLS] always, padding never), and the later blocks run
on the shorter tensor. The dense model and the gated one share every other line of code and
start from the same fine-tuned checkpoint.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..pruning.gates import Gate, GateOutput, token_head_loss
from ..pruning.tokens import gather_tokens, kept_mask
from . import blocks


def additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(n, T) bool -> the (n, 1, 1, T) additive mask eager BERT attention expects."""
    return (~mask)[:, None, None, :].to(dtype) * torch.finfo(dtype).min


class TextClassifier(nn.Module):
    def __init__(self, encoder, n_classes: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_classes)
        self.gate: Gate | None = None
        self.gate_after = None

    @property
    def layers(self):
        return blocks.layers(self.encoder)

    def embed(self, input_ids, token_type_ids=None) -> torch.Tensor:
        return blocks.embed(self.encoder, input_ids, token_type_ids)

    def forward(self, input_ids, attention_mask, token_type_ids=None) -> dict:
        mask = attention_mask.bool()
        h = self.embed(input_ids, token_type_ids)                    # (B, T, C)
        sel = GateOutput()
        kept = mask
        tokens = []
        for i, layer in enumerate(self.layers):
            if self.gate is not None and i == self.gate_after:
                protect = torch.zeros_like(mask)
                protect[:, 0] = True                                   # [CLS] is never pruned
                sel = self.gate(h, None, mask, protect)
                kept = kept_mask(sel.index, sel.valid, mask.shape[1])
                h, mask = gather_tokens(h, sel.index), sel.valid       # later blocks: kept tokens only
            tokens.append(mask.sum(1))
            h = layer(h, attention_mask=additive_mask(mask, h.dtype))
            if isinstance(h, tuple):
                h = h[0]
        return {"logits": self.head(self.dropout(h[:, 0])), "kept": kept, "gate": sel,
                "input_mask": attention_mask.bool(), "tokens": torch.stack(tokens, 1),
                "exit_layer": torch.full((len(h),), len(self.layers), dtype=torch.long, device=h.device)}

    def loss(self, out: dict, labels: torch.Tensor, aux_weight: float = 1.0) -> torch.Tensor:
        loss = F.cross_entropy(out["logits"], labels)
        if out["gate"].token_logits is not None and aux_weight > 0:
            loss = loss + aux_weight * token_head_loss(out["gate"], labels, out["input_mask"])
        return loss


def apply_gate(model: TextClassifier, kind: str, keep_ratio: float, after_layer: int = 1) -> TextClassifier:
    """Patch a token gate after block `after_layer` (1 = after the first block)."""
    if not 1 <= after_layer < len(model.layers):
        raise ValueError(f"after_layer must be in [1, {len(model.layers) - 1}], got {after_layer}")
    model.gate = Gate(kind, model.encoder.config.hidden_size, model.head.out_features, keep_ratio=keep_ratio)
    model.gate_after = after_layer
    return model.to(model.head.weight.device)          # the gate's head beside the encoder, wherever it is


def truncate_layers(model: TextClassifier, n_layers: int) -> TextClassifier:
    """The shallow dense baseline: the backbone's first n blocks (the DistilBERT analogue)."""
    blocks.truncate(model.encoder, n_layers)
    return model
