"""Device and precision in one place: the CPU path is exactly the old one; GPU requests follow the config."""
import re
import subprocess
import sys

import pytest
import torch
from smoke import jobs_run
from tiny_bert import ragged_batch, tiny_model

from effbench.compute import resolve, to_device
from effbench.config import ROOT


def test_auto_is_the_cpu_here_and_nothing_is_wrapped():
    c = resolve({"device": "auto", "precision": "fp32"})
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: auto resolves to it (covered by the device check)")
    assert c.device.type == "cpu" and not c.autocast_on and c.grad_scaler() is None
    assert c.describe() == {"device": "cpu", "precision": "fp32", "timing_precision": "fp32"}
    batch = {"x": torch.ones(2), "ids": [torch.zeros(1)], "n": 3}
    moved = to_device(batch, c.device)
    assert moved["x"] is batch["x"] and moved["n"] == 3          # nothing copied on the same device


def test_cuda_asked_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(RuntimeError, match="compute.device' is 'cuda' but this job sees no GPU"):
        resolve({"device": "cuda"})
    with pytest.raises(RuntimeError, match="fp16 is for GPUs"):
        resolve({"device": "cpu", "precision": "fp16"})


def test_training_through_the_compute_path_equals_the_plain_path_in_fp32():
    """fit(..., compute=cpu fp32) gives bit-identical weights to fit(...) without it."""
    from effbench.train import fit

    def run(compute):
        model = tiny_model()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        ids, mask = ragged_batch([9, 4, 17, 6], 3)
        labels = torch.tensor([0, 1, 1, 0])

        def batches(epoch):
            yield {"input_ids": ids, "attention_mask": mask}, labels

        def step_loss(m, batch):
            x, y = batch
            return torch.nn.functional.cross_entropy(m(**x)["logits"], y)

        fit(model, opt, batches, step_loss, lambda m: {}, epochs=2, seed=0, compute=compute)
        return model.state_dict()

    plain, through = run(None), run(resolve({"device": "cpu", "precision": "fp32"}))
    assert all(torch.equal(plain[k], through[k]) for k in plain)


def test_bf16_autocast_on_the_cpu_changes_the_numbers_a_little():
    model = tiny_model().eval()
    ids, mask = ragged_batch([9, 4, 17], 2)
    with torch.no_grad():
        ref = model(ids, mask)["logits"]
        with resolve({"device": "cpu", "precision": "bf16"}).autocast():
            low = model(ids, mask)["logits"].float()
    assert not torch.equal(ref, low) and torch.allclose(ref, low, atol=0.1)


@pytest.mark.slow
def test_the_paper_scale_asks_the_scheduler_for_gpus_on_exactly_the_model_jobs(paper_dry_run):
    # text_gate_cost: timed on a CPU node, as paper 000 timed SST-2 (text_gate.cost.device: cpu)
    model_rules = re.compile(r"^(dense_train|text_gate_(dense|gated_\w+)|eat_(train|cost|exit_probe)|"
                             r"adtp_(teacher_cache|train|cost|consistency|methods_\w+)|frontier_cost|vit_(train|cost|profile|figure))$")
    blocks = re.split(r"\n(?=(?:local)?rule \w+:)", paper_dry_run)
    seen = set()
    for block in blocks:
        rule = jobs_run(block)
        if not rule:
            continue
        asks = re.search(r"resources:.*\bgpu=1\b", block) is not None
        assert asks == bool(model_rules.match(rule[0])), (rule[0], block[-300:])
        if asks:      # sized by the plan for the job's work (tests/test_plan.py checks request >= prediction)
            assert int(re.search(r"runtime=(\d+)", block).group(1)) >= 20, block[-300:]
        seen.add(rule[0])
    assert {"dense_train", "eat_train", "adtp_train", "frontier_cost", "claims", "synthetic_train", "vit_profile",
            "vit_figure"} <= seen     # issue 30: the jobs that load the GPU-trained ViTs run on a GPU node too
    # paper 000 §8 like for like: the gate's dense row trains its own epoch from pretrained (no shared dense
    # model among its inputs) and each gated model its own, from pretrained too (not from that dense row)
    first = {b: jobs_run(b)[:1] for b in blocks}
    inputs = {b: b.split("output:")[0] for b in blocks}
    dense = [b for b in blocks if first[b] == ["text_gate_dense"]]
    gated = [b for b in blocks if first[b] and first[b][0].startswith("text_gate_gated")]
    assert dense and gated and not any("results/dense/" in inputs[b] for b in dense)
    assert not any("results/text_gate/runs/dense" in inputs[b] for b in gated)


