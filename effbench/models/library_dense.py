"""The dense baseline a user would deploy: transformers' own BertModel forward, default attention.

Our dense rows run the encoder block by block with eager attention, because the methods patch
in between blocks. A user who wants the dense model runs `BertModel.forward`, whose default
attention is PyTorch's scaled_dot_product_attention (SDPA). `LibraryDense` is that model with
the same weights, so every speed-up can be measured against the fastest dense path rather than
our slower one; `agreement` checks the two give the same predictions.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

DEFAULT_ATTENTION = "sdpa"


class LibraryDense(nn.Module):
    def __init__(self, dense, attn_implementation: str = DEFAULT_ATTENTION):
        super().__init__()
        self.encoder = copy.deepcopy(dense.encoder)          # same weights, its own attention setting
        self.encoder.set_attn_implementation(attn_implementation)
        self.head = dense.head
        self.attn_implementation = attn_implementation

    def forward(self, input_ids, attention_mask, token_type_ids=None) -> dict:
        from .blocks import encoder_inputs

        batch = encoder_inputs(self.encoder, {"input_ids": input_ids, "attention_mask": attention_mask,
                                              "token_type_ids": token_type_ids})
        h = self.encoder(**batch).last_hidden_state                                 # (B, T, H)
        return {"logits": self.head(h[:, 0])}


@torch.inference_mode()
def agreement(reference, candidate, batches) -> dict:
    """How far `candidate`'s logits are from `reference`'s on the same batches: the share of equal
    argmax predictions and the largest absolute logit difference."""
    reference.eval(), candidate.eval()
    same, total, worst = 0, 0, 0.0
    for batch in batches:
        a, b = reference(**batch)["logits"], candidate(**batch)["logits"]
        same += int((a.argmax(1) == b.argmax(1)).sum())
        total += len(a)
        worst = max(worst, float((a - b).abs().max()))
    return {"prediction_agreement": same / max(total, 1), "max_abs_logit_diff": worst, "n_examples": total}


def check_agreement(result: dict, tolerance: float = 1e-3) -> dict:
    """fp32 SDPA and eager attention differ only by rounding: the same predictions and logits
    within `tolerance`, or the timing of one would not stand for the other."""
    if result["prediction_agreement"] < 1.0 or not np.isfinite(result["max_abs_logit_diff"]) \
            or result["max_abs_logit_diff"] > tolerance:
        raise RuntimeError(f"the library's dense model disagrees with ours: {result} (tolerance {tolerance})")
    return {**result, "tolerance": tolerance}
