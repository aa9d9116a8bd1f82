"""Losses shared by the text methods, and what a head's output means.

A head with one output is a regression head (GLUE's STS-B: a similarity score in [0, 5]); with
two or more it classifies. Every text study reads the head's output through these few functions,
so the classification and the regression paths differ in this module only.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..stats.task_metrics import REGRESSION_TOLERANCE


def is_regression(logits: torch.Tensor) -> bool:
    return logits.shape[-1] == 1


def task_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy on class logits; mean squared error on a regression head's score. In fp32 whatever
    the autocast precision of the model (bf16 would round STS-B's targets to steps of 1/64-1/32)."""
    logits = logits.float()
    if is_regression(logits):
        return F.mse_loss(logits[:, 0], labels.float())
    return F.cross_entropy(logits, labels)


def prediction(logits: torch.Tensor) -> torch.Tensor:
    """(n,) the predicted class, or the predicted score of a regression head."""
    return logits[:, 0] if is_regression(logits) else logits.argmax(-1)


def same_prediction(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(n,) bool: do two models' logits give the same prediction (within REGRESSION_TOLERANCE for scores)?"""
    if is_regression(a):
        return (a[:, 0] - b[:, 0]).abs() <= REGRESSION_TOLERANCE
    return a.argmax(-1) == b.argmax(-1)


def outputs(logits: torch.Tensor) -> torch.Tensor:
    """What a model's evaluation records: class probabilities, or a regression head's score (n, 1)."""
    return logits.float() if is_regression(logits) else logits.softmax(-1)


def explained_output(logits: torch.Tensor) -> torch.Tensor:
    """(n,) the output index an attribution explains: the predicted class, or the one score."""
    return torch.zeros(len(logits), dtype=torch.long, device=logits.device) if is_regression(logits) else logits.argmax(-1)


def attribution_target(labels: torch.Tensor, n_outputs: int) -> torch.Tensor:
    """(n,) the output index IG explains for these labels: the label's class, or the one score."""
    return torch.zeros(len(labels), dtype=torch.long, device=labels.device) if n_outputs == 1 else labels


def distillation_loss(student_logits, teacher_logits, temperature: float) -> torch.Tensor:
    """T^2 KL(p_teacher^T || p_student^T) (Hinton et al.; EAT's Eq. 2 without mu, AD-TP's KD term);
    for a regression head, the squared error to the teacher's score (no temperature applies). In fp32."""
    student_logits, teacher_logits = student_logits.float(), teacher_logits.float()
    if is_regression(student_logits):
        return F.mse_loss(student_logits, teacher_logits)
    return F.kl_div(F.log_softmax(student_logits / temperature, -1), F.log_softmax(teacher_logits / temperature, -1),
                    reduction="batchmean", log_target=True) * temperature ** 2