def test_a_job_states_its_compute_once_and_study_code_reads_it(monkeypatch):
    """workflow.setup configures the job's compute from the config; compute.current() answers it."""
    from types import SimpleNamespace

    from effbench import compute
    from effbench.workflow import setup

    monkeypatch.setattr(compute, "_configured", None)
    smk = SimpleNamespace(log=[], threads=1, config={"compute": {"device": "cpu", "precision": "bf16",
                                                                 "timing_precision": "bf16", "compile_dense": False}})
    setup(smk)
    try:
        c = compute.current()
        assert (c.device.type, c.precision, c.timing_precision, c.compile_dense) == ("cpu", "bf16", "bf16", False)
        if not torch.cuda.is_available():
            compute.configure({"device": "cuda"})
            with pytest.raises(RuntimeError, match="sees no GPU"):
                compute.current()
    finally:
        compute.configure(None)
    assert compute.current().precision == "fp32"            # unconfigured: the default


def test_batches_follow_the_model_and_outputs_come_back_as_float_arrays():
    from effbench.compute import numpy, on

    model = tiny_model().eval()
    ids, mask = ragged_batch([5, 3], 2)
    batch = on(model, {"input_ids": ids, "attention_mask": mask})
    assert batch["input_ids"] is ids                         # same device: nothing copied
    out = numpy(torch.tensor([[0.5, 0.25]], dtype=torch.bfloat16))
    assert out.dtype.name == "float32" and out.tolist() == [[0.5, 0.25]]
    assert numpy(torch.tensor([1.5], dtype=torch.float64)).dtype.name == "float64"


def test_the_clock_follows_the_device():
    """perf_counter on the CPU; CUDA events (asynchronous kernels) on a GPU. Choosing needs no GPU."""
    from effbench.cost.timing import Stopwatch, time_interleaved

    assert Stopwatch("cpu").clock == Stopwatch(None).clock == "perf_counter"
    assert Stopwatch(torch.device("cuda")).clock == "cuda_events"
    timed = time_interleaved({"a": lambda: sum(range(1000))}, repeats=3, warmup=1, device=torch.device("cpu"))
    assert timed["a"]["clock"] == "perf_counter" and timed["a"]["n_repeats"] == 3
    if torch.cuda.is_available():
        x = torch.randn(512, 512, device="cuda")
        assert Stopwatch("cuda")(lambda: x @ x) > 0


def test_timed_models_cast_to_the_timing_precision_and_compile_only_on_a_gpu():
    from effbench.compute import Compute
    from effbench.cost.text_cost import DENSE_COMPILED, DENSE_SDPA, timed_models
    from effbench.models.library_dense import LibraryDense

    dense = tiny_model().eval()
    models = {"dense": dense, DENSE_SDPA: LibraryDense(dense)}
    same, note = timed_models(dict(models), Compute(torch.device("cpu"), "fp32"))
    assert set(same) == set(models) and note == {"device": "cpu", "timing_precision": "fp32", "compiled": []}
    assert next(same["dense"].parameters()).dtype == torch.float32
    # a GPU compute: the library dense model is also timed compiled (torch.compile is lazy: nothing runs here)
    gpu, note = timed_models(dict(models), Compute(torch.device("cuda"), "fp32", "fp32", compile_dense=True))
    assert DENSE_COMPILED in gpu and note["compiled"] == [DENSE_SDPA] and "not_compiled" in note
    off, _ = timed_models(dict(models), Compute(torch.device("cuda"), "fp32", "fp32", compile_dense=False))
    assert DENSE_COMPILED not in off
    low, note = timed_models(dict(models), Compute(torch.device("cpu"), "fp32", "bf16"))
    assert next(low["dense"].parameters()).dtype == torch.bfloat16 and note["timing_precision"] == "bf16"


def test_latency_is_timed_on_the_models_device_with_its_clock():
    from effbench.cost.text_cost import latency_batch1

    model = tiny_model().eval()
    encoded = [torch.arange(2, 2 + n).tolist() for n in (5, 7, 4, 6)]
    lat = latency_batch1({"m": model}, {"m": encoded}, 0, n_examples=3, warmup=1)
    assert lat["m"]["clock"] == "perf_counter" and lat["m"]["n_repeats"] == 3


