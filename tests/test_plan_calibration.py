"""The rehearsal's predictions against measurements at small sizes on this machine: peak memory of a
BERT training step and of a ViT evaluation batch (memory.py's formulas, within 25%), and a training
step's time at the plan's rate measured in the same test (rates.py's micro-benchmark)."""
import json
import os
import subprocess
import sys

import pytest

from effbench.config import ROOT
from effbench.plan import memory
from effbench.plan.work import backbone_flops_of


def measured(kind, *sizes, for_memory=True):
    """A fresh process (its resident set is the measure of memory), large tensors mmapped so freed ones
    leave it. Not for time: every mmapped tensor pays fresh pages, a step 1.3-1.5x slower than the
    pipeline's (measured on the developers' machine)."""
    mmap = {"MALLOC_MMAP_THRESHOLD_": "65536"} if for_memory else {}
    out = subprocess.run([sys.executable, "-m", "effbench.plan.calibrate", kind, *map(str, sizes)], cwd=ROOT,
                         env={**os.environ, **mmap, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.splitlines()[-1])


# two shapes that move different terms: depth and sequence (attention maps), width and batch (activations)
@pytest.mark.parametrize("sizes", [(4, 128, 512, 2, 256, 8), (2, 256, 1024, 4, 64, 32)])
def test_a_training_steps_peak_memory_is_predicted_within_a_quarter(sizes):
    r = measured("train", *sizes)
    assert r["params"] == memory.params(sizes[0], sizes[1], sizes[2], vocab=1000, classes=2)
    assert 0.75 < r["measured_bytes"] / r["predicted_bytes"] < 1.25, r


@pytest.mark.parametrize("sizes", [(4, 64, 4, 32, 2, 64), (6, 96, 3, 32, 4, 128)])
def test_a_vit_evaluation_batch_with_its_key_records_is_predicted_within_a_quarter(sizes):
    r = measured("vit", *sizes)
    depth, dim, heads, image, patch, batch = sizes
    assert r["params"] == memory.vit_params(depth, dim, 4 * dim, r["tokens"], patch)
    assert 0.75 < r["measured_bytes"] / r["predicted_bytes"] < 1.25, r


def test_a_training_steps_time_follows_the_plans_rate_at_its_width():
    from effbench.plan.rates import measure_cpu

    layers, h, i, heads, tokens, batch = 4, 256, 1024, 4, 128, 8
    # the plan's rate (s per GFLOP of forward work, one thread) and the step, interleaved; the fastest of
    # each: the CI runs this beside background builds, and load only ever slows a measurement down
    # three rounds: a CI run beside the smoke build once had both rate measurements (medians of three) slowed by
    # load and one step not (ratio 0.58); the fastest of three of each is what this machine does unloaded
    rates, steps = [], []
    for _ in range(3):          # each step measurement is itself the fastest of three steps in its process
        rates.append(measure_cpu(h, i)["train"])
        steps.append(measured("train", layers, h, i, heads, tokens, batch, for_memory=False)["seconds"])
    predicted = min(rates) * batch * backbone_flops_of(layers, h, i, tokens) / 1e9
    # the micro-benchmark runs SDPA at batch 4 on two blocks, the step eager attention at batch 8 on four
    assert 0.6 < min(steps) / predicted < 1.6, (steps, rates, predicted)
