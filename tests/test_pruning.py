
import pytest
import torch

from effbench.cost.flops import count_flops
from effbench.models.tiny_encoder import TinyEncoder
from effbench.pruning.gates import Gate, token_entropy
from effbench.pruning.tokens import gather_tokens, keep_counts, kept_mask, select_topk, select_where


def test_topk_keeps_floor_pl_best_tokens_in_order():
    scores = torch.tensor([[0.1, 0.9, 0.3, 0.8, 0.2, 0.7]])
    index, valid = select_topk(scores, None, 0.5)
    assert index.tolist() == [[1, 3, 5]] and valid.all()


def test_padding_is_never_kept_and_counts_follow_each_length():
    scores = torch.tensor([[5.0, 4, 3, 2, 9, 9], [1.0, 2, 3, 4, 5, 6]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    index, valid = select_topk(scores, mask, 0.5)
    kept = kept_mask(index, valid, 6)
    assert kept.sum(1).tolist() == [2, 3]
    assert not (kept & ~mask).any()
    assert kept[0].tolist() == [True, True, False, False, False, False]


def test_keep_counts_floor_with_minimum_one():
    assert keep_counts(torch.tensor([64, 10, 1]), 0.5).tolist() == [32, 5, 1]
    assert keep_counts(torch.tensor([64]), 0.3).tolist() == [19]


def test_select_where_keeps_at_least_one_token():
    keep = torch.tensor([[False, False, False], [True, False, True]])
    index, valid = select_where(keep, torch.tensor([[0.1, 0.5, 0.2], [0.0, 0.0, 0.0]]), None)
    kept = kept_mask(index, valid, 3)
    assert kept.tolist() == [[False, True, False], [True, False, True]]


def test_gather_returns_the_kept_rows():
    x = torch.arange(24.0).reshape(2, 4, 3)
    out = gather_tokens(x, torch.tensor([[0, 2], [3, 1]]))
    assert torch.equal(out[0], x[0, [0, 2]]) and torch.equal(out[1], x[1, [3, 1]])


def test_entropy_gate_keeps_lowest_entropy_tokens():
    gate = Gate("entropy_topk", 2, 2, keep_ratio=0.5)
    with torch.no_grad():
        gate.head.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
        gate.head.bias.zero_()
    h = torch.tensor([[[0.0, 0], [3.0, 0], [0.1, 0], [-2.0, 0]]])   # |logit gap| 0, 6, 0.2, 4
    out = gate(h, torch.ones(1, 4, 4) / 4, None)
    assert out.index.tolist() == [[1, 3]]
    ent = token_entropy(gate.head(h))
    assert ent[0, 1] < ent[0, 3] < ent[0, 2] < ent[0, 0]


def test_attention_mass_gate_scores_attention_received():
    attn = torch.zeros(1, 4, 4)
    attn[0, :, 2] = 0.7
    attn[0, :, 0] = 0.3          # every row sums to 1: row sums cannot rank tokens
    out = Gate("attention_mass", 4, 2, keep_ratio=0.5)(torch.zeros(1, 4, 4), attn, None)
    assert out.index.tolist() == [[0, 2]]


def test_gumbel_gate_is_soft_in_training_and_hard_at_inference():
    gate = Gate("gumbel", 4, 2, keep_ratio=0.5, budget_weight=2.0)
    h = torch.randn(3, 8, 4)
    out = gate.train()(h, None, None)
    assert out.index is None and out.soft_weight.shape == (3, 8) and out.penalty.item() >= 0
    out = gate.eval()(h, None, None)
    assert out.index.shape == (3, 4)


def test_unknown_gate_and_bad_ratio_are_rejected():
    with pytest.raises(ValueError, match="unknown gate"):
        Gate("entropyy", 4, 2)
    with pytest.raises(ValueError, match="keep_ratio"):
        Gate("random", 4, 2, keep_ratio=1.5)


def _model(kind, p):
    return TinyEncoder(50, 16, 2, Gate(kind, 16, 2, keep_ratio=p)).eval()


def test_layer_two_receives_a_shorter_tensor():
    seen = []
    model = _model("entropy_topk", 0.25)
    model.attn2.register_forward_hook(lambda m, args, out: seen.append(args[0].shape))
    model(torch.randint(0, 50, (3, 32)))
    assert seen == [torch.Size([3, 8, 16])]


def test_counted_flops_fall_with_the_keep_ratio():
    x = torch.randint(0, 50, (4, 64))
    flops = {p: count_flops(_model("attention_mass", p), x) for p in (1.0, 0.75, 0.5, 0.25)}
    assert flops[1.0] > flops[0.75] > flops[0.5] > flops[0.25]
    dense = count_flops(_model("none", 1.0), x)
    assert flops[1.0] == dense
    # analytic count of layer 2 on t tokens: q, k, v projections 3 * 2 t d^2, scores and
    # mixing 2 * 2 t^2 d; the drop from t = L to t = L/2 must match the counter exactly
    d, L, n = 16, 64, 4
    layer2 = lambda t: 6 * t * d * d + 4 * t * t * d   # noqa: E731
    assert dense - flops[0.5] == n * (layer2(L) - layer2(L // 2))


def test_a_variable_keep_is_counted_at_the_batchs_padded_width_plus_the_gate_head():
    """Referee: entropy_threshold's counted FLOPs read 1.003 x dense. A gate with a variable keep pads a
    batch's kept tokens to its largest keep; when one sequence keeps every token, the count is dense's
    plus the token head, the same head entropy_topk carries over random (the elementwise entropy is not
    counted)."""
    x = torch.randint(0, 50, (4, 64))
    torch.manual_seed(0)
    dense = count_flops(_model("none", 1.0), x)
    head = count_flops(_model("entropy_topk", 0.5), x) - count_flops(_model("random", 0.5), x)
    assert head == 2 * 64 * 16 * 2 * len(x)              # Linear(16, 2) on 64 tokens of 4 sequences
    threshold = TinyEncoder(50, 16, 2, Gate("entropy_threshold", 16, 2, threshold=1.0)).eval()
    torch.nn.init.zeros_(threshold.gate.head.weight)      # uniform token predictions: entropy ln 2 < 1, all kept
    assert count_flops(threshold, x) == dense + head
    threshold.gate.threshold = 0.5                        # ln 2 > 0.5: one token per sequence kept, no padding
    assert count_flops(threshold, x) < dense


def test_the_counted_width_is_the_largest_keep_in_the_counted_batch(tmp_path):
    import numpy as np

    from effbench.artefacts import write_npz
    from effbench.studies.synthetic.tables import counted_width

    for seed, kept_rows in ((1, [3, 8, 2, 10]), (2, [4, 4, 6, 1])):
        kept = np.zeros((4, 10), bool)
        for i, k in enumerate(kept_rows):
            kept[i, :k] = True
        write_npz(tmp_path / "entropy_threshold" / f"seed{seed}" / "preds.npz", kept=kept)
    # the first 3 examples are the counted batch: widths 8 and 6
    assert counted_width({"flops_examples": 3, "seeds": [1, 2]}, tmp_path, "entropy_threshold") == 7.0
