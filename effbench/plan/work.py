"""The work of a run: its jobs (Snakemake's dry run) and, for every model job, its example passes.

Jobs: Snakemake's own dry run of the configuration (the DAG the run would execute).
Work: every model job is a count of example passes: forwards, and training steps (a forward and a
backward, about three forwards; Integrated Gradients with m steps about 3m), each of the analytic
FLOPs of its backbone (cost/text_cost.analytic_flops) at the task's typical token count: the median
of the prepared split (data/text/*/stats.json) where the data is here, else max_length (an upper
bound, marked `≤`). Task sizes: the config's subsets, else the prepared splits, else the published
split sizes (data/tasks.PUBLISHED_SIZES).
The formulas follow each study's jobs (train loops, evaluations, cost harnesses); they count what
dominates (model passes) and leave out tokenising, statistics and I/O.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from ..config import ROOT


class SizesUnknown(LookupError):
    """A task's split sizes are neither configured, prepared here, nor published."""


HISTORY_EXAMPLES = 256     # validation examples scored after each epoch (studies' train loops)
# backbones whose config the plan may not reach offline: (layers, hidden, intermediate) of their hub configs
KNOWN_SIZES = {"bert-base-uncased": (12, 768, 3072), "distilbert-base-uncased": (6, 768, 3072),
               "bert-large-uncased": (24, 1024, 4096)}


# ---------------------------------------------------------------- the DAG and the data
def printed_dry_run(configfiles: list[str], profile: dict | None = None) -> str:
    """What `snakemake -n --forceall` prints for these configs (later files win, over config.yaml), with a
    profile's cores and default resources (its requests as the scheduler will see them)."""
    prof = profile or {}
    defaults = [f"{k}={v}" for k, v in (prof.get("default-resources") or {}).items()]
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(ROOT), "-n", "--forceall",
           "--cores", str(prof.get("cores", 1)), *(["--default-resources", *defaults] if defaults else []),
           *(["--configfile", *configfiles] if configfiles else [])]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"snakemake dry run failed:\n{out.stderr[-3000:]}")
    return out.stdout


def parse_jobs(printed: str) -> list[dict]:
    """The jobs of a printed dry run: {rule, wildcards, resources, threads, benchmark}."""
    def pairs(m):
        return dict(kv.split("=", 1) for kv in m.group(1).split(", ")) if m else {}

    jobs = []
    for m in re.finditer(r"^(?:local)?rule (\w+):\n((?:    .*\n?)*)", printed, flags=re.M):
        block = m.group(2)
        threads, bench = re.search(r"threads: (\d+)", block), re.search(r"benchmark: (\S+)", block)
        jobs.append({"rule": m.group(1), "wildcards": pairs(re.search(r"wildcards: (.*)", block)),
                     "resources": pairs(re.search(r"resources: (.*)", block)),
                     "threads": int(threads.group(1)) if threads else 1,      # printed only where above 1
                     "benchmark": bench.group(1) if bench else None})
    return jobs


def dry_run_jobs(configfiles: list[str], printed: str | None = None) -> list[tuple[str, dict, str | None]]:
    """(rule, wildcards, benchmark file) of every job a full run of these configs executes (`printed`: a dry
    run of them already made, printed_dry_run)."""
    jobs = parse_jobs(printed if printed is not None else printed_dry_run(configfiles))
    return [(j["rule"], j["wildcards"], j["benchmark"]) for j in jobs]


