"""LTP, Learned Token Pruning (Kim et al., KDD 2022), as a patch on the backbone classifier.

After every block but the last, a token's importance is the attention it received in that block,
averaged over heads and real queries: s_l(x_i) = mean_{h, j} A_l^h(x_j, x_i) (the block's own
attention, so scoring costs nothing extra). Each block has a learned threshold theta_l,
initialised rising with depth (theta_l = final_threshold * l / L, the paper's start).
  soft mode (training, stage 1): every token stays; the block's output is multiplied by the mask
      M_l = sigmoid((s_l - theta_l) / T), carried to later blocks (M stays multiplied in), so the
      thresholds learn through it; the loss adds lambda * mean_l (kept share of M_l).
  hard mode (stage 2 and inference): tokens with s_l < theta_l leave the sequence (really removed,
      pruning/tokens.py) and stay removed; [CLS] (and a pair task's [SEP]) are never pruned.
Unlike AD-TP's ratio or the entropy gate's keep ratio, the number of tokens kept is per example
and per block, decided by the thresholds alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..pruning.tokens import gather_tokens, kept_mask, select_where
from .attention import bert_block
from .losses import task_loss
from .text_classifier import TextClassifier


@dataclass
class LTPSettings:
    final_threshold: float = 0.01      # theta of the last pruning block at initialisation
    temperature: float = 0.001         # T of the soft mask
    sep_token_id: int | None = None    # a pair task's [SEP] is never pruned
    mode: str = "soft"                 # "soft" (stage 1) or "hard" (stage 2, evaluation, timing)


class LTPClassifier(TextClassifier):
    def forward(self, input_ids, attention_mask, token_type_ids=None) -> dict:
        s = self.ltp
        h = self.embed(input_ids, token_type_ids)                                   # (n, T, C)
        mask = attention_mask.bool()
        n, seq_len = mask.shape
        n_layers = len(self.layers)
        ids, position = input_ids, torch.arange(seq_len, device=h.device).expand(n, seq_len)
        tokens = torch.zeros(n, n_layers, dtype=torch.long, device=h.device)      # (n, L) tokens per block
        soft_shares = []
        carried = h.new_ones(n, seq_len)                                            # soft mode: M carried over
        for depth, layer in enumerate(self.layers, start=1):
            tokens[:, depth - 1] = mask.sum(1)
            probs = []
            h = bert_block(layer, h, mask, None, keep_probs=probs)
            if depth == n_layers:
                break
            real = mask.float()
            # fp32: the soft mask divides by a temperature of ~1e-3, which would magnify bf16 rounding
            received = (probs[0].float() * real[:, None, :, None]).sum(2).mean(1) / real.sum(1, keepdim=True)   # (n, t)
            protect = torch.zeros_like(mask)
            protect[:, 0] = True
            if s.sep_token_id is not None:
                protect |= ids == s.sep_token_id
            theta = self.thresholds[depth - 1]
            if s.mode == "soft":
                m = torch.sigmoid((received - theta) / s.temperature).masked_fill(protect, 1.0)
                carried = carried * m
                h = h * m[..., None]
                soft_shares.append((carried * real).sum(1) / real.sum(1))
                continue
            keep = (received >= theta) | protect
            index, valid = select_where(keep, received.masked_fill(protect, float("inf")), mask)
            h, ids, position = (gather_tokens(x, index) for x in (h, ids, position))
            mask = valid
        out = {"logits": self.head(self.dropout(h[:, 0])), "tokens": tokens, "kept": kept_mask(position, mask, seq_len),
               "input_mask": attention_mask.bool(), "exit_layer": torch.full((n,), n_layers, dtype=torch.long, device=h.device)}
        if soft_shares:
            out["soft_kept_share"] = torch.stack(soft_shares, 1)                   # (n, L - 1)
        return out


def apply_ltp(model: TextClassifier, settings: LTPSettings) -> LTPClassifier:
    if model.gate is not None:
        raise ValueError("apply_ltp expects a dense classifier, not a gated one")
    if settings.mode not in ("soft", "hard"):
        raise ValueError(f"LTP mode must be 'soft' or 'hard', got {settings.mode!r}")
    n_layers = len(model.layers)
    model.__class__ = LTPClassifier
    model.ltp = settings
    start = torch.tensor([settings.final_threshold * d / n_layers for d in range(1, n_layers)])
    model.thresholds = nn.Parameter(start.to(model.head.weight.device))
    return model


def ltp_loss(out: dict, labels: torch.Tensor, weight: float) -> torch.Tensor:
    """The task loss (CE, or MSE for a regression head) plus lambda times the soft masks' mean kept
    share (stage 1); the plain task loss in stage 2."""
    loss = task_loss(out["logits"], labels)
    if "soft_kept_share" in out:
        loss = loss + weight * out["soft_kept_share"].mean()
    return loss
