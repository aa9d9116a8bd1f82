"""A BERT block run from its own weights, with dense or window (banded) self-attention.

Window attention (Longformer-style, as in the EAT paper §3.2): every token sees the tokens
within `w` positions on either side, plus a global [CLS] at position 0 in both directions
([CLS] sees everything, everything sees [CLS]). It is computed in blocks of w queries, each
against the 3w keys of its own and the two neighbouring blocks, plus the [CLS] key, so the
cost grows with t * 3w, not t^2. Where t <= 3w + 1 the dense product under the same band
mask costs no more than the blocked one, so short inputs take that path; both paths give
the same numbers (a test checks it), and `attention_flops` counts the path that ran.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def band_mask(t: int, half_window: int, device=None) -> torch.Tensor:
    """(t, t) bool: query i may attend key j (|i - j| <= w, or either is [CLS])."""
    pos = torch.arange(t, device=device)
    allowed = (pos[:, None] - pos[None, :]).abs() <= half_window
    allowed[0, :] = True
    allowed[:, 0] = True
    return allowed


def dense_attention(q, k, v, allowed, dropout=None, keep_probs: list | None = None):
    """q, k, v: (n, H, t, d); allowed: bool, broadcastable to (n, H, t, t). keep_probs: a list the
    attention probabilities (before dropout) are appended to, for methods that score tokens by them."""
    scores = (q @ k.transpose(-1, -2)) * q.shape[-1] ** -0.5
    probs = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min).softmax(-1)
    if keep_probs is not None:
        keep_probs.append(probs)
    if dropout is not None:
        probs = dropout(probs)
    return probs @ v


def uses_dense(t: int, half_window: int | None) -> bool:
    return half_window is None or t <= 3 * half_window + 1


def window_attention(q, k, v, key_mask, half_window: int, dropout=None):
    """Banded attention with a global [CLS]; key_mask: (n, t) bool, True for real tokens."""
    n, heads, t, d = q.shape
    w = half_window
    if uses_dense(t, w):
        allowed = band_mask(t, w, q.device)[None, None] & key_mask[:, None, None, :]
        return dense_attention(q, k, v, allowed, dropout)
    scale = d ** -0.5
    nb = math.ceil(t / w)
    pad = nb * w - t
    qb = F.pad(q, (0, 0, 0, pad)).view(n, heads, nb, w, d)
    k_win = F.pad(k, (0, 0, w, pad + w)).unfold(2, 3 * w, w)                   # (n, H, nb, d, 3w)
    v_win = F.pad(v, (0, 0, w, pad + w)).unfold(2, 3 * w, w).transpose(-1, -2)  # (n, H, nb, 3w, d)
    # key j of block b sits at position (b - 1) w + j; query i of block b at b w + i
    key_pos = (torch.arange(nb, device=q.device)[:, None] - 1) * w + torch.arange(3 * w, device=q.device)
    query_pos = torch.arange(nb * w, device=q.device).view(nb, w)
    band = (key_pos[:, None, :] - query_pos[:, :, None]).abs() <= w              # (nb, w, 3w)
    real = F.pad(key_mask, (w, pad + w), value=False).unfold(1, 3 * w, w)        # (n, nb, 3w)
    local_ok = band[None] & real[:, :, None, :] & (key_pos != 0)[None, :, None, :]  # [CLS] comes as the global key
    local = (qb @ k_win) * scale
    local = local.masked_fill(~local_ok[:, None], torch.finfo(local.dtype).min)
    k_cls, v_cls = k[:, :, None, :1], v[:, :, None, :1]                          # (n, H, 1, 1, d)
    to_cls = (qb @ k_cls.transpose(-1, -2)) * scale                              # (n, H, nb, w, 1)
    probs = torch.cat([to_cls, local], -1).softmax(-1)
    if dropout is not None:
        probs = dropout(probs)
    out = probs[..., :1] @ v_cls + probs[..., 1:] @ v_win
    out = out.reshape(n, heads, nb * w, d)[:, :, :t]
    # [CLS] attends to every real token
    cls_scores = (q[:, :, :1] @ k.transpose(-1, -2)) * scale
    cls_probs = cls_scores.masked_fill(~key_mask[:, None, None, :], torch.finfo(q.dtype).min).softmax(-1)
    if dropout is not None:
        cls_probs = dropout(cls_probs)
    return torch.cat([cls_probs @ v, out[:, :, 1:]], 2)


def attention_flops(t: int, hidden: int, half_window: int | None) -> float:
    """Multiply-add FLOPs (x2) of scores and mixing for one example of t tokens."""
    if uses_dense(t, half_window):
        return 4.0 * t * t * hidden
    w = half_window
    nb = math.ceil(t / w)
    return 4.0 * hidden * (nb * w * 3 * w + nb * w + t)


def bert_block(layer, h: torch.Tensor, mask: torch.Tensor, half_window: int | None = None,
               keep_probs: list | None = None) -> torch.Tensor:
    """One encoder block (a BertLayer or a DistilBERT TransformerBlock, models/blocks.py) on h
    (n, t, hidden) with key mask (n, t); the block's own weights and sub-modules, with our
    attention in the middle. keep_probs (dense attention only): receives the block's (n, H, t, t)
    attention probabilities, at no extra cost."""
    from .blocks import parts

    b = parts(layer)
    n, t, _ = h.shape

    def split(x):
        return x.view(n, t, b.heads, b.head_dim).transpose(1, 2)

    q, k, v = split(b.query(h)), split(b.key(h)), split(b.value(h))
    dropout = b.dropout if b.dropout.training else None
    if half_window is None:
        ctx = dense_attention(q, k, v, mask[:, None, None, :], dropout, keep_probs)
    else:
        ctx = window_attention(q, k, v, mask, half_window, dropout)
    return b.finish(ctx.transpose(1, 2).reshape(n, t, b.heads * b.head_dim), h)
