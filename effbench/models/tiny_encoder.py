"""The entropy-gate paper's minimal encoder (its §4), in torch and trained for real:

    Embedding (frozen, N(0, 1/sqrt(d)), optional static IDF scale)
      -> Attention-1 -> gate -> Attention-2 (on the kept tokens only)
      -> masked mean pool -> linear classifier

Single-head attention as in the paper, plus a residual connection around each layer
(`residual`, default on): without it a position's output is a convex mix of all values and
the gate's token head cannot tell a signal token from its neighbours.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..pruning.gates import Gate, GateOutput, token_head_loss
from ..pruning.tokens import gather_tokens, kept_mask


class SingleHeadAttention(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)

    def forward(self, x, key_mask=None, key_weight=None):
        """x: (n, T, d); key_mask: (n, T) bool; key_weight: (n, T) soft keep weights."""
        scores = self.q(x) @ self.k(x).transpose(1, 2) / math.sqrt(x.shape[-1])
        if key_weight is not None:   # soft removal: a key with weight w counts w times
            scores = scores + torch.log(key_weight.clamp_min(1e-6))[:, None, :]
        if key_mask is not None:
            scores = scores.masked_fill(~key_mask[:, None, :], -math.inf)
        attn = scores.softmax(-1)
        return attn @ self.v(x), attn


class TinyEncoder(nn.Module):
    def __init__(self, vocab_size: int, dim: int, n_classes: int, gate: Gate,
                 idf: torch.Tensor | None = None, residual: bool = True):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim)
        nn.init.normal_(self.embedding.weight, std=1 / math.sqrt(dim))
        self.embedding.weight.requires_grad_(False)
        self.register_buffer("idf", idf if idf is not None else torch.ones(vocab_size))
        self.attn1 = SingleHeadAttention(dim)
        self.gate = gate
        self.attn2 = SingleHeadAttention(dim)
        self.classifier = nn.Linear(dim, n_classes)
        self.residual = residual

    # The three stages are separate methods so the timing harness can attribute time to each.
    def encode_first(self, tokens, mask=None):
        x = self.embedding(tokens) * self.idf[tokens][..., None]
        out, attn = self.attn1(x, mask)
        return (x + out if self.residual else out), attn

    def select(self, h, attn, mask=None) -> GateOutput:
        return self.gate(h, attn, mask)

    def encode_second(self, h, mask, sel: GateOutput):
        weight = sel.soft_weight
        if sel.index is not None:
            h, mask = gather_tokens(h, sel.index), sel.valid
        out, _ = self.attn2(h, mask, weight)
        h = h + out if self.residual else out
        pool = h.new_ones(h.shape[:2]) if mask is None else mask.float()
        if weight is not None:
            pool = pool * weight
        pooled = (h * pool[..., None]).sum(1) / pool.sum(1, keepdim=True).clamp_min(1e-9)
        return self.classifier(pooled)

    def forward(self, tokens, mask=None) -> dict:
        h, attn = self.encode_first(tokens, mask)
        sel = self.select(h, attn, mask)
        logits = self.encode_second(h, mask, sel)
        seq_len = tokens.shape[1]
        if sel.index is not None:
            kept = kept_mask(sel.index, sel.valid, seq_len)
        else:
            kept = torch.ones_like(tokens, dtype=torch.bool) if mask is None else mask
        return {"logits": logits, "kept": kept, "gate": sel}

    def loss(self, out: dict, labels: torch.Tensor, aux_weight: float) -> torch.Tensor:
        """Sequence CE + the gate's budget penalty + the token head's auxiliary CE.

        Top-k passes no gradient to the entropy head, so the head learns from a per-token
        cross-entropy against the sequence label (weight `aux_weight`).
        """
        loss = F.cross_entropy(out["logits"], labels)
        sel: GateOutput = out["gate"]
        if sel.penalty is not None:
            loss = loss + sel.penalty
        if sel.token_logits is not None and aux_weight > 0:
            loss = loss + aux_weight * token_head_loss(sel, labels)
        return loss
