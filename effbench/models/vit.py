"""A small ViT whose attention can run on a per-input, per-head subset of keys.

`Attention.forward(x, selector)`: with no selector, dense attention; with one, the selector
returns key indices (B, H, b) for this layer (from the keys themselves), and attention is
computed on the gathered keys and values only: q (B,H,N,d) x k_s (B,H,b,d), so the work is
O(N b d), not O(N^2 d). `impl="sdpa"` uses torch's scaled_dot_product_attention for both the
dense and the gathered keys (the CPU analogue of running a fused kernel on the reduced set).

`record` (a dict, or None: nothing kept) says what to keep: `want` names it ("keys", "attn"; the
support of a sparse layer is always kept, b indices per head), `layers` which blocks (all when
absent). Keys are kept only where asked: `k` is a view of the whole qkv output, so keeping it kept
three times the keys alive for every layer (71 GB in the paper's patch-2 validation pass). Without
autograd the asked keys are cloned (the qkv output is then freed); under autograd the view is kept,
as the graph keeps qkv for the backward anyway.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def gather_keys(t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """t (B, H, N, d), idx (B, H, b) -> (B, H, b, d)."""
    return t.gather(2, idx[..., None].expand(*idx.shape, t.shape[-1]))


def wanted(record: dict | None, layer: int) -> tuple:
    """What `record` asks this layer to keep ("keys", "attn"): nothing without a record or outside its `layers`."""
    if record is None or ("layers" in record and layer not in record["layers"]):
        return ()
    return tuple(record.get("want", ()))


def recording(*want: str, layers=None) -> dict:
    """A record asking for `want` ("keys", "attn") of `layers` (None: every layer)."""
    return {"want": want} if layers is None else {"want": want, "layers": frozenset(layers)}


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, selector=None, layer: int = 0, impl: str = "manual", record: dict | None = None):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        want = wanted(record, layer)
        if "keys" in want:
            record.setdefault("keys", {})[layer] = k if k.requires_grad else k.clone()
        idx = selector(layer, k) if selector is not None else None
        if idx is not None:
            k, v = gather_keys(k, idx), gather_keys(v, idx)
            if record is not None:
                record.setdefault("support", {})[layer] = idx
        if impl == "sdpa" and "attn" not in want:
            out = F.scaled_dot_product_attention(q, k, v)
        else:
            attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.head_dim), dim=-1)
            if "attn" in want:
                record.setdefault("attn", {})[layer] = attn
            out = attn @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, -1))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: int = 2):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    def forward(self, x, **kw):
        x = x + self.attn(self.norm1(x), **kw)
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """Patch embedding (a linear map of each flattened patch), [CLS], learned positions, pre-LN blocks.
    Images are (B, H, W) grey or (B, H, W, C) with `channels` = C."""

    def __init__(self, image: int = 28, patch: int = 4, dim: int = 64, depth: int = 4, heads: int = 4,
                 classes: int = 10, mlp_ratio: int = 2, channels: int = 1):
        super().__init__()
        if image % patch:
            raise ValueError(f"patch {patch} does not divide the image side {image}")
        self.patch, self.grid, self.channels = patch, image // patch, channels
        self.tokens = self.grid ** 2 + 1
        self.embed = nn.Linear(patch * patch * channels, dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, self.tokens, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def patches(self, images: torch.Tensor) -> torch.Tensor:
        b, p, g, c = images.shape[0], self.patch, self.grid, self.channels
        x = images.reshape(b, g, p, g, p, c)                                   # (B, rows, p, cols, p, C)
        return x.permute(0, 1, 3, 2, 4, 5).reshape(b, g * g, p * p * c)        # (B, patches, p*p*C)

    def forward(self, images, selector=None, impl: str = "manual", record: dict | None = None):
        x = self.embed(self.patches(images))
        x = torch.cat([self.cls.expand(len(x), -1, -1), x], 1) + self.pos
        for i, block in enumerate(self.blocks):
            x = block(x, selector=selector, layer=i, impl=impl, record=record)
        return self.head(self.norm(x[:, 0]))


def attention_flops(model: ViT, keys: int | None = None) -> dict:
    """Multiply-adds x 2 per image: attention products (QK^T and AV) against the rest, with
    `keys` keys per query in every layer (None: all). Attention's share is the ceiling on the
    speed-up any key sparsity can give."""
    n, d = model.tokens, model.embed.out_features
    b = n if keys is None else keys
    depth, hidden = len(model.blocks), model.blocks[0].mlp[0].out_features
    attn = depth * 2 * (2 * n * b * d)
    rest = depth * 2 * (n * d * 3 * d + n * d * d + 2 * n * d * hidden) + 2 * n * model.embed.in_features * d
    return {"attention": attn, "rest": rest, "total": attn + rest, "attention_share": attn / (attn + rest)}
