"""Tiny random BertConfig / DistilBertConfig classifiers and ragged batches for the token-pruning
tests (the checks are about masks, shapes and counts, not learned weights)."""
import torch
from transformers import BertConfig, BertModel, DistilBertConfig, DistilBertModel

from effbench.models.text_classifier import TextClassifier

PAD, CLS, SEP = 0, 2, 3


def tiny_encoder(layers=6, hidden=32, family="bert"):
    torch.manual_seed(0)
    if family == "bert":
        cfg = BertConfig(vocab_size=120, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=4,
                         intermediate_size=64, max_position_embeddings=256, attn_implementation="eager")
        encoder = BertModel(cfg, add_pooling_layer=False)
    else:
        cfg = DistilBertConfig(vocab_size=120, dim=hidden, n_layers=layers, n_heads=4, hidden_dim=64,
                               max_position_embeddings=256, attn_implementation="eager")
        encoder = DistilBertModel(cfg)
    with torch.no_grad():   # untrained LayerNorms give every token the same L2 norm; pretrained ones do not
        for name, p in encoder.named_parameters():
            if ("LayerNorm" in name or "layer_norm" in name) and name.endswith("weight"):
                p.uniform_(0.2, 2.0)
    return encoder


def tiny_model(layers=6, hidden=32, family="bert"):
    return TextClassifier(tiny_encoder(layers, hidden, family), 2)


def ragged_batch(lengths, seed=0):
    """(ids, mask): [CLS] first, random tokens, padding after each length."""
    g = torch.Generator().manual_seed(seed)
    width = max(lengths)
    ids = torch.randint(5, 120, (len(lengths), width), generator=g)
    mask = torch.zeros(len(lengths), width, dtype=torch.long)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
        ids[i, n:] = PAD
    ids[:, 0] = CLS
    return ids, mask
