"""EntropyNet runs grouped into jobs (geometry.train_group): what a group trains, and that a group
killed part-way loses nothing finished and gives the metrics of one run per job."""
import json

import pytest

from effbench.config import load
from effbench.studies.geometry import plan
from effbench.studies.geometry import train as geo_train


@pytest.fixture(scope="module")
def tiny_cfg():
    cfg = load("config.yaml")["geometry"]
    cfg["train"] = {**cfg["train"], "n": 120, "sets": 3, "validation_sets": 1, "epochs": 2}
    return cfg


@pytest.mark.parametrize("group", ["family", "run"])
def test_jobs_cover_every_run_once_in_its_own_directory(group):
    cfg = {**load("config.yaml")["geometry"], "train_group": group}
    jobs = plan.train_jobs(cfg)
    trained = [r for rs in jobs.values() for r in rs]
    assert sorted(trained) == sorted(plan.runs(cfg)) and len(set(trained)) == len(trained)
    assert len({plan.run_dir(*r) for r in trained}) == len(trained)
    if group == "run":
        assert len(jobs) == len(trained)
    else:   # a job per family (its main runs, every seed) and one for the sweep family's variants
        assert set(jobs) == {*cfg["families"], "sweep"}
        assert all(r[:2] == (f, plan.MAIN) for f in cfg["families"] for r in jobs[f])
        assert all(r[0] == cfg["sweep_family"] and r[1] != plan.MAIN for r in jobs["sweep"])


def _train(cfg, run, root, state):
    out = root / plan.run_dir(*run)
    out.mkdir(parents=True, exist_ok=True)
    geo_train.train_run(cfg, *run, out, state)
    return json.loads((out / "metrics.json").read_text())["metrics"]


def _no_time(metrics):
    return {k: v for k, v in metrics.items() if k != "train_seconds"}


def test_a_rerun_of_a_finished_run_trains_nothing_and_gives_its_metrics(tiny_cfg, tmp_path, monkeypatch):
    """What a killed group job's rerun does with the runs it finished (their outputs are deleted by
    Snakemake, their checkpoints in state_dir kept): no training step, the same metrics and time."""
    run, state = ("uniform", "ball", 0), tmp_path / "state"
    first = _train(tiny_cfg, run, tmp_path / "a", state)
    steps = []
    real = geo_train.hull_loss
    monkeypatch.setattr(geo_train, "hull_loss", lambda *a, **k: steps.append(1) or real(*a, **k))
    again = _train(tiny_cfg, run, tmp_path / "b", state)
    assert steps == [] and again == first        # train_seconds too: the finished run's own, kept in its state


def test_runs_trained_one_after_another_in_one_process_match_runs_trained_alone(tiny_cfg, tmp_path):
    """A group shares one process: no state leaks from one run into the next (the order does not matter)."""
    a, b = ("uniform", "ball", 0), ("uniform", "k8", 0)
    grouped = [_train(tiny_cfg, r, tmp_path / "ab", tmp_path / "ab_state") for r in (a, b)]
    reversed_ = [_train(tiny_cfg, r, tmp_path / "ba", tmp_path / "ba_state") for r in (b, a)]
    assert _no_time(grouped[0]) == _no_time(reversed_[1]) and _no_time(grouped[1]) == _no_time(reversed_[0])
