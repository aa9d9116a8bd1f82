"""Token removal: the one place where pruning turns scores into shorter tensors.

Every pruning method scores tokens and calls `select_topk` / `select_where`, then
`gather_tokens`: the layers after the gate receive a physically shorter tensor, so the
compute they skip is really skipped (masking would keep the full length and cost).
Kept tokens stay in their original order; padding is never kept.
"""
from __future__ import annotations

import math

import torch


def keep_counts(lengths: torch.Tensor, keep_ratio: float) -> torch.Tensor:
    """Tokens kept per example: floor(p * length), at least one."""
    return torch.clamp(torch.floor(lengths.double() * keep_ratio + 1e-9).long(), min=1)


def _ordered(index: torch.Tensor, valid: torch.Tensor, seq_len: int):
    """Sort kept indices by position; invalid slots go last and point at position 0."""
    key = torch.where(valid, index, torch.full_like(index, seq_len))
    key, _ = key.sort(dim=1)
    valid = key < seq_len
    return torch.where(valid, key, torch.zeros_like(key)), valid


def keep_counts_protected(lengths: torch.Tensor, keep_ratio: float, n_protected=1) -> torch.Tensor:
    """EAT's rule (Alg. 1): the protected tokens plus ceil(p * (length - protected)) others
    (n_protected: an int or one count per example)."""
    others = torch.ceil((lengths - n_protected).clamp(min=0).double() * keep_ratio - 1e-9).long()
    return torch.minimum(others + n_protected, lengths)


def select_topk(scores: torch.Tensor, mask: torch.Tensor | None, keep_ratio: float,
                protect: torch.Tensor | None = None):
    """Keep the floor(p * length) highest-scoring real tokens of each example.

    scores: (n, L); mask: (n, L) bool, True for real tokens (None: all real); protect: (n, L)
    bool, tokens always kept (e.g. [CLS]) and counted in the budget.
    Returns index (n, K) into the L positions and valid (n, K), K = the largest count.
    """
    if mask is None:
        mask = torch.ones_like(scores, dtype=torch.bool)
    return select_counts(scores, mask, keep_counts(mask.sum(1), keep_ratio), protect)


def select_counts(scores: torch.Tensor, mask: torch.Tensor, counts: torch.Tensor,
                  protect: torch.Tensor | None = None):
    """Keep the `counts[i]` highest-scoring real tokens of example i (protected ones first)."""
    n, seq_len = scores.shape
    k_max = int(counts.max())
    masked = scores.masked_fill(~mask, -math.inf)
    if protect is not None:
        masked = masked.masked_fill(protect & mask, math.inf)
    index = masked.topk(k_max, dim=1).indices
    valid = torch.arange(k_max, device=scores.device)[None, :] < counts[:, None]
    return _ordered(index, valid, seq_len)


def select_where(keep: torch.Tensor, scores: torch.Tensor, mask: torch.Tensor | None):
    """Keep the tokens where `keep` is True (at least the best-scoring one per example)."""
    n, seq_len = scores.shape
    if mask is None:
        mask = torch.ones_like(keep)
    keep = keep & mask
    best = scores.masked_fill(~mask, -math.inf).argmax(1)
    keep[torch.arange(n, device=keep.device), best] = True
    counts = keep.sum(1)
    k_max = int(counts.max())
    index = keep.float().topk(k_max, dim=1).indices   # True positions first
    valid = torch.arange(k_max, device=scores.device)[None, :] < counts[:, None]
    return _ordered(index, valid, seq_len)


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """x: (n, L, ...) -> (n, K, ...) at the kept positions."""
    expand = index.reshape(*index.shape, *([1] * (x.dim() - 2))).expand(-1, -1, *x.shape[2:])
    return x.gather(1, expand)


def kept_mask(index: torch.Tensor, valid: torch.Tensor, seq_len: int) -> torch.Tensor:
    """(n, L) bool: which original positions survived."""
    out = torch.zeros(index.shape[0], seq_len, dtype=torch.long, device=index.device)
    return out.scatter_add_(1, index, valid.long()) > 0   # invalid slots add 0 to position 0