def task_facts(task_cfg: dict, max_length: int, roots=(ROOT,)) -> dict:
    """Examples per split and typical tokens of one text task (see the module docstring); its
    prepared splits are looked for under each of `roots` (this checkout, a finished run)."""
    from ..data import tasks

    found = [Path(r) / tasks.data_dir(task_cfg) / "stats.json" for r in roots]
    stats = next((p for p in found if p.exists()), None)
    prepared = json.loads(stats.read_text())["metrics"] if stats is not None else None
    sizes, tokens, bound = {}, max_length, True
    if prepared and "train" in prepared:
        sizes = {s: prepared[s]["size"] for s in ("train", "validation", "test") if s in prepared}
        p50 = prepared["train"].get("token_length_percentiles", {}).get("p50")
        if p50:
            tokens, bound = min(max_length, int(p50)), False
    elif task_cfg["source"] in ("glue", "newsgroups"):
        sizes = tasks.published_sizes(task_cfg)
    for split, key in (("train", "train_subset"), ("validation", "eval_subset"), ("test", "test_subset")):
        if split not in sizes and not task_cfg.get(key):
            raise SizesUnknown(f"{tasks.data_dir(task_cfg)} is not prepared here (its {split} size is unknown); "
                               "run the data rules first, or pass --benchmarks with a run that prepared it")
    for split, key in (("train", "train_subset"), ("validation", "eval_subset"), ("test", "test_subset")):
        if task_cfg.get(key):
            sizes[split] = min(task_cfg[key], sizes.get(split, task_cfg[key]))
    return {"sizes": sizes, "tokens": tokens, "upper_bound": bound}


def backbone_flops(name: str, tokens: int, layers: int | None = None) -> float:
    """Forward FLOPs of one example of `tokens` tokens through the backbone (its first `layers` blocks)."""
    n, h, i = size_of(name)
    return backbone_flops_of(layers or n, h, i, tokens)


def backbone_flops_of(layers: int, h: int, i: int, tokens: int, classes: int = 2) -> float:
    """cost/text_cost.analytic_flops of a dense encoder, without importing torch (the scheduler's
    resource functions call this): per block 2t(4h^2 + 2hi) + 4t^2 h, and the classifier."""
    return float(layers * (2 * tokens * (4 * h * h + 2 * h * i) + 4 * tokens * tokens * h) + 2 * h * classes)


def size_of(name: str) -> tuple[int, int, int]:
    if name in KNOWN_SIZES:
        return KNOWN_SIZES[name]
    if name.startswith("vit:"):                  # vit:<depth>/<dim>/<mlp hidden> (vit_work): a ViT's blocks are BERT's
        return tuple(int(v) for v in name[4:].split("/"))
    from ..models.backbones import resolve

    path = Path(resolve(name))
    if (path / "config.json").is_file():
        # a checkpoint on disk (the offline backbone, a prefetched or local model): its config.json as it is.
        # The scheduler's resource functions call this in Snakemake's own process, at every call that plans a
        # text model job; transformers' AutoConfig imports torch and transformers there (3 s a call)
        sizes = _sizes(json.loads((path / "config.json").read_text()))
        if sizes:
            return sizes
    # a hub name, or a config.json that leaves a size to its defaults
    from transformers import AutoConfig

    sizes = _sizes(AutoConfig.from_pretrained(str(path)).to_dict())
    if sizes is None:
        raise ValueError(f"backbone {name!r}: its config names no layers, hidden or intermediate size "
                         "(BERT: num_hidden_layers, hidden_size, intermediate_size; DistilBERT: n_layers, dim, hidden_dim)")
    return sizes


def _sizes(c: dict) -> tuple[int, int, int] | None:
    """(layers, hidden, intermediate) of a BERT (num_hidden_layers, ...) or DistilBERT (n_layers, ...) config."""
    out = (c.get("num_hidden_layers") or c.get("n_layers"), c.get("hidden_size") or c.get("dim"),
           c.get("intermediate_size") or c.get("hidden_dim"))
    return out if all(out) else None


