"""AD-TP's plan: the variants each task trains and the tables and figures it ends in. No torch: the DAG imports it."""
from __future__ import annotations

from ...data import tasks

DENSE, SHALLOW, ADTP = "dense", "shallow", "adtp"
STATIC, RANDOM_RATIO = "adtp_static", "adtp_random_ratio"
ABLATIONS = {"adtp_no_teacher": {"teacher": False}, "adtp_no_ce": {"ce": False}, "adtp_no_logit": {"alpha": 0.0},
             "adtp_no_ig": {"beta": 0.0}, "adtp_no_retainer": {"gamma": 0.0}}
SCORERS = ("attention", "random", "ig", "residual")
ARP_DEFAULTS = {"head_lr_x": 1.0, "arp_balanced": False, "arp_input": "cls"}   # the poster's ratio predictor
ORACLE, STATIC_ORACLE = "adtp_oracle_ratio", "adtp_static_oracle"
HISTORY_EXAMPLES = 128


def variants(cfg: dict, task: str) -> dict[str, dict]:
    """Trained variants of one task: name -> spec (kind, loss weights, m, list length, seeds, group)."""
    t, a = cfg["tasks"][task], cfg["adtp"]
    seeds = t["seeds"]
    main = {"kind": "adtp", "alpha": cfg["loss"]["alpha"], "beta": cfg["loss"]["beta"], "gamma": cfg["loss"]["gamma"],
            "ce": True, "teacher": True, "ig_steps": a["ig_steps"], "n_candidates": a["n_candidates"], **ARP_DEFAULTS}
    out = {DENSE: {"kind": "dense", "seeds": seeds, "group": "main"},
           SHALLOW: {"kind": "shallow", "seeds": seeds, "group": "main"},
           ADTP: {**main, "seeds": seeds, "group": "main"}}
    extra = set(t["extras"])
    if "ablation" in extra:
        out.update({name: {**main, **off, "seeds": seeds[:1], "group": "ablation"} for name, off in ABLATIONS.items()})
    if "candidates" in extra:
        out.update({f"adtp_list{n}": {**main, "n_candidates": n, "seeds": seeds[:1], "group": "candidates"}
                    for n in cfg["candidate_lists"] if n != a["n_candidates"]})
    if "ig_steps" in extra:
        out.update({f"adtp_m{m}": {**main, "ig_steps": m, "seeds": seeds[:1], "group": "ig_steps"}
                    for m in cfg["ig_steps_grid"] if m != a["ig_steps"]})
    if "arp" in extra:           # the ratio predictor given a fair chance (Table 4)
        out.update({name: {**main, **change, "seeds": seeds[:1], "group": "arp"}
                    for name, change in cfg["arp_variants"].items()})
    if "ltp" in extra:           # Learned Token Pruning (Kim et al.), one operating point per initial threshold
        out.update({ltp_name(th): {"kind": "ltp", "threshold": th, "seeds": seeds[:1], "group": "ltp"}
                    for th in cfg["ltp"]["thresholds"]})
    if "sensitivity" in extra:
        for weight, values in cfg["sensitivity"].items():
            for v in values:
                if v != main[weight]:
                    out.setdefault(f"adtp_{weight}{v:g}", {**main, weight: v, "seeds": seeds[:1], "group": "sensitivity"})
    return out


def ltp_name(threshold: float) -> str:
    return f"ltp_t{threshold:g}"


def ltp_variants(cfg: dict, task: str) -> list[str]:
    return [name for name, spec in variants(cfg, task).items() if spec["kind"] == "ltp"]


GROUP_TABLES = ("ablation", "candidates", "ig_steps", "sensitivity", "arp")


def group_tables(cfg: dict, task: str) -> list[str]:
    return [g for g in GROUP_TABLES if g in cfg["tasks"][task]["extras"]]


def targets(cfg: dict) -> list[str]:
    """Every table and figure of the study (what `snakemake adtp` builds)."""
    out = ["results/adtp/tables/summary.csv"]
    for task in cfg["run_tasks"]:
        t = cfg["tasks"][task]
        root = f"results/adtp/{task}"
        out += [f"{root}/tables/{name}.csv" for name in ("methods", "retainer", "consistency")]
        out += [f"{root}/tables/{g}.csv" for g in group_tables(cfg, task)]
        out.append(f"{root}/figures/budget.png")
        out += [f"{root}/figures/{g}.png" for g in ("sensitivity", "candidates") if g in t["extras"]]
        if tasks.binary(cfg["tasks"][task]):
            out.append(f"{root}/significance.csv")
    return out


def joined_inputs(config: dict, task: str) -> dict:
    """The entropy gate's and EAT's tables on the same offline task, when they exist in this
    config (adtp.join_other_studies): their rows join the methods table for reference."""
    a = config["adtp"]
    if not a["join_other_studies"] or a["tasks"][task]["source"] != "rotten_tomatoes":
        return {}
    out = {}
    if config["text_gate"]["source"] == "rotten_tomatoes":
        out["text_gate"] = "results/text_gate/tables/table3.csv"
    eat_tasks = [name for name, t in config["eat"]["tasks"].items() if t["source"] == "rotten_tomatoes"]
    if eat_tasks:
        out["eat"] = f"results/eat/{eat_tasks[0]}/tables/frontier.csv"
    return out


def arp_variants(cfg: dict, task: str) -> list[str]:
    """The retrained ratio predictors of a task (extras: arp)."""
    return [name for name, spec in variants(cfg, task).items() if spec.get("group") == "arp"]


def evaluated_methods(cfg: dict, task: str) -> list[str]:
    """Run directories `evaluate_methods` writes (for the paired tests): the retainer's static, random
    and oracle ratios, each retrained ratio predictor's static twin, and the scorers at AD-TP's ratios."""
    return ([STATIC, RANDOM_RATIO, ORACLE, STATIC_ORACLE] + [f"{v}_static" for v in arp_variants(cfg, task)]
            + [f"{k}_matched" for k in cfg["tasks"][task]["scorers"]])
