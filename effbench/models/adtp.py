"""AD-TP (paper 001) as a patch on the dense text classifier: `apply_adtp(model, settings)`.

The Adaptive Token Retainer sits after the first pruning block:
  * ARP reads [CLS] and picks a retention ratio rho from a candidate list (linear -> argmax);
    `arp_input="pooled"` lets it read more: [CLS], the mean of the real tokens and log length;
  * TSP scores every token (linear -> ReLU -> linear), once, on that block's output.
The kept share then falls geometrically over the pruning blocks, rho^(j/J) after the j-th of
J, so the last pruning block leaves floor(rho * length) tokens ([CLS] always among them,
padding never). Tokens are removed from the tensor (pruning/tokens.py, the module every
method shares), so the later blocks really run on fewer tokens.

`forward(..., ratio=, scores=)` overrides the ARP's ratio and the TSP's scores: the same
code path evaluates static / random ratios and the attention, random, IG and leave-one-out
token scores on a model, so every method is timed and counted by one implementation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..pruning.tokens import gather_tokens, keep_counts, kept_mask, select_counts
from .attention import attention_flops, bert_block
from .blocks import parts, sizes
from .text_classifier import TextClassifier


def candidate_ratios(n: int) -> list[float]:
    """The poster's candidate lists as n evenly spaced ratios ending at 1 (no pruning):
    5 -> 0.2, 0.4, ..., 1; 10 -> 0.1, ..., 1; 20 -> 0.05, ..., 1 (each list contains the coarser ones)."""
    return [round((i + 1) / n, 6) for i in range(n)]


@dataclass
class ADTPSettings:
    prune_after: list[int] = field(default_factory=lambda: [1, 2, 3])   # blocks after which tokens go
    n_candidates: int = 5             # ARP's candidate list length (5, 10, 20)
    tsp_hidden: int = 96
    sep_token_id: int | None = None   # set: [SEP] tokens are protected like [CLS] (sentence pairs)
    arp_input: str = "cls"            # what ARP reads: "cls" (the poster) or "pooled" ([CLS], token mean, log length)

    @property
    def candidates(self) -> list[float]:
        return candidate_ratios(self.n_candidates)


class ADTPClassifier(TextClassifier):
    adtp: ADTPSettings

    def forward(self, input_ids, attention_mask, token_type_ids=None, *, inputs_embeds=None,
                ratio=None, scores=None, scorer: str | None = None) -> dict:
        """ratio: None (the ARP decides), a float, or one ratio per example.
        scores: None (the TSP decides) or (n, L) token scores over the input positions;
        scorer='attention': the attention each token receives in the first pruning block.
        inputs_embeds: the embedding layer's output (Integrated Gradients interpolates it)."""
        s = self.adtp
        mask = attention_mask.bool()
        h = self.embed(input_ids, token_type_ids) if inputs_embeds is None else inputs_embeds   # (n, L, C)
        n, seq_len = mask.shape
        n_layers = len(self.layers)
        lengths = mask.sum(1)
        position = torch.arange(seq_len, device=h.device).expand(n, seq_len)    # input position of each slot
        ids = input_ids
        tokens = torch.zeros(n, n_layers, dtype=torch.long, device=h.device)
        out = {"input_mask": mask}
        stage = 0
        for depth, layer in enumerate(self.layers, start=1):
            tokens[:, depth - 1] = mask.sum(1)
            h_in = h
            h = bert_block(layer, h, mask, None)
            if depth not in s.prune_after:
                continue
            if stage == 0:
                out["arp_logits"] = self.arp(arp_features(h, mask, s.arp_input))
                out["tsp"] = self.tsp(h).squeeze(-1)
                choice = torch.as_tensor(s.candidates, device=h.device)[out["arp_logits"].argmax(-1)]
                rho = choice if ratio is None else torch.as_tensor(ratio, dtype=torch.float64, device=h.device).expand(n)
                if scorer == "attention":
                    current = attention_received(layer, h_in, mask)
                elif scores is None:
                    current = out["tsp"].detach()
                else:
                    current = scores.to(h.dtype)
                out["ratio"] = rho.double()
            stage += 1
            counts = keep_counts(lengths, out["ratio"] ** (stage / len(s.prune_after)))
            protect = torch.zeros_like(mask)
            protect[:, 0] = True                                   # [CLS] is never pruned
            if s.sep_token_id is not None:
                protect |= ids == s.sep_token_id
            index, valid = select_counts(current, mask, counts, protect)
            h, current, ids, position = (gather_tokens(x, index) for x in (h, current, ids, position))
            mask = valid
        out["kept"] = kept_mask(position, mask, seq_len)
        out["tokens"] = tokens
        out["logits"] = self.head(self.dropout(h[:, 0]))
        return out


