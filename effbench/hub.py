"""The model and dataset hubs on a cluster whose compute nodes have no internet: one cache, filled once.

`python -m effbench.hub --configfile configs/paper.yaml` (`make prefetch`), run once where the hubs can
be reached (a login node), downloads every model and dataset the config needs (`needs`) into one
cache, `hub.home` (HF_HOME, on storage the compute nodes share). Jobs then run with the hubs offline
(`hub.offline: true`: HF_HUB_OFFLINE, HF_DATASETS_OFFLINE, TRANSFORMERS_OFFLINE, set by `apply` when
the Snakefile is read, so every job, local or on a node, inherits them), read that cache, and a load
that finds nothing there fails with `missing()`'s message naming what was not prefetched.

One id each, the canonical one: GLUE is `nyu-mll/glue` (`glue` reaches it only through the hub's
redirect, which an offline cache does not follow). No torch or transformers here: the DAG imports it.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
BACKBONE_KEYS = (("text_gate", "backbone"), ("eat", "backbone"), ("eat", "shallow_backbone"),
                 ("adtp", "backbone"), ("adtp", "shallow_backbone"))


def apply(config: dict) -> None:
    """Point the hub clients at `hub.home` and take them offline when `hub.offline` (before they are imported:
    they read these variables once)."""
    hub = config.get("hub") or {}
    if hub.get("home"):
        os.environ["HF_HOME"] = str(Path(hub["home"]).expanduser())
    if hub.get("offline"):
        for name in OFFLINE_VARIABLES:
            os.environ[name] = "1"


def offline() -> bool:
    return any(os.environ.get(name, "").lower() in ("1", "true", "yes", "on") for name in OFFLINE_VARIABLES)


def missing(what: str) -> str:
    """The sentence a failed hub load adds: offline, what was not prefetched and how to fetch it."""
    if not offline():
        return ""
    home = os.environ.get("HF_HOME", "~/.cache/huggingface")
    return (f"; the hubs are offline (hub.offline) and {what} is not in the cache HF_HOME={home}: "
            "run `make prefetch CONFIG=<your config files>` (python -m effbench.hub) once where the hubs can be "
            "reached, with the same hub.home")


def _local(name: str, workdir) -> bool:
    from .models.backbones import OFFLINE

    return name in OFFLINE or (Path(workdir) / name).exists()


def needs(config: dict, workdir=".") -> dict[str, list]:
    """{"models": [hub id], "datasets": [(hub id, config name or None)]} this config loads from the hubs
    (a backbone that names a directory of `workdir` is local)."""
    from .data.hub_images import HUB as IMAGE_HUB
    from .data.text import GLUE_HUB, GLUE_HUB_ID, NEWSGROUPS_HUB

    models = sorted({config[s][k] for s, k in BACKBONE_KEYS if config.get(s, {}).get(k) and not _local(config[s][k], workdir)})
    datasets = set()
    tg = config["text_gate"]
    if tg["source"] == "hub":
        datasets.add((GLUE_HUB_ID, GLUE_HUB[tg["task"]][0]))
    text_tasks = {**{t: config["eat"]["tasks"][t] for t in config["eat"]["tasks"]},
                  **{t: config["adtp"]["tasks"][t] for t in config["adtp"]["run_tasks"]}}
    for task in text_tasks.values():
        if task["source"] == "glue" and config["eat"]["glue"]["source"] == "hub":
            datasets.add((GLUE_HUB_ID, GLUE_HUB[task["glue_task"]][0]))
        if task["source"] == "newsgroups" and config["adtp"]["newsgroups"]["source"] == "hub":
            datasets.add((NEWSGROUPS_HUB, None))
    vit = config["vit"]["data"]
    if vit["source"] in IMAGE_HUB and not vit.get("local_dir"):
        spec = IMAGE_HUB[vit["source"]]
        datasets.add((spec["id"], spec["config"]))
    return {"models": models, "datasets": sorted(datasets, key=lambda d: (d[0], d[1] or ""))}


def prefetch(config: dict, workdir=".") -> dict[str, list]:
    """Download everything `needs` names into the cache (HF_HOME); what it fetched."""
    import datasets
    from huggingface_hub import snapshot_download

    if offline():
        raise RuntimeError("prefetch runs where the hubs can be reached: unset " + ", ".join(OFFLINE_VARIABLES)
                           + " (hub.offline is for the jobs)")
    wanted = needs(config, workdir)
    for model in wanted["models"]:
        print(f"model {model}", flush=True)
        snapshot_download(model)
    for dataset, name in wanted["datasets"]:
        print(f"dataset {dataset}{'/' + name if name else ''}", flush=True)
        datasets.load_dataset(dataset, name)
    return wanted


def main(argv=None) -> None:
    from .config_sources import merged

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", nargs="*", default=[], help="config files over config.yaml, as snakemake's")
    parser.add_argument("--list", action="store_true", help="only print what the config needs")
    parser.add_argument("--directory", default=".", help="the workdir (where local backbones live), as snakemake's -d")
    args = parser.parse_args(argv)
    config = merged(args.configfile)
    apply({"hub": {**(config.get("hub") or {}), "offline": False}})
    if args.list:
        print(needs(config, args.directory))
        return
    wanted = prefetch(config, args.directory)
    print(f"prefetched {len(wanted['models'])} models and {len(wanted['datasets'])} datasets into "
          f"HF_HOME={os.environ.get('HF_HOME', '~/.cache/huggingface')}")


if __name__ == "__main__":
    main()
