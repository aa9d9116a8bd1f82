"""Convex hull algorithms, the preprocessing filters in front of them, and hull errors.

Algorithms (each returns the hull's vertex indices, counter-clockwise):
  qhull   SciPy's ConvexHull (QHull, C), options recorded with every timing;
  chan    Chan's output-sensitive O(n log h) scheme in NumPy: hulls of groups of m points (a
          monotone chain vectorised across groups), then a gift wrap over the group-hull vertices
          for at most m steps, squaring m until the wrap closes. The wrap scans all group-hull
          vertices per step (vectorised) instead of Chan's binary tangent search.
Preprocessing (each returns the indices of the points it passes on):
  none, sort (lexicographic order), kmeans (the hull vertices of each k-means cluster: exact,
  since conv(S) = conv of the cluster hulls), akl_toussaint (drop the points strictly inside the
  octagon of the extreme points in 8 directions: exact).
"""
from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import ConvexHull, Delaunay

ALGORITHMS = ("qhull", "chan")


def cross(o, a, b):
    return (a[..., 0] - o[..., 0]) * (b[..., 1] - o[..., 1]) - (a[..., 1] - o[..., 1]) * (b[..., 0] - o[..., 0])


def qhull(points: np.ndarray, options: str = "") -> np.ndarray:
    return ConvexHull(points, qhull_options=options or None).vertices


