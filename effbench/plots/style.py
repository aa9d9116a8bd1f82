"""One look for every figure."""
import matplotlib.pyplot as plt

PALETTE = {"full": "tab:gray", "none": "tab:gray", "attention_mass": "tab:blue", "entropy_topk": "tab:orange",
           "random": "tab:green", "entropy_threshold": "tab:red", "gumbel": "tab:purple"}
PAPER_MARKER = {"marker": "D", "color": "k", "s": 30, "zorder": 5}


def colour(name: str) -> str:
    for key, c in PALETTE.items():
        if name == key or name.startswith(key + "_"):
            return c
    return "tab:brown"


def apply_style() -> None:
    plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False, "font.size": 9})
