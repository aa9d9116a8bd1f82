"""EAT: window attention, progressive pruning and per-example early exit, on tiny random
BertConfig models (the checks are about masks, shapes and numbers, not learned weights)."""
import math

import numpy as np
import pytest
import torch
from tiny_bert import ragged_batch, tiny_model

from effbench.cost.flops import count_flops
from effbench.models.attention import attention_flops, band_mask, bert_block, dense_attention, window_attention
from effbench.models.eat import EATSettings, apply_eat, trace_flops
from effbench.models.losses import distillation_loss
from effbench.models.text_classifier import truncate_layers
from effbench.pruning.tokens import keep_counts_protected


@pytest.mark.parametrize("t,w", [(10, 4), (40, 4), (97, 8), (13, 16), (200, 16)])
def test_window_attention_equals_dense_attention_under_the_band_mask(t, w):
    torch.manual_seed(t)
    q, k, v = (torch.randn(3, 2, t, 8, dtype=torch.float64) for _ in range(3))
    key_mask = torch.ones(3, t, dtype=torch.bool)
    key_mask[1, t - 3:] = False
    key_mask[2, t // 2:] = False
    allowed = band_mask(t, w)[None, None] & key_mask[:, None, None, :]
    ref = dense_attention(q, k, v, allowed)
    got = window_attention(q, k, v, key_mask, w)
    for i, n in enumerate(key_mask.sum(1).tolist()):     # rows of real queries
        torch.testing.assert_close(got[i, :, :n], ref[i, :, :n], atol=1e-10, rtol=1e-10)


def test_band_mask_has_global_cls_and_a_symmetric_window():
    m = band_mask(40, 16)
    assert m[0].all() and m[:, 0].all()
    assert m[20, 4] and m[20, 36] and not m[20, 3] and not m[20, 37]


def test_blocked_attention_cost_grows_with_t_times_window():
    h = 384
    assert attention_flops(20, h, 16) == 4 * 20 * 20 * h           # short: the dense path
    per_token = [attention_flops(t, h, 16) / t for t in (256, 512, 1024)]
    assert max(per_token) / min(per_token) < 1.05                   # linear in t
    assert attention_flops(1024, h, None) / attention_flops(1024, h, 16) > 6


def test_our_block_equals_the_transformers_layer():
    model = tiny_model().eval()
    ids, mask = ragged_batch([12, 7, 3])
    h = model.encoder.embeddings(input_ids=ids)
    layer = model.layers[0]
    additive = (~mask.bool())[:, None, None, :].float() * torch.finfo(torch.float32).min
    ref = layer(h, attention_mask=additive)
    ref = ref[0] if isinstance(ref, tuple) else ref
    torch.testing.assert_close(bert_block(layer, h, mask.bool()), ref, atol=1e-5, rtol=1e-5)


def test_keep_counts_follow_algorithm_1():
    lengths = torch.tensor([1, 2, 10, 11, 64])
    assert keep_counts_protected(lengths, 0.7).tolist() == [1, 2, 1 + math.ceil(6.3), 8, 1 + math.ceil(0.7 * 63)]
    assert keep_counts_protected(lengths, 1.0).tolist() == lengths.tolist()


def eat(settings=None, layers=6):
    return apply_eat(tiny_model(layers), settings or EATSettings(half_window=4)).eval()


def test_pruning_keeps_cls_never_padding_and_the_counts_of_algorithm_1():
    model = eat(EATSettings(half_window=4, exit_at=None))
    lengths = [30, 17, 5]
    ids, mask = ragged_batch(lengths)
    out = model(ids, mask)
    tokens = out["tokens"]
    after2 = keep_counts_protected(torch.tensor(lengths), 0.7)
    after4 = keep_counts_protected(after2, 0.7)
    assert tokens[:, :2].tolist() == [[n, n] for n in lengths]
    assert tokens[:, 2:4].tolist() == [[n, n] for n in after2.tolist()]
    assert tokens[:, 4:].tolist() == [[n, n] for n in after4.tolist()]
    # [CLS] survives and padding is never selected: the pruned model on one example equals
    # itself inside a padded batch, and its [CLS] state is the one the head reads
    alone = model(ids[2:, :5], mask[2:, :5])
    torch.testing.assert_close(alone["logits"], out["logits"][2:], atol=1e-5, rtol=1e-5)


def test_cls_is_kept_even_with_the_smallest_norm():
    model = eat(EATSettings(half_window=4, exit_at=None, prune_after=[1]))
    captured = {}
    ids, mask = ragged_batch([20])
    with torch.no_grad():
        model.encoder.embeddings.word_embeddings.weight[2] = 0.0          # [CLS] embedding ~ 0
    import effbench.models.eat as eat_module
    real_gather = eat_module.gather_tokens

    def spy(x, index):
        captured.setdefault("index", index)
        return real_gather(x, index)

    eat_module.gather_tokens = spy
    try:
        model(ids, mask)
    finally:
        eat_module.gather_tokens = real_gather
    assert captured["index"][0, 0].item() == 0


def spread_exit_head(model, ids, mask):
    """Random [CLS] states barely differ; point the exit head along their spread so that
    its confidence varies from example to example."""
    seen = []
    linear = model.exit_heads["4"].linear
    hook = linear.register_forward_pre_hook(lambda m, a: seen.append(a[0].detach()))
    with torch.no_grad():
        model(ids, mask)
        hook.remove()
        cls = seen[0]
        direction = cls[0] - cls.mean(0)
        direction /= (cls - cls.mean(0)).matmul(direction).abs().max()
        linear.weight.zero_()
        linear.bias.zero_()
        linear.weight[1] = 4 * direction
        linear.bias[1] = -4 * cls.mean(0) @ direction


@pytest.mark.parametrize("patience,pooling", [(False, "cls"), (True, "cls"), (False, "mean")])
def test_per_example_exit_in_a_batch_equals_each_example_alone(patience, pooling):
    model = eat(EATSettings(half_window=4, patience=patience, exit_pooling=pooling))
    lengths = [40, 9, 23, 3, 31, 16]
    ids, mask = ragged_batch(lengths, seed=3)
    spread_exit_head(model, ids, mask)
    with torch.no_grad():
        confidence = model(ids, mask)["exit_logits"][4].softmax(-1).amax(-1).sort().values
    tau = float(confidence[2:4].mean())                   # half exit, half go on
    out = model(ids, mask, tau=tau)
    exits = out["exit_layer"].tolist()
    assert 4 in exits and 6 in exits, exits
    for i, n in enumerate(lengths):
        alone = model(ids[i:i + 1, :n], mask[i:i + 1, :n], tau=tau)
        assert alone["exit_layer"].item() == exits[i]
        torch.testing.assert_close(alone["logits"][0], out["logits"][i], atol=1e-5, rtol=1e-5)
        assert alone["tokens"][0].tolist() == out["tokens"][i].tolist()
    assert all(out["tokens"][i, 4:].sum() == 0 for i in range(len(lengths)) if exits[i] == 4)


def test_no_exit_and_no_pruning_without_window_is_the_dense_classifier():
    dense = tiny_model().eval()
    model = apply_eat(tiny_model(), EATSettings(half_window=None, exit_at=None, prune_ratio=0.0)).eval()
    ids, mask = ragged_batch([12, 7, 3])
    torch.testing.assert_close(model(ids, mask)["logits"], dense(ids, mask)["logits"], atol=1e-5, rtol=1e-5)


def test_counted_flops_equal_the_trace_for_every_path():
    model = eat(EATSettings(half_window=4))
    for n, tau in ((3, 0.5), (9, 1.1), (40, 1.1), (40, 0.5)):   # exit at 4, and run to the end
        ids, mask = ragged_batch([n], seed=n)
        out = model(ids, mask, tau=tau)
        counted = count_flops(model, ids, mask, tau=tau)
        assert counted == trace_flops(model, out["tokens"][0].tolist(), int(out["exit_layer"][0]))
    dense = tiny_model().eval()
    ids, mask = ragged_batch([40])
    out = dense(ids, mask)
    assert count_flops(dense, ids, mask) == trace_flops(dense, out["tokens"][0].tolist(), 6)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])     # bf16: the default config's CPU training autocast
