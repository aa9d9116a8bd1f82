"""Differentiable range-partition entropy (paper 003, Eq. 2-6), in torch.

Each surrogate softly assigns points to cells and returns the Shannon entropy (nats) of the
mean cell masses:
  anchors     p_ij = softmax_j(-alpha ||x_i - c_j||^2)                         (H_diff, Eq. 2-3)
  halfspaces  h_t = sigmoid((w_t.x - b_t) / tau); a cell per sign pattern over the m planes,
              g_j = prod_t h_t^a (1 - h_t)^(1-a), already normalised over the 2^m cells (H_soft, Eq. 4-6)
  rectangles  membership prod_d sigmoid((x_d - lo_d)/tau) sigmoid((hi_d - x_d)/tau), normalised over boxes
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

KINDS = ("anchor", "halfspace", "rectangle")


def entropy_of_masses(assign: torch.Tensor) -> torch.Tensor:
    """assign: (..., n, K) soft assignments (rows sum to 1) -> entropy of the mean mass, (...)."""
    mass = assign.mean(dim=-2)
    return -(mass * torch.log(mass.clamp_min(1e-12))).sum(-1)


def anchor_assignments(x: torch.Tensor, anchors: torch.Tensor, alpha: float) -> torch.Tensor:
    return torch.softmax(-alpha * torch.cdist(x, anchors).pow(2), dim=-1)


def halfspace_assignments(x: torch.Tensor, normals: torch.Tensor, offsets: torch.Tensor, tau: float) -> torch.Tensor:
    m = normals.shape[0]
    logit = (x @ normals.T - offsets) / tau                                     # (n, m)
    pos, neg = nn.functional.logsigmoid(logit), nn.functional.logsigmoid(-logit)
    signs = torch.tensor(list(np.ndindex(*([2] * m))), dtype=x.dtype, device=x.device)  # (2^m, m)
    log_g = pos @ signs.T + neg @ (1 - signs).T                                 # (n, 2^m), sums to 1 in prob
    return torch.exp(log_g)


def rectangle_assignments(x: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, tau: float) -> torch.Tensor:
    inside = (nn.functional.logsigmoid((x[:, None] - lo) / tau)
              + nn.functional.logsigmoid((hi - x[:, None]) / tau)).sum(-1)     # (n, K) log membership
    return torch.softmax(inside, dim=-1)


def h_diff(x, anchors, alpha):
    return entropy_of_masses(anchor_assignments(x, anchors, alpha))


def kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (Arthur and Vassilvitskii), then Lloyd steps via scikit-learn."""
    from sklearn.cluster import KMeans
    k = max(1, min(k, len(x)))
    km = KMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=50,
                random_state=int(rng.integers(2**31 - 1))).fit(x)
    return km.cluster_centers_


def n_cells(kind: str, k: int) -> int:
    """Cells a surrogate with budget k has: halfspaces use m = log2 k planes (2^m cells)."""
    return 2 ** max(1, round(math.log2(k))) if kind == "halfspace" else k


class Surrogate(nn.Module):
    """One surrogate with its ranges as parameters. Initialised from a point set so that every
    kind starts from the same k-means partition: anchors at the centres, halfspaces through the
    centroid along the principal and random directions, boxes around each k-means cluster."""

    def __init__(self, kind: str, points: np.ndarray, k: int, temperature: float, seed: int = 0,
                 learnable: bool = True):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown surrogate {kind!r}; choose one of {KINDS}")
        self.kind, self.temperature = kind, float(temperature)
        rng = np.random.default_rng(seed)
        pts = np.asarray(points, np.float64)
        centres = kmeans_pp(pts, k, rng)
        if kind == "anchor":
            params = {"anchors": centres}
        elif kind == "halfspace":
            m = max(1, round(math.log2(k)))
            angles = np.pi * (np.arange(m) / m + rng.uniform(0, 1 / m))       # spread directions
            normals = np.stack([np.cos(angles), np.sin(angles)], 1)[:, : pts.shape[1]]
            picks = centres[rng.integers(len(centres), size=m)]
            params = {"normals": normals, "offsets": (normals * picks).sum(1)}
        else:
            labels = np.argmin(((pts[:, None] - centres) ** 2).sum(-1), 1)
            lo = np.stack([pts[labels == j].min(0) if (labels == j).any() else centres[j] for j in range(len(centres))])
            hi = np.stack([pts[labels == j].max(0) if (labels == j).any() else centres[j] for j in range(len(centres))])
            params = {"lo": lo, "hi": hi}
        for name, value in params.items():
            tensor = torch.tensor(value, dtype=torch.float32)
            if learnable:
                self.register_parameter(name, nn.Parameter(tensor))
            else:
                self.register_buffer(name, tensor)

    def assignments(self, x: torch.Tensor) -> torch.Tensor:
        t = self.temperature
        if self.kind == "anchor":
            return anchor_assignments(x, self.anchors, t)
        if self.kind == "halfspace":
            return halfspace_assignments(x, self.normals, self.offsets, t)
        return rectangle_assignments(x, self.lo, self.hi, t)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return entropy_of_masses(self.assignments(x))

    def margin(self, x: torch.Tensor) -> torch.Tensor:
        """Empirical separation margin gamma-hat (Fig. 2): per point, how far it is from changing
        cell. Anchors: half the gap between its nearest and second-nearest anchor distance;
        halfspaces: distance to the nearest plane; boxes: distance to its box's nearest wall."""
        with torch.no_grad():
            if self.kind == "anchor":
                d = torch.cdist(x, self.anchors).sort(-1).values
                gap = (d[:, 1] - d[:, 0]) / 2 if d.shape[1] > 1 else d[:, 0]
            elif self.kind == "halfspace":
                dist = (x @ self.normals.T - self.offsets).abs() / self.normals.norm(dim=1)
                gap = dist.min(1).values
            else:
                walls = torch.minimum(x[:, None] - self.lo, self.hi - x[:, None]).abs().min(-1).values
                gap = walls.gather(1, self.assignments(x).argmax(1, keepdim=True))[:, 0]
            return gap