# ---------------------------------------------------------------- work of each model job
def text_work(config: dict, rule: str, wc: dict, roots=(ROOT,)) -> dict | None:
    """{study, task, backbone, examples, forwards, train_steps} of one text model job (None: not one)."""
    from ..studies.adtp.plan import variants as adtp_variants
    from ..studies.dense.plan import tasks as dense_tasks
    from ..studies.eat.plan import variants as eat_variants
    from ..studies.text_gate.plan import variants as tg_variants

    if rule == "dense_train":
        facts = dense_tasks(config)[wc["dense_task"]]
        study = facts["studies"][0].split(".")[0]
        t = _task(config, study, wc["dense_task"], roots)
        epochs = config["dense"]["train"]["max_epochs"]      # early stopping: an upper bound
        n, val = t["sizes"]["train"], t["sizes"]["validation"]
        val = min(val, config["dense"].get("validation_subset") or val)      # a subset at the smoke scale only
        return _job("dense", wc["dense_task"], facts["backbone"], t, n * epochs, epochs * val, n * epochs)
    if rule in ("text_gate_dense", "text_gate_cost") or rule.startswith("text_gate_gated"):
        cfg = config["text_gate"]
        t = _task(config, "text_gate", None, roots)
        s = t["sizes"]
        if rule == "text_gate_cost":
            c = cfg["cost"]
            per_model = c["latency_examples"] + c["warmup"] + c["repeats"] * len(c["batch_sizes"]) * (
                c["throughput_examples"] or s["test"]) + 2 * c["flops_examples"] + s["test"]
            return _job("text_gate", "gate", cfg["backbone"], t, per_model, per_model * (len(tg_variants(cfg)) + 1), 0)
        if rule == "text_gate_dense" and cfg["dense_train"] is None:     # the shared model, evaluated
            return _job("text_gate", "gate", cfg["backbone"], t, s["test"], s["test"], 0)
        epochs = (cfg["dense_train"] or {}).get("epochs") if rule == "text_gate_dense" else cfg["gate"]["epochs"]
        n = s["train"] * epochs
        return _job("text_gate", "gate", cfg["backbone"], t, n, epochs * s["validation"] + s["test"], n)
    if rule.startswith("eat_"):
        cfg = config["eat"]
        task = wc["eat_task"]
        t = _task(config, "eat", task, roots)
        s, tr = t["sizes"], cfg["train"]
        if rule == "eat_train":
            spec = eat_variants(cfg, task)[wc["eat_variant"]]
            if spec["kind"] == "dense" and not spec.get("continued"):
                return _job("eat", task, cfg["backbone"], t, s["test"], s["validation"] + s["test"], 0)
            epochs = cfg["shallow_train"]["max_epochs"] if spec["kind"] == "shallow" else tr["epochs"]
            seen = s["validation"] if spec["kind"] == "shallow" else HISTORY_EXAMPLES   # early stopping: all of it
            steps = s["train"] * epochs
            fwd = s["train"] * bool(spec.get("distill")) + epochs * seen + 2 * s["validation"] + s["test"]
            return _job("eat", task, cfg["backbone"], t, steps, fwd, steps)
        if rule == "eat_cost":
            c = cfg["cost"]
            points = len(eat_variants(cfg, task)) + len(cfg["taus"]) + 3
            per = c["latency_examples"] + c["warmup"] + c["repeats"] * len(c["batch_sizes"]) * c["throughput_examples"]
            return _job("eat", task, cfg["backbone"], t, per, points * (per + c["flops_examples"]), 0)
        if rule == "eat_exit_probe":
            n = sum(cfg["probe_examples"])
            return _job("eat", task, cfg["backbone"], t, n, n, 0)
    if rule.startswith("adtp_") or rule == "frontier_cost":
        cfg = config["adtp"]
        task = wc.get("adtp_task") or wc.get("frontier_task") or rule.removeprefix("adtp_methods_")
        if rule == "frontier_cost":
            return _frontier(config, task, roots)
        if rule.startswith(("adtp_tables", "adtp_figure", "adtp_significance", "adtp_summary")):
            return None
        t = _task(config, "adtp", task, roots)
        s, a, tr = t["sizes"], cfg["adtp"], cfg["train"]
        if rule == "adtp_teacher_cache":
            grid = len(cfg["baseline_ratios"]) + 1
            n = s["train"]
            return _job("adtp", task, cfg["backbone"], t, n, n * (1 + 1 + grid), n * a["teacher_ig_steps"])
        if rule == "adtp_train":
            spec = adtp_variants(cfg, task)[wc["adtp_variant"]]
            if spec["kind"] == "dense":
                return _job("adtp", task, cfg["backbone"], t, s["test"], s["test"], 0)
            epochs = cfg["shallow_train"]["max_epochs"] if spec["kind"] == "shallow" else tr["epochs"]
            steps = s["train"] * epochs
            ig = spec.get("ig_steps", 0) if spec["kind"] == "adtp" else 0
            seen = s["validation"] if spec["kind"] == "shallow" else HISTORY_EXAMPLES   # early stopping: all of it
            return _job("adtp", task, cfg["backbone"], t, steps, epochs * seen + s["test"],
                        steps * (1 + 2 * ig))       # IG through the graph: m steps, each forward + double backward
        if rule == "adtp_consistency":
            n = cfg["consistency_examples"]
            return _job("adtp", task, cfg["backbone"], t, n, n, n * (a["ig_steps"] + a["teacher_ig_steps"]))
        if rule == "adtp_cost":
            c = cfg["cost"]
            per = c["latency_examples"] + c["warmup"] + c["repeats"] * len(c["batch_sizes"]) * c["throughput_examples"]
            models = 4 + len(cfg["tasks"][task]["scorers"])
            return _job("adtp", task, cfg["backbone"], t, per, models * per, per * a["ig_steps"])
        if rule.startswith("adtp_methods"):
            scorers = cfg["tasks"][task]["scorers"]
            evaluated = len(adtp_variants(cfg, task)) + 4 + len(scorers) * len(cfg["baseline_ratios"])
            n = s["test"]
            ig = n * a["ig_steps"] * ("ig" in scorers)
            residual = n * t["tokens"] * ("residual" in scorers)          # one forward per token left out
            return _job("adtp", task, cfg["backbone"], t, n, n * evaluated + residual, ig)
    return None


