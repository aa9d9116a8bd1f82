"""The token-removal patches on DistilBERT blocks (paper 000's backbone, paper 002's baseline):
a tiny randomly initialised DistilBertModel built from its config, checked like the BERT one:
the dense path equals transformers' forward, our block equals its block, removed tokens are
removed compute (torch's FLOP counter equals the analytic count), and hub-format checkpoints of
both families load strictly."""
import pytest
import torch
from tiny_bert import ragged_batch as ragged_ids
from tiny_bert import tiny_encoder, tiny_model

from effbench.cost.flops import count_flops
from effbench.cost.text_cost import flops_per_example
from effbench.models.adtp import ADTPSettings, apply_adtp, example_flops
from effbench.models.attention import bert_block
from effbench.models.eat import EATSettings, apply_eat, trace_flops
from effbench.models.library_dense import LibraryDense, agreement
from effbench.models.text_classifier import additive_mask, apply_gate, truncate_layers


def ragged_batch(lengths, seed=0) -> dict:
    ids, mask = ragged_ids(lengths, seed)
    return {"input_ids": ids, "attention_mask": mask}


def distil(layers=6):
    return tiny_model(layers, family="distilbert").eval()


def test_dense_classifier_equals_the_transformers_forward():
    model = distil()
    batch = ragged_batch([12, 7, 3])
    ref = model.head(model.encoder(input_ids=batch["input_ids"],
                                   attention_mask=batch["attention_mask"]).last_hidden_state[:, 0])
    torch.testing.assert_close(model(**batch)["logits"], ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("half_window", [None, 2])
def test_our_block_equals_the_transformers_block(half_window):
    model = distil()
    batch = ragged_batch([12, 9])
    h = model.embed(batch["input_ids"])
    mask = batch["attention_mask"].bool()
    layer = model.layers[0]
    ours = bert_block(layer, h, mask, None)
    torch.testing.assert_close(ours, layer(h, attention_mask=additive_mask(mask, h.dtype)), atol=1e-5, rtol=1e-5)
    if half_window:   # the window runs too, and differs from dense attention only where the band cuts
        assert bert_block(layer, h, mask, half_window).shape == ours.shape


def test_the_gate_removes_tokens_and_their_flops():
    enc = tiny_encoder(4, family="distilbert")
    from effbench.models.text_classifier import TextClassifier

    encoded = [[2] + list(range(10, 10 + n)) for n in (5, 11, 20)]
    dense = flops_per_example(TextClassifier(enc, 2), encoded, 0)
    gated = flops_per_example(apply_gate(TextClassifier(enc, 2), "entropy_topk", 0.5), encoded, 0)
    assert (dense["counted"] == dense["analytic"]).all() and (gated["counted"] == gated["analytic"]).all()
    assert (gated["counted"] < dense["counted"]).all()


def test_eat_counts_what_ran_and_reduces_to_the_dense_model():
    model = apply_eat(distil(), EATSettings(half_window=4)).eval()
    for n, tau in ((3, 0.5), (40, 1.1), (40, 0.5)):
        ids, mask = ragged_ids([n], seed=n)
        out = model(ids, mask, tau=tau)
        assert count_flops(model, ids, mask, tau=tau) == trace_flops(model, out["tokens"][0].tolist(),
                                                                       int(out["exit_layer"][0]))
    plain = apply_eat(distil(), EATSettings(half_window=None, exit_at=None, prune_ratio=0.0)).eval()
    batch = ragged_batch([12, 7, 3])
    torch.testing.assert_close(plain(**batch)["logits"], distil()(**batch)["logits"], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("scorer", [None, "attention"])
def test_adtp_removes_tokens_and_ratio_one_is_dense(scorer):
    model = apply_adtp(distil(), ADTPSettings(prune_after=[1, 2], n_candidates=5, tsp_hidden=8)).eval()
    batch = ragged_batch([25])
    with torch.no_grad():
        out = model(**batch, ratio=0.4, scorer=scorer)
        torch.testing.assert_close(model(**batch, ratio=1.0)["logits"], distil()(**batch)["logits"], atol=1e-5, rtol=1e-5)
    assert count_flops(model, **batch, ratio=0.4, scorer=scorer) == example_flops(model, out["tokens"][0].tolist(),
                                                                                   scorer or "tsp")
    assert out["tokens"][0].tolist()[-1] < 25


def test_shallow_model_and_the_library_dense_path():
    model = truncate_layers(distil(), 3)
    assert len(model.layers) == 3 and model.encoder.config.n_layers == 3
    batches = [ragged_batch([12, 7, 3]), ragged_batch([5, 9], seed=1)]
    result = agreement(model, LibraryDense(model), batches)     # DistilBertModel.forward, SDPA, no token types
    assert result["prediction_agreement"] == 1.0 and result["max_abs_logit_diff"] < 1e-4


def test_hub_format_checkpoints_of_both_families_load_strictly(tmp_path):
    from transformers import (
        BertConfig,
        BertForPreTraining,
        BertTokenizerFast,
        DistilBertConfig,
        DistilBertForMaskedLM,
        RobertaConfig,
        RobertaModel,
    )

    from effbench.models.backbones import BackboneError, load_encoder

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(115)]))
    tokenizer = BertTokenizerFast(str(vocab))
    # as on the hub: the encoder's weights under bert.* / distilbert.*, beside pretraining heads
    for name, model in (
            ("bert", BertForPreTraining(BertConfig(vocab_size=120, hidden_size=32, num_hidden_layers=2,
                                                   num_attention_heads=4, intermediate_size=64))),
            ("distilbert", DistilBertForMaskedLM(DistilBertConfig(vocab_size=120, dim=32, n_layers=2, n_heads=4,
                                                                  hidden_dim=64)))):
        model.save_pretrained(tmp_path / name)
        tokenizer.save_pretrained(tmp_path / name)
        encoder, _ = load_encoder(str(tmp_path / name))
        assert encoder.config.model_type == name
        head_free = {k.removeprefix(f"{name}."): v for k, v in model.state_dict().items()}
        for key, value in encoder.state_dict().items():        # the pretrained weights, not fresh ones
            if key in head_free:
                assert torch.equal(value, head_free[key]), key
    RobertaModel(RobertaConfig(vocab_size=120, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                               intermediate_size=64)).save_pretrained(tmp_path / "roberta")
    with pytest.raises(BackboneError, match="roberta"):
        load_encoder(str(tmp_path / "roberta"))


