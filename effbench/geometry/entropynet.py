"""EntropyNet (paper 003, App. G.7 / G.9): a PointNet that nudges points to lower their entropy.

  shared point MLP 2-64-128-256 (BN, ReLU) -> max-pool -> concat(point, tiled global) ->
  128 (BN, ReLU) -> dropout 0.1 -> d;   S' = S + sigma * tanh(Delta), sigma = 0.1

Loss = hull-preserving task loss + lambda * H(S'). The paper leaves the downstream loss open
("e.g. hull error"). Ours is zero exactly when the hull of S' equals the hull of S as a polygon:
  * the hull vertices must not move:       mean_v ||s'_v - s_v||^2 / sigma^2
  * no point may leave the original hull:  mean_i sum_e relu(n_e . s'_i - b_e) / sigma
so the entropy term is free to move interior points, and everything it does to the hull is
charged. (Chamfer distance, the other option the paper mentions, lets the hull shrink.)
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

CHUNK = 1 << 16                      # points per chunk at inference (BN is pointwise in eval)


def _mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
    return nn.Sequential(*layers)


class EntropyNet(nn.Module):
    def __init__(self, dim: int = 2, widths=(64, 128, 256), head: int = 128, dropout: float = 0.1,
                 sigma: float = 0.1):
        super().__init__()
        self.sigma = sigma
        self.point = _mlp((dim, *widths))
        self.head = nn.Sequential(_mlp((2 * widths[-1], head)), nn.Dropout(dropout), nn.Linear(head, dim))

    def _pointwise(self, module, x):                          # (B, n, c) through BN over all points
        b, n, c = x.shape
        return module(x.reshape(b * n, c)).reshape(b, n, -1)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """points (B, n, d) -> S' (B, n, d)."""
        if not self.training and points.shape[1] > CHUNK:
            return self._chunked(points)
        feats = self._pointwise(self.point, points)
        glob = feats.max(dim=1, keepdim=True).values.expand_as(feats)
        delta = self._pointwise(self.head, torch.cat([feats, glob], -1))
        return points + self.sigma * torch.tanh(delta)

    def _chunked(self, points):
        parts = points.split(CHUNK, dim=1)
        glob = torch.stack([self._pointwise(self.point, p).max(dim=1).values for p in parts]).max(0).values
        out = []
        for p in parts:
            feats = self._pointwise(self.point, p)
            delta = self._pointwise(self.head, torch.cat([feats, glob[:, None].expand_as(feats)], -1))
            out.append(p + self.sigma * torch.tanh(delta))
        return torch.cat(out, 1)

    @torch.inference_mode()
    def transform(self, points: np.ndarray) -> np.ndarray:
        """One point set through the net, NumPy in and out (what the timed pipeline calls)."""
        x = torch.from_numpy(np.ascontiguousarray(points, np.float32))[None]
        return self(x)[0].numpy().astype(np.float64)


def hull_constraints(points: np.ndarray) -> dict:
    """The original hull as tensors: vertex indices and the edges' outward unit normals/offsets."""
    from scipy.spatial import ConvexHull
    hull = ConvexHull(points)
    v = points[hull.vertices]                                   # counter-clockwise
    edge = np.roll(v, -1, 0) - v
    normal = np.stack([edge[:, 1], -edge[:, 0]], 1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    return {"vertices": torch.from_numpy(hull.vertices.astype(np.int64)),
            "normals": torch.tensor(normal, dtype=torch.float32),
            "offsets": torch.tensor((normal * v).sum(1), dtype=torch.float32)}


def hull_loss(original: torch.Tensor, moved: torch.Tensor, hull: dict, sigma: float) -> torch.Tensor:
    v = hull["vertices"]
    anchor = (moved[v] - original[v]).pow(2).sum(-1).mean() / sigma ** 2
    outside = torch.relu(moved @ hull["normals"].T - hull["offsets"]).sum(-1).mean() / sigma
    return anchor + outside