class SaliencyPredictor(nn.Module):
    """TSP: linear -> ReLU -> linear, one saliency score per token."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, h):
        return self.net(h)


def arp_features(h: torch.Tensor, mask: torch.Tensor, how: str) -> torch.Tensor:
    """What ARP reads from the first pruning block's output h (n, L, C): [CLS] (n, C), or [CLS],
    the mean of the real tokens and log length (n, 2C + 1)."""
    if how == "cls":
        return h[:, 0]
    weights = mask.to(h.dtype)[..., None]                                 # (n, L, 1)
    length = weights.sum(1)                                               # (n, 1)
    return torch.cat([h[:, 0], (h * weights).sum(1) / length, torch.log(length)], -1)


def arp_width(hidden: int, how: str) -> int:
    if how not in ("cls", "pooled"):
        raise ValueError(f"arp_input must be 'cls' or 'pooled', got {how!r}")
    return hidden if how == "cls" else 2 * hidden + 1


def apply_adtp(model: TextClassifier, settings: ADTPSettings) -> ADTPClassifier:
    n_layers = len(model.layers)
    if not settings.prune_after or any(not 1 <= d < n_layers for d in settings.prune_after):
        raise ValueError(f"prune_after must name blocks in [1, {n_layers - 1}], got {settings.prune_after}")
    if sorted(set(settings.prune_after)) != list(settings.prune_after):
        raise ValueError(f"prune_after must be increasing, got {settings.prune_after}")
    if model.gate is not None:
        raise ValueError("apply_adtp expects a dense classifier, not a gated one")
    model.__class__ = ADTPClassifier
    model.adtp = settings
    hidden = model.encoder.config.hidden_size
    model.arp = nn.Linear(arp_width(hidden, settings.arp_input), settings.n_candidates)
    model.tsp = SaliencyPredictor(hidden, settings.tsp_hidden)
    return model.to(model.head.weight.device)          # the new heads beside the encoder, wherever it is


def attention_received(layer, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(n, t): attention mass each token receives in `layer` (summed over heads and real queries)."""
    b = parts(layer)
    n, t, _ = h.shape
    q = b.query(h).view(n, t, b.heads, b.head_dim).transpose(1, 2)
    k = b.key(h).view(n, t, b.heads, b.head_dim).transpose(1, 2)
    scores = (q @ k.transpose(-1, -2)) * b.head_dim ** -0.5
    probs = scores.masked_fill(~mask[:, None, None, :], torch.finfo(h.dtype).min).softmax(-1)
    return (probs * mask[:, None, :, None]).sum((1, 2))


def block_flops(tokens, hidden: int, intermediate: int) -> float:
    """Linear layers 2t(4h^2 + 2hi) and dense attention 4t^2 h over the blocks that ran."""
    return sum(2.0 * t * (4 * hidden * hidden + 2 * hidden * intermediate) + attention_flops(t, hidden, None)
               for t in tokens if t > 0)


def example_flops(model: TextClassifier, tokens, scorer: str = "tsp") -> float:
    """Analytic FLOPs of one example: its blocks, the classifier, and the retainer's heads
    (ARP on [CLS]; TSP on every token of the first pruning block) or the attention scorer."""
    h, inter = sizes(model.encoder.config)
    total = block_flops(tokens, h, inter) + 2.0 * h * model.head.out_features
    if isinstance(model, ADTPClassifier):
        s = model.adtp
        t = int(tokens[s.prune_after[0] - 1])
        total += 2.0 * arp_width(h, s.arp_input) * s.n_candidates + 2.0 * t * (h * s.tsp_hidden + s.tsp_hidden)   # both heads always run
        if scorer == "attention":
            total += 4.0 * t * h * h + 2.0 * t * t * h          # q, k and q k^T of the scored block
    return float(total)


def counts_per_block(model: ADTPClassifier, length: int, ratio: float) -> list[int]:
    """Tokens each block processes for one example (the forward's own rule, for checks)."""
    s = model.adtp
    out, current = [], length
    stage = 0
    for depth in range(1, len(model.layers) + 1):
        out.append(current)
        if depth in s.prune_after:
            stage += 1
            current = int(keep_counts(torch.tensor([length]), float(np.float64(ratio) ** (stage / len(s.prune_after))))[0])
    return out
