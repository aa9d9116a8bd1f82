"""Size, labels and token lengths of each split (data/text/<task>/stats.json), counted in chunks."""
from __future__ import annotations

import numpy as np


def token_lengths(tokenizer, text: list, pair: list | None = None, chunk: int = 10_000) -> np.ndarray:
    """Token count of every example (untruncated), tokenized `chunk` examples at a time: only the
    lengths are kept, so memory stays at one chunk's ids (MNLI's 392,702 pairs at once: gigabytes)."""
    lengths = np.empty(len(text), np.int64)
    for start in range(0, len(text), chunk):
        part = slice(start, start + chunk)
        ids = tokenizer(text[part], pair[part] if pair is not None else None, verbose=False)["input_ids"]
        lengths[part] = [len(i) for i in ids]
    return lengths


def split_statistics(splits: dict, tokenizer=None, chunk: int = 10_000) -> dict:
    stats = {}
    for name, frame in splits.items():
        y = frame["label"]
        entry = {"size": int(len(frame)), **({"label_share": {str(k): float(v) for k, v in y.value_counts(normalize=True).sort_index().items()}}
                                             if y.dtype.kind in "iub" else {"label_mean": float(y.mean()), "label_std": float(y.std())})}
        if tokenizer is not None:
            pair = frame["text_pair"].tolist() if "text_pair" in frame else None
            lengths = token_lengths(tokenizer, frame["text"].tolist(), pair, chunk)
            entry["token_length_percentiles"] = {f"p{q}": float(np.percentile(lengths, q)) for q in (5, 25, 50, 75, 95, 99)}
        stats[name] = entry
    return stats
