"""The one timing harness: warm-up, repeats, median / IQR / MAD, threads pinned.

On the CPU a call is timed with perf_counter. On a GPU kernels run asynchronously, so a host clock
would time their launches only: there each call sits between two CUDA events and is timed once the
device has finished it (`Stopwatch`). The device is the one the timed models live on.
"""
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


class Stopwatch:
    """Seconds of one call of fn() on `device`: perf_counter on the CPU; on a GPU, CUDA events around
    the call, read after the device has synchronised (work queued before the call is waited for first)."""

    def __init__(self, device=None):
        self.cuda = device is not None and torch.device(device).type == "cuda"
        self.clock = "cuda_events" if self.cuda else "perf_counter"

    def __call__(self, fn) -> float:
        if not self.cuda:
            t0 = time.perf_counter()
            fn()
            return time.perf_counter() - t0
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3


def time_callable(fn, repeats: int = 10, warmup: int = 3, device=None) -> dict:
    """Median, IQR and MAD of `repeats` calls of fn() after `warmup` calls."""
    watch = Stopwatch(device)
    with torch.inference_mode():
        for _ in range(warmup):
            fn()
        seconds = [watch(fn) for _ in range(repeats)]
    return {**summarise(seconds), "clock": watch.clock}


def pin_threads(n_threads: int) -> int:
    """Fix torch's intra-op threads; return what is in force (recorded with every timing)."""
    torch.set_num_threads(max(1, int(n_threads)))
    return torch.get_num_threads()


def time_interleaved(fns: dict, repeats: int = 10, warmup: int = 3, grad: bool = False, device=None) -> dict:
    """Time several callables round-robin (one call of each per round), so slow drift of
    the machine (frequency, cache, other load) falls on all of them alike. grad: the callables
    run a backward pass (training steps), so autograd stays on. device: where they run (CUDA events
    on a GPU)."""
    watch = Stopwatch(device)
    seconds = {name: [] for name in fns}
    with torch.enable_grad() if grad else torch.inference_mode():
        for _ in range(warmup):
            for fn in fns.values():
                fn()
        for _ in range(repeats):
            for name, fn in fns.items():
                seconds[name].append(watch(fn))
    return {name: {**summarise(s), "clock": watch.clock} for name, s in seconds.items()}
