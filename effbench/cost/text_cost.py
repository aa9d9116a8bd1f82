"""The one cost harness of the text studies: FLOPs (counted and analytic) and wall time.

FLOPs are per example on its unpadded length, with the tokens each block actually saw.
Counted: torch.utils.flop_counter on a forward of that single example. Analytic, per block
on t tokens with hidden h, intermediate i: linear layers 2t(4h^2 + 2hi), attention scores
and mixing 4t^2 h; plus the gate head 2th C and the classifier 2hC. Element-wise work
(softmax, GELU, LayerNorm) and embedding lookups are counted by neither; the two must agree
exactly on the dense model (a test checks it).

Timing runs where the models are (`compute.current()`): batches are moved to the device before the
clock starts, GPUs are timed with CUDA events (`timing.Stopwatch`). `timed_models` gives the models
as they are timed: in `compute.timing_precision`, and on a GPU with the dense baseline also under
torch.compile (the fastest dense model a GPU user would deploy).
"""
from __future__ import annotations

import time

import numpy as np
import torch

from ..compute import device_of, dtype, on
from ..data.batching import collate, sequential_order
from .flops import count_flops
from .timing import Stopwatch, summarise, time_interleaved


def analytic_flops(config, tokens_per_layer, n_classes: int, gate_head_after: int | None = None) -> float:
    """gate_head_after: the block after which a gate with a token head (entropy) sits."""
    from ..models.blocks import sizes

    h, i = sizes(config)
    total = sum(2 * t * (4 * h * h + 2 * h * i) + 4 * t * t * h for t in tokens_per_layer)
    if gate_head_after is not None:
        total += 2 * tokens_per_layer[gate_head_after - 1] * h * n_classes
    return float(total + 2 * h * n_classes)


def tokens_per_layer(model, length: int) -> list[int]:
    """Tokens each block processes for one example of `length` real tokens."""
    n_layers = len(model.layers)
    if model.gate is None:
        return [length] * n_layers
    from ..pruning.tokens import keep_counts

    kept = int(keep_counts(torch.tensor([length]), model.gate.keep_ratio)[0])
    return [length] * model.gate_after + [kept] * (n_layers - model.gate_after)


def flops_per_example(model, encoded, pad_id: int) -> dict:
    """Counted and analytic FLOPs of each example alone (unpadded)."""
    counted, analytic = [], []
    model.eval()
    for ids in encoded:
        batch = on(model, collate([ids], pad_id))
        counted.append(count_flops(model, **batch))
        has_head = model.gate is not None and hasattr(model.gate, "head")
        analytic.append(analytic_flops(model.encoder.config, tokens_per_layer(model, len(ids)),
                                       model.head.out_features, model.gate_after if has_head else None))
    return {"counted": np.array(counted, float), "analytic": np.array(analytic, float)}


@torch.inference_mode()
def latency_batch1(models: dict, encoded: dict, pad_id: int, n_examples: int, warmup: int) -> dict:
    """Per-example latency at batch 1, models interleaved example by example (every model
    sees the same example back to back, so drift of the machine falls on all alike)."""
    for m in models.values():
        m.eval()
    n = min(n_examples, min(map(len, encoded.values())) - warmup)     # the warm-up examples come first
    seconds = {name: [] for name in models}
    watch = Stopwatch(device_of(next(iter(models.values()))))
    for i in range(warmup + n):
        for name, model in models.items():
            batch = on(model, collate([encoded[name][i]], pad_id))    # on the device before the clock starts
            took = watch(lambda: model(**batch))
            if i >= warmup:
                seconds[name].append(took)
    return {name: {**summarise(s), "clock": watch.clock} for name, s in seconds.items()}


def throughput(models: dict, encoded: dict, pad_id: int, batch_size: int, repeats: int) -> dict:
    """Examples per second over the whole set in length-sorted batches, models round-robin."""
    def run(model, batches):
        return lambda: [model(**b) for b in batches]

    calls = {}
    for name, model in models.items():
        model.eval()
        order = sequential_order(list(map(len, encoded[name])), batch_size)
        calls[name] = run(model, [on(model, collate([encoded[name][i] for i in idx], pad_id)) for idx in order])
    timed = time_interleaved(calls, repeats, warmup=1, device=device_of(next(iter(models.values()))))
    return {name: {**t, "examples_per_s": len(encoded[name]) / (t["median_ms"] / 1e3), "batch_size": batch_size}
            for name, t in timed.items()}


