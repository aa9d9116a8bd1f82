"""Device and precision in one place: the CPU path is exactly the old one; GPU requests follow the config."""
import re

import pytest
import torch
from smoke import jobs_run, snakemake
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
def test_the_paper_scale_asks_the_scheduler_for_gpus_on_exactly_the_model_jobs(tmp_path):
    run = snakemake(tmp_path, "-n", "--forceall", configfile=ROOT / "configs" / "paper.yaml")
    assert run.returncode == 0, run.stderr[-2000:]
    model_rules = re.compile(r"^(dense_train|text_gate_(dense|cost|gated_\w+)|eat_(train|cost|exit_probe)|"
                             r"adtp_(teacher_cache|train|cost|consistency|methods_\w+)|frontier_cost|vit_(train|cost))$")
    blocks = re.split(r"\n(?=(?:local)?rule \w+:)", run.stdout)
    seen = set()
    for block in blocks:
        rule = jobs_run(block)
        if not rule:
            continue
        asks = re.search(r"resources:.*\bgpu=1\b", block) is not None
        assert asks == bool(model_rules.match(rule[0])), (rule[0], block[-300:])
        seen.add(rule[0])
    assert {"dense_train", "eat_train", "adtp_train", "frontier_cost", "claims", "synthetic_train"} <= seen