def group_hulls(points: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Indices of the hull vertices of every group: (G, m) index array, rows padded by repeating
    their first index. Andrew's monotone chain, advanced one point at a time for all groups."""
    G, m = groups.shape
    xy = points[groups]                                              # (G, m, 2)
    order = np.lexsort((xy[..., 1], xy[..., 0]), axis=-1)
    idx = np.take_along_axis(groups, order, 1)
    xy = points[idx]
    rows = np.arange(G)
    chains = []
    for sweep in (range(m), range(m - 1, -1, -1)):                   # lower, then upper chain
        stack = np.zeros((G, m + 1), int)
        top = np.zeros(G, int)
        for i in sweep:
            p = xy[:, i]
            while True:
                ok = top >= 2
                a = xy[rows, stack[rows, np.maximum(top - 2, 0)]]
                b = xy[rows, stack[rows, np.maximum(top - 1, 0)]]
                pop = ok & (cross(a, b, p) <= 0)
                if not pop.any():
                    break
                top -= pop
            stack[rows, top] = i
            top += 1
        chains.append((stack, top))
    keep = np.zeros((G, m), bool)
    for stack, top in chains:
        for j in range(stack.shape[1]):
            live = j < top
            keep[rows[live], stack[live, j]] = True
    return np.unique(idx[keep])


def _grouped(n: int, m: int) -> np.ndarray:
    groups = np.arange(-(-n // m) * m).reshape(-1, m)
    groups[groups >= n] = groups[-1, 0]                              # pad the last group
    return groups


def _wrap(points: np.ndarray, candidates: np.ndarray, max_steps: int) -> np.ndarray | None:
    """Gift wrap over `candidates`; None if the hull has more than max_steps vertices."""
    cand = points[candidates]
    start = int(np.lexsort((cand[:, 0], cand[:, 1]))[0])            # lowest, then leftmost
    hull, current, direction = [start], start, np.array([1.0, 0.0])
    for _ in range(max_steps):
        d = cand - cand[current]
        angle = np.mod(np.arctan2(direction[0] * d[:, 1] - direction[1] * d[:, 0], d @ direction), 2 * np.pi)
        dist = np.einsum("ij,ij->i", d, d)
        angle[dist == 0] = np.inf
        best = angle.min()
        ties = np.flatnonzero(angle <= best + 1e-12)
        nxt = int(ties[np.argmax(dist[ties])])                     # skip collinear points
        if nxt == start:
            return candidates[np.array(hull)]
        direction = d[nxt] / np.sqrt(dist[nxt])
        hull.append(nxt)
        current = nxt
    return None


def chan(points: np.ndarray) -> np.ndarray:
    n = len(points)
    t = 1
    while True:
        m = min(n, 2 ** (2 ** t))
        candidates = group_hulls(points, _grouped(n, m))
        if m == n:                                                   # one group: its hull is the answer
            return _ccw(points, candidates)
        hull = _wrap(points, candidates, m)
        if hull is not None:
            return hull
        t += 1


def _ccw(points, idx):
    c = points[idx].mean(0)
    return idx[np.argsort(np.arctan2(points[idx, 1] - c[1], points[idx, 0] - c[0]))]


def run_hull(algorithm: str, points: np.ndarray, qhull_options: str = "") -> np.ndarray:
    if algorithm == "qhull":
        return qhull(points, qhull_options)
    if algorithm == "chan":
        return chan(points)
    raise ValueError(f"unknown hull algorithm {algorithm!r}; choose one of {ALGORITHMS}")


# --- preprocessing -------------------------------------------------------------------------------

DIRECTIONS = np.array([[1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1]], float)


def akl_toussaint(points: np.ndarray) -> np.ndarray:
    """Keep every point not strictly inside the polygon of the extreme points in 8 directions."""
    extremes = np.unique(np.argmax(points @ DIRECTIONS.T, axis=0))
    poly = _ccw(points, extremes)
    if len(poly) < 3:
        return np.arange(len(points))
    a, b = points[poly], points[np.roll(poly, -1)]
    inside = np.ones(len(points), bool)
    for j in range(len(poly)):
        inside &= cross(a[j], b[j], points) > 0
    return np.flatnonzero(~inside)


def heuristic_sort(points: np.ndarray) -> np.ndarray:
    return np.lexsort((points[:, 1], points[:, 0]))


def kmeans_filter(points: np.ndarray, k: int, seed: int = 0, iterations: int = 5) -> np.ndarray:
    """Lloyd's k-means (a few iterations from random centres), then in every cluster drop the
    points strictly inside the octagon of that cluster's extreme points: exact, since conv(S) is
    the hull of the clusters' hulls and an interior point of a cluster is interior to S."""
    rng = np.random.default_rng(seed)
    k = max(1, min(k, len(points)))
    centres = points[rng.choice(len(points), k, replace=False)]
    def nearest(c):                                                           # argmin_j |p - c_j|^2
        return ((c ** 2).sum(1)[None] - 2 * points @ c.T).argmin(1)

    for _ in range(iterations):
        labels = nearest(centres)
        counts = np.bincount(labels, minlength=k)
        for axis in range(2):
            sums = np.bincount(labels, points[:, axis], minlength=k)
            centres[:, axis] = np.where(counts > 0, sums / np.maximum(counts, 1), centres[:, axis])
    labels = nearest(centres)
    scores = points @ DIRECTIONS.T                                            # (n, 8)
    best = np.full((k, len(DIRECTIONS)), -np.inf)
    np.maximum.at(best, labels, scores)
    arg = np.zeros((k, len(DIRECTIONS)), int)                                 # an extreme point per cluster and direction
    hit = scores == best[labels]
    rows, cols = np.nonzero(hit)
    arg[labels[rows], cols] = rows
    # the octagon's corners, counter-clockwise by direction; edges between consecutive corners
    a, b = points[arg], points[np.roll(arg, -1, axis=1)]                      # (k, 8, 2)
    a, b = a[labels], b[labels]                                               # per point: its cluster's edges
    side = (b[..., 0] - a[..., 0]) * (points[:, None, 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (points[:, None, 0] - a[..., 0])
    degenerate = np.all(a == b, axis=-1)                                      # repeated corners: no edge
    inside = np.all((side > 0) | degenerate, axis=1) & ~np.all(degenerate, axis=1)
    return np.flatnonzero(~inside)


PREPROCESSORS = ("none", "sort", "kmeans", "akl_toussaint")


def preprocess(name: str, points: np.ndarray, kmeans_k: int = 16) -> np.ndarray:
    if name == "none":
        return np.arange(len(points))
    if name == "sort":
        return heuristic_sort(points)
    if name == "kmeans":
        return kmeans_filter(points, kmeans_k)
    if name == "akl_toussaint":
        return akl_toussaint(points)
    raise ValueError(f"unknown preprocessing {name!r}; choose one of {PREPROCESSORS}")


# --- errors --------------------------------------------------------------------------------------

def polygon(points: np.ndarray, vertices: np.ndarray) -> shapely.Polygon:
    return shapely.Polygon(points[_ccw(points, np.asarray(vertices))])


def hull_error(true_points: np.ndarray, true_vertices, points: np.ndarray, vertices) -> dict:
    """Symmetric-difference area in % of the true hull's area, and the Hausdorff distance between
    the two hull boundaries (shapely, every edge densified into 100 pieces)."""
    a, b = polygon(true_points, true_vertices), polygon(points, vertices)
    return {"hull_error_pct": 100 * a.symmetric_difference(b).area / a.area,
            "hausdorff": float(shapely.hausdorff_distance(a.exterior, b.exterior, densify=0.01))}


def delaunay_error(points: np.ndarray, moved: np.ndarray) -> float:
    """Share of the Delaunay triangles of `points` that the triangulation of `moved` (the same
    points, displaced) does not have, comparing triangles as sets of point indices."""
    def triangles(p):
        return {tuple(t) for t in np.sort(Delaunay(p).simplices, axis=1)}
    true = triangles(points)
    return 1.0 - len(true & triangles(moved)) / len(true)
