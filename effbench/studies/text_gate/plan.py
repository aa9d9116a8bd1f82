"""The text gate's plan: the dense model and the gated variants. No torch: the DAG imports it."""
from __future__ import annotations

DENSE = "dense"


def variants(cfg: dict) -> dict[str, dict]:
    """name -> {gate, keep_ratio, seeds}: dense, each gate at the main ratio (all seeds),
    and the keep-ratio grid (first seed only)."""
    g = cfg["gate"]
    out = {DENSE: {"gate": None, "keep_ratio": 1.0, "seeds": cfg["seeds"], "group": "main"}}
    for kind in g["gates"]:
        out[f"{kind}_p{g['keep_ratio']:g}"] = {"gate": kind, "keep_ratio": g["keep_ratio"],
                                               "seeds": cfg["seeds"], "group": "main"}
        for ratio in g["keep_ratios"]:
            out.setdefault(f"{kind}_p{ratio:g}", {"gate": kind, "keep_ratio": ratio,
                                                  "seeds": cfg["seeds"][:1], "group": "grid"})
    return out


def targets(cfg: dict) -> list[str]:
    """Every table and figure of the study (what `snakemake text_gate` builds)."""
    return ["results/text_gate/tables/table3.csv", "results/text_gate/figures/speed_vs_keep.png",
            "results/text_gate/significance.csv"]