def test_training_forward_runs_every_head_and_backpropagates(precision):
    from effbench.compute import Compute

    model = eat(EATSettings(half_window=4, exit_layers=[3, 4])).train()
    ids, mask = ragged_batch([30, 12])
    with Compute(torch.device("cpu"), precision).autocast():
        out = model(ids, mask, prune_ratio=0.15)
        assert sorted(out["exit_logits"]) == [3, 4]
        loss = model.loss(out, torch.tensor([0, 1]), teacher_logits=torch.randn(2, 2), distill_weight=0.5)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)      # losses in fp32 whatever the autocast
    loss.backward()
    assert model.exit_heads["3"].linear.weight.grad is not None
    assert model.layers[0].attention.self.query.weight.grad.abs().sum() > 0


def test_distillation_is_zero_at_the_teacher_and_positive_elsewhere():
    t = torch.randn(5, 3)
    assert distillation_loss(t, t, 2.0).abs() < 1e-6
    assert distillation_loss(torch.zeros(5, 3), t, 2.0) > 0


def test_truncate_keeps_the_first_blocks():
    model = truncate_layers(tiny_model(), 4)
    assert len(model.layers) == 4 and model.encoder.config.num_hidden_layers == 4


def test_exit_and_pruning_blocks_are_checked():
    with pytest.raises(ValueError, match="exit and pruning blocks"):
        apply_eat(tiny_model(4), EATSettings(exit_at=4))


