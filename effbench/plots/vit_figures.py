"""Fig. 3/7/8 analogue: attention patterns of dense, L1 and entropy-regularised ViTs, each map with its
IoU with the digit (computed by the study, studies/vit/evaluate.attention_maps)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..artefacts import save_figure  # noqa: E402
from .style import apply_style  # noqa: E402


def attention_patterns(panels: dict):
    images, maps = panels["images"], panels["maps"]
    iou = {(r["variant"], r["mode"], r["image"]): r["iou"] for r in panels["iou"]}
    cols = 1 + 2 * len(maps)
    fig, axes = plt.subplots(len(images), cols, figsize=(1.6 * cols, 1.6 * len(images)), squeeze=False)
    for i, img in enumerate(images):
        axes[i, 0].imshow(img, cmap="gray")                   # an RGB image ignores the colour map
        for j, (name, m) in enumerate(maps.items()):
            for k, mode in enumerate(("dense", "sparse")):
                ax = axes[i, 1 + 2 * j + k]
                ax.imshow(m[mode][i], cmap="magma")
                if iou[(name, mode, i)] == iou[(name, mode, i)]:        # NaN: the image set has no object masks
                    ax.text(0.03, 0.03, f"IoU {iou[(name, mode, i)]:.2f}", color="white", fontsize=6,
                            transform=ax.transAxes, bbox={"facecolor": "black", "alpha": 0.6, "pad": 1, "linewidth": 0})
                if i == 0:
                    ax.set_title(f"{name}\n{'dense attn' if mode == 'dense' else 'kept keys'}", fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def draw(paths, panels) -> None:
    apply_style()
    fig = attention_patterns(panels)
    save_figure(fig, paths)
    plt.close(fig)
