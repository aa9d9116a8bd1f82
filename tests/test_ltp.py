"""LTP (Learned Token Pruning): thresholds learned through soft masks, tokens removed in hard mode,
FLOPs equal to the analytic count, and no pruning at a zero threshold."""
import copy

import pytest
import torch
from tiny_bert import ragged_batch, tiny_model

from effbench.cost.flops import count_flops
from effbench.models.adtp import example_flops
from effbench.models.ltp import LTPSettings, apply_ltp, ltp_loss


def _ltp(threshold, mode="hard", family="bert"):
    dense = tiny_model(family=family).eval()
    return dense, apply_ltp(copy.deepcopy(dense), LTPSettings(final_threshold=threshold, temperature=0.01, mode=mode)).eval()


def test_a_zero_threshold_prunes_nothing_and_equals_the_dense_model():
    dense, ltp = _ltp(0.0)
    ids, mask = ragged_batch([9, 4, 17], 1)
    with torch.no_grad():
        a, b = dense(ids, mask), ltp(ids, mask)
    assert torch.allclose(a["logits"], b["logits"], atol=1e-5)
    assert torch.equal(b["tokens"], mask.sum(1)[:, None].expand(-1, 6))
    assert b["kept"].sum() == mask.sum()


def test_hard_mode_removes_the_tokens_below_each_threshold_and_keeps_cls():
    _, ltp = _ltp(0.3)               # high: most tokens receive less than 0.3 * depth / 6 of the attention
    ids, mask = ragged_batch([12, 7, 20], 2)
    with torch.no_grad():
        out = ltp(ids, mask)
    tokens = out["tokens"]
    assert torch.equal(tokens[:, 0], mask.sum(1))                       # the first block sees every token
    assert (tokens[:, 1:] <= tokens[:, :-1]).all() and (tokens[:, -1] < tokens[:, 0]).all()   # fewer, never more
    assert out["kept"][:, 0].all() and (out["kept"].sum(1) == tokens[:, -1]).all()         # [CLS] always stays
    assert not (out["kept"] & ~mask.bool()).any()


def test_counted_flops_equal_the_analytic_count_of_the_tokens_each_block_saw():
    for family in ("bert", "distilbert"):
        _, ltp = _ltp(0.15, family=family)
        for n in (5, 11, 19):
            ids, mask = ragged_batch([n], n)
            with torch.no_grad():
                tokens = ltp(ids, mask)["tokens"][0].tolist()
            assert count_flops(ltp, ids, mask) == example_flops(ltp, tokens), (family, n, tokens)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])     # bf16: the default config's CPU training autocast
def test_soft_mode_keeps_every_token_and_learns_the_thresholds(precision):
    from effbench.compute import Compute

    autocast = Compute(torch.device("cpu"), precision).autocast
    torch.manual_seed(0)
    _, ltp = _ltp(0.1, mode="soft")
    ltp.train()
    ids, mask = ragged_batch([10, 14, 8, 16], 3)
    labels = torch.tensor([0, 1, 1, 0])
    out = ltp(ids, mask)
    assert torch.equal(out["tokens"], mask.sum(1)[:, None].expand(-1, 6))       # soft: nothing removed
    assert out["soft_kept_share"].shape == (4, 5) and ((out["soft_kept_share"] > 0) & (out["soft_kept_share"] <= 1)).all()
    before = ltp.thresholds.detach().clone()
    opt = torch.optim.SGD([ltp.thresholds], lr=1e-2)
    for _ in range(5):
        with autocast():
            loss = ltp_loss(ltp(ids, mask), labels, weight=1.0)
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        assert ltp.thresholds.grad is not None and ltp.thresholds.grad.abs().sum() > 0
        opt.step()
    assert (ltp.thresholds.detach() > before).all()    # the kept-share penalty raises every threshold
