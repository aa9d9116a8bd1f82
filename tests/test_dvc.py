"""The DVC guarantee: a fresh clone, after `dvc pull`, rebuilds every table and figure with
zero training, data or timing jobs (issue: DVC-cached rebuilds)."""
import json
import shutil
import subprocess
import sys
import time

import pytest
from smoke import EXPENSIVE, clone, jobs_run, snakemake

pytestmark = pytest.mark.slow
DVC = [sys.executable, "-m", "dvc"]


def dvc(cwd, *args):
    run = subprocess.run([*DVC, *args], cwd=cwd, capture_output=True, text=True)
    assert run.returncode == 0, f"dvc {' '.join(args)}: {run.stdout[-2000:]}{run.stderr[-2000:]}"
    return run


def test_fresh_clone_rebuilds_every_table_from_the_cache(smoke_build, tmp_path):
    remote = tmp_path / "remote"
    # machine A: ran the smoke DAG; records what it made (dvc commit) and pushes it
    a = clone(tmp_path / "a")
    for d in ("data", "results"):
        shutil.copytree(smoke_build / d, a / d)
    dvc(a, "remote", "add", "--local", "--default", "store", str(remote))
    dvc(a, "commit", "--force")
    dvc(a, "push")
    assert json.loads(dvc(a, "metrics", "show", "--json").stdout)          # the headline metrics are declared
    # machine B: a fresh clone with A's dvc.lock (committed in real use), nothing built
    b = clone(tmp_path / "b")
    shutil.copy2(a / "dvc.lock", b / "dvc.lock")
    dvc(b, "remote", "add", "--local", "--default", "store", str(remote))
    dvc(b, "pull")
    assert not (b / "results" / "synthetic" / "tables").exists()
    t0 = time.perf_counter()
    touch = snakemake(b, "--touch", "cached", configfile=None, snakefile=b / "Snakefile", cores=1)
    assert touch.returncode == 0, touch.stderr[-3000:]
    rebuild = snakemake(b, configfile=None, snakefile=b / "Snakefile")
    seconds = time.perf_counter() - t0
    assert rebuild.returncode == 0, rebuild.stderr[-3000:]
    ran = jobs_run(rebuild.stderr + rebuild.stdout)
    expensive = sorted({r for r in ran if EXPENSIVE.search(r)})
    assert ran and not expensive, f"a cached rebuild ran {expensive}"
    for table in ("synthetic/tables/table2.csv", "text_gate/tables/table3.csv", "eat/spam/tables/frontier.csv",
                  "geometry/tables/table2.csv", "vit/tables/table4.csv", "claims.csv", "metrics.json"):
        assert (b / "results" / table).exists(), table
    print(f"cached rebuild: {len(ran)} jobs in {seconds:.0f} s")
    # determinism of everything after training: B's tables, statistics and ledger, rebuilt from the
    # same checkpoints and predictions, agree with A's in every cell but the measured times
    from effbench.resultsdiff import compare_trees
    rows = compare_trees(smoke_build, b)
    assert len(rows) > 40 and not [r for r in rows if r["status"] in ("differs", "missing")]
    # and nothing is left to do
    again = snakemake(b, "-n", configfile=None, snakefile=b / "Snakefile")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_pull_refuses_a_tampered_cache_file(tmp_path):
    """DVC addresses cached files by their hash: a remote object changed after the push is not
    checked out on pull (the pull fails, naming the file), so a tampered artefact never lands."""
    git = ["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci"]
    a, remote = tmp_path / "a", tmp_path / "remote"
    subprocess.run([*git, "init", "-q", str(a)], check=True)
    dvc(a, "init", "-q")
    (a / "preds.json").write_text(json.dumps({"accuracy": 0.9}))
    dvc(a, "add", "-q", "preds.json")
    dvc(a, "remote", "add", "-q", "--default", "store", str(remote))
    dvc(a, "push", "-q")
    subprocess.run([*git, "add", "-A"], cwd=a, check=True, capture_output=True)
    subprocess.run([*git, "commit", "-qm", "data"], cwd=a, check=True)
    [obj] = [p for p in remote.rglob("*") if p.is_file()]
    obj.chmod(0o644)
    obj.write_text(json.dumps({"accuracy": 0.99}))                    # tampered in the store
    b = tmp_path / "b"
    subprocess.run(["git", "clone", "-q", str(a), str(b)], check=True)
    pull = subprocess.run([*DVC, "pull"], cwd=b, capture_output=True, text=True)
    assert pull.returncode != 0 and "preds.json" in pull.stdout + pull.stderr
    assert not (b / "preds.json").exists()
