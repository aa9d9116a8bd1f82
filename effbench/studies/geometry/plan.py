"""The geometry study's plan: EntropyNet runs (family, variant, seed) and their paths. No torch."""
from __future__ import annotations

from ... import paths

MAIN = "ball"
DISPLAY = {"uniform": "Synthetic (High)", "parabolic": "Synthetic (Parabolic)", "mnist": "QuickDraw (Low)"}
METHOD_NAMES = {"none": "Raw", "sort": "Heuristic Sort", "kmeans": "k-means", "akl_toussaint": "Akl-Toussaint",
                "neuralsort": "NeuralSort", "entropynet": "EntropyNet (Ours)"}


def grid_name(k: int, alpha: float) -> str:
    return f"k{k}_alpha{alpha:g}"


def grid(cfg: dict) -> dict[str, dict]:
    """Fig. 5's sensitivity grid: anchor count k x a fixed anchor sharpness alpha (no annealing)."""
    s = cfg["sensitivity"]
    return {grid_name(k, a): {"k": k, "alpha_start": a, "alpha_end": a} for k in s["ks"] for a in s["alphas"]}


def variants(cfg: dict) -> dict[str, dict]:
    """Every EntropyNet variant: name -> overrides of `surrogate` (the configured ones and the grid)."""
    return {**cfg["variants"], **grid(cfg)}


def sweep(cfg: dict) -> list[str]:
    """The variants trained on the sweep family only: the configured sweep and the grid."""
    return [*cfg["sweep"], *(v for v in grid(cfg) if v not in cfg["sweep"])]


def variant_settings(cfg: dict, variant: str) -> dict:
    """The surrogate and loss settings of one variant: the base settings with its overrides."""
    return {**cfg["surrogate"], **variants(cfg)[variant]}


def runs(cfg: dict) -> list[tuple[str, str, int]]:
    """(family, variant, seed) of every EntropyNet to train: the main variant on every family
    with all seeds; the other variants on the sweep family with the first `variant_seeds`."""
    out = [(f, MAIN, s) for f in cfg["families"] for s in cfg["seeds"]]
    out += [(cfg["sweep_family"], v, s) for v in sweep(cfg) for s in cfg["seeds"][: cfg["variant_seeds"]]]
    return out


def train_jobs(cfg: dict) -> dict[str, list[tuple[str, str, int]]]:
    """The EntropyNet training jobs (geometry.train_group) -> the runs each trains, one after the other.

    `run`: one job per run. `family`: one job per family for its main variant (every seed) and one for the
    sweep family's other variants. Not one job per family: a Snakemake job has a fixed number of outputs,
    and the sweep family trains many more runs than the others. Each job start imports torch (3-5 s of
    CPU), a third or more of what a default-scale run costs; a group pays it once."""
    all_runs = runs(cfg)
    if cfg["train_group"] == "run":
        return {f"{f}.{v}.seed{s}": [(f, v, s)] for f, v, s in all_runs}
    jobs = {f: [r for r in all_runs if r[0] == f and r[1] == MAIN] for f in cfg["families"]}
    jobs["sweep"] = [r for r in all_runs if r[1] != MAIN]
    return {name: rs for name, rs in jobs.items() if rs}


def run_dir(family: str, variant: str, seed: int) -> str:
    return paths.run_dir("geometry", variant, seed, family)       # the family is the study's task


NEURALSORT = "neuralsort"


def neuralsort_dirs(cfg: dict, family: str) -> list[str]:
    """Table 20's NeuralSort scorers: one per seed, on the sweep family only."""
    return [run_dir(family, NEURALSORT, s) for s in cfg["seeds"]] if family == cfg["sweep_family"] else []


TABLES = ("table2", "table15", "table16", "table17", "lambda_sweep", "k_alpha", "table20", "table22", "table23",
          "break_even", "within_run_correlation")
FIGURES = ("correlation", "training", "lambda_sweep", "k_alpha", "runtime", "table2", "collapse", "points", "amortisation")
# The figures drawn by one job each rule (a process start per figure cost more than its drawing): those of
# the two analyses that train nothing apart, so that drawing them waits for no training.
FIGURE_JOBS = {"geometry_figure": ("training", "lambda_sweep", "k_alpha", "runtime", "table2", "points", "amortisation"),
               "geometry_analysis_figure": ("correlation", "collapse")}


def targets(cfg: dict) -> list[str]:
    """Every table and figure of the study (what `snakemake geometry` builds)."""
    return ([f"results/geometry/tables/{t}.csv" for t in TABLES] + [f"results/geometry/figures/{f}.png" for f in FIGURES]
            + ["results/geometry/correlation/summary.csv", "results/geometry/collapse.csv"])