@pytest.mark.parametrize("patience", [False, True])
def test_outcome_at_tau_derived_from_the_no_exit_trace_equals_running_at_tau(patience):
    from effbench.studies.eat.evaluate import at_tau, trace

    model = eat(EATSettings(half_window=4, exit_layers=[3, 4], patience=patience))
    lengths = [40, 9, 23, 3, 31, 16, 12, 27]
    ids, mask = ragged_batch(lengths, seed=5)
    spread_exit_head(model, ids, mask)
    encoded = [ids[i, :n].tolist() for i, n in enumerate(lengths)]
    full = trace(model, encoded, pad_id=0, batch_size=3)
    for tau in (0.55, 0.7, 0.9):
        derived = at_tau(model, full, tau, patience)
        model.eat.patience = patience
        ran = trace(model, encoded, pad_id=0, tau=tau, batch_size=3)
        model.eat.patience = False
        assert derived["exit_layer"].tolist() == ran["exit_layer"].tolist()
        assert derived["tokens"].tolist() == ran["tokens"].tolist()
        np.testing.assert_allclose(derived["probs"], ran["probs"], atol=1e-5)


def test_pair_token_types_start_after_the_first_sep():
    from effbench.data.batching import collate

    b = collate([[101, 5, 102, 7, 8, 102], [101, 5, 102]], pad_id=0, sep_id=102)
    assert b["token_type_ids"].tolist() == [[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]]
    assert "token_type_ids" not in collate([[101, 5, 102]], pad_id=0)


def test_sep_tokens_are_protected_for_sentence_pairs():
    import effbench.models.eat as eat_module

    model = eat(EATSettings(half_window=4, exit_at=None, prune_after=[1], prune_ratio=0.8, sep_token_id=3))
    ids, mask = ragged_batch([20])
    ids[0, 9] = ids[0, 19] = 3
    with torch.no_grad():
        model.encoder.embeddings.word_embeddings.weight[3] = 0.0
    kept = []
    real_gather = eat_module.gather_tokens
    eat_module.gather_tokens = lambda x, index: kept.append(index) or real_gather(x, index)
    try:
        model(ids, mask)
    finally:
        eat_module.gather_tokens = real_gather
    assert {0, 9, 19} <= set(kept[0][0].tolist())
    assert len(kept[0][0]) == 3 + math.ceil(0.2 * 17)


def test_pruning_schedule_follows_algorithm_2():
    from effbench.studies.eat.train import prune_schedule

    ratios = [prune_schedule(e, s, 10, 0.3, dense_epochs=1, epochs=3) for e in range(3) for s in range(10)]
    assert ratios[:10] == [0.0] * 10
    assert ratios[-1] == pytest.approx(0.3) and ratios[10] == pytest.approx(0.3 / 20)
    assert all(a <= b for a, b in zip(ratios, ratios[1:]))


