"""Entropy surrogates (paper 003 Eq. 2-6) and the structural-entropy reference."""
import math

import numpy as np
import pytest
import torch

from effbench.entropy.range_partition import structural_entropy_bound, structural_entropy_exact
from effbench.entropy.surrogates import (
    Surrogate,
    anchor_assignments,
    entropy_of_masses,
    h_diff,
    halfspace_assignments,
    rectangle_assignments,
)


def test_h_diff_matches_the_formula():
    rng = np.random.default_rng(0)
    x, c, alpha = rng.random((7, 2)), rng.random((3, 2)), 4.0
    d = ((x[:, None] - c[None]) ** 2).sum(-1)
    p = np.exp(-alpha * d) / np.exp(-alpha * d).sum(1, keepdims=True)
    mass = p.mean(0)
    expected = -(mass * np.log(mass)).sum()
    assert float(h_diff(torch.tensor(x), torch.tensor(c), alpha)) == pytest.approx(expected, rel=1e-10)


def test_h_diff_limits():
    anchors = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    one_cluster = torch.zeros(20, 2, dtype=torch.float64)
    assert float(h_diff(one_cluster, anchors, 100.0)) == pytest.approx(0.0, abs=1e-12)
    spread = anchors.repeat(5, 1)                             # five points on every anchor
    assert float(h_diff(spread, anchors, 100.0)) == pytest.approx(math.log(4), abs=1e-10)
    assert float(h_diff(spread, anchors, 1e-6)) == pytest.approx(math.log(4), abs=1e-6)   # soft: uniform


def test_halfspace_and_rectangle_assignments_are_distributions():
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.random((50, 2)))
    g = halfspace_assignments(x, torch.tensor(rng.normal(size=(3, 2))), torch.tensor(rng.normal(size=3)), 0.1)
    assert g.shape == (50, 8) and torch.allclose(g.sum(1), torch.ones(50, dtype=g.dtype))
    r = rectangle_assignments(x, torch.zeros(4, 2, dtype=x.dtype), torch.full((4, 2), 0.5, dtype=x.dtype), 0.05)
    assert torch.allclose(r.sum(1), torch.ones(50, dtype=r.dtype))
    # one sharp plane x = 0.5 splits the points into two cells: entropy of the two masses
    g = halfspace_assignments(x, torch.tensor([[1.0, 0.0]], dtype=x.dtype), torch.tensor([0.5], dtype=x.dtype), 1e-4)
    left = float((x[:, 0] < 0.5).double().mean())
    expected = -(left * math.log(left) + (1 - left) * math.log(1 - left))
    assert float(entropy_of_masses(g)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("kind", ["anchor", "halfspace", "rectangle"])
def test_surrogate_is_differentiable_in_points_and_ranges(kind):
    pts = np.random.default_rng(2).random((60, 2))
    s = Surrogate(kind, pts, k=8, temperature=10.0 if kind == "anchor" else 0.05, seed=0)
    x = torch.tensor(pts, dtype=torch.float32, requires_grad=True)
    h = s(x)
    h.backward()
    h = h.detach()
    assert 0 <= h.item() <= math.log(8) + 1e-6
    assert x.grad.abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in s.parameters())
    assert (s.margin(x.detach()) >= 0).all()


def test_fixed_surrogate_has_no_parameters():
    s = Surrogate("anchor", np.random.default_rng(0).random((40, 2)), k=4, temperature=10.0, learnable=False)
    assert list(s.parameters()) == [] and s.anchors.shape == (4, 2)


def test_anchor_gradient_matches_the_chain_rule():
    """Autograd of H_diff w.r.t. the anchors equals the hand-derived chain rule through the
    softmax (App. E.2 states a simplified form without the log-mass weights)."""
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.random((9, 2)))
    c = torch.tensor(rng.random((3, 2)), requires_grad=True)
    alpha = 3.0
    h = h_diff(x, c, alpha)
    h.backward()
    with torch.no_grad():
        p = anchor_assignments(x, c, alpha)
        mass = p.mean(0)
        w = -(torch.log(mass) + 1) / len(x)                   # dH/dp_j, spread over points
        # d p_ij / d c_l = 2 alpha p_ij (delta_jl - p_il) (x_i - c_l)
        grad = torch.zeros_like(c)
        for l in range(3):
            coef = p * ((torch.arange(3) == l).double()[None] - p[:, l:l + 1])     # (n, k)
            grad[l] = (2 * alpha * (coef * w[None]).sum(1)[:, None] * (x - c[l])).sum(0)
    assert torch.allclose(c.grad, grad, atol=1e-10)


def _square_with(points):
    return np.array([[0, 0], [1, 0], [1, 1], [0, 1], *points], float)


def test_exact_structural_entropy_of_a_constructed_set():
    n = 6                                           # 4 hull corners (singletons) + 2 interior points in one triangle
    pts = _square_with([[0.3, 0.2], [0.6, 0.3]])
    expected = 4 / n * math.log(n) + 2 / n * math.log(n / 2)
    assert structural_entropy_exact(pts) == pytest.approx(expected)
    assert structural_entropy_bound(pts) == pytest.approx(expected)


def test_all_hull_points_give_log_n():
    t = np.linspace(0, 2 * np.pi, 9, endpoint=False)
    pts = np.stack([np.cos(t), np.sin(t)], 1)
    assert structural_entropy_exact(pts) == pytest.approx(math.log(9))
    assert structural_entropy_bound(pts) == pytest.approx(math.log(9))


def test_bound_is_never_below_the_exact_minimum():
    rng = np.random.default_rng(4)
    gaps = []
    for _ in range(25):
        pts = rng.random((9, 2))
        exact, bound = structural_entropy_exact(pts), structural_entropy_bound(pts)
        assert bound >= exact - 1e-12
        assert 0 <= exact <= math.log(9) + 1e-12
        gaps.append(bound - exact)
    assert min(gaps) == pytest.approx(0.0, abs=1e-12)           # often tight at tiny n


def test_exact_refuses_large_sets():
    with pytest.raises(ValueError, match="3\\^n"):
        structural_entropy_exact(np.random.default_rng(0).random((15, 2)))
