"""Real faults under Snakemake: SIGKILL of a training job, and of Snakemake itself (a node that
dies). The rerun must resume from the saved training state, keep every finished output, and end
with exactly the numbers of an uninterrupted run."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import psutil
import pytest
import yaml
from smoke import ROOT, SMOKE

from effbench.artefacts import read_json, read_npz

pytestmark = pytest.mark.slow
TARGET = "results/synthetic/runs/full/seed42/metrics.json"     # one training job


def config(tmp_path):
    """The smoke config with a synthetic training long enough to be killed in the middle."""
    cfg = yaml.safe_load(SMOKE.read_text())
    cfg["synthetic"]["data"]["n_train"] = 2048
    cfg["synthetic"]["train"]["epochs"] = 30      # ~0.1 s an epoch here: seconds left to kill it after the first
    cfg["synthetic"]["seeds"] = [42]
    path = tmp_path / "faults.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def command(workdir, configfile, *extra):
    # 100/1s: a call of one or two jobs exits a second after its last, not up to 10 s (tests/smoke.py: command)
    return [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", "1",
            "--max-jobs-per-timespan", "100/1s", f"--configfile={configfile}", *extra, TARGET]


def run(workdir, configfile, *extra):
    return subprocess.run(command(workdir, configfile, *extra), capture_output=True, text=True)


def start_and_wait_for_state(workdir, configfile):
    """Start Snakemake in its own process group; return once seed 42's training has checkpointed
    an epoch and is running the next one."""
    proc = subprocess.Popen(command(workdir, configfile), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    state = workdir / "results/synthetic/state/full/seed42.pt"
    while not state.exists():
        assert proc.poll() is None, "the run ended before training checkpointed"
        time.sleep(0.05)
    time.sleep(0.1)
    assert proc.poll() is None, "training finished before it could be killed: lengthen it"
    return proc


def results(workdir):
    out = {}
    for seed in (42,):
        run_dir = workdir / f"results/synthetic/runs/full/seed{seed}"
        metrics = read_json(run_dir / "metrics.json")["metrics"]
        out[seed] = ({k: v for k, v in metrics.items() if "second" not in k and "time" not in k},
                     read_npz(run_dir / "preds.npz")["probs"])
    return out


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("whole")
    cfg = config(workdir)
    r = run(workdir, cfg)
    assert r.returncode == 0, r.stderr[-3000:]
    return results(workdir)


def same(a, b):
    for seed in (42,):
        assert a[seed][0] == b[seed][0]
        np.testing.assert_array_equal(a[seed][1], b[seed][1])


def test_sigkill_of_a_job_resumes_and_ends_with_the_same_numbers(tmp_path, uninterrupted):
    cfg = config(tmp_path)
    proc = start_and_wait_for_state(tmp_path, cfg)
    job = [p for p in psutil.Process(proc.pid).children(recursive=True) if "synthetic_train" in " ".join(p.cmdline())]
    assert job, "no training process found under Snakemake"
    for p in job:
        p.send_signal(signal.SIGKILL)
    assert proc.wait() != 0                                         # Snakemake reports the failed job
    data = tmp_path / "data/generated/synthetic/base.npz"
    assert data.exists()                                            # a finished output survives
    assert (tmp_path / "results/synthetic/state/full/seed42.pt").exists()
    assert not (tmp_path / TARGET).exists()
    r = run(tmp_path, cfg)                                          # the same command again
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resuming after epoch" in (tmp_path / "logs/synthetic/train_full.log").read_text()
    assert "synthetic_data" not in r.stderr                         # nothing finished was redone
    same(results(tmp_path), uninterrupted)


def test_sigkill_of_snakemake_itself_unlocks_and_reruns_the_incomplete_job(tmp_path, uninterrupted):
    cfg = config(tmp_path)
    proc = start_and_wait_for_state(tmp_path, cfg)
    os.killpg(proc.pid, signal.SIGKILL)                             # the whole node dies: Snakemake and its job
    proc.wait()
    locked = run(tmp_path, cfg)
    assert locked.returncode != 0 and "cannot be locked" in locked.stderr + locked.stdout
    assert run(tmp_path, cfg, "--unlock").returncode == 0           # as Snakemake documents for a stale lock
    r = run(tmp_path, cfg, "--rerun-incomplete")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "resuming after epoch" in (tmp_path / "logs/synthetic/train_full.log").read_text()
    same(results(tmp_path), uninterrupted)