def test_tau_is_the_smallest_within_the_margin_of_dense_and_a_miss_is_recorded():
    from effbench.studies.eat.plan import choose_tau

    rows = {0.8: {"accuracy": 0.80}, 0.85: {"accuracy": 0.835}, 0.9: {"accuracy": 0.842}, 0.95: {"accuracy": 0.845}}
    assert choose_tau(rows, dense_accuracy=0.845, max_drop_pp=1.0) == (0.85, True)
    # no tau within 1 pp: the largest is used, and the result says the rule was not met
    assert choose_tau(rows, dense_accuracy=0.90, max_drop_pp=1.0) == (0.95, False)


def test_the_frontier_reads_the_rule_from_the_metrics_or_re_derives_it_for_older_metrics():
    from effbench.studies.eat.tables import tau_rule

    cfg = {"taus": [0.8, 0.9], "max_drop_pp": 1.0}
    dense = {"validation/none": {"accuracy": 0.80}}
    missed = {"validation/0.8": {"accuracy": 0.70}, "validation/0.9": {"accuracy": 0.785}}
    met = {"validation/0.8": {"accuracy": 0.70}, "validation/0.9": {"accuracy": 0.795}}
    assert tau_rule(cfg, missed, dense) == {"tau_rule_met": False, "dense_val_accuracy": 0.80}
    assert tau_rule(cfg, met, dense)["tau_rule_met"] is True
    assert tau_rule(cfg, {**met, "tau_rule_met": False}, dense)["tau_rule_met"] is False   # recorded wins


def test_exit_agreement_counts_the_exits_that_change_the_class():
    from effbench.studies.eat.tables import exit_agreement

    preds = {"exit_none": np.array([6, 6, 6, 6, 6]), "probs_none": np.array([0.9, 0.2, 0.7, 0.4, 0.6]),
             "exit_0.8": np.array([4, 4, 4, 6, 6]), "probs_0.8": np.array([0.95, 0.1, 0.3, 0.4, 0.6])}
    assert exit_agreement(preds, "0.8") == {"scored_n": 5, "exited_n": 3, "exit_changed_n": 1,
                                            "changed_not_exited_n": 0}
    assert exit_agreement(preds, "none")["exited_n"] == 0


def test_an_evaluated_run_says_which_examples_exits_reclassify():
    """The no-exit and tau traces evaluate_run saves differ exactly on the exited examples, and the
    agreement count read from them equals the one counted from the head's own argmax."""
    from effbench.studies.eat.evaluate import at_tau, trace
    from effbench.studies.eat.tables import exit_agreement

    model = eat(EATSettings(half_window=4, exit_layers=[3, 4]))
    lengths = [40, 9, 23, 3, 31, 16, 12, 27]
    ids, mask = ragged_batch(lengths, seed=5)
    spread_exit_head(model, ids, mask)
    encoded = [ids[i, :n].tolist() for i, n in enumerate(lengths)]
    full = trace(model, encoded, pad_id=0, batch_size=3)
    tr = at_tau(model, full, 0.55)
    preds = {"exit_none": full["exit_layer"], "probs_none": full["probs"][:, 1],
             "exit_0.55": tr["exit_layer"], "probs_0.55": tr["probs"][:, 1]}
    counts = exit_agreement(preds, "0.55")
    exited = tr["exit_layer"] < full["exit_layer"]
    head = full["exit_logits"][model.eat.exit_at].argmax(1)
    assert counts["exited_n"] == int(exited.sum()) > 0
    assert counts["exit_changed_n"] == int((head != full["probs"].argmax(1))[exited].sum())
    assert counts["changed_not_exited_n"] == 0


def test_layerwise_retention_is_the_share_each_block_processes():
    from effbench.plots.eat_figures import retention_vs_length

    preds = {"length": np.array([10, 20]), "exit_layer": np.array([4, 6]),
             "tokens": np.array([[10, 10, 7, 7, 0, 0], [20, 20, 14, 14, 10, 10]])}
    fig = retention_vs_length(preds, 0.49, [1, 1, 0.7, 0.7, 0.49, 0.49])
    measured = fig.axes[0].get_lines()[0].get_ydata()
    np.testing.assert_allclose(measured, [1, 1, 0.7, 0.7, 0.5, 0.5])    # blocks 5-6: only the example that ran them
