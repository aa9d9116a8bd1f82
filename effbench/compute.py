"""Where and in what precision models run: one place for the device, autocast and moving batches.

`compute: {device: auto|cpu|cuda, precision: fp32|bf16|fp16, timing_precision, gpus_per_job}` in the
config. `auto` takes CUDA when this process sees a GPU and says which in the provenance block. On the
CPU in fp32 nothing is wrapped and nothing moves, so CPU runs give exactly the numbers they gave before.

A workflow job states its compute once (`configure`, called by `effbench.workflow.setup`); study code
asks `current()` for it, puts its models there, and moves each batch to the model's device (`on`).
Library code and tests that never configure get the default: `auto`, fp32.

torch is imported where it is used, not with this module: every workflow job configures its compute
(`effbench.workflow.setup`), and a job that never builds a model (tables, figures, tests of
significance: about half the DAG) would otherwise pay torch's 1.4 s import for nothing.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEFAULT = {"device": "auto", "precision": "fp32", "timing_precision": "fp32", "compile_dense": True, "gpus_per_job": 0}
_configured: dict | None = None


def dtype(precision: str) -> torch.dtype:
    """The torch dtype of a precision name (fp32, bf16, fp16)."""
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


@dataclass(frozen=True)
class Compute:
    device: torch.device
    precision: str                      # autocast of training steps (evaluation stays fp32, comparable across devices)
    timing_precision: str = "fp32"      # the timed models' weights and activations in the cost jobs
    compile_dense: bool = True          # on a GPU, the dense baseline is also timed under torch.compile
    fallback: str | None = None         # what `auto` changed because this job landed on a CPU (recorded)

    @property
    def autocast_on(self) -> bool:
        return self.precision != "fp32"

    def autocast(self):
        """torch.autocast for bf16 / fp16, nothing at fp32 (the CPU default stays untouched)."""
        if not self.autocast_on:
            return contextlib.nullcontext()
        import torch

        return torch.autocast(self.device.type, dtype=dtype(self.precision))

    def training(self, precision: str | None) -> "Compute":
        """This compute with a study's own training precision (None: unchanged; `vit.precision`): on this
        job's device, resolved like compute.precision (a half precision a CPU cannot run natively
        trains in fp32, recorded)."""
        if precision is None or precision == self.precision:
            return self
        used, why = precision, None
        if self.device.type == "cpu" and precision != "fp32" and not (precision == "bf16" and cpu_bf16_native()):
            used, why = "fp32", f"study precision {precision} -> fp32 (no native {precision} on this CPU)"
        fallback = "; ".join(x for x in (self.fallback, why) if x) or None
        return dataclasses.replace(self, precision=used, fallback=fallback)

    def grad_scaler(self):
        """fp16 gradients need loss scaling; bf16 and fp32 do not (None)."""
        if self.precision != "fp16":
            return None
        import torch

        return torch.amp.GradScaler(self.device.type)

    def describe(self) -> dict:
        out = {"device": str(self.device), "precision": self.precision, "timing_precision": self.timing_precision}
        if self.device.type == "cuda":
            import torch

            out["gpu"] = torch.cuda.get_device_name(self.device)
        if self.fallback:
            out["fallback"] = self.fallback
        return out


def resolve(cfg: dict | None = None) -> Compute:
    """The Compute a job runs with, from what this job actually has.

    `auto` on a node without a GPU times in fp32 (a half `timing_precision` is for the GPU it expected:
    paper.yaml times in fp16 on GPUs, and no CPU run of the papers timed in half precision) and trains
    in fp32 unless the precision is bf16 and the CPU computes it natively (oneDNN's bf16 kernels: AVX512-BF16
    or AMX), where bf16 autocast halves the time of a text training step; fp16 training falls back to
    fp32. `fallback` says what changed, and every artefact's provenance carries it. An explicit `cpu`
    with fp16 and `cuda` without a GPU are errors (the config asked for what this job cannot do)."""
    import torch

    cfg = {**DEFAULT, **(cfg or {})}
    asked = cfg["device"]
    if asked == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    elif asked == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config key 'compute.device' is 'cuda' but this job sees no GPU "
                           "(torch.cuda.is_available() is False); use 'auto' or 'cpu', or run the job on a GPU node")
    else:
        device = torch.device(asked)
    precisions, changed = {k: cfg[k] for k in ("precision", "timing_precision")}, []
    for key, value in precisions.items():
        if device.type != "cpu" or value == "fp32":
            continue
        if key == "precision" and value == "bf16" and cpu_bf16_native():
            continue
        if asked == "auto":
            precisions[key] = "fp32"
            changed.append(f"compute.{key} {value} -> fp32" + (" (this CPU has no native bf16)" if value == "bf16" else ""))
        elif value == "fp16":
            raise RuntimeError(f"config key 'compute.{key}': fp16 is for GPUs and this job runs on the CPU; "
                               "use fp32 or bf16 here")
    fallback = ("device auto on a CPU: " + ", ".join(changed)) if changed else None
    return Compute(device, precisions["precision"], precisions["timing_precision"],
                   bool(cfg.get("compile_dense", True)), fallback)


def cpu_bf16_native() -> bool:
    """Whether this CPU has bf16 matmul instructions (AVX512-BF16 or AMX); elsewhere oneDNN emulates bf16
    (its own `_is_mkldnn_bf16_supported` says yes on any AVX512 CPU) and autocast would be slower than fp32."""
    import torch

    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError):
        return False


def configure(cfg: dict | None) -> None:
    """The job's `compute:` block, stated once by the workflow entry point (resolved on first use,
    so a job that never touches a model never imports CUDA)."""
    global _configured
    _configured = dict(cfg or {})
    current.cache_clear()


def configured_block() -> dict:
    """The `compute:` block this job was configured with (a copy)."""
    return dict(_configured or {})


@functools.lru_cache(maxsize=1)
def current() -> Compute:
    """The Compute of this job: the configured block, or the default (auto, fp32)."""
    return resolve(_configured)


def device_of(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def on(model: torch.nn.Module, batch):
    """`batch` on `model`'s device: inference helpers call this, so they run wherever the model is."""
    return to_device(batch, device_of(model))


def numpy(t: torch.Tensor):
    """A model output as a NumPy array, from any device and precision (bf16/fp16 become fp32)."""
    import torch

    t = t.detach()
    if t.is_floating_point() and t.dtype != torch.float64:
        t = t.float()
    return t.cpu().numpy()


def to_device(obj, device: torch.device):
    """Tensors (in dicts, lists and tuples) moved to `device`; everything else as it is."""
    import torch

    if isinstance(obj, torch.Tensor):
        if obj.device == device:
            return obj
        if device.type == "cuda" and obj.device.type == "cpu":
            obj = obj.pin_memory()          # page-locked: the copy runs asynchronously to the GPU
        return obj.to(device, non_blocking=True)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device) for v in obj)
    return obj
