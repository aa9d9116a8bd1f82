"""The DVC guarantee: a fresh clone, after `dvc pull`, rebuilds every table and figure with
zero training, data or timing jobs (issue: DVC-cached rebuilds). Machine A is the session's smoke
build, which committed and pushed what it made; machine B pulled it (tests/dvc_machines.py)."""
import json
import subprocess
import time

import pytest
from dvc_machines import DVC
from smoke import EXPENSIVE, jobs_run, snakemake

pytestmark = pytest.mark.slow
# the tables a cached rebuild makes without --full-dags: one table of each study, the frontier, and one
# study's paired tests (the other studies' statistics run the same rule code; tests/test_pipeline.py
# runs every rule), and whatever they read that DVC does not cache
SAMPLE = ["results/synthetic/tables/table2.csv", "results/synthetic/significance.csv",
          "results/text_gate/tables/table3.csv", "results/eat/rotten_tomatoes/tables/frontier.csv",
          "results/adtp/rotten_tomatoes/tables/methods.csv", "results/frontier/rotten_tomatoes/frontier.csv",
          "results/geometry/tables/table2.csv", "results/vit/tables/table4.csv"]


def dvc(cwd, *args):
    run = subprocess.run([*DVC, *args], cwd=cwd, capture_output=True, text=True)
    assert run.returncode == 0, f"dvc {' '.join(args)}: {run.stdout[-2000:]}{run.stderr[-2000:]}"
    return run


def test_fresh_clone_rebuilds_every_table_from_the_cache(smoke_build, dvc_machines, tmp_path, pytestconfig):
    # machine A ran the smoke DAG (the session's shared build), committed and pushed it; machine B, a fresh clone
    # with A's dvc.lock, pulled it and ran `snakemake --touch cached` (tests/dvc_machines.py, in the background
    # once the build had ended)
    a, b = dvc_machines / "a", dvc_machines / "b"
    assert json.loads(dvc(a, "metrics", "show", "--json").stdout)          # the headline metrics are declared
    assert (b / "results").exists() and not (b / "results" / "synthetic" / "tables").exists()
    t0 = time.perf_counter()
    # the main command's plan: every table, figure, statistic, page and the ledger, and none of it
    # trains, fetches or times (a dry run decides as the run does, from the files and their times)
    plan = snakemake(b, "-n", configfile=None, snakefile=b / "Snakefile")
    assert plan.returncode == 0, plan.stderr[-3000:]
    planned = jobs_run(plan.stdout + plan.stderr)
    expensive = sorted({r for r in planned if EXPENSIVE.search(r)})
    assert planned and not expensive, f"a cached rebuild would run {expensive}"
    assert {"synthetic_figure", "geometry_figure", "eat_figure", "vit_figure", "adtp_figure", "frontier_figure",
            "results_pages", "claims", "headline_metrics"} <= set(planned)
    # then run it: all of it with --full-dags; otherwise one table and the statistics of each study
    # (what the determinism check reads): the plan above already holds every table, figure, page and
    # the ledger, each of whose rules the smoke build ran from the same artefacts (tests/test_pipeline.py);
    # rebuilding all ~40 of them here put ~3 minutes of per-job start-up on CI's critical path
    full = pytestconfig.getoption("--full-dags")
    ledger = "results/claims.csv"
    targets = [] if full else [t for t in SAMPLE if (smoke_build / t).exists()]
    assert full or len(targets) >= 6, f"the smoke build lacks most of {SAMPLE}"
    rebuild = snakemake(b, *targets, configfile=None, snakefile=b / "Snakefile", timing_alone=False, quick_exit=False)
    seconds = time.perf_counter() - t0
    assert rebuild.returncode == 0, rebuild.stderr[-3000:]
    ran = jobs_run(rebuild.stderr + rebuild.stdout)
    assert ran and set(ran) <= set(planned), sorted(set(ran) - set(planned))
    for table in ("synthetic/tables/table2.csv", "text_gate/tables/table3.csv", "eat/rotten_tomatoes/tables/frontier.csv",
                  "geometry/tables/table2.csv", "vit/tables/table4.csv", *(["claims.csv", "metrics.json"] if full else [])):
        assert (b / "results" / table).exists(), table
    print(f"cached rebuild: {len(ran)} of the {len(planned)} planned jobs in {seconds:.0f} s")
    # determinism of everything after training: B's tables, statistics (and ledger, --full-dags),
    # rebuilt from the same checkpoints and predictions, agree with A's in every cell but the measured times
    from effbench.resultsdiff import compare_trees
    rows = [r for r in compare_trees(smoke_build, b) if full or (r["file"] != ledger and r["status"] != "missing")]
    assert {t for t in targets} <= {r["file"] for r in rows}, "a rebuilt table was not compared"
    assert len(rows) > (40 if full else len(targets)) and not [r for r in rows if r["status"] in ("differs", "missing")]
    # and nothing of it is left to do
    again = snakemake(b, "-n", *targets, configfile=None, snakefile=b / "Snakefile")
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
