"""Early exits: a classifier on [CLS] after an intermediate block, and the rule that stops.

The decision is per example: in a batch, the examples that exit leave the tensor and the
rest continue (the caller gathers them), so a batch of 32 saves compute too, not only batch 1.
Confidence: max softmax(logits / T) >= tau, with T fitted on validation when the head is
miscalibrated (EAT §7.2). Patience (PABEE-style, EAT §3.3): the argmax must also agree with
the previous block's head.
"""
from __future__ import annotations

import torch
from torch import nn


class ExitHead(nn.Module):
    def __init__(self, hidden: int, n_classes: int, dropout: float = 0.1):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(hidden, n_classes)
        self.register_buffer("temperature", torch.ones(()))   # saved with the weights

    def forward(self, cls_hidden: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(cls_hidden))


def should_exit(logits: torch.Tensor, tau: float, temperature: torch.Tensor | float = 1.0,
                previous: torch.Tensor | None = None) -> torch.Tensor:
    """(n,) bool: which examples stop here."""
    done = (logits / temperature).softmax(-1).amax(-1) >= tau
    if previous is not None:
        done &= previous.argmax(-1) == logits.argmax(-1)
    return done
