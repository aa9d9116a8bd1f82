"""The 28 rows the last full default run (run 8, docs/results/claims.md) called "reproduced" and that
reproduce no experiment of a paper (issue 29): true by definition or copied from the config, the
paper's own formula at our inputs, one measurement shown as a zero-width CI, and milliseconds on
other hardware with MNIST digits standing in for QuickDraw. Our values and 95% CIs are run 8's."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

NAN = float("nan")
RUN8 = {   # id: (ours, ci_low, ci_high)
    "egp-t2-full-kept": (64, 64, 64), "egp-t2-attn-kept": (32, 32, 32), "egp-t2-ent-kept": (32, 32, 32),
    "egp-t2-attn-flops": (0.625, NAN, NAN), "egp-t2-ent-flops": (0.625, NAN, NAN),
    "egp-abs-flops-saving": (0.375, NAN, NAN), "egp-t2-attn-latency": (0.2679, NAN, NAN),
    "egp-t2-ent-latency": (0.2679, NAN, NAN), "egp-abs-latency-saving": (0.7321, NAN, NAN),
    "egp-s5-latency-full": (83.92, NAN, NAN), "egp-s5-latency-ent": (22.48, NAN, NAN),
    "adtp-t1-bert6s-sst-2-flops": (1.0, NAN, NAN), "eat-s-retention": (0.501, NAN, NAN),
    "der-t2-synthetic_high_raw-speedup": (1, 1, 1), "der-t2-synthetic_parabolic_raw-speedup": (1, 1, 1),
    "der-t20-raw_input-speedup": (1, 1, 1),
    "der-t23-convex_hull_scipy_convexhull-speedup_vs_scipy": (1.0, NAN, NAN),
    "der-t23-delaunay_triangulation_scipy_delaunay-speedup_vs_scipy": (1.0, NAN, NAN),
    "der-t2-synthetic_high_raw-hull_error": (0, 0, 0), "der-t2-synthetic_parabolic_raw-hull_error": (0, 0, 0),
    "der-t2-synthetic_high_heuristic_sort-hull_error": (0, 0, 0),
    "der-t2-synthetic_parabolic_heuristic_sort-hull_error": (0, 0, 0),
    "der-t20-raw_input-entropy_reduction": (0.0, NAN, NAN),
    "der-t17-fixed_anchors-hull_error_hausdorff_10_3": (1.7198, 1.7198, 1.7198),
    "der-t17-1_low_temp-hull_error_hausdorff_10_3": (2.1182, 2.1182, 2.1182),
    "der-t22-quickdraw_low-entropynet": (0.6095, NAN, NAN), "der-t22-quickdraw_low-chan_s_alg": (1.8536, NAN, NAN),
    "der-t22-quickdraw_low-total_pipeline": (2.3577, NAN, NAN),
}
NOT_REPRODUCTIONS = tuple(RUN8)


def write_artefacts(values: dict, claims: list[dict], root: Path, scale: str = "default") -> None:
    """Small CSVs under `root` that hold `values` (id -> (ours, ci_low, ci_high)) in the cells the
    claims' pointers at this scale read."""
    from effbench.claims import pointer

    tables: dict = {}
    for c in claims:
        if c["id"] not in values or not (p := pointer(c, scale)):
            continue
        est, lo, hi = values[c["id"]]
        key, col = p.get("key", "row"), p["column"]
        row = tables.setdefault(p["artefact"], {}).setdefault((key, str(p["row"])), {key: str(p["row"])})
        row.update({col: est, f"{col}_ci_low": lo, f"{col}_ci_high": hi})
    for artefact, rows in tables.items():
        path = root / artefact
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(list(rows.values())).to_csv(path, index=False)
