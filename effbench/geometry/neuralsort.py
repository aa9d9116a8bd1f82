"""NeuralSort (Grover et al., 2019) as a learned hull preprocessing: paper 003's Table 20 baseline.

NeuralSort relaxes sorting: for scores s (n,), with A_ij = |s_i - s_j|, row i of
    P_hat = softmax(((n + 1 - 2i) s - A 1) / tau)
is a distribution over which item sits at rank i (descending); each row sums to one, and as
tau -> 0 P_hat becomes the permutation matrix that sorts s.
Paper 003 says only that NeuralSort "achieves 1.81x through point ordering". Ours orders the points
of a set by a learned score and passes the first `keep` share on to the hull algorithm: a point
scorer (pointwise MLP with the set's max-pooled context, on centred and scaled coordinates) is
trained through the relaxed sort so that the top ranks hold the hull vertices (binary cross-entropy
of each point's relaxed top-m membership, P_hat[:m].sum(0), against being a hull vertex). The
filter is not exact: a vertex ranked below m is lost, and the timing table measures the hull error.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


def neuralsort(scores: torch.Tensor, tau: float) -> torch.Tensor:
    """(n,) scores -> (n, n) relaxed permutation: row i = soft one-hot of the item at rank i (descending).
    The logits grow with n (the (n + 1 - 2i) factor), so set sizes of 10^3 need tau of order n."""
    n = scores.shape[-1]
    s = scores.unsqueeze(-1)                                                   # (n, 1)
    pairwise = (s - s.transpose(-1, -2)).abs().sum(-1, keepdim=True)           # (n, 1): A 1
    ranks = n + 1 - 2 * torch.arange(1, n + 1, dtype=scores.dtype, device=scores.device)   # (n,)
    logits = (ranks[:, None] * scores[None, :] - pairwise.transpose(-1, -2)) / tau          # (n, n)
    return torch.softmax(logits, dim=-1)


def normalise(points: torch.Tensor) -> torch.Tensor:
    """Centre a set on its mean and scale it to unit RMS radius: scores see shape, not position."""
    centred = points - points.mean(-2, keepdim=True)
    return centred / centred.pow(2).sum(-1).mean(-1, keepdim=True).sqrt().unsqueeze(-1).clamp_min(1e-12)


class PointScorer(nn.Module):
    """Score per point: MLP(point, |point|, max-pooled set feature) on the normalised set."""

    def __init__(self, width: int = 32):
        super().__init__()
        self.point = nn.Sequential(nn.Linear(3, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(2 * width, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """(n, 2) -> (n,) scores."""
        x = normalise(points)
        feats = self.point(torch.cat([x, x.norm(dim=-1, keepdim=True)], -1))     # (n, w)
        glob = feats.max(0, keepdim=True).values.expand_as(feats)                  # (n, w)
        return self.head(torch.cat([feats, glob], -1)).squeeze(-1)

    @torch.inference_mode()
    def select(self, points: np.ndarray, keep: float) -> np.ndarray:
        """Indices of the `keep` share of points with the highest scores (the hard sort), at least 3."""
        scores = self(torch.as_tensor(points, dtype=torch.float32)).numpy()
        m = max(3, int(round(keep * len(points))))
        return np.argpartition(-scores, m - 1)[:m]


def membership_loss(scores: torch.Tensor, is_vertex: torch.Tensor, keep: float, tau: float) -> torch.Tensor:
    """BCE of each point's relaxed membership in the top-m ranks against being a hull vertex;
    tau is per point (the relaxation's temperature is tau * n)."""
    n = scores.shape[-1]
    m = max(3, int(round(keep * n)))
    member = neuralsort(scores, tau * n)[:m].sum(0).clamp(1e-6, 1 - 1e-6)       # (n,)
    return nn.functional.binary_cross_entropy(member, is_vertex.float())
