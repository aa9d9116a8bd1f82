import os
import sys
from pathlib import Path

import pytest
import torch

os.environ.setdefault("OMP_NUM_THREADS", "1")
torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))   # tests/smoke.py


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory):
    """The whole smoke DAG, run once per session."""
    from smoke import snakemake
    work = tmp_path_factory.mktemp("smoke")
    run = snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    return work
