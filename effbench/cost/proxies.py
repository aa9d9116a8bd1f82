"""The entropy-gate paper's analytic cost proxies (§4.5, §5, App. C), exactly as defined.

FLOPs proxy, two attention layers:   2 (L^2 + (pL)^2) d
Latency proxy, one layer:            base + alpha L^2     (paper: base 2.0, alpha 0.02)

The paper's 83.92 -> 22.48 latency figure is the one-layer proxy at L = 64 against the
same proxy at L = 32 alone (layer 1 left out); the two-layer form of the same proxy,
which counts layer 1, gives the same 0.63x as the FLOPs proxy. We report both.
"""
from __future__ import annotations


def flops_proxy(seq_len: int, dim: int, keep_ratio: float = 1.0) -> float:
    return 2.0 * (seq_len ** 2 + (keep_ratio * seq_len) ** 2) * dim


def latency_proxy(seq_len: float, base: float = 2.0, alpha: float = 0.02) -> float:
    return base + alpha * seq_len ** 2


def latency_proxy_two_layer(seq_len: int, keep_ratio: float, base: float = 2.0, alpha: float = 0.02) -> float:
    return base + alpha * (seq_len ** 2 + (keep_ratio * seq_len) ** 2)


def proxy_table(seq_len: int, dim: int, keep_ratio: float, base: float = 2.0, alpha: float = 0.02) -> dict:
    """All proxies for one keep ratio, absolute and relative to no pruning."""
    kept = keep_ratio * seq_len
    return {
        "flops_proxy": flops_proxy(seq_len, dim, keep_ratio),
        "flops_proxy_rel": flops_proxy(seq_len, dim, keep_ratio) / flops_proxy(seq_len, dim, 1.0),
        "latency_proxy_paper": latency_proxy(kept, base, alpha),
        "latency_proxy_paper_rel": latency_proxy(kept, base, alpha) / latency_proxy(seq_len, base, alpha),
        "latency_proxy_two_layer": latency_proxy_two_layer(seq_len, keep_ratio, base, alpha),
        "latency_proxy_two_layer_rel": latency_proxy_two_layer(seq_len, keep_ratio, base, alpha)
        / latency_proxy_two_layer(seq_len, 1.0, base, alpha),
    }