def vit_work(config: dict, rule: str, wc: dict) -> dict | None:
    """One ViT training on a hub image set (the paper scale): every epoch's training images, the
    validation pass after each epoch, and the test evaluation (every sparsity and selector, three
    severities of each corruption, dense and sparse). The packaged sets (None) use the benchmarks."""
    from ..data.hub_images import HUB, SIZE
    from ..studies.vit.plan import variants as vit_variants

    v = config["vit"]
    if rule != "vit_train" or v["data"]["source"] not in HUB:
        return None
    spec = vit_variants(v)[wc["vit_variant"]]
    m, d = v["model"], v["data"]
    train, test = HUB[d["source"]]["train_size"] - d["validation"], min(d["test"], HUB[d["source"]]["test_size"])
    epochs = spec.get("epochs", v["train"]["epochs"])
    selectors = 3 if spec["kind"] == "entropy" else 1
    evaluations = 1 + selectors * len(v["inference"]["sparsities"]) + 4 * 3 * 2
    t = {"tokens": (SIZE // spec["patch"]) ** 2 + 1, "upper_bound": False}
    return _job("vit", d["source"], f"vit:{m['depth']}/{m['dim']}/{m['dim'] * m['mlp_ratio']}", t, train * epochs,
                epochs * d["validation"] + evaluations * test, train * epochs)


def _frontier(config: dict, task: str, roots) -> dict:
    fc = config["frontier"]
    t = _task(config, "eat", task, roots)
    n = fc["test_subset"] or t["sizes"]["test"]
    per = n + fc["latency_examples"] + fc["warmup"] + fc["repeats"] * fc["throughput_examples"] + fc["flops_examples"]
    methods = 14                      # dense, SDPA, shallow, gates, EAT operating points, AD-TP and its baselines
    return _job("frontier", task, config["eat"]["backbone"], t, per, methods * per, 0)


def _task(config: dict, study: str, task: str | None, roots) -> dict:
    if study == "text_gate":
        from ..studies.dense.plan import text_gate_task

        cfg = config["text_gate"]
        name, _ = text_gate_task(cfg)
        spec = ({"source": "glue", "glue_task": cfg["task"]} if cfg["source"] in ("hub", "local")
                else {"source": cfg["source"]})
        return task_facts({**spec, "train_subset": cfg["train_subset"], "eval_subset": cfg["eval_subset"]},
                          cfg["max_length"], roots)
    t = config[study]["tasks"][task]
    return task_facts(t, t["max_length"], roots)


def _job(study, task, backbone, t, examples, forwards, train_steps) -> dict:
    return {"study": study, "task": task, "backbone": backbone, "tokens": t["tokens"], "upper_bound": t["upper_bound"],
            "examples": int(examples), "forwards": float(forwards), "train_steps": float(train_steps)}
