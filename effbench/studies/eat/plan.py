"""EAT's plan: which variants a task trains (names, levers, seeds). No torch: the DAG imports it."""
from __future__ import annotations

from ...data import tasks

DENSE, SHALLOW, EAT = "dense", "shallow", "eat"
ABLATIONS = {"eat_no_prune": {"prune": False}, "eat_no_window": {"window": False}, "eat_no_distill": {"distill": False}}
DENSE_CONTINUED = "dense_continued"   # the dense model trained as long again as EAT is (init: dense)
NO_EXIT = "eat_no_exit"          # evaluation-time ablation of the trained EAT model
PATIENCE = "eat_patience"        # evaluation-time variant: confidence and agreement of blocks 3 and 4
HISTORY_EXAMPLES = 128           # validation examples behind the per-epoch history (the final evaluation uses all)


def variants(cfg: dict, task: str) -> dict[str, dict]:
    """Trained variants of one task: name -> {kind, prune, window, distill, seeds}."""
    seeds = cfg["tasks"][task]["seeds"]
    distill = cfg["distill"]["weight"] > 0
    out = {DENSE: {"kind": "dense", "seeds": seeds}, SHALLOW: {"kind": "shallow", "distill": distill, "seeds": seeds},
           EAT: {"kind": "eat", "prune": True, "window": True, "distill": distill, "seeds": seeds}}
    if cfg["tasks"][task]["ablation"]:
        for name, off in ABLATIONS.items():
            out[name] = {**out[EAT], **off, "seeds": seeds[:1]}
    if cfg["init"] == "dense":   # every lever off: what EAT's extra epochs alone give the dense model, on every
        # task, since a method that trains longer than its dense model needs this control beside it
        out[DENSE_CONTINUED] = {"kind": "dense", "continued": True, "distill": False, "seeds": seeds[:1]}
    return out


def tau_key(tau) -> str:
    return "none" if tau is None else f"{tau:g}"


def choose_tau(val_rows: dict, dense_accuracy: float, max_drop_pp: float) -> tuple[float, bool]:
    """(tau, met): the smallest tau (most exits) whose validation accuracy is within max_drop_pp of
    dense, and True; when no tau is, the largest tau (fewest exits) and False, so that the fallback
    is recorded in the metrics and said on the page instead of passing for the rule's choice.
    No torch: the tables re-derive `met` for metrics written before it was recorded."""
    taus = sorted(val_rows)
    ok = [t for t in taus if 100 * (dense_accuracy - val_rows[t]["accuracy"]) <= max_drop_pp + 1e-9]
    return (ok[0], True) if ok else (taus[-1], False)


def targets(cfg: dict) -> list[str]:
    """Every table and figure of the study (what `snakemake eat` builds)."""
    out = []
    for task, t in cfg["tasks"].items():
        out += [f"results/eat/{task}/tables/frontier.csv"] + ([f"results/eat/probe/{task}.json"] if t.get("probe", True) else [])
        out += [f"results/eat/{task}/figures/{fig}.png" for fig in ("frontier", "retention", "exits")]
        if t["ablation"]:
            out += [f"results/eat/{task}/tables/ablation.csv", f"results/eat/{task}/figures/ablation.png"]
        if tasks.binary(t):
            out.append(f"results/eat/{task}/significance.csv")
    return out
