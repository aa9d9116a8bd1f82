"""Atomic artefact writing, provenance and seeding.

Every file the pipeline writes goes through `atomic_path`: it is written beside its
target under a temporary name and renamed into place, so a killed job never leaves a
half-written file that looks complete. Every JSON carries a provenance block.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `target`; rename it onto `target` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp creates 0600; give the file normal permissions
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def write_json(path, payload: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=False, default=_jsonable) + "\n")


class CorruptArtefact(RuntimeError):
    """An artefact on disk that cannot be read back: truncated, damaged or tampered with."""

    def __init__(self, path, err: Exception):
        super().__init__(f"{path} is truncated or corrupt ({type(err).__name__}: {err}). Delete it and rerun the "
                         "same snakemake command to rebuild it from its inputs (or `dvc pull` a checked copy).")
        self.path = path


def read_json(path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptArtefact(path, err) from err


def read_npz(path) -> dict:
    """Every array of an .npz, read eagerly (a damaged archive fails here, naming the file)."""
    import zipfile

    try:
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise CorruptArtefact(path, err) from err


def load_weights(path) -> dict:
    """A safetensors state dict (a damaged file fails here, naming the file)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except (SafetensorError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise CorruptArtefact(path, err) from err


def write_npz(path, **arrays) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


FLOAT_FORMAT = "%.6g"     # how a CSV artefact keeps a float (the ledger scores the number as kept: claims.kept)


def write_csv(path, frame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format=FLOAT_FORMAT)


def save_weights(model, path) -> None:
    """A model's state dict as safetensors, atomically."""
    from safetensors.torch import save_file

    with atomic_path(path) as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp))


def save_figure(fig, paths) -> None:
    """Save one matplotlib figure to every path given (PNG and PDF), atomically."""
    for path in paths:
        path = Path(path)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.suffix.lstrip("."), bbox_inches="tight", dpi=150)


def config_hash(section: Any) -> str:
    """Stable short hash of a (JSON-serialisable) config section."""
    blob = json.dumps(section, sort_keys=True, default=_jsonable).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def file_hash(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def _git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, cwd=Path(__file__).parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(config_section: Any = None, seed: int | None = None, **extra) -> dict:
    """The block every JSON artefact carries: what produced it, from what, where."""
    import torch  # local: keep `import effbench` light for rules that never touch torch

    block = {
        "config_hash": config_hash(config_section) if config_section is not None else None,
        "seed": seed,
        "git_sha": _git_sha(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }
    block.update(extra)
    return block


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and torch; turn on deterministic algorithms."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        deterministic_algorithms()


def deterministic_algorithms() -> None:
    """What torch.use_deterministic_algorithms(True) does, without importing Inductor to do it.

    torch sets the flag of its C++ kernels and Inductor's `deterministic` config; the config's import
    pulls in Dynamo and SymPy, 1.0-1.5 s of CPU in every job that seeds and never compiles (the
    synthetic, ViT and geometry models). Inductor reads its flag from TORCHINDUCTOR_DETERMINISTIC when it
    is first imported, so a job that compiles later gets the same setting; one already imported is set
    directly."""
    import torch

    if "torch._inductor.config" in sys.modules:
        torch.use_deterministic_algorithms(True)
        return
    os.environ["TORCHINDUCTOR_DETERMINISTIC"] = "1"
    torch._C._set_deterministic_algorithms(True, warn_only=False)