@pytest.mark.slow
def test_the_device_check_dry_runs_on_the_cpu(device_check_run, smoke_build):
    """scripts/device_check.py with --device cpu: a smoke part in a fresh directory, compared evaluation
    by evaluation with the session's smoke build (--reference: the CPU side, already run; identical
    here), its JSON written as a GPU run would write it. It runs in the background once the smoke
    build is there (tests/conftest.py: _device_check, the command)."""
    import json

    result = json.loads(device_check_run.read_text())
    assert result["passed"] and {r["returncode"] for r in result["runs"].values()} == {0}
    assert "dense_train" in result["runs"]["device"]["rules"] and result["reference"] == str(smoke_build.resolve())
    (artefact, agree), = result["agreement"].items()
    assert artefact.startswith("results/text_gate/runs/dense/seed42/preds.npz")
    assert agree["n"] > 0                         # and within the tolerance ("passed")
    if not torch.cuda.is_available():             # the smoke build ran where `device: auto` put it: here the CPU
        assert agree["prediction_agreement"] == 1.0 and agree["max_abs_prob_diff"] == 0.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_a_job_keeps_freed_memory_instead_of_faulting_it_in_again_every_step():
    """Allocating and freeing a 64 MB tensor, again and again: glibc maps and unmaps it each time (page
    faults on every fresh page) unless workflow.keep_freed_memory has raised its thresholds."""
    script = ("import resource, sys, torch\n"
              "from effbench.workflow import keep_freed_memory\n"
              "if sys.argv[1] == 'keep': assert keep_freed_memory()\n"
              "for _ in range(20): torch.ones(16 << 20)\n"        # glibc settles within ~10 rounds
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
              "for _ in range(20): torch.ones(16 << 20)\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n")
    faults = {mode: int(subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True,
                                       check=True).stdout) for mode in ("default", "keep")}
    assert faults["default"] > 20 * (64 << 20) // 4096 // 2        # most pages faulted in afresh each time
    assert faults["keep"] < faults["default"] / 10


def test_a_paper_config_job_on_a_cpu_node_runs_fp32_and_records_the_fallback(monkeypatch):
    """Issue 30: paper.yaml (device auto, timing fp16) on a job the scheduler sent to a node without a GPU:
    compute.current() used to raise; it runs fp32 and every provenance says what changed."""
    from effbench import compute
    from effbench.config_sources import merged

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    paper = merged([ROOT / "configs" / "paper.yaml"])["compute"]
    assert paper["timing_precision"] == "fp16" and paper["device"] == "auto"
    compute.configure(paper)
    try:
        c = compute.current()
        assert (c.device.type, c.precision, c.timing_precision) == ("cpu", "fp32", "fp32")
        assert c.describe()["fallback"] == "device auto on a CPU: compute.timing_precision fp16 -> fp32"
        monkeypatch.setattr(compute, "cpu_bf16_native", lambda: False)
        c = resolve({"device": "auto", "precision": "bf16", "timing_precision": "bf16"})
        assert (c.precision, c.timing_precision) == ("fp32", "fp32") and "precision bf16 -> fp32" in c.fallback
    finally:
        compute.configure(None)
    assert resolve({"device": "cpu", "timing_precision": "bf16"}).timing_precision == "bf16"   # asked for: kept
    assert "fallback" not in resolve({"device": "auto"}).describe()


def test_bf16_training_stays_on_a_cpu_that_runs_it_natively_and_evaluation_stays_fp32(monkeypatch):
    """The default config trains in bf16 autocast where the CPU has native bf16 (2.1x a MiniLM step
    here); timing stays fp32 and so does every evaluation, which fit runs outside autocast. A CPU
    without it trains in fp32 and says so; a study's own precision (the ViT's fp32) overrides."""
    from effbench import compute
    from effbench.train import fit

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(compute, "cpu_bf16_native", lambda: True)
    c = resolve({"device": "auto", "precision": "bf16", "timing_precision": "fp16"})
    assert (c.precision, c.timing_precision) == ("bf16", "fp32") and "compute.precision" not in c.fallback
    assert c.training("fp32").precision == "fp32" and c.training(None) is c
    monkeypatch.setattr(compute, "cpu_bf16_native", lambda: False)
    slow = resolve({"device": "auto", "precision": "bf16"})
    assert slow.precision == "fp32" and "no native bf16" in slow.fallback

    model, seen = tiny_model(), []
    ids, mask = ragged_batch([9, 4, 17, 6], 3)
    labels = torch.tensor([0, 1, 1, 0])

    def step_loss(m, batch):
        x, y = batch
        logits = m(**x)["logits"]
        seen.append(("train", logits.dtype))
        return torch.nn.functional.cross_entropy(logits.float(), y)

    def evaluate(m):
        seen.append(("eval", m(ids, mask)["logits"].dtype))
        return {}

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, opt, lambda e: iter([({"input_ids": ids, "attention_mask": mask}, labels)]), step_loss,
                  evaluate, epochs=2, seed=0, compute=c)
    assert ("train", torch.bfloat16) in seen and ("eval", torch.float32) in seen and ("eval", torch.bfloat16) not in seen
    assert all(p.dtype == torch.float32 for p in model.parameters())     # fp32 weights: autocast casts per op
    assert len(history) == 2