def with_speedups(sweeps: dict, name: str, reference: str) -> dict:
    """{batch size: throughput of `name`, plus its speed-up over `reference`} from `throughput` sweeps."""
    return {str(b): {**s[name], "speedup": s[name]["examples_per_s"] / s[reference]["examples_per_s"]}
            for b, s in sweeps.items()}


DENSE_SDPA = "dense_sdpa"      # the reference of every speed-up: the dense weights, transformers' default attention
DENSE_COMPILED = "dense_compiled"   # on a GPU: DENSE_SDPA under torch.compile, the fastest dense a GPU user runs


def add_library_dense(models: dict, dense: str, batches) -> dict:
    """Add `dense`'s weights run through transformers' own forward and default attention (SDPA)
    to `models` as DENSE_SDPA, after checking it predicts what `dense` predicts on `batches`."""
    from ..models.library_dense import LibraryDense, agreement, check_agreement

    models[DENSE_SDPA] = LibraryDense(models[dense])
    return check_agreement(agreement(models[dense], models[DENSE_SDPA], [on(models[dense], b) for b in batches]))


def timed_models(models: dict, compute) -> tuple[dict, dict]:
    """The models as the cost job times them, and a note of what was done to them: cast to
    `compute.timing_precision` (after their FLOPs and accuracy were checked in fp32), and on a GPU with
    `compile_dense`, DENSE_SDPA also under torch.compile (dynamic shapes: one graph for every length).
    The methods stay eager: their token counts depend on the data (top-k per example, early exits),
    which splits a compiled graph at every such point."""
    weights = dtype(compute.timing_precision)
    out = {name: m.to(weights) for name, m in models.items()}
    note = {"device": str(compute.device), "timing_precision": compute.timing_precision, "compiled": []}
    if compute.device.type == "cuda" and compute.compile_dense and DENSE_SDPA in out:
        out[DENSE_COMPILED] = torch.compile(out[DENSE_SDPA], dynamic=True)
        note["compiled"] = [DENSE_SDPA]
        note["not_compiled"] = "the methods: data-dependent token counts (per-example top-k, early exits)"
    return out, note


def speedups(latency: dict, sweeps: dict, name: str, eager: str, stat: str = "mean_ms") -> dict:
    """Speed-ups of `name` against the library's dense model, and against our eager dense path `eager`."""
    throughput = with_speedups(sweeps, name, DENSE_SDPA)
    for b, t in with_speedups(sweeps, name, eager).items():
        throughput[b]["speedup_vs_eager"] = t["speedup"]
    out = {**_b1("speedup_b1", latency, DENSE_SDPA, name, stat),
           **_b1("speedup_b1_vs_eager", latency, eager, name, stat), "throughput": throughput}
    if DENSE_COMPILED in latency:      # a GPU run: the compiled dense model is the stronger baseline there
        for b, t in with_speedups(sweeps, name, DENSE_COMPILED).items():
            throughput[b]["speedup_vs_compiled"] = t["speedup"]
        out.update(_b1("speedup_b1_vs_compiled", latency, DENSE_COMPILED, name, stat))
    return out


def _b1(key: str, latency: dict, reference: str, name: str, stat: str) -> dict:
    """A batch-1 speed-up (reference's `stat` latency over name's) with its interval: latency_batch1
    times both models on example i back to back, so the examples pair (stats.ratios)."""
    from ..stats.ratios import ratio_columns, ratio_interval

    ref, own = latency[reference], latency[name]
    ratio = ref[stat] / own[stat]
    if "raw_ms" not in ref or "raw_ms" not in own:
        return {key: ratio}
    r = ratio_interval(ref["raw_ms"], own["raw_ms"], statistic=stat.removesuffix("_ms"),
                       unit="examples timed back to back")
    return {**ratio_columns(key, r), key: ratio}     # the point as the summary computed it (raw_ms is rounded)


def time_tokeniser(tokenizer, texts, max_length: int, repeats: int = 3) -> dict:
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        tokenizer(texts, truncation=True, max_length=max_length)
        seconds.append(time.perf_counter() - t0)
    s = summarise(seconds)
    return {**s, "per_example_ms": s["median_ms"] / len(texts)}
