"""Losses shared by the text methods."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def distillation_loss(student_logits, teacher_logits, temperature: float) -> torch.Tensor:
    """T^2 KL(p_teacher^T || p_student^T) (Hinton et al.; EAT's Eq. 2 without mu, AD-TP's KD term)."""
    return F.kl_div(F.log_softmax(student_logits / temperature, -1), F.log_softmax(teacher_logits / temperature, -1),
                    reduction="batchmean", log_target=True) * temperature ** 2
