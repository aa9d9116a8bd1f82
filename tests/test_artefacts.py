import os
import stat

import numpy as np
import pytest

from effbench.artefacts import atomic_path, provenance, read_json, write_json


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text('{"half": ')
            raise RuntimeError("killed")
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_written_files_are_complete_and_readable(tmp_path):
    target = tmp_path / "sub" / "m.json"
    write_json(target, {"provenance": provenance({"a": 1}, seed=3), "metrics": {"x": 1.5}})
    data = read_json(target)
    assert data["metrics"]["x"] == 1.5
    assert data["provenance"]["seed"] == 3 and len(data["provenance"]["config_hash"]) == 12
    assert stat.S_IMODE(target.stat().st_mode) & 0o044      # group/other can read, unlike mkstemp's 0600


@pytest.mark.parametrize("kind", ["json", "npz", "safetensors"])
def test_a_truncated_artefact_is_named_with_how_to_rebuild_it(tmp_path, kind):
    """A half-written or damaged file (killed writer, bad disk, tampering) fails where it is read,
    naming the file and the way back, instead of a bare decoder error deep in a job."""
    import torch

    from effbench.artefacts import CorruptArtefact, load_weights, read_json, read_npz, save_weights, write_json, write_npz

    path = tmp_path / f"a.{kind}"
    if kind == "json":
        write_json(path, {"metrics": {"accuracy": 0.9}})
        read = read_json
    elif kind == "npz":
        write_npz(path, probs=np.linspace(0, 1, 1000))
        read = read_npz
    else:
        save_weights(torch.nn.Linear(64, 64), path)
        read = load_weights
    assert read(path)                                           # whole, it reads back
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])                    # cut in half
    with pytest.raises(CorruptArtefact) as err:
        read(path)
    assert str(path) in str(err.value) and "rerun the same snakemake command" in str(err.value)
    with pytest.raises(FileNotFoundError):                      # missing is not corrupt
        read(tmp_path / f"missing.{kind}")


def test_seeding_turns_on_deterministic_algorithms_without_importing_inductor():
    """seed_everything sets torch's deterministic flag and, for a job that compiles later, Inductor's, but
    does not import Inductor to do it (1-1.5 s of Dynamo and SymPy in every job that never compiles)."""
    import subprocess
    import sys

    code = ("import sys, torch; from effbench.artefacts import seed_everything; seed_everything(0); "
            "assert torch.are_deterministic_algorithms_enabled() and not torch.is_deterministic_algorithms_warn_only_enabled(); "
            "assert 'torch._inductor.config' not in sys.modules, 'seeding imported Inductor'; "
            "import torch._inductor.config as c; assert c.deterministic; "
            "seed_everything(1); assert torch.are_deterministic_algorithms_enabled() and c.deterministic")
    import os

    # without the variable an earlier test's seeding left in this process's environment
    env = {k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_DETERMINISTIC"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
