"""GLUE's regression task (STS-B): float scores end to end, a one-output head trained by MSE,
Pearson / Spearman correlations (scipy), and the agreement rule AD-TP's ratio labels and oracle
use for a score. Tiny random models; the checks are about the head, losses and metrics."""
import numpy as np
import pandas as pd
import pytest
import tiny_bert
import torch

from effbench.models.losses import attribution_target, distillation_loss, outputs, prediction, same_prediction, task_loss
from effbench.models.text_classifier import TextClassifier
from effbench.stats.task_metrics import REGRESSION_TOLERANCE, agreeing, headline, predicted, score_pct


def test_pearson_and_spearman_on_a_hand_checked_example():
    # x = (1, 2, 3), y = (1, 3, 2): cov = (-1)(-1) + 0 + (1)(0) = 1, var = 2 and 2, so r = 1/2; the ranks are
    # the values themselves, so Spearman's rho is 1/2 too
    labels, scores = np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0])
    assert headline(scores[:, None], labels) == pytest.approx({"pearson": 0.5, "spearman": 0.5})
    rng = np.random.default_rng(0)
    y = rng.uniform(0, 5, 200)
    p = y + rng.normal(0, 1, 200)
    r = score_pct("pearson", y, p, n_resamples=200)
    assert r["pearson_pct"] == pytest.approx(100 * np.corrcoef(y, p)[0, 1])
    assert r["pearson_pct_ci_low"] < r["pearson_pct"] < r["pearson_pct_ci_high"]
    assert score_pct("spearman", y, p, n_resamples=200)["spearman_pct"] > 80
    assert headline(np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([0, 0])) == {"accuracy": 0.5}


def test_stsb_reads_as_float_scores_and_splits_without_strata(tmp_path):
    from effbench.data import tasks
    from effbench.data.text import make_splits, read_glue_tsv

    d = tmp_path / "STS-B"
    d.mkdir()
    pd.DataFrame({"index": range(40), "sentence1": [f"a {i}" for i in range(40)],
                  "sentence2": [f"b {i}" for i in range(40)],
                  "score": np.linspace(0, 5, 40).round(3)}).to_csv(d / "train.tsv", sep="\t", index=False)
    frame = read_glue_tsv(tmp_path, "STS-B", "train")
    assert frame["label"].dtype.kind == "f" and frame["label"].max() == 5.0 and "text_pair" in frame
    splits = make_splits(frame, 0, 0.2, 0.2)          # 40 distinct scores: stratifying would fail
    assert sum(len(s) for s in splits.values()) == 40
    out = tmp_path / "prepared"
    out.mkdir()
    splits["train"].to_csv(out / "train.csv", index=False)
    assert tasks.n_classes(str(out)) == 1             # one output: a regression head
    glue = {"source": "glue", "glue_task": "STS-B"}
    assert tasks.regression_task(glue) and not tasks.binary(glue) and tasks.metric(glue) == "pearson"


def test_a_one_output_head_is_trained_by_mse_and_agrees_within_the_tolerance():
    logits = torch.tensor([[1.0], [3.0]])
    labels = torch.tensor([2.0, 3.0], dtype=torch.float64)
    assert task_loss(logits, labels).item() == pytest.approx(0.5)            # ((1-2)^2 + 0) / 2
    assert distillation_loss(logits, torch.tensor([[1.5], [3.0]]), 2.0).item() == pytest.approx(0.125)
    assert prediction(logits).tolist() == [1.0, 3.0] and outputs(logits).tolist() == [[1.0], [3.0]]
    moved = logits + torch.tensor([[REGRESSION_TOLERANCE], [REGRESSION_TOLERANCE + 0.1]])
    assert same_prediction(moved, logits).tolist() == [True, False]
    assert agreeing(moved.numpy(), logits.numpy()).tolist() == [True, False]
    assert predicted(logits.numpy()).tolist() == [1.0, 3.0]
    assert attribution_target(labels, 1).tolist() == [0, 0]                  # IG explains the one score
    classes = torch.tensor([[2.0, 1.0], [0.0, 1.0]])
    assert task_loss(classes, torch.tensor([0, 1])).item() == pytest.approx(
        torch.nn.functional.cross_entropy(classes, torch.tensor([0, 1])).item())
    assert attribution_target(torch.tensor([0, 1]), 2).tolist() == [0, 1]


def test_a_regression_bert_learns_its_scores_and_adtp_prunes_it():
    """A tiny BERT with one output fits four scores by MSE; the AD-TP patch then runs on it, its
    trace records the score, and the oracle keeps a sequence's score within the tolerance."""
    from effbench.models.adtp import ADTPSettings, apply_adtp
    from effbench.studies.adtp.evaluate import oracle_ratios, summarise, trace

    model = TextClassifier(tiny_bert.tiny_encoder(4), 1)
    ids, mask = tiny_bert.ragged_batch([12, 9, 7, 12])
    y = torch.tensor([0.5, 4.5, 2.0, 3.0])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(100):
        loss = task_loss(model(ids, mask)["logits"], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        assert task_loss(model(ids, mask)["logits"], y).item() < 0.05        # from a variance of 2.2
    apply_adtp(model, ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8))
    encoded = [ids[i, : int(mask[i].sum())].tolist() for i in range(4)]
    tr = trace(model, encoded, tiny_bert.PAD, ratio=1.0)
    assert tr["probs"].shape == (4, 1)
    assert np.allclose(tr["probs"][:, 0], model(ids, mask, ratio=1.0)["logits"][:, 0].detach().numpy(), atol=1e-5)
    s = summarise(tr, y.numpy())
    assert np.isnan(s["accuracy"]) and s["pearson"] > 0.95
    chosen = oracle_ratios(model, encoded, tiny_bert.PAD, None, [0.2, 0.4, 0.6, 0.8, 1.0])
    kept = trace(model, encoded, tiny_bert.PAD, ratio=chosen)["probs"][:, 0]
    assert (np.abs(kept - tr["probs"][:, 0]) <= REGRESSION_TOLERANCE + 1e-6).all()
