"""What our methods need from a pretrained encoder, for both families they patch: BERT
(transformers' BertModel: bert-base-uncased, MiniLM) and DistilBERT (DistilBertModel).

The methods run the encoder block by block and put their own attention (dense, windowed,
over fewer tokens) in the middle of each block, so they need a block opened up: its q/k/v
projections, its attention dropout, and what follows attention (output projection, residual,
LayerNorm, feed-forward), which each family lays out differently. Everything else about a
block runs its own transformers modules, with its own weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

FAMILIES = ("bert", "distilbert")


@dataclass
class Parts:
    query: nn.Module
    key: nn.Module
    value: nn.Module
    heads: int
    head_dim: int
    dropout: nn.Module                                             # on the attention probabilities
    finish: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]   # (context (n, t, C), block input) -> output


def family(encoder) -> str:
    kind = encoder.config.model_type
    if kind not in FAMILIES:
        raise ValueError(f"a {kind} encoder: the token-removal patches cover {FAMILIES}")
    return kind


def parts(layer) -> Parts:
    """A BertLayer or a DistilBERT TransformerBlock, opened up."""
    if hasattr(layer.attention, "self"):                           # BertLayer
        sa = layer.attention.self

        def finish(ctx, h):
            attended = layer.attention.output(ctx, h)              # dense, dropout, residual, LayerNorm
            return layer.output(layer.intermediate(attended), attended)

        return Parts(sa.query, sa.key, sa.value, sa.num_attention_heads, sa.attention_head_size, sa.dropout, finish)
    sa = layer.attention                                           # DistilBERT TransformerBlock

    def finish(ctx, h):
        attended = layer.sa_layer_norm(sa.out_lin(ctx) + h)
        return layer.output_layer_norm(layer.ffn(attended) + attended)

    return Parts(sa.q_lin, sa.k_lin, sa.v_lin, sa.n_heads, sa.attention_head_size, sa.dropout, finish)


def layers(encoder) -> nn.ModuleList:
    return encoder.encoder.layer if family(encoder) == "bert" else encoder.transformer.layer


def truncate(encoder, n_layers: int) -> None:
    """Keep the first n blocks (the shallow dense baseline)."""
    if family(encoder) == "bert":
        encoder.encoder.layer = encoder.encoder.layer[:n_layers]
    else:
        encoder.transformer.layer = encoder.transformer.layer[:n_layers]
        encoder.transformer.n_layers = n_layers
    encoder.config.num_hidden_layers = n_layers


def embed(encoder, input_ids, token_type_ids=None) -> torch.Tensor:
    """(n, t, C) embedding-layer output; DistilBERT has no segment embeddings (pairs are told
    apart by [SEP] alone), so it ignores token types."""
    if family(encoder) == "bert":
        return encoder.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
    return encoder.embeddings(input_ids)


def encoder_inputs(encoder, batch: dict) -> dict:
    """The keyword arguments the family's own forward takes from one of our batches."""
    if family(encoder) == "bert":
        return batch
    return {k: v for k, v in batch.items() if k != "token_type_ids"}


def sizes(config) -> tuple[int, int]:
    """(hidden, feed-forward inner) sizes of either family's config."""
    if config.model_type == "distilbert":
        return config.dim, config.hidden_dim
    return config.hidden_size, config.intermediate_size
