"""The synthetic track's plan: datasets and variants (gate, keep ratio, IDF, noise). No torch."""
from __future__ import annotations

BASE_DATASET = "base"
MAIN_LABELS = {"none": "full"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def datasets(cfg: dict) -> dict[str, dict]:
    """Named generator settings: the base task and one per noise rate of the stress sweep."""
    out = {BASE_DATASET: dict(cfg["data"])}
    for rate in cfg["ablation"]["noise_rates"]:
        if rate != cfg["data"]["noise_rate"]:
            out[f"noise{_fmt(rate)}"] = {**cfg["data"], "noise_rate": rate}
    return out


def _dataset_for_noise(cfg, rate):
    return BASE_DATASET if rate == cfg["data"]["noise_rate"] else f"noise{_fmt(rate)}"


def variants(cfg: dict) -> dict[str, dict]:
    """Every trained variant: name -> {gate, keep_ratio, idf, dataset, group}.

    main: each gate in cfg['gates'] at the main keep ratio; keep-ratio sweep; noise-flip
    stress sweep; IDF on (at the base noise rate and the harshest one).
    """
    p, abl = cfg["keep_ratio"], cfg["ablation"]
    out = {}

    def add(name, gate, group, keep_ratio=p, idf=False, dataset=BASE_DATASET):
        out.setdefault(name, {"gate": gate, "keep_ratio": 1.0 if gate == "none" else keep_ratio,
                              "idf": idf, "dataset": dataset, "group": group})

    for gate in cfg["gates"]:
        add(MAIN_LABELS.get(gate, gate), gate, "main")
    for gate in abl["keep_ratio_gates"]:
        for ratio in abl["keep_ratios"]:
            name = MAIN_LABELS.get(gate, gate) if ratio == p else f"{gate}_p{_fmt(ratio)}"
            add(name, gate, "keep_ratio", keep_ratio=ratio)
    for gate in abl["noise_gates"]:
        for rate in abl["noise_rates"]:
            if rate != cfg["data"]["noise_rate"]:
                add(f"{MAIN_LABELS.get(gate, gate)}_noise{_fmt(rate)}", gate, "noise",
                    dataset=_dataset_for_noise(cfg, rate))
    if abl["idf"]:
        add("entropy_topk_idf", "entropy_topk", "idf", idf=True)
        harsh = max(abl["noise_rates"])
        if harsh != cfg["data"]["noise_rate"]:
            add(f"entropy_topk_idf_noise{_fmt(harsh)}", "entropy_topk", "idf", idf=True,
                dataset=_dataset_for_noise(cfg, harsh))
    return out


FIGURES = ("loss_curves", "val_accuracy", "val_auc", "bar_accuracy", "bar_kept_tokens", "ablation", "roc_proposed",
           "reliability")
TABLES = ("runs", "table2", "ablation", "calibration", "oracle", "efficiency")


def targets(cfg: dict) -> list[str]:
    """Every table and figure of the study (what `snakemake synthetic` builds)."""
    return ([f"results/synthetic/figures/{f}.{ext}" for f in FIGURES for ext in ("png", "pdf")]
            + [f"results/synthetic/tables/{t}.csv" for t in TABLES] + ["results/synthetic/significance.csv"])
