"""Where and in what precision models run: one place for the device, autocast and moving batches.

`compute: {device: auto|cpu|cuda, precision: fp32|bf16|fp16, gpus_per_job}` in the config. `auto`
takes CUDA when this process sees a GPU and says which in the provenance block. On the CPU in fp32
nothing is wrapped and nothing moves, so CPU runs give exactly the numbers they gave before.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
DEFAULT = {"device": "auto", "precision": "fp32", "gpus_per_job": 0}


@dataclass(frozen=True)
class Compute:
    device: torch.device
    precision: str

    @property
    def autocast_on(self) -> bool:
        return self.precision != "fp32"

    def autocast(self):
        """torch.autocast for bf16 / fp16, nothing at fp32 (the CPU default stays untouched)."""
        if not self.autocast_on:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=DTYPES[self.precision])

    def grad_scaler(self):
        """fp16 gradients need loss scaling; bf16 and fp32 do not (None)."""
        if self.precision != "fp16":
            return None
        return torch.amp.GradScaler(self.device.type)

    def describe(self) -> dict:
        out = {"device": str(self.device), "precision": self.precision}
        if self.device.type == "cuda":
            out["gpu"] = torch.cuda.get_device_name(self.device)
        return out


def resolve(cfg: dict | None = None) -> Compute:
    """The Compute a job runs with; a clear error when CUDA is asked for and absent."""
    cfg = {**DEFAULT, **(cfg or {})}
    asked = cfg["device"]
    if asked == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    elif asked == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config key 'compute.device' is 'cuda' but this job sees no GPU "
                           "(torch.cuda.is_available() is False); use 'auto' or 'cpu', or run the job on a GPU node")
    else:
        device = torch.device(asked)
    if cfg["precision"] == "fp16" and device.type == "cpu":
        raise RuntimeError("config key 'compute.precision': fp16 autocast is for GPUs; on the CPU use fp32 or bf16")
    return Compute(device, cfg["precision"])


def to_device(obj, device: torch.device):
    """Tensors (in dicts, lists and tuples) moved to `device`; everything else as it is."""
    if isinstance(obj, torch.Tensor):
        return obj if obj.device == device else obj.to(device, non_blocking=True)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device) for v in obj)
    return obj
