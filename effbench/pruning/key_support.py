"""Which keys each query attends to: per input, per head, in contiguous blocks of patches.

A selector is called by every attention layer with its keys (B, H, N, d) (token 0 = [CLS]) and
returns the indices (B, H, b) of the keys to keep, or None for dense. Every selector scores keys,
averages scores over contiguous blocks of `block` patches (patch order), keeps the top blocks
and always [CLS], so all methods keep the same number of keys (matched sparsity) and differ only
in which ones:
  magnitude   key L2 norm (top-b by magnitude; also what an L1-trained model is pruned by)
  entropy     each key's expected cluster mass, sum_j p_ij m_j, from the soft assignment to
              the layer's anchors (m_j = mean_i p_ij of this input and head): the keys of the
              input's heaviest clusters
  combined    entropy score x magnitude (entropy regularisation + magnitude pruning, Table 19)
"""
from __future__ import annotations

import torch

KINDS = ("magnitude", "entropy", "combined")


def keep_blocks(n_patches: int, block: int, sparsity: float) -> int:
    if n_patches % block:
        raise ValueError(f"a key block of {block} patches does not divide {n_patches} patches")
    return max(1, round(n_patches // block * (1 - sparsity)))


def block_scores(scores: torch.Tensor, block: int) -> torch.Tensor:
    """(B, H, P) patch scores -> (B, H, P / block) block means."""
    return scores.view(*scores.shape[:-1], -1, block).mean(-1)


def support_from_scores(scores: torch.Tensor, block: int, sparsity: float) -> torch.Tensor:
    """scores (B, H, N) over all tokens ([CLS] first) -> kept key indices (B, H, 1 + kept)."""
    patch_scores = scores[..., 1:]
    k = keep_blocks(patch_scores.shape[-1], block, sparsity)
    top = block_scores(patch_scores, block).topk(k, dim=-1).indices.sort(-1).values      # (B, H, k)
    idx = (top[..., None] * block + torch.arange(block, device=scores.device)).flatten(-2) + 1
    cls = torch.zeros(*idx.shape[:-1], 1, dtype=idx.dtype, device=idx.device)
    return torch.cat([cls, idx], -1)


class Selector:
    def __init__(self, kind: str, sparsity: float, block: int, layers, anchors: dict | None = None,
                 alpha: float = 5.0):
        if kind not in KINDS:
            raise ValueError(f"unknown key selector {kind!r}; choose one of {KINDS}")
        if kind != "magnitude" and not anchors:
            raise ValueError(f"the {kind!r} selector needs the entropy-trained model's anchors")
        self.kind, self.sparsity, self.block, self.layers = kind, sparsity, block, set(layers)
        self.anchors, self.alpha = anchors, alpha

    def scores(self, layer: int, keys: torch.Tensor) -> torch.Tensor:
        magnitude = keys.norm(dim=-1)
        if self.kind == "magnitude":
            return magnitude
        p = cluster_assignments(keys, self.anchors[layer], self.alpha)             # (B, H, N, K)
        mass = p.mean(2, keepdim=True)                                             # (B, H, 1, K)
        expected = (p * mass).sum(-1)                                              # (B, H, N)
        return expected if self.kind == "entropy" else expected * magnitude

    def __call__(self, layer: int, keys: torch.Tensor):
        if layer not in self.layers or self.sparsity <= 0:
            return None
        return support_from_scores(self.scores(layer, keys), self.block, self.sparsity)


def cluster_assignments(keys: torch.Tensor, anchors: torch.Tensor, alpha: float) -> torch.Tensor:
    """keys (B, H, N, d), anchors (H, K, d) -> p (B, H, N, K) = softmax_j(-alpha ||k_i - c_j||^2 / d).
    Distances are divided by the head dimension so one alpha suits any width."""
    cross = keys @ anchors.transpose(-2, -1)                                      # (B, H, N, K)
    d2 = (keys.pow(2).sum(-1, keepdim=True) - 2 * cross + anchors.pow(2).sum(-1)[None, :, None]) / keys.shape[-1]
    return torch.softmax(-alpha * d2, dim=-1)


def run_counts(support: torch.Tensor, n_tokens: int) -> tuple[int, int]:
    """(kept patch indices, runs of consecutive ones) over inputs and heads, [CLS] excluded: summed over
    batches they give the mean run length of the whole split."""
    kept = torch.zeros(*support.shape[:-1], n_tokens, dtype=torch.bool, device=support.device)
    kept.scatter_(-1, support, True)
    kept = kept[..., 1:].flatten(0, -2).to(torch.int8)
    starts = (kept[:, 1:] > kept[:, :-1]).sum() + kept[:, 0].sum()
    return int(kept.sum()), int(starts)


def mean_run_length(support: torch.Tensor, n_tokens: int, counts: tuple[int, int] | None = None) -> float:
    """Mean length of the runs of consecutive kept patch indices ([CLS] excluded), over inputs and heads
    (or from summed run_counts)."""
    kept, starts = counts or run_counts(support, n_tokens)
    return float(torch.tensor(kept) / torch.tensor(max(starts, 1)))      # float32, as it always was


def nearest_anchor_assignments(keys: torch.Tensor, anchors: torch.Tensor, alpha: float, r: int | None = None) -> torch.Tensor:
    """The same soft assignment from FAISS nearest-neighbour search (paper 003's anchor lookup): each
    key's r nearest anchors (IndexFlatL2, exact L2), softmax over those; the other anchors get 0.
    r = K gives cluster_assignments' values; r = 1 the hard nearest-anchor assignment. CPU, no gradient."""
    import faiss
    import numpy as np

    b, h, n, d = keys.shape
    k = anchors.shape[1]
    r = min(r or k, k)
    faiss.omp_set_num_threads(torch.get_num_threads())
    heads = []
    for head in range(h):
        index = faiss.IndexFlatL2(d)
        index.add(np.ascontiguousarray(anchors[head].detach().float().cpu().numpy()))
        queries = np.ascontiguousarray(keys[:, head].reshape(-1, d).detach().float().cpu().numpy())
        dist, ids = index.search(queries, r)                                       # squared L2, nearest first
        weights = torch.softmax(-alpha * torch.from_numpy(dist) / d, dim=-1)       # (B N, r)
        heads.append(torch.zeros(b * n, k).scatter_(1, torch.from_numpy(ids), weights).view(b, n, k))
    return torch.stack(heads, 1).to(keys.dtype)                                    # (B, H, N, K)
