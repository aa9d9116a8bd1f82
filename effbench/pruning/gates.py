"""Token gates: each scores the tokens after the first attention layer and decides which
survive. Hard gates return indices (the tokens are then removed by `tokens.gather_tokens`);
the Concrete gate trains with soft weights and removes tokens hard at inference.

Gate            score                                          kept
none            -                                              all
attention_mass  attention each token *receives* in layer 1    top floor(pL)
                (column sum; the row sums of a softmax are all 1)
entropy_topk    -H(p_i), p_i from a linear token head          top floor(pL)
random          uniform noise                                  floor(pL), at random
entropy_threshold -H(p_i)                                      H(p_i) < threshold
gumbel          learned logit s_i; training: m_i = sigmoid((s_i + logistic noise)/T)
                with budget penalty lambda (mean m - p)^2;    inference: top floor(pL) by s_i
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .tokens import select_topk, select_where

GATES = ("none", "attention_mass", "entropy_topk", "random", "entropy_threshold", "gumbel")


@dataclass
class GateOutput:
    index: torch.Tensor | None = None        # (n, K) kept positions, None = keep all
    valid: torch.Tensor | None = None        # (n, K)
    soft_weight: torch.Tensor | None = None  # (n, L) relaxed keep weights (training only)
    token_logits: torch.Tensor | None = None # (n, L, C) the entropy head, for its auxiliary loss
    penalty: torch.Tensor | None = None      # budget penalty, added to the loss


def token_entropy(logits: torch.Tensor, eps: float = 1e-9) -> torch.Tensor:
    p = logits.softmax(-1)
    return -(p * (p + eps).log()).sum(-1)


class Gate(nn.Module):
    def __init__(self, kind: str, dim: int, n_classes: int, keep_ratio: float = 1.0,
                 threshold: float = 0.6, temperature: float = 0.5, budget_weight: float = 1.0):
        super().__init__()
        if kind not in GATES:
            raise ValueError(f"unknown gate {kind!r}; choose one of {GATES}")
        if not 0 < keep_ratio <= 1:
            raise ValueError(f"keep_ratio must be in (0, 1], got {keep_ratio}")
        self.kind, self.keep_ratio = kind, keep_ratio
        self.threshold, self.temperature, self.budget_weight = threshold, temperature, budget_weight
        if kind in ("entropy_topk", "entropy_threshold"):
            self.head = nn.Linear(dim, n_classes)
        elif kind == "gumbel":
            self.head = nn.Linear(dim, 1)

    def forward(self, h: torch.Tensor, attn: torch.Tensor | None, mask: torch.Tensor | None,
                protect: torch.Tensor | None = None) -> GateOutput:
        """h: (n, L, d) hidden states; attn: (n, L, L) layer attention (attention_mass only);
        mask: (n, L) real tokens; protect: (n, L) tokens always kept ([CLS])."""
        kind = self.kind
        if kind == "none":
            return GateOutput()
        if kind == "attention_mass":
            return GateOutput(*select_topk(attn.sum(1), mask, self.keep_ratio, protect))
        if kind == "random":
            return GateOutput(*select_topk(torch.rand(h.shape[:2], device=h.device), mask, self.keep_ratio, protect))
        if kind == "entropy_topk":
            logits = self.head(h)
            index, valid = select_topk(-token_entropy(logits.detach()), mask, self.keep_ratio, protect)
            return GateOutput(index, valid, token_logits=logits)
        if kind == "entropy_threshold":
            logits = self.head(h)
            entropy = token_entropy(logits.detach())
            index, valid = select_where(entropy < self.threshold, -entropy, mask)
            return GateOutput(index, valid, token_logits=logits)
        # gumbel: the Concrete / Gumbel-sigmoid relaxation
        score = self.head(h).squeeze(-1)
        if not self.training:
            return GateOutput(*select_topk(score, mask, self.keep_ratio, protect))
        u = torch.rand_like(score).clamp(1e-6, 1 - 1e-6)
        weight = torch.sigmoid((score + u.log() - (-u).log1p()) / self.temperature)
        if mask is not None:
            weight = weight * mask
            mean_keep = weight.sum(1) / mask.sum(1)
        else:
            mean_keep = weight.mean(1)
        penalty = self.budget_weight * (mean_keep.mean() - self.keep_ratio) ** 2
        return GateOutput(soft_weight=weight, penalty=penalty)


def token_head_loss(sel: GateOutput, labels: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Per-token cross-entropy of the entropy head against the sequence label (real tokens
    only). Top-k passes no gradient to the head, so this is what trains it."""
    tl = sel.token_logits
    per_token = torch.nn.functional.cross_entropy(
        tl.reshape(-1, tl.shape[-1]), labels.repeat_interleave(tl.shape[1]), reduction="none")
    if mask is None:
        return per_token.mean()
    weight = mask.reshape(-1).float()
    return (per_token * weight).sum() / weight.sum()
