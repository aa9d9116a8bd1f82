"""The one timing harness: warm-up, repeats, median / IQR / MAD, threads pinned."""
from __future__ import annotations

import time

import numpy as np
import torch


def summarise(seconds) -> dict:
    ms = np.asarray(seconds, float) * 1e3
    q1, med, q3 = np.percentile(ms, [25, 50, 75])
    return {"median_ms": float(med), "iqr_ms": float(q3 - q1),
            "mad_ms": float(np.median(np.abs(ms - med))), "mean_ms": float(ms.mean()),
            "n_repeats": int(ms.size), "raw_ms": ms.round(5).tolist()}


def time_callable(fn, repeats: int = 10, warmup: int = 3) -> dict:
    """Median, IQR and MAD of `repeats` calls of fn() after `warmup` calls."""
    with torch.inference_mode():
        for _ in range(warmup):
            fn()
        seconds = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - t0)
    return summarise(seconds)


def pin_threads(n_threads: int) -> int:
    """Fix torch's intra-op threads; return what is in force (recorded with every timing)."""
    torch.set_num_threads(max(1, int(n_threads)))
    return torch.get_num_threads()


def time_interleaved(fns: dict, repeats: int = 10, warmup: int = 3, grad: bool = False) -> dict:
    """Time several callables round-robin (one call of each per round), so slow drift of
    the machine (frequency, cache, other load) falls on all of them alike. grad: the callables
    run a backward pass (training steps), so autograd stays on."""
    seconds = {name: [] for name in fns}
    with torch.enable_grad() if grad else torch.inference_mode():
        for _ in range(warmup):
            for fn in fns.values():
                fn()
        for _ in range(repeats):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                seconds[name].append(time.perf_counter() - t0)
    return {name: summarise(s) for name, s in seconds.items()}
