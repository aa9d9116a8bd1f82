"""Tokenise once, then batch by length: dynamic padding wastes little compute on pads."""
from __future__ import annotations

import numpy as np
import torch


def encode(tokenizer, frame, max_length: int) -> list[list[int]]:
    """Token ids per example (no padding), truncated to max_length."""
    pair = frame["text_pair"].tolist() if "text_pair" in frame else None
    return tokenizer(frame["text"].tolist(), pair, truncation=True, max_length=max_length)["input_ids"]


def collate(ids: list[list[int]], pad_id: int, sep_id: int | None = None) -> dict:
    """Pad to the longest; with sep_id (sentence pairs), token types are 1 after the first [SEP]."""
    width = max(map(len, ids))
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = torch.as_tensor(seq)
        mask[row, : len(seq)] = 1
    batch = {"input_ids": input_ids, "attention_mask": mask}
    if sep_id is not None:
        is_sep = (input_ids == sep_id) & mask.bool()
        batch["token_type_ids"] = ((is_sep.long().cumsum(1) - is_sep.long()) >= 1).long() * mask
    return batch


def bucketed_order(lengths, batch_size: int, rng: np.random.Generator, bucket: int = 50) -> list[np.ndarray]:
    """Shuffled batches of similar length: shuffle, sort within windows of `bucket` batches,
    cut into batches, shuffle the batches."""
    order = rng.permutation(len(lengths))
    lengths = np.asarray(lengths)
    window = batch_size * bucket
    batches = []
    for start in range(0, len(order), window):
        chunk = order[start: start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i: i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def labelled_batches(encoded, labels, batch_size: int, seed: int, pad_id: int, sep_id=None):
    """The training batches of a classifier fine-tune: epoch -> (collated batch, label tensor) in
    length-bucketed, shuffled order, seeded by (seed, epoch) so a resumed run sees the same batches."""
    import torch

    lengths = list(map(len, encoded))

    def batches(epoch):
        rng = np.random.default_rng([seed, epoch])
        for idx in bucketed_order(lengths, batch_size, rng):
            yield collate([encoded[i] for i in idx], pad_id, sep_id), torch.as_tensor(labels[idx])
    return batches


def sequential_order(lengths, batch_size: int) -> list[np.ndarray]:
    """Evaluation batches: sorted by length (deterministic), every example once."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[i: i + batch_size] for i in range(0, len(order), batch_size)]
