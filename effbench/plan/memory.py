"""Peak memory of a model job, from the shapes it runs: parameters, batch, tokens, precision, and
what is kept for backward and for recording. No torch: the scheduler's resource functions call it.

Training (a forward, a backward and an AdamW step): fp32 weights, their gradients and AdamW's two
moments (16 bytes a parameter; autocast adds a 2-byte copy of the weights), plus what every block keeps
for backward, per token (the encoders use eager attention, so the attention probabilities, their
dropout output and mask are kept: heads x tokens of them per token):
    floats: 8h + 2i (block input, Q, K, V, projection input, MLP input, fc1 output, GELU output, two
            layer-norm inputs); masks: 2h bytes (two dropouts); attention: heads x tokens x (2 floats + 1 byte).
Integrated Gradients inside the training loss (AD-TP) keeps the graph of its m interpolated forwards
for the double backward: (1 + 2m) x the activations. Evaluation keeps nothing for backward: its peak
is the weights, one block's widest transient (the MLP's i-wide output, the attention probabilities)
and what the evaluation records per example (the ViT's keys of every layer), for one batch.
The formulas are checked against measured peaks at small sizes (tests/test_plan_calibration.py).
"""
from __future__ import annotations

BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
CUDA_CONTEXT = 0.7e9            # a CUDA context, cuBLAS workspaces: on the GPU, outside torch's tensors
FRAGMENTATION = 1.15            # the caching allocator's blocks are larger than the tensors they hold
HOST_BASE = 2.5e9               # python, torch, CUDA libraries and the tokenizer of a model job's process
TEXT_VOCAB, TEXT_POSITIONS = 30_522, 512


def params(layers: int, h: int, i: int, vocab: int = TEXT_VOCAB, positions: int = TEXT_POSITIONS,
           classes: int = 2) -> int:
    """Parameters of a BERT-style encoder (embeddings, blocks, a pooler-sized head)."""
    block = 4 * h * h + 4 * h + 2 * h * i + i + h + 4 * h
    return vocab * h + positions * h + 2 * h + 2 * h + layers * block + h * h + h + h * classes + classes


def vit_params(depth: int, dim: int, mlp: int, tokens: int, patch: int, channels: int = 3, classes: int = 100) -> int:
    """Parameters of models/vit.py's ViT: patch embedding, [CLS], positions, blocks, norm, head."""
    block = 4 * dim * dim + 4 * dim + 2 * dim * mlp + mlp + dim + 4 * dim
    return patch * patch * channels * dim + dim + dim + tokens * dim + depth * block + 2 * dim + dim * classes + classes


def block_activations(tokens: int, h: int, i: int, heads: int, precision: str = "fp32") -> float:
    """Bytes one block keeps for backward, per example (see the module docstring)."""
    f = BYTES[precision]
    return tokens * (f * (8 * h + 2 * i) + 2 * h + heads * tokens * (2 * f + 1))


def train_peak(layers: int, h: int, i: int, heads: int, tokens: int, batch: int, precision: str = "fp32",
               n_params: int | None = None, graph_copies: int = 1) -> float:
    """Bytes at the peak of a training step (no CUDA context)."""
    p = n_params if n_params is not None else params(layers, h, i)
    f = BYTES[precision]
    state = 16 * p + (2 * p if precision != "fp32" else 0)
    # the backward's widest transients (gradients of one block's attention probabilities and MLP) and the
    # embeddings' output (layer-norm input, dropout mask) beside the blocks
    transient = batch * tokens * (f * (2 * i + 2 * h) + 2 * heads * tokens * f + (2 * f + 1) * h)
    return state + graph_copies * batch * layers * block_activations(tokens, h, i, heads, precision) + transient


def eval_peak(layers: int, h: int, i: int, heads: int, tokens: int, batch: int, n_params: int | None = None,
              record_per_token_layer: int = 0, weight_bytes: int = 4) -> float:
    """Bytes at the peak of an evaluation batch: weights, a block's widest transient, the records kept."""
    p = n_params if n_params is not None else params(layers, h, i)
    transient = batch * tokens * 4 * (3 * h + i + 2 * heads * tokens)
    record = batch * tokens * layers * record_per_token_layer * 4
    return weight_bytes * p + transient + record


def on_gpu(tensor_bytes: float) -> float:
    """What the GPU must hold for `tensor_bytes` of tensors."""
    return tensor_bytes * FRAGMENTATION + CUDA_CONTEXT
