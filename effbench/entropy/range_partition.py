"""The reference quantity the surrogates stand for: the structural entropy of a planar point set.

Paper 003's Eq. 1 takes a minimum over partitions induced by ranges, which as written is trivial
(one range holding all of S has entropy 0). The measure its runtime argument rests on is the
structural entropy of Afshani, Barbay and Chan (2017) for convex hulls:

    H(S) = min over respectful partitions {S_k} of  sum_k |S_k|/n log(n / |S_k|)   (nats)

where a part is respectful if it is a single point or lies in a triangle contained in conv(S), so
none of its points can be a hull vertex. We take the triangles to have their corners in S (the
triangles an algorithm can certify from its input):

* `structural_entropy_exact`: the exact minimum over that family, by a DP over subsets (n <= 14);
* `structural_entropy_bound`: for any n, an upper bound: hull vertices are singletons and the
  interior is split by the best triangulation of the hull polygon (a DP over triangulations,
  O(h^2 n + h^3)). It is a bound, not the minimum: parts may not use interior corners.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull

MAX_EXACT = 14


def _part_cost(size, n):
    size = np.asarray(size, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(size > 0, size / n * np.log(n / np.maximum(size, 1)), 0.0)


def _cross(o, a, p):
    """z of (a - o) x (p - o), broadcast."""
    return (a[..., 0] - o[..., 0]) * (p[..., 1] - o[..., 1]) - (a[..., 1] - o[..., 1]) * (p[..., 0] - o[..., 0])


def hull_vertices(points: np.ndarray) -> np.ndarray:
    """Indices of the hull's vertices in counter-clockwise order (QHull)."""
    return ConvexHull(points).vertices


def structural_entropy_exact(points: np.ndarray, eps: float = 1e-12) -> float:
    points = np.asarray(points, float)
    n = len(points)
    if n > MAX_EXACT:
        raise ValueError(f"exact structural entropy enumerates 3^n subsets; n = {n} > {MAX_EXACT}")
    hull = np.zeros(n, bool)
    hull[hull_vertices(points)] = True
    bits = 1 << np.arange(n)
    valid = np.zeros(1 << n, bool)
    valid[bits] = True                                     # singletons
    a, b, c = np.array([(i, j, k) for i in range(n) for j in range(i + 1, n) for k in range(j + 1, n)]).T
    A, B, C = points[a][:, None], points[b][:, None], points[c][:, None]
    P = points[None]
    d1, d2, d3 = _cross(A, B, P), _cross(B, C, P), _cross(C, A, P)
    inside = ((d1 >= -eps) & (d2 >= -eps) & (d3 >= -eps)) | ((d1 <= eps) & (d2 <= eps) & (d3 <= eps))
    inside &= ~hull[None]
    valid[(inside * bits).sum(1)] = True
    masks = np.arange(1 << n)
    for bit in bits:                                       # every subset of a valid part is valid
        without = masks[(masks & bit) == 0]
        valid[without] |= valid[without | bit]
    popcount = np.array([bin(m).count("1") for m in range(1 << n)])
    cost = np.where(valid, _part_cost(popcount, n), np.inf)
    best = np.full(1 << n, np.inf)
    best[0] = 0.0
    for mask in range(1, 1 << n):
        low = mask & -mask
        rest, sub, value = mask ^ low, mask ^ low, np.inf
        while True:                                        # parts containing the lowest point
            part = sub | low
            value = min(value, cost[part] + best[mask ^ part])
            if sub == 0:
                break
            sub = (sub - 1) & rest
        best[mask] = value
    return float(best[-1])


def structural_entropy_bound(points: np.ndarray) -> float:
    points = np.asarray(points, float)
    n = len(points)
    order = hull_vertices(points)
    h = len(order)
    verts = points[order]
    interior = np.ones(n, bool)
    interior[order] = False
    inner = points[interior]
    m = len(inner)
    # right[a, b]: interior points strictly right of the chord v_a -> v_b (the pocket it cuts off)
    right = np.zeros((h, h), int)
    for a in range(h):
        right[a] = (_cross(verts[a][None, None], verts[:, None], inner[None]) < 0).sum(1)
    best = np.zeros((h, h))
    for gap in range(2, h):
        for i in range(h - gap):
            j = i + gap
            k = np.arange(i + 1, j)
            count = m - right[i, k] - right[k, j] - right[j, i]
            best[i, j] = (best[i, k] + best[k, j] + _part_cost(count, n)).min()
    return float(best[0, h - 1] + h * _part_cost(1, n))