def _save_pair(tmp_path, distil_vocab=None):
    """A tiny BERT and a tiny DistilBERT checkpoint in the hub layout, with their vocabularies."""
    from transformers import BertConfig, BertModel, BertTokenizerFast, DistilBertConfig, DistilBertModel

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(115)]
    for name, model, vocab in (
            ("bert", BertModel(BertConfig(vocab_size=120, hidden_size=32, num_hidden_layers=4, num_attention_heads=4,
                                          intermediate_size=64), add_pooling_layer=False), words),
            ("distil", DistilBertModel(DistilBertConfig(vocab_size=120, dim=32, n_layers=2, n_heads=4, hidden_dim=64)),
             distil_vocab or words)):
        (tmp_path / f"{name}.txt").write_text("\n".join(vocab))
        model.save_pretrained(tmp_path / name)
        BertTokenizerFast(str(tmp_path / f"{name}.txt")).save_pretrained(tmp_path / name)
    return str(tmp_path / "bert"), str(tmp_path / "distil")


@pytest.mark.parametrize("study", ["eat", "adtp"])
def test_a_shallow_backbone_of_its_own_is_loaded_whole_not_cut(tmp_path, study):
    import importlib

    from effbench.models.backbones import BackboneError

    build = importlib.import_module(f"effbench.studies.{study}.model").build
    bert, distil_dir = _save_pair(tmp_path)
    cfg = {"backbone": bert, "shallow_backbone": None, "shallow_layers": 2, "dropout": 0.1}
    cut, _ = build(cfg, {"kind": "shallow"}, 2)
    assert cut.encoder.config.model_type == "bert" and len(cut.layers) == 2       # the backbone's first blocks
    own, _ = build({**cfg, "shallow_backbone": distil_dir}, {"kind": "shallow"}, 2)
    assert own.encoder.config.model_type == "distilbert" and len(own.layers) == 2  # DistilBERT whole
    dense, _ = build({**cfg, "shallow_backbone": distil_dir}, {"kind": "dense"}, 2)
    assert dense.encoder.config.model_type == "bert" and len(dense.layers) == 4
    other = tmp_path / "other"
    other.mkdir()
    _, mismatched = _save_pair(other, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"v{i}" for i in range(115)])
    with pytest.raises(BackboneError, match="tokenises differently"):
        build({**cfg, "shallow_backbone": mismatched}, {"kind": "shallow"}, 2)
