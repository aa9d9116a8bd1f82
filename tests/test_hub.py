"""Issue 30: cluster nodes without internet: `make prefetch` fills one cache, jobs read it offline."""
import os
import subprocess
import sys

import pytest

from effbench import hub
from effbench.config import ROOT
from effbench.config_sources import merged

PAPER = ROOT / "configs" / "paper.yaml"
MICRO = ROOT / ".test" / "paper_micro.yaml"


def test_the_paper_scale_needs_each_hub_item_once_by_its_canonical_id():
    wanted = hub.needs(merged([PAPER]))
    assert wanted["models"] == ["bert-base-uncased", "distilbert-base-uncased"]
    glue = sorted(name for dataset, name in wanted["datasets"] if dataset == "nyu-mll/glue")
    assert glue == ["cola", "mnli", "mrpc", "qnli", "qqp", "rte", "sst2", "stsb"]
    assert ("SetFit/20_newsgroups", None) in wanted["datasets"] and ("uoft-cs/cifar100", None) in wanted["datasets"]
    assert not any(dataset == "glue" for dataset, _ in wanted["datasets"])       # not the hub's redirect
    assert hub.needs(merged()) == {"models": [], "datasets": []}                 # the default scale is offline


def test_the_paper_micro_run_needs_nothing_from_the_hubs_and_runs_offline(tmp_path, monkeypatch):
    for name in ("tiny-bert", "tiny-distilbert", "glue/SST-2", "cifar100"):       # its workdir's fixtures
        (tmp_path / "micro" / name).mkdir(parents=True)
        (tmp_path / "micro" / name / "config.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    config = merged([PAPER, MICRO])
    assert config["hub"]["offline"] is True                                      # paper.yaml's, kept by the micro run
    assert hub.needs(config, tmp_path) == {"models": [], "datasets": []}


def test_prefetch_downloads_what_the_config_needs(monkeypatch):
    import datasets
    import huggingface_hub

    calls = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo: calls.append(("model", repo)))
    monkeypatch.setattr(datasets, "load_dataset", lambda repo, name=None: calls.append(("dataset", repo, name)))
    for name in hub.OFFLINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config = merged([PAPER])
    wanted = hub.prefetch(config)
    assert calls == [("model", m) for m in wanted["models"]] + [("dataset", *d) for d in wanted["datasets"]]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="prefetch runs where the hubs can be reached"):
        hub.prefetch(config)


_OFFLINE = """
import sys
from pathlib import Path
from effbench.data.hub_images import prepare
from effbench.data.text import DataSourceError, load_glue_hub
from effbench.models.backbones import BackboneError, load_encoder, load_tokenizer
sys.path.insert(0, "scripts")
from micro_fixture import write_cifar, write_models
work = Path(sys.argv[1])
write_models(work / "micro")                               # the micro fixtures: local, read offline
write_cifar(work / "micro" / "cifar100", {"train": 20, "test": 10})
load_tokenizer(str(work / "micro" / "tiny-bert"))
load_encoder(str(work / "micro" / "tiny-distilbert"))
print(prepare("cifar100", work / "c.npz", work / "micro" / "cifar100")["train"])
for load, kind in ((lambda: load_encoder("bert-base-uncased"), BackboneError), (lambda: load_glue_hub("SST-2"), DataSourceError)):
    try:
        load()
    except kind as err:
        print("ERROR", " ".join(str(err).split()))
"""


def test_offline_jobs_read_the_micro_fixtures_and_name_what_was_not_prefetched(tmp_path):
    """A fresh process as a job on a node without internet starts (hub.apply: an empty HF_HOME, the hubs
    offline): the micro fixtures load; a hub model and GLUE fail at once, naming the item and prefetch."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env.update({"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HOME": str(tmp_path / "hf"),
                **{name: "1" for name in hub.OFFLINE_VARIABLES}})
    out = subprocess.run([sys.executable, "-c", _OFFLINE, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                         env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert "20" in lines
    errors = [line for line in lines if line.startswith("ERROR")]
    assert len(errors) == 2, out.stdout[-3000:]
    assert "model 'bert-base-uncased' is not in the cache HF_HOME=" + str(tmp_path / "hf") in errors[0]
    assert "dataset 'nyu-mll/glue' config 'sst2' is not in the cache" in errors[1]
    assert all("make prefetch" in e for e in errors)


def test_apply_sets_the_cache_and_takes_the_hubs_offline(monkeypatch):
    for name in (*hub.OFFLINE_VARIABLES, "HF_HOME"):
        monkeypatch.delenv(name, raising=False)
    hub.apply({"hub": {"home": "/shared/hf", "offline": False}})
    assert os.environ["HF_HOME"] == "/shared/hf" and not hub.offline() and hub.missing("x") == ""
    hub.apply({"hub": {"home": None, "offline": True}})
    assert all(os.environ[name] == "1" for name in hub.OFFLINE_VARIABLES) and hub.offline()
