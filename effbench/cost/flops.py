"""Counted FLOPs: torch.utils.flop_counter over a real forward pass."""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode


def count_flops(fn, *args, **kwargs) -> int:
    """FLOPs of one call of fn(*args, **kwargs) as torch's counter sees them (matmuls,
    attention; elementwise work is not counted)."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        fn(*args, **kwargs)
    return int(counter.get_total_flops())
