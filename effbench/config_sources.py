"""How configuration arrives, before it is validated: config files read strictly (a key given
twice, a syntax error or an empty file is an error with file and line), a scale file's task
lists replacing the default ones, and `--config` overrides typed as YAML."""
from __future__ import annotations

from pathlib import Path

import yaml


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (first on line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def file_problems(paths) -> list[str]:
    """Syntax errors, duplicate keys and empty files, each with the file and line."""
    problems = []
    for path in paths:
        try:
            doc = yaml.load(Path(path).read_text(), Loader=_StrictLoader)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"{path}, line {mark.line + 1}" if mark else str(path)
            problems.append(f"config file {where}: {getattr(err, 'problem', None) or err}")
            continue
        if not isinstance(doc, dict):
            problems.append(f"config file {path}: empty or not a mapping of keys")
    return problems


# a scale file's task lists, sensitivity grid, ratio-predictor variants and ViT output baselines replace the
# default ones whole
REPLACED = (("eat", "tasks"), ("adtp", "tasks"), ("adtp", "sensitivity"), ("adtp", "arp_variants"),
            ("vit", "output_baselines"))


def replace_task_lists(config: dict, files) -> dict:
    """Snakemake merges config files key by key, so a scale file could never drop a default task
    (the paper scale would also train Rotten Tomatoes and spam) or a default grid point. For the
    keys in REPLACED the last file given that sets them wins whole."""
    for path in files:
        doc = yaml.safe_load(Path(path).read_text()) or {}
        for section, key in REPLACED:
            if isinstance(doc.get(section), dict) and key in doc[section]:
                config[section][key] = doc[section][key]
    return config


def retype_overrides(config: dict, overrides: dict) -> dict:
    """`--config synthetic='{keep_ratio: 0.3}'` merges key by key, but Snakemake reads nested
    values with YAML's BaseLoader, so every one arrives as a string ('0.3'). Give each nested
    value the type YAML gives it, as the user typed it (top-level values are typed already)."""
    def retyped(value):
        if isinstance(value, dict):
            return {k: retyped(v) for k, v in value.items()}
        if isinstance(value, list):
            return [retyped(v) for v in value]
        return yaml.safe_load(value) if isinstance(value, str) and value else value

    def apply(node: dict, over: dict):
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(node.get(key), dict):
                apply(node[key], value)
            else:
                node[key] = retyped(value)

    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            apply(config[key], value)
        elif isinstance(value, list):
            config[key] = retyped(value)
    return config


def merged(files=()) -> dict:
    """config.yaml with `files` over it, merged as the Snakefile merges them, and validated."""
    from snakemake.utils import update_config

    from .config import ROOT, validate

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    for path in files:
        update_config(config, yaml.safe_load(Path(path).read_text()) or {})
    replace_task_lists(config, files)
    return validate(config, files=[ROOT / "config.yaml", *files])
